"""Russian spans: would a classifier over whole clauses rank them better than the mean token P(in)?

    python bench/ru_unit_classifier.py [--model FOLDER] [--c 0.1]

The Russian decoder (``unspin.ru_decoding``) scores each clause by the mean P(begin) + P(inside)
of its tokens and marks runs of clauses above a threshold; bench/RESULTS.md (R1) found that most
of its errors are clauses marked that annotators did not mark, i.e. the ranking of clauses. This
fits a logistic regression on the clauses of the 79 training articles (target: at least half of
the clause's characters lie inside a gold span) over features of the same encoder run: the
clause's mean, max and first-token P(begin)/P(in), share of tokens above 0.5, length, position in
its sentence and line, the same scores of the clauses before and after it, its final
punctuation, and the mean of its token states (384). Each clause's probability then replaces
P(in) of its tokens, and ``unspin.evaluation.tune_unit_decoder`` chooses and scores the decoder
on the 21 validation articles exactly as for the shipped model (same grid, same coverage cap,
same 2-fold protocol). Printed: both models' figures side by side.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def unit_features(text: str, out, us) -> np.ndarray:
    """(n_units, 18 + H) features of the clauses ``us`` of ``text`` from encoder outputs ``out``."""
    from unspin.ru_decoding import unit_scores

    t0, t1, mean_in, begin = unit_scores(out.enc, out.probs, us)
    p_in = out.probs[:, 1] + out.probs[:, 2]
    states = out.states[0]
    rows = []
    for i, u in enumerate(us):
        a, b = int(t0[i]), int(t1[i])
        seg = p_in[a:b] if b > a else np.zeros(1)
        pooled = states[a:b].mean(0) if b > a else np.zeros(states.shape[1], np.float32)
        last = text[u.end - 1]
        prev_in = mean_in[i - 1] if i > 0 else 0.0
        next_in = mean_in[i + 1] if i + 1 < len(us) else 0.0
        starts_line = i == 0 or us[i - 1].line_end
        starts_sentence = i == 0 or us[i - 1].sentence_end
        rows.append(np.concatenate([[
            mean_in[i], begin[i], seg.max(), seg.min(), (seg > 0.5).mean(), np.log1p(b - a), np.log1p(u.end - u.start),
            prev_in, next_in, begin[i + 1] if i + 1 < len(us) else 0.0,
            float(starts_line), float(starts_sentence), float(u.sentence_end), float(u.line_end),
            float(last == "!"), float(last == "?"), float(last in "\"»"), float(last == ","),
        ], pooled]))
    return np.array(rows, dtype=np.float32) if rows else np.zeros((0, 18 + states.shape[1]), np.float32)


def targets(us, spans: list[tuple[int, int]]) -> np.ndarray:
    """1 where at least half of a clause's characters lie inside a gold span."""
    out = []
    for u in us:
        inside = np.zeros(u.end - u.start, bool)
        for s, e in spans:
            lo, hi = max(s, u.start), min(e, u.end)
            if hi > lo:
                inside[lo - u.start : hi - u.start] = True
        out.append(float(inside.mean() >= 0.5))
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ru_zen_prop"))
    ap.add_argument("--model", help="a Russian span-model folder (default: the shipped models/ru)")
    ap.add_argument("--c", type=float, default=0.1, help="inverse regularisation of the logistic regression")
    ap.add_argument("--max-coverage-ratio", type=float, default=1.5, help="as scripts/train_ru.py")
    ap.add_argument("--no-states", action="store_true", help="leave out the pooled token states (18 features only)")
    ap.add_argument("--fit-on", choices=("train", "validation"), default="train",
                    help="train: the 79 training articles, whose encoder outputs are in-sample (over-confident); validation: "
                         "cross-fitted on the 21 validation articles (each half's clauses scored by a classifier fitted on the other half)")
    args = ap.parse_args()
    sys.path[:0] = [str(ROOT / "src")]
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from unspin import corpus
    from unspin.components.techniques import TechniqueTagger
    from unspin.evaluation import tune_unit_decoder
    from unspin.ru_decoding import unit_scores, units
    from unspin.runtime import TokenOutputs
    from unspin.scoring import coverage

    data = Path(args.data)
    folder = Path(args.model) if args.model else ROOT / "src" / "unspin" / "models" / "ru"
    tagger = TechniqueTagger.from_folder(folder)
    articles, gold, _ = corpus.read_ru_zen_prop(data)
    train_ids, val_ids = corpus.ru_validation_split(articles)
    by_art = corpus.group_by_article(gold)
    outs = {a: tagger.encoder(articles[a]) for a in sorted(articles)}
    cl = {a: units(articles[a], "clause") for a in articles}
    keep = slice(None) if not args.no_states else slice(0, 18)

    def fit(ids):
        X = np.concatenate([unit_features(articles[a], outs[a], cl[a])[:, keep] for a in ids])
        y = np.concatenate([targets(cl[a], [(l.start, l.end) for l in by_art.get(a, [])]) for a in ids])
        scaler = StandardScaler().fit(X)
        return scaler, LogisticRegression(C=args.c, max_iter=3000).fit(scaler.transform(X), y), len(y)

    if args.fit_on == "train":
        fitted = fit(train_ids)
        model_for = {a: fitted for a in val_ids}
    else:
        halves = [val_ids[0::2], val_ids[1::2]]
        model_for = {a: fit(halves[1 - k]) for k, half in enumerate(halves) for a in half}
        fitted = model_for[val_ids[0]]
    print(f"fitted on {args.fit_on}: {fitted[2]} clauses; {'no token states' if args.no_states else 'with token states'}", flush=True)

    article_of = {articles[a]: a for a in val_ids}  # tune_unit_decoder hands the encoder texts, not ids

    def rescored(text: str) -> TokenOutputs:
        """The encoder outputs with each clause's tokens given the classifier's P(in)."""
        a = article_of[text]
        out, us = outs[a], cl[a]
        scaler, clf, _ = model_for[a]
        p = clf.predict_proba(scaler.transform(unit_features(text, out, us)[:, keep]))[:, 1]
        probs = out.probs.copy()
        t0, t1, _, _ = unit_scores(out.enc, out.probs, us)
        for i in range(len(us)):
            # P(begin) stays the model's; P(inside) is set so that P(begin) + P(inside) = p.
            probs[t0[i] : t1[i], 2] = p[i] - probs[t0[i] : t1[i], 1]
        return TokenOutputs(out.enc, probs, out.states)

    cap = args.max_coverage_ratio * coverage(gold, {a: len(articles[a]) for a in train_ids})
    base = tune_unit_decoder(folder, data, tagger=TechniqueTagger(lambda t: outs[article_of[t]], tagger.head, tagger.labels),
                             max_coverage=cap)
    new = tune_unit_decoder(folder, data, tagger=TechniqueTagger(rescored, tagger.head, tagger.labels), max_coverage=cap)
    for name, res in (("mean token P(in) (shipped)", base), ("clause classifier", new)):
        m = res["measures"]
        print(f"{name:30s} span F1 IoU>=0.5 {m['span_f1_iou50']:.4f}  2-fold {m['span_f1_iou50_two_fold']:.4f}  "
              f"coverage {m['coverage']:.3f}  decoder {res['decoder']}")


if __name__ == "__main__":
    main()
