"""Phrase edges and operating points of a span model, chosen on the PTC validation split.

    python scripts/tune_points.py src/unspin/models/en            # measure and print
    python scripts/tune_points.py src/unspin/models/en --write    # also write edges.json and config.json there

1. **Edge lexicon** (``unspin.decoding.EdgeLexicon``): for every word, how often it ends or starts
   a gold span of PTC's *training* articles (the validation split left out), with the counts by
   its last three letters as the back-off; written as ``edges.json`` in the model folder.
2. **Phrase edges** (``unspin.decoding.PhraseEdges``): the thresholds with the best exact-match
   span F1 (``unspin.scoring.exact_match_f1``, boundaries equal after trimming) among those that
   keep the official SI F1 of the shipped decoder, on the validation split; the figure with the
   thresholds chosen on the other half of the articles (2-fold) is reported beside it.
3. **Operating points** (``SpanModelConfig.points``): the default stays the F1-best decoder
   setting the model shipped with. Over ``POINT_GRID`` (phrase edges on): **precise** is the most
   precise setting that keeps at least half of the default's recall; **sensitive** the setting
   with the best F2 (recall weighted twice; within ``F2_TIE`` of it, the best F1): ``unspin.evaluation.choose_points``,
   which ``unspin train spans`` also runs on its held-out articles. Each point may also keep spans inside sentences
   (``sentence_breaks``): a grid dimension like the thresholds. SI P/R/F1 of each, in-sample and 2-fold (chosen on
   one half of the articles, scored on the other, pooled).

The encoder runs once over the 52 validation articles (about 8 minutes on 2 cores for the
base-size model); ``--outputs PICKLE`` reuses outputs saved by an earlier run (``--save-outputs``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin import corpus  # noqa: E402
from unspin.corpus import Label  # noqa: E402
from unspin.decoding import EdgeLexicon, PhraseEdges, decode  # noqa: E402
from unspin.evaluation import POINT_GRID, POINT_KEYS, choose_points, si_submission  # noqa: E402
from unspin.scoring import exact_match_f1, si_prf, trimmed_edges  # noqa: E402

_WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")
EDGE_GRID = list(itertools.product((0.05, 0.08, 0.12, 0.16), (0.05, 0.1, 0.15), (0.05, 0.1, 0.15), (0.05, 0.1)))


def build_lexicon(data: Path, train_ids: list[str], articles: dict[str, str]) -> dict:
    """``edges.json``'s content: per lower-cased word ``[ends, inside_not_last, starts,
    inside_not_first]`` over the distinct gold TC spans of ``train_ids``, and the same summed
    by the last three letters."""
    keep = set(train_ids)
    gold = corpus.group_by_article([l for l in corpus.read_labels(data / "train-task-flc-tc.labels") if l.article_id in keep])
    words: dict[str, list[int]] = {}
    for art, labels in gold.items():
        text = articles[art]
        for start, end in {(l.start, l.end) for l in labels}:
            a, b = trimmed_edges(text, start, end)
            ws = [m.group(0).lower() for m in _WORD.finditer(text, a, b)]
            if not ws:
                continue
            for i, w in enumerate(ws):
                c = words.setdefault(w, [0, 0, 0, 0])
                c[0 if i == len(ws) - 1 else 1] += 1
                c[2 if i == 0 else 3] += 1
    suffixes: dict[str, list[int]] = {}
    for w, c in words.items():
        s = suffixes.setdefault(w[-3:], [0, 0, 0, 0])
        for i in range(4):
            s[i] += c[i]
    return {"what": "PTC training split (validation articles left out): per word [ends, inside_not_last, starts, inside_not_first] "
                    "over distinct gold technique spans; suffixes: the same by the last 3 letters",
            "prior_weight": 5.0, "words": dict(sorted(words.items())), "suffixes": dict(sorted(suffixes.items()))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", help="a span model folder (config.json, encoder, head)")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"))
    ap.add_argument("--outputs", help="encoder outputs of the validation articles saved by --save-outputs (skips the encoder)")
    ap.add_argument("--save-outputs", help="save the encoder outputs here")
    ap.add_argument("--write", action="store_true", help="write edges.json and the chosen settings into the folder")
    args = ap.parse_args()
    from unspin.components.techniques import TechniqueTagger
    from unspin.config import SpanModelConfig

    folder, data = Path(args.folder), Path(args.data)
    articles = corpus.read_articles(data / "train-articles")
    train_ids, val_ids = corpus.validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    gold = [l for l in corpus.read_labels(data / "train-task-si.labels") if l.article_id in val]
    lex_data = build_lexicon(data, train_ids, articles)
    lexicon = EdgeLexicon(lex_data["words"], lex_data["suffixes"], lex_data["prior_weight"])
    config = SpanModelConfig.read(folder)
    if args.outputs:
        outs = pickle.loads(Path(args.outputs).read_bytes())
    else:
        tagger = TechniqueTagger.from_folder(folder)
        outs = {a: tagger.encoder(t) for a, t in val.items()}
        if args.save_outputs:
            Path(args.save_outputs).write_bytes(pickle.dumps(outs))
    base = config.decoding()
    shipped = tuple(base[k] for k in POINT_KEYS)

    decoded: dict = {}  # (setting, edges, article) -> spans: the halves reuse the whole split's decoding

    def spans(setting, edges, ids):
        out = []
        for a in ids:
            key = (setting, edges and (edges.end_below, edges.end_min_in, edges.start_below, edges.start_min_in, edges.max_words), a)
            if key not in decoded:
                decoded[key] = [Label(a, s.start, s.end) for s in decode(outs[a].enc, outs[a].probs, val[a], setting[0], setting[1],
                                edge_start=setting[2], edge_end=setting[3], breaks=base["breaks"], trim_punctuation=base["trim_punctuation"],
                                sentence_breaks=setting[4], phrase_edges=edges)]
            out += decoded[key]
        return out

    def measure(setting, edges, ids):
        sub = si_submission(spans(setting, edges, ids))
        g = [l for l in gold if l.article_id in set(ids)]
        return si_prf(sub, g), exact_match_f1(sub, g, val)

    ids = sorted(val)
    halves = [ids[0::2], ids[1::2]]
    report: dict = {}
    si0, ex0 = measure(shipped, None, ids)
    report["without_phrase_edges"] = {"si": si0.as_dict(), "exact_match": ex0.as_dict()}

    def choose_edges(fit):
        si_fit, _ = measure(shipped, None, fit)
        scored = [(g, *measure(shipped, PhraseEdges(lexicon, *g), fit)) for g in EDGE_GRID]
        ok = [x for x in scored if x[1].f1 >= si_fit.f1 - 1e-9] or scored
        return max(ok, key=lambda x: x[2].f1)[0]

    chosen = choose_edges(ids)
    edges = PhraseEdges(lexicon, *chosen)
    si1, ex1 = measure(shipped, edges, ids)
    pooled = []
    for fit, app in (halves, halves[::-1]):
        pooled += spans(shipped, PhraseEdges(lexicon, *choose_edges(fit)), app)
    sub = si_submission(pooled)
    report["phrase_edges"] = {"chosen": dict(zip(("end_below", "end_min_in", "start_below", "start_min_in"), chosen)),
                              "si": si1.as_dict(), "exact_match": ex1.as_dict(),
                              "two_fold": {"si_f1": round(si_prf(sub, gold).f1, 4), "exact_match_f1": round(exact_match_f1(sub, gold, val).f1, 4)}}
    print(json.dumps(report, indent=1), flush=True)

    def points_on(fit):
        return choose_points(lambda g: measure(g, edges, fit)[0], measure(shipped, edges, fit)[0], POINT_GRID)

    points = points_on(ids)
    report["points"] = {"default": {**dict(zip(POINT_KEYS, shipped)), "si": si1.as_dict()}}
    for name, setting in points.items():
        report["points"][name] = {**dict(zip(POINT_KEYS, setting)), "si": measure(setting, edges, ids)[0].as_dict(),
                                  "exact_match": measure(setting, edges, ids)[1].as_dict()}
    for name in points:
        pooled = []
        for fit, app in (halves, halves[::-1]):
            pooled += spans(points_on(fit)[name], edges, app)
        report["points"][name]["two_fold_si"] = si_prf(si_submission(pooled), gold).as_dict()
    n_default = len(spans(shipped, edges, ids))
    for name in ("default", *points):
        setting = shipped if name == "default" else points[name]
        report["points"][name]["passages_per_default_passage"] = round(len(spans(setting, edges, ids)) / max(n_default, 1), 2)
    print(json.dumps(report["points"], indent=1), flush=True)
    if args.write:
        from unspin.config import write_config

        (folder / "edges.json").write_text(json.dumps(lex_data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        cfg["phrase_edges"] = {"file": "edges.json", **report["phrase_edges"]["chosen"], "max_words": 3}
        # A point's ``max_sentences`` is a layout rule measured apart (bench/points.py), kept as it is.
        kept = {name: {k: v for k, v in cfg.get("points", {}).get(name, {}).items() if k == "max_sentences"} for name in points}
        cfg["points"] = {name: {**dict(zip(POINT_KEYS, points[name])), **kept[name]} for name in points}
        cfg.setdefault("validation", {})["points"] = report["points"]
        cfg["validation"]["phrase_edges"] = report["phrase_edges"]
        cfg["points_command"] = f"python scripts/tune_points.py {args.folder} --write"
        write_config(folder, cfg, SpanModelConfig)
        print(f"wrote {folder / 'edges.json'} and {folder / 'config.json'}")


if __name__ == "__main__":
    main()
