"""Does a reading depend on things it should not? Two measures, on the shipped models (or
``--root`` another checkout's ``src``, to compare versions):

    python bench/stability.py [--fast] [--root PATH/src] [--articles 8] [--edits 6]

- **One-word edits.** The bundled column and the first ``--articles`` PTC validation articles
  (``unspin.corpus.validation_split``), each with ``--edits`` one-word edits at random places
  (a word of 4+ letters replaced by a near-synonym or its plural in ``s``; seeded). For each
  passage of the unedited text that lies more than 300 characters from the edit: is it still
  there with the same extent (after shifting offsets past the edit), and with the same
  technique? An edit that far away changes the words the encoder attends to only a little, so
  a passage that moves there moved mostly for another reason.
- **Batch companions** (claims). The sentences of the bundled column and news report, each
  read alone by the claims model and then in random batches of the model's batch size (three
  shuffles): mean and largest |difference| of P(check-worthy), and the share of sentences whose
  side of the shipped threshold changes. A sentence's score should not depend on which other
  sentences share its call.

Prints one table row per measure; ``--format json`` for the figures alone.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)

NEAR = {"said": "stated", "big": "large", "also": "too", "very": "really", "people": "citizens", "country": "nation",
        "government": "administration", "many": "numerous", "new": "fresh", "now": "today"}
FAR = 300  # characters between a passage and the edit


def edits(text: str, k: int, rng: random.Random) -> list[tuple[str, int, int, int]]:
    """``k`` one-word edits of ``text``: (edited text, start, end of the replaced word, length change)."""
    words = list(re.finditer(r"\b[a-z]{4,}\b", text))
    out = []
    for _ in range(k):
        m = rng.choice(words)
        new = NEAR.get(m.group(), m.group() + "s")
        out.append((text[: m.start()] + new + text[m.end():], m.start(), m.end(), len(new) - (m.end() - m.start())))
    return out


def edit_locality(tagger, texts: list[str], k: int, seed: int = 0) -> dict[str, float]:
    """Share of passages more than ``FAR`` characters from a one-word edit whose extent, or
    technique, changed."""
    from unspin.document import Document

    rng = random.Random(seed)
    total = moved = renamed = 0
    for text in texts:
        base = [(s.start, s.end, s.label) for s in tagger(Document(text)).spans]
        for edited, a, b, shift in edits(text, k, rng):
            got = set()
            for s in tagger(Document(edited)).spans:
                start, end = s.start, s.end
                if start >= b + shift:
                    start, end = start - shift, end - shift
                elif end > a:
                    continue
                got.add((start, end, s.label))
            extents = {(s, e) for s, e, _ in got}
            for s, e, label in base:
                if e < a - FAR or s > b + FAR:
                    total += 1
                    moved += (s, e) not in extents
                    renamed += (s, e) in extents and (s, e, label) not in got
    return {"passages": total, "extent_changed": round(moved / total, 4), "technique_changed": round(renamed / total, 4)}


def batch_independence(folder: Path, texts: list[str], threshold: float, batch: int, seed: int = 0) -> dict[str, float]:
    """P(check-worthy) of each sentence alone against in random batches of ``batch``."""
    import numpy as np

    from unspin.article.embed import OnnxTextModel
    from unspin.article.sentences import split_sentences
    from unspin.runtime import softmax

    sentences = [t[a:b] for t in texts for a, b in split_sentences(t)]
    model = OnnxTextModel(folder)
    alone = np.array([softmax(model([s]))[0, 1] for s in sentences])
    rng = np.random.default_rng(seed)
    diffs, flips = [], []
    for _ in range(3):
        order = rng.permutation(len(sentences))
        got = np.zeros(len(sentences))
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            got[idx] = softmax(model([sentences[j] for j in idx]))[:, 1]
        diffs.append(np.abs(got - alone))
        flips.append((got >= threshold) != (alone >= threshold))
    d, f = np.concatenate(diffs), np.concatenate(flips)
    return {"sentences": len(sentences), "mean_abs_diff": round(float(d.mean()), 4), "max_abs_diff": round(float(d.max()), 4),
            "threshold_side_changed": round(float(f.mean()), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fast", action="store_true", help="the fast models (en-fast, en-claims)")
    ap.add_argument("--root", default=str(ROOT / "src"), help="the src folder of the unspin to measure (default: this checkout's)")
    ap.add_argument("--data", default=str(SHARED / "ptc"))
    ap.add_argument("--articles", type=int, default=8)
    ap.add_argument("--edits", type=int, default=6)
    ap.add_argument("--format", choices=["text", "json"], default="text")
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")
    sys.path.insert(0, args.root)

    from unspin import corpus
    from unspin.components.techniques import TechniqueTagger
    from unspin.runtime import model_dir

    articles = corpus.read_articles(Path(args.data) / "train-articles")
    _, val = corpus.validation_split(articles)
    column = (ROOT / "examples" / "column.txt").read_text(encoding="utf-8")
    news = (ROOT / "examples" / "news.txt").read_text(encoding="utf-8")
    spans_name, claims_name = ("en-fast", "en-claims") if args.fast else ("en", "en-claims-base")
    tagger = TechniqueTagger.from_folder(model_dir(spans_name))
    claims_folder = model_dir(claims_name)
    claims_config = json.loads((claims_folder / "config.json").read_text(encoding="utf-8"))
    # The shipped threshold is on the calibrated score; compare raw probabilities at the raw
    # probability that calibration maps to it (Platt: logit(p_cal) = a * logit(p) + b).
    import math

    cal = claims_config.get("calibration") or {}
    t = claims_config["threshold"]
    if cal.get("a"):
        logit = (math.log(t / (1 - t)) - cal.get("b", 0.0)) / cal["a"]
        t = 1 / (1 + math.exp(-logit))
    result = {
        "model": tagger.encoder.config.name,
        "edits": edit_locality(tagger, [column] + [articles[a] for a in sorted(val)[: args.articles]], args.edits),
        "claims": batch_independence(claims_folder, [column, news], t, int(claims_config.get("batch", 8))),
    }
    if args.format == "json":
        print(json.dumps(result, indent=1))
        return
    e, c = result["edits"], result["claims"]
    print(f"{result['model']} ({args.root})")
    print(f"one-word edits: {e['passages']} passages over {FAR} characters from the edit; extent changed {e['extent_changed']:.1%}, "
          f"technique changed {e['technique_changed']:.1%}")
    print(f"claims ({claims_name}, {c['sentences']} sentences, batches of {claims_config.get('batch', 8)}): |P alone - P in a batch| "
          f"mean {c['mean_abs_diff']:.4f}, largest {c['max_abs_diff']:.3f}; side of the threshold changed for {c['threshold_side_changed']:.1%}")


if __name__ == "__main__":
    main()
