"""Score the shipped models on data they were never trained on.

    python bench/quality.py [--data ../shared/data/ptc] [--format text|json] [--spans-only]
                            [--model FOLDER | --fast] [--two-fold]
    python bench/quality.py --language ru [--model FOLDER]   # ZenPropaganda validation split

Article-level figures (check-worthy claims F1, genre macro-F1) come from
bench/quality_article.py, which this script runs too unless --spans-only is given.

The split is unspin.corpus.validation_split (15% of the training articles, by article), the
same one scripts/train_spans.py holds out. Prints SI (official partial-overlap F1) and TC
(micro-F1 on the gold spans), overall and per technique. --two-fold adds SI with the decoding
settings (unspin.evaluation.DECODER_GRID) chosen on one half of those articles and applied to the
other (two_fold_si): the shipped settings were chosen on all of them, which flatters the plain figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)


def ru_baselines(articles: dict[str, str]) -> dict[str, list]:
    """Trivial outputs that tell how to read the Russian figures: one span per whole article,
    per line (paragraph), per razdel sentence; each trimmed of surrounding whitespace."""
    import re

    import razdel

    from unspin.corpus import Label

    out: dict[str, list] = {"whole_article": [], "one_span_per_line": [], "one_span_per_sentence": []}
    for art, text in articles.items():
        cuts = {
            "whole_article": [(0, len(text))],
            "one_span_per_line": [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)],
            "one_span_per_sentence": [(s.start, s.stop) for s in razdel.sentenize(text)],
        }
        for kind, segs in cuts.items():
            for a, b in segs:
                while a < b and text[a].isspace():
                    a += 1
                while b > a and text[b - 1].isspace():
                    b -= 1
                if b > a:
                    out[kind].append(Label(art, a, b))
    return out


IOU_BINS = (0.0, 0.01, 0.5, 1.01)


def best_iou_bins(predicted: list, gold: list) -> dict[str, dict[str, int]]:
    """Where spans go wrong: for each predicted span its best IoU with any gold span of its
    article, and for each distinct gold span its best IoU with any predicted one, counted as
    none (< 0.01), partial (0.01-0.5) and matched (>= 0.5); not one to one, unlike span F1."""
    from unspin.corpus import group_by_article
    from unspin.scoring import iou

    p_by, g_by = group_by_article(predicted), group_by_article(gold)
    out = {}
    for name, mine, other in (("predicted", p_by, g_by), ("gold", g_by, p_by)):
        best = []
        for art, items in mine.items():
            theirs = [(o.start, o.end) for o in other.get(art, [])]
            best += [max((iou(span, o) for o in theirs), default=0.0) for span in {(l.start, l.end) for l in items}]
        counts = np.histogram(best, bins=IOU_BINS)[0]
        out[name] = dict(zip(("none", "partial", "matched"), (int(c) for c in counts)))
    return out


def capped_sweep(tagger, articles: dict[str, str], gold: list, caps: tuple[float, ...]) -> dict[str, dict]:
    """For each cap: the unit-decoder setting (``unspin.ru_decoding.UNIT_GRID``) with the best span
    F1 at IoU >= 0.5 among those marking at most that share of the characters, chosen and scored
    on the same articles (as the shipped setting is). Says what a decoder that leaves text
    unmarked would cost."""
    from unspin.evaluation import unit_sweep
    from unspin.ru_decoding import UNIT_KEYS, pick_setting

    sweep = unit_sweep(articles, {a: tagger.encoder(t) for a, t in articles.items()}, gold)
    out = {}
    for cap in caps:
        if any(cov <= cap for _, cov in sweep.values()):
            setting = pick_setting(sweep, cap)
            f1, cov = sweep[setting]
            out[str(cap)] = {"span_f1_iou50": round(f1, 4), "coverage": round(cov, 4), "setting": dict(zip(UNIT_KEYS, setting))}
    return out


def ru_quality(data: Path, model: str | None) -> dict:
    """Russian measures on unspin.corpus.ru_validation_split (21 ZenPropaganda train articles):
    span F1 at IoU >= 0.5 (the measure that counts; with the shipped decoder and 2-fold, decoder
    chosen on the other half), official SI F1, TC micro-F1 on the 36 names and macro-F1 over the
    6 meta-classes (TC on the gold spans), and the trivial baselines on the same articles."""
    from unspin import corpus, taxonomy
    from unspin.components.techniques import TechniqueTagger
    from unspin.evaluation import predict_si, predict_tc
    from unspin.evaluation import tune_unit_decoder as tune_folder
    from unspin.runtime import model_dir
    from unspin.scoring import coverage, macro_f1, si_prf, span_f1_iou, score_tc

    articles, gold, meta = corpus.read_ru_zen_prop(data)
    _, val_ids = corpus.ru_validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    gold = [l for l in gold if l.article_id in val]
    folder = Path(model) if model else model_dir("ru")
    import functools

    tagger = TechniqueTagger.from_folder(folder)
    tagger.encoder = functools.lru_cache(maxsize=None)(tagger.encoder)  # encode each article once
    t0 = time.perf_counter()
    spans = predict_si(tagger, val)
    tc = predict_tc(tagger, val, gold)
    macro, per = macro_f1(tc, gold, {t.name: t.meta_class for t in taxonomy.RU_TECHNIQUES})
    result = {
        "model": str(folder),
        "articles": len(val),
        "gold_spans": len({(l.article_id, l.start, l.end) for l in gold}),
        "span_f1_iou50": span_f1_iou(spans, gold).as_dict(),
        "si_official": si_prf(spans, gold).as_dict(),
        "tc_micro_f1": round(score_tc(tc, gold).overall.f1, 4),
        "meta_class_macro_f1": round(macro, 4),
        "per_meta_class_f1": {k: round(v.f1, 4) for k, v in per.items()},
        "seconds": round(time.perf_counter() - t0, 1),
    }
    result["best_iou"] = best_iou_bins(spans, gold)
    # Share of the articles' characters inside a span (overlaps counted once), predicted and gold.
    lengths = {a: len(t) for a, t in val.items()}
    result["coverage"] = {"predicted": round(coverage(spans, lengths), 4), "gold": round(coverage(gold, lengths), 4)}
    result["best_with_coverage_at_most"] = capped_sweep(tagger, val, gold, (0.5, 0.6, 0.7))
    # The 2-fold figure chooses settings under the same limit on marked text as the shipped ones.
    limit = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("validation", {}).get("max_coverage")
    tuned = tune_folder(folder, data, tagger, max_coverage=limit)
    result["span_f1_iou50_two_fold"] = tuned["measures"]["span_f1_iou50_two_fold"]
    result["two_fold_settings"] = tuned["two_fold_settings"]
    for kind, pred in ru_baselines(val).items():
        result[f"baseline_{kind}"] = {"span_f1_iou50": round(span_f1_iou(pred, gold).f1, 4), "si_official": round(si_prf(pred, gold).f1, 4)}
    return result


def confusion(predicted: list, gold: list) -> dict:
    """Gold technique (rows) against predicted technique (columns) over the gold spans: a span's
    labels that match count on the diagonal, the rest pair up in order. ``{"labels", "matrix"}``."""
    from collections import Counter, defaultdict

    from unspin.taxonomy import TECHNIQUES

    labels = [t.name for t in TECHNIQUES]
    g_by, p_by = defaultdict(list), defaultdict(list)
    for l in gold:
        g_by[(l.article_id, l.start, l.end)].append(l.technique)
    for l in predicted:
        p_by[(l.article_id, l.start, l.end)].append(l.technique)
    cells: Counter = Counter()
    for key, gs in g_by.items():
        ps, rest = list(p_by[key]), []
        for g in gs:
            if g in ps:
                ps.remove(g)
                cells[(g, g)] += 1
            else:
                rest.append(g)
        for g, p in zip(rest, ps):
            cells[(g, p)] += 1
    return {"labels": labels, "matrix": [[cells[(g, p)] for p in labels] for g in labels]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(SHARED / "ptc"))
    ap.add_argument("--format", choices=["text", "json"], default="text")
    ap.add_argument("--spans-only", action="store_true", help="skip claims and genre")
    ap.add_argument("--model", help="span model folder to score instead of the shipped one")
    ap.add_argument("--fast", action="store_true", help="score the small English span model (models/en-fast) instead of the default")
    ap.add_argument("--two-fold", action="store_true", help="also report SI F1 with decoder settings chosen on the other half")
    ap.add_argument("--confusion", action="store_true", help="also print the TC confusion matrix (gold technique by predicted)")
    ap.add_argument("--extend-floor", type=float, nargs="*", default=[], metavar="T",
                    help="with --two-fold: also try these extend thresholds below the grid's (e.g. 0.02 0.03)")
    ap.add_argument("--language", choices=["en", "ru"], default="en",
                    help="ru: the Russian model on its ZenPropaganda validation split (see ru_quality)")
    args = ap.parse_args()
    if args.language == "ru":
        result = ru_quality(need_folder(args.data if args.data != ap.get_default("data") else SHARED / "ru_zen_prop", "--data FOLDER"), args.model)
        if args.format == "json":
            print(json.dumps(result, indent=1, ensure_ascii=False))
        else:
            for k, v in result.items():
                print(f"{k:34s} {json.dumps(v, ensure_ascii=False)}")
        return

    from unspin import corpus
    from unspin.evaluation import DECODER_GRID, evaluate_si, evaluate_tc, predict_si, predict_tc, si_submission, tagger_factory, two_fold_si
    from unspin.runtime import model_dir
    from unspin.scoring import coverage, exact_match_f1

    data = need_folder(args.data, "--data FOLDER")
    articles = corpus.read_articles(data / "train-articles")
    _, val_ids = corpus.validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    gold = [l for l in corpus.read_labels(data / "train-task-flc-tc.labels") if l.article_id in val]
    folder = Path(args.model) if args.model else model_dir("en-fast" if args.fast else "en")
    # Encode each article once: the sweep of --two-fold decodes it hundreds of times.
    make = tagger_factory(folder, val.values())
    tagger = make()
    t0 = time.perf_counter()
    si = evaluate_si(tagger, val, gold)
    tc = evaluate_tc(tagger, val, gold)
    result = {"model": str(folder), "articles": len(val), "gold_spans": len(gold), "si": si.as_dict(), "tc": tc.as_dict(),
              "seconds": round(time.perf_counter() - t0, 1)}
    # How much text is marked: a model can buy SI recall by marking more than annotators do.
    lengths = {a: len(t) for a, t in val.items()}
    spans = predict_si(tagger, val, techniques=False)
    result["coverage"] = {"predicted": round(coverage(spans, lengths), 4), "gold": round(coverage(gold, lengths), 4)}
    # Boundaries equal after trimming punctuation and spaces, SI files as the official submission has them.
    gold_si = [l for l in corpus.read_labels(data / "train-task-si.labels") if l.article_id in val]
    result["exact_match"] = exact_match_f1(si_submission(spans), gold_si, val).as_dict()
    if args.confusion:
        result["confusion"] = confusion(predict_tc(tagger, val, gold), gold)
    if args.two_fold:
        floor = min(g[0] for g in DECODER_GRID)  # the grid's points at its lowest extend threshold, moved lower
        grid = DECODER_GRID + [(lo, *g[1:]) for lo in args.extend_floor for g in DECODER_GRID if g[0] == floor]
        honest, chosen = two_fold_si(make, grid, val, gold)
        result["si_two_fold"] = {"f1": round(honest.overall.f1, 4), "precision": round(honest.overall.precision, 4),
                                 "recall": round(honest.overall.recall, 4), "settings": chosen}
    if not args.spans_only:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import quality_article

        corpora = data.parent
        result["claims"] = quality_article.claims(corpora, model_dir("en-claims"), "shipped")
        result["genre"] = quality_article.genre(corpora)
    if args.format == "json":
        print(json.dumps(result, indent=1))
        return
    print(f"model {folder}; validation split: {len(val)} articles, {len(gold)} gold technique spans")
    for name, s in (("SI", si), ("TC", tc)):
        o = s.overall
        print(f"{name}: P {o.precision:.4f}  R {o.recall:.4f}  F1 {o.f1:.4f}")
    cov = result["coverage"]
    print(f"share of the text marked: {cov['predicted']:.3f} (gold spans: {cov['gold']:.3f})")
    ex = result["exact_match"]
    print(f"exact-match span F1 (boundaries equal after trimming): P {ex['precision']:.4f}  R {ex['recall']:.4f}  F1 {ex['f1']:.4f}")
    if "si_two_fold" in result:
        h = result["si_two_fold"]
        print(f"SI, decoder settings from the other half (2-fold): P {h['precision']:.4f}  R {h['recall']:.4f}  F1 {h['f1']:.4f}"
              f"  (chosen {h['settings'][0]} and {h['settings'][1]})")
    print(f"\n{'technique':38s} {'SI F1':>6s} {'TC P':>6s} {'TC R':>6s} {'TC F1':>6s} {'gold':>5s}")
    for t, prf in sorted(tc.per_technique.items(), key=lambda kv: -kv[1].n_gold):
        si_f1 = si.per_technique.get(t)
        print(f"{t:38s} {si_f1.f1 if si_f1 else 0:6.3f} {prf.precision:6.3f} {prf.recall:6.3f} {prf.f1:6.3f} {prf.n_gold:5d}")
    if "confusion" in result:
        labels = result["confusion"]["labels"]
        short = [t.split(",")[0].replace("_", " ")[:9] for t in labels]
        print("\nTC confusion: rows gold, columns predicted")
        print(" " * 10 + "".join(f"{x:>10s}" for x in short))
        for name, row in zip(short, result["confusion"]["matrix"]):
            print(f"{name:10s}" + "".join(f"{v:>10d}" for v in row))
    if "claims" in result:
        c = result["claims"]
        print(f"\ncheck-worthy claims (positive-class F1 at threshold {c['threshold']}): "
              + ", ".join(f"{k} {c[k]['f1']:.4f}" for k in ("dev-test", "own", "dev")))
        g = result["genre"]
        print(f"genre: macro-F1 {g['macro_f1']:.4f} on {g['heldout_docs']} held-out documents; per class {g['per_class_f1']}")


if __name__ == "__main__":
    sys.exit(main())
