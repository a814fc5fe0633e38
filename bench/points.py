"""The span model's operating points, each with and without sentence breaks, on the PTC
validation split and the bundled column.

    python bench/points.py [--model src/unspin/models/en] [--outputs PICKLE | --save-outputs PICKLE]

Per point (the model's ``points`` and its default) and per layout (``sentence_breaks`` off /
on; a point that cuts runs over ``max_sentences`` sentences also without the cut), and for
the sensitive point also named from its own passages instead of the default's
inside them (``TechniqueTagger.named_by``); the way each point ships is starred:
- SI P / R / F1, the official partial-overlap measure on the merged submission;
- exact-match span F1 (``unspin.scoring.exact_match_f1``, boundaries equal after trimming);
- span + technique F1 (``unspin.scoring.span_technique_prf``: overlap credit only under the
  same technique, against the PTC technique labels), what a reader sees: passages and names;
- on the bundled column (``bench/data/column_passages.json``, 15 passages one reader marked; not
  a benchmark): passages touched and touched with the right technique.

The encoder runs once over the 52 validation articles (about 8 minutes on 2 cores for the
base-size model); ``--outputs`` reuses outputs saved by ``--save-outputs`` or by
``scripts/tune_points.py --save-outputs``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "src" / "unspin" / "models" / "en"), help="a span model folder")
    ap.add_argument("--data", default=str(SHARED / "ptc"))
    ap.add_argument("--outputs", help="encoder outputs of the validation articles (a pickle by article id)")
    ap.add_argument("--save-outputs", help="save the encoder outputs here")
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")

    from unspin import corpus
    from unspin.components.techniques import TechniqueTagger
    from unspin.config import SENSITIVITIES
    from unspin.corpus import Label
    from unspin.document import Document
    from unspin.evaluation import si_submission
    from unspin.scoring import exact_match_f1, si_prf, span_technique_prf

    folder, data = Path(args.model), Path(args.data)
    articles = corpus.read_articles(data / "train-articles")
    _, val_ids = corpus.validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    keep = set(val)
    gold_si = [l for l in corpus.read_labels(data / "train-task-si.labels") if l.article_id in keep]
    gold_tc = [l for l in corpus.read_labels(data / "train-task-flc-tc.labels") if l.article_id in keep]
    tagger = TechniqueTagger.from_folder(folder)
    if args.outputs:
        outs = pickle.loads(Path(args.outputs).read_bytes())
    else:
        outs = {a: tagger.encoder(t) for a, t in val.items()}
        if args.save_outputs:
            Path(args.save_outputs).write_bytes(pickle.dumps(outs))
    by_text = {val[a]: outs[a] for a in val}
    column = json.loads((ROOT / "bench" / "data" / "column_passages.json").read_text(encoding="utf-8"))["passages"]
    column_text = (ROOT / "examples" / "column.txt").read_text(encoding="utf-8")
    config = tagger.encoder.config
    live = tagger.encoder

    rows = []
    for point in [p for p in SENSITIVITIES if p == "default" or p in config.points]:
        shipped_tagger = TechniqueTagger.from_config(live, tagger.head, config, sensitivity=point)
        ships_with = shipped_tagger.sentence_breaks
        variants = [(breaks, shipped_tagger.named_by) for breaks in (False, True)]
        if shipped_tagger.named_by is not None:  # the sensitive point: also named from its own passages
            variants.append((ships_with, None))
        cut = shipped_tagger.max_sentences
        variants = [(b, n, cut) for b, n in variants]
        if cut and not ships_with:  # the point also without its cut of long runs (``max_sentences``; breaks cut every run)
            variants.append((ships_with, shipped_tagger.named_by, 0))
        for breaks, named_by, max_sentences in variants:
            if named_by is not None:
                named_by = {**named_by, "sentence_breaks": breaks}  # the default's thresholds, the row's layout
            t = TechniqueTagger.from_config(live, tagger.head, config, sensitivity=point, sentence_breaks=breaks, named_by=named_by,
                                            max_sentences=max_sentences)
            t.encoder = by_text.__getitem__
            pred = [Label(a, s.start, s.end, s.label) for a, text in val.items() for s in t(Document(text)).spans]
            sub = si_submission(pred)
            si, exact, both = si_prf(sub, gold_si), exact_match_f1(sub, gold_si, val), span_technique_prf(pred, gold_tc)
            t.encoder = live
            spans = list(t(Document(column_text)).spans)
            touched = [p for p in column if any(s.start < p["end"] and p["start"] < s.end for s in spans)]
            right = [p for p in touched if any(s.start < p["end"] and p["start"] < s.end and s.label == p["technique"] for s in spans)]
            shipped = "*" if (breaks == ships_with and (named_by is None) == (shipped_tagger.named_by is None)
                              and max_sentences == cut) else " "
            naming = "default's passage inside" if named_by else "itself"
            limit = f"{max_sentences}" if max_sentences and not breaks else "-"
            rows.append(f"| {point}{shipped} | {'on' if breaks else 'off'} | {limit} | {naming} | {si.precision:.3f} / {si.recall:.3f} / {si.f1:.4f} | "
                        f"{exact.f1:.4f} | {both.f1:.4f} | {len({(l.start, l.end, l.article_id) for l in pred})} | "
                        f"{len(touched)} / {len(right)} of {len(column)} |")
    print(f"{config.name}, PTC validation split ({len(val)} articles); * as the point ships\n")
    print("| point | sentence breaks | runs cut over N sentences | named from | SI P / R / F1 | exact-match F1 | span + technique F1 | passages "
          "| column: touched / right technique |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
