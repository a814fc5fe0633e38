"""How often the input road's warnings fire on ordinary articles (their false-alarm rate).

    python bench/warnings_rate.py [FOLDER ...]    # default: PTC train and ZenPropaganda train articles

Each article<ID>.txt is read as `unspin analyze FILE` reads it (``unspin.inputs.read``), then
checked by the warnings the pipeline adds before any model runs: the language identification
(undetermined or another language than the folder's majority), the mixed-script warning
(``unspin.language.mixed_script_warning``) and, for English, the genre caution
(``GenreModel.caution``). Printed: per folder, the number of articles and how many earned each
warning (the first 60 characters of the warning), with one example file each. These are news and
blog articles, so every warning here is a false alarm.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
DEFAULT = [SHARED / "ptc" / "train-articles", SHARED / "ru_zen_prop" / "train-articles"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", type=Path, default=DEFAULT)
    args = ap.parse_args()
    args.folders = [need_folder(f, "FOLDER ... (the folders to read, as arguments)") for f in args.folders]
    sys.path.insert(0, str(ROOT / "src"))
    from unspin.components.genre import load_genre_model
    from unspin.inputs import read
    from unspin.language import decide, identify, mixed_script_warning
    from unspin.view import ModelView

    genre = load_genre_model()
    for folder in args.folders:
        paths = sorted(folder.glob("article*.txt"))
        sources = {p.name: read(p.read_bytes(), p.name) for p in paths}
        idents = {name: identify(ModelView.of(src.text).text) for name, src in sources.items()}
        majority = Counter(decide(i) for i in idents.values()).most_common(1)[0][0]
        found: list[tuple[str, str]] = []  # (warning, article)
        for name, src in sources.items():
            found += [(w[:60], name) for w in src.warnings]
            if decide(idents[name]) != majority:
                found.append((f"language {decide(idents[name])}, not {majority}", name))
            if mixed_script_warning(idents[name], majority):
                found.append(("mixed script", name))
            caution = genre.caution(src.text) if majority == "en" else None
            if caution:
                found.append(("genre caution: " + caution[:45], name))
        counts = Counter(kind for kind, _ in found)
        example = {}
        for kind, name in found:
            example.setdefault(kind, name)
        print(f"{folder}: {len(paths)} articles ({majority}); warnings: " + (", ".join(
            f"{k!r} {n} (e.g. {example[k]})" for k, n in counts.most_common()) or "none"))

if __name__ == "__main__":
    main()
