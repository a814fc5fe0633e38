"""Where the span model goes wrong, on the validation split (issue 6, "measure before changing").

    python bench/errors.py [--model src/unspin/models/en] [--data ../shared/data/ptc] [--format text|json]

Reports, for one span-model folder:
- SI recall by gold span length and SI precision by predicted span length;
- boundary errors: for each gold span, the predicted span that overlaps it most, and whether it
  starts/ends early, late or exactly (in characters, after merging overlapping gold spans as the
  SI scorer does);
- window context: SI recall of gold spans by how close they sit to the edge of the window that
  tagged them (the encoder sees 254 tokens at a time);
- calibration: predicted spans binned by their score, against the share of their characters
  that really are inside a gold span;
- per technique: the share of each technique's gold spans that no prediction touches;
- how confident the tagger is anywhere inside each gold span (its peak word P(inside)): a
  missed span with a peak near zero cannot be found by any decoder setting;
- repetition propagation, a post-process tried and rejected: also mark every other occurrence
  of a predicted span's words in the article (most Repetition spans recur in their article).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
sys.path.insert(0, str(ROOT / "src"))

from unspin import corpus  # noqa: E402
from unspin.corpus import Label  # noqa: E402
from unspin.decoding import tokens_in, word_table  # noqa: E402
from unspin.document import Document  # noqa: E402
from unspin.encoding import windows  # noqa: E402
from unspin.evaluation import tagger_factory  # noqa: E402
from unspin.scoring import merge_spans, score_si  # noqa: E402

LENGTH_BINS = [(1, 10), (11, 25), (26, 60), (61, 120), (121, 10**9)]


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def length_bin(n: int) -> str:
    for lo, hi in LENGTH_BINS:
        if lo <= n <= hi:
            return f"{lo}-{hi}" if hi < 10**9 else f">{lo - 1}"
    return "0"


def analyse(model: Path, val: dict[str, str], gold_labels: list) -> dict:
    tagger = tagger_factory(model, val.values())()  # every pass below reuses one encoding per article
    encoder = tagger.encoder
    cfg = json.loads((model / "config.json").read_text())
    gold: dict[str, list[tuple[int, int]]] = {}
    for l in gold_labels:
        gold.setdefault(l.article_id, []).append((l.start, l.end))
    rec_by_len: dict[str, list[float]] = {}
    prec_by_len: dict[str, list[float]] = {}
    rec_by_edge: dict[str, list[float]] = {}
    calib: list[tuple[float, float]] = []
    boundary = {"start": {"early": 0, "exact": 0, "late": 0}, "end": {"early": 0, "exact": 0, "late": 0}}
    shifts = {"start": [], "end": []}
    missed = 0
    peaks: list[float] = []
    preds: dict[str, list[tuple[int, int]]] = {}
    docs: dict[str, Document] = {}
    for art, text in val.items():
        out = encoder(text)
        scores = tagger.predict_one(text)
        docs[art] = Document(text)
        tagger.set_annotations([docs[art]], [scores])
        pred = preds[art] = merge_spans((s.start, s.end) for s in scores.spans)
        raw = [(s.start, s.end, s.score) for s in scores.spans]
        ref = merge_spans(gold.get(art, []))
        wins = windows(len(out.enc), int(cfg["window"]), int(cfg["stride"]))
        w0, w1, p_in, _ = word_table(out.enc, out.probs)
        c0, c1 = out.enc.offsets[w0, 0], out.enc.offsets[w1 - 1, 1]
        for g in ref:
            inside = (c1 > g[0]) & (c0 < g[1])
            peaks.append(float(p_in[inside].max()) if inside.any() else 0.0)
            cov = sum(overlap(g, p) for p in pred) / (g[1] - g[0])
            rec_by_len.setdefault(length_bin(g[1] - g[0]), []).append(cov)
            t0, t1 = tokens_in(out.enc, *g)
            # Context of the best window for this span: tokens between it and the nearer edge.
            ctx = max((min(t0 - s, e - t1) for s, e in wins if s <= t0 and t1 <= e), default=0)
            edge = "<16" if ctx < 16 else "16-63" if ctx < 64 else ">=64"
            rec_by_edge.setdefault(edge, []).append(cov)
            best = max(pred, key=lambda p: overlap(g, p), default=None)
            if best is None or overlap(g, best) == 0:
                missed += 1
                continue
            for side, d in (("start", best[0] - g[0]), ("end", best[1] - g[1])):
                shifts[side].append(d)
                boundary[side]["exact" if d == 0 else "early" if d < 0 else "late"] += 1
        for p in pred:
            prec = sum(overlap(p, g) for g in ref) / (p[1] - p[0])
            prec_by_len.setdefault(length_bin(p[1] - p[0]), []).append(prec)
        for s0, s1, sc in raw:
            calib.append((sc, sum(overlap((s0, s1), g) for g in ref) / (s1 - s0)))

    def table(d: dict[str, list[float]]) -> dict[str, dict[str, float]]:
        return {k: {"n": len(v), "mean": round(float(np.mean(v)), 3)} for k, v in sorted(d.items())}

    bins = np.array([0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01])
    sc = np.array([c[0] for c in calib])
    hit = np.array([c[1] for c in calib])
    calibration = {}
    for lo, hi in zip(bins[:-1], bins[1:]):
        m = (sc >= lo) & (sc < hi)
        if m.any():
            calibration[f"{lo:.1f}-{min(hi, 1.0):.1f}"] = {
                "n": int(m.sum()), "mean_score": round(float(sc[m].mean()), 3), "precision": round(float(hit[m].mean()), 3)
            }
    n_gold = sum(len(merge_spans(v)) for a, v in gold.items() if a in val)
    untouched: dict[str, list[float]] = {}
    for l in gold_labels:
        untouched.setdefault(l.technique, []).append(float(all(overlap((l.start, l.end), p) == 0 for p in preds[l.article_id])))
    peak = np.array(peaks)
    return {
        "untouched_share_by_technique": table(untouched),
        "gold_peak_p_inside": {
            "quantiles (10/25/50/75/90%)": [round(float(q), 2) for q in np.quantile(peak, [0.1, 0.25, 0.5, 0.75, 0.9])],
            "share above the decoder's seed threshold": round(float((peak > tagger.seed_threshold).mean()), 3),
            "share above its extension threshold": round(float((peak > tagger.threshold).mean()), 3),
        },
        "repetition_propagation": propagation(docs, gold_labels),
        "gold_spans_merged": n_gold,
        "gold_spans_not_touched": missed,
        "recall_by_gold_length": table(rec_by_len),
        "precision_by_predicted_length": table(prec_by_len),
        "recall_by_window_context_tokens": table(rec_by_edge),
        "boundaries": boundary,
        "median_shift_chars": {k: float(np.median(v)) if v else 0.0 for k, v in shifts.items()},
        "median_abs_shift_chars_when_wrong": {
            k: float(np.median([abs(x) for x in v if x])) if any(v) else 0.0 for k, v in shifts.items()
        },
        "calibration": calibration,
        "expected_calibration_error": round(
            float(sum(b["n"] * abs(b["mean_score"] - b["precision"]) for b in calibration.values()) / max(1, len(calib))), 3
        ),
    }


def propagation(docs: dict[str, Document], gold_labels: list) -> dict[str, dict[str, float]]:
    """SI with and without marking other occurrences of predicted spans (case-insensitive, whole
    words, at most ``max_words`` words, not overlapping a prediction), for all predicted spans and
    for those labelled Repetition only. ``docs`` are the annotated validation articles."""

    def run(max_words: int, only: str | None) -> dict[str, float]:
        pred = []
        for art, doc in docs.items():
            low = doc.text.lower()
            taken = [(s.start, s.end) for s in doc.spans]
            pred += [Label(art, a, b) for a, b in taken]
            for s in doc.spans:
                piece = low[s.start : s.end]
                if len(piece.split()) > max_words or (only and s.label != only):
                    continue
                for m in re.finditer(r"(?<!\w)" + re.escape(piece) + r"(?!\w)", low):
                    if all(m.end() <= a or m.start() >= b for a, b in taken):
                        taken.append(m.span())
                        pred.append(Label(art, *m.span()))
        o = score_si(pred, gold_labels).overall
        return {"f1": round(o.f1, 4), "precision": round(o.precision, 4), "recall": round(o.recall, 4), "spans": o.n_pred}

    return {"none": run(0, None), "all spans, <=3 words": run(3, None), "Repetition spans, <=3 words": run(3, "Repetition")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "src" / "unspin" / "models" / "en"))
    ap.add_argument("--data", default=str(SHARED / "ptc"))
    ap.add_argument("--format", choices=["text", "json"], default="text")
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")
    data = Path(args.data)
    articles = corpus.read_articles(data / "train-articles")
    _, val_ids = corpus.validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    gold = [l for l in corpus.read_labels(data / "train-task-flc-tc.labels") if l.article_id in val]
    result = analyse(Path(args.model), val, gold)
    if args.format == "json":
        print(json.dumps(result, indent=1))
        return
    print(f"{result['gold_spans_merged']} gold spans (merged), {result['gold_spans_not_touched']} not touched by any prediction")
    for key in ("recall_by_gold_length", "precision_by_predicted_length", "recall_by_window_context_tokens"):
        print(f"\n{key.replace('_', ' ')}:")
        for k, v in result[key].items():
            print(f"  {k:>10s}  n={v['n']:4d}  {v['mean']:.3f}")
    print("\nboundaries of the best-overlapping prediction (chars):")
    for side, counts in result["boundaries"].items():
        print(f"  {side:5s} " + "  ".join(f"{k} {v}" for k, v in counts.items())
              + (f"  (median shift {result['median_shift_chars'][side]:+.0f}, median |shift| when wrong "
                  f"{result['median_abs_shift_chars_when_wrong'][side]:.0f})"))
    print(f"\ncalibration (span score -> share of its characters inside gold), ECE {result['expected_calibration_error']}:")
    for k, v in result["calibration"].items():
        print(f"  {k}  n={v['n']:4d}  mean score {v['mean_score']:.3f}  precision {v['precision']:.3f}")
    print("\nshare of gold technique spans that no prediction touches:")
    for k, v in sorted(result["untouched_share_by_technique"].items(), key=lambda kv: -kv[1]["n"]):
        print(f"  {k:38s}  n={v['n']:4d}  {v['mean']:.2f}")
    print("\npeak word P(inside) within each gold span:")
    for k, v in result["gold_peak_p_inside"].items():
        print(f"  {k}: {v}")
    print("\nrepetition propagation (SI):")
    for k, v in result["repetition_propagation"].items():
        print(f"  {k:30s} F1 {v['f1']:.4f}  P {v['precision']:.4f}  R {v['recall']:.4f}  spans {v['spans']}")


if __name__ == "__main__":
    main()
