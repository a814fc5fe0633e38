"""What each layout rule of the span decoder does to SI F1 on the validation split.

    python bench/edges.py [--model FOLDER] [--data ../shared/data/ptc] [--sentences]

The rules (unspin.decoding): ``breaks`` — no span crosses a paragraph break or runs from the
title line into the body; ``trim_punctuation`` — no span starts or ends on punctuation that
annotators leave outside. The encoder runs once over the 52 validation articles; each of the
four on/off combinations is then scored with the decoder settings chosen on all articles
(in-sample) and 2-fold (chosen on one half, scored on the other; unspin.evaluation.two_fold_si),
and the script counts predicted spans that break either rule. ``--sentences`` adds the rule
``sentence_breaks`` (no span crosses a sentence start) on top of both, and counts spans that
cross one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
sys.path.insert(0, str(ROOT / "src"))

from unspin.corpus import read_articles, read_labels, validation_split  # noqa: E402
from unspin.decoding import _trimmed, break_positions  # noqa: E402
from unspin.evaluation import DECODER_GRID, evaluate_si, predict_si, tagger_factory, two_fold_si  # noqa: E402
from unspin.runtime import model_dir  # noqa: E402


def violations(spans, articles) -> dict[str, int]:
    """Predicted spans that cross a break / a sentence start / start or end on punctuation the
    rules would drop."""
    cross = sentence = edge = 0
    cuts = {a: break_positions(t) for a, t in articles.items()}
    sentence_cuts = {a: break_positions(t, sentences=True) for a, t in articles.items()}
    for l in spans:
        c, sc = cuts[l.article_id], sentence_cuts[l.article_id]
        cross += bool(((c >= l.start) & (c < l.end)).any())
        sentence += bool(((sc > l.start) & (sc < l.end)).any())
        edge += _trimmed(articles[l.article_id], l.start, l.end) != (l.start, l.end)
    return {"spans": len(spans), "crossing_a_break": cross, "crossing_a_sentence_start": sentence, "punctuation_edge": edge}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(SHARED / "ptc"))
    ap.add_argument("--model", default=str(model_dir("en")))
    ap.add_argument("--sentences", action="store_true", help="only compare sentence_breaks off / on (both other rules on)")
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")
    data = Path(args.data)
    articles = read_articles(data / "train-articles")
    _, val_ids = validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    gold = [l for l in read_labels(data / "train-task-flc-tc.labels") if l.article_id in val]
    make = tagger_factory(Path(args.model), val.values())
    rows = {}
    combos = [(True, True, False), (True, True, True)] if args.sentences else [(b, t, False) for b in (False, True) for t in (False, True)]
    for breaks, trim, sentences in combos:
        grid_make = lambda *s, b=breaks, t=trim, z=sentences: make(*s, breaks=b, trim_punctuation=t, sentence_breaks=z)  # noqa: E731
        best = max(DECODER_GRID, key=lambda s: evaluate_si(grid_make(*s), val, gold, techniques=False).overall.f1)
        si = evaluate_si(grid_make(*best), val, gold).overall
        honest, _ = two_fold_si(grid_make, DECODER_GRID, val, gold)
        key = f"breaks={'on' if breaks else 'off'} trim_punctuation={'on' if trim else 'off'} sentence_breaks={'on' if sentences else 'off'}"
        rows[key] = {"si_f1": round(si.f1, 4), "precision": round(si.precision, 4), "recall": round(si.recall, 4),
                     "si_two_fold": round(honest.overall.f1, 4), "settings": best,
                     **violations(predict_si(grid_make(*best), val), val)}
        print(key, json.dumps(rows[key]), flush=True)


if __name__ == "__main__":
    main()
