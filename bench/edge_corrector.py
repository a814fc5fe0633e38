"""A learned edge corrector, measured against the shipped lexicon rule (issue 25, edges on whole
phrases): can a classifier move a predicted span's first (or last) word to the gold one?

    python bench/edge_corrector.py start|end [--outputs PICKLE]

For each span the default model predicts on the PTC validation split (shipped decoder, phrase
edges on), the candidate words within ``K`` of its edge, each described by P(inside) of the word
and its neighbour, P(begin), the edge lexicon's start / end rates of both, capitals, an opening
quote or a comma before it, a sentence start and the offset; a logistic regression
(scikit-learn, in the ``train`` extra) learns which candidate is the gold edge (of the gold SI
span that overlaps the prediction most) on half of the articles and moves the edges of the
other half where its best candidate beats the current one by ``margin``. Prints exact-match and
SI F1 over 10 random halvings (``bench/RESULTS.md``: no gain over the shipped rule).
``--outputs``: the validation encoder outputs saved by ``scripts/tune_points.py --save-outputs``.
"""

from __future__ import annotations

import argparse
import pickle
import random
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
sys.path.insert(0, str(ROOT / "src"))

K = 2
QUOTE_BEFORE = re.compile(r"[\"“‘'(]\s*$")
COMMA_BEFORE = re.compile(r"[,;:—–-]")
QUOTE_AFTER = re.compile(r"^\s*[\"”’')]")
STOP_AFTER = re.compile(r"[,;:.!?—–-]")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("side", choices=["start", "end"])
    ap.add_argument("--data", default=str(SHARED / "ptc"))
    ap.add_argument("--outputs", help="encoder outputs of the validation articles (a pickle by article id)")
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")
    from sklearn.linear_model import LogisticRegression

    from unspin import corpus
    from unspin.components.techniques import TechniqueTagger
    from unspin.corpus import Label
    from unspin.decoding import break_positions, decode, word_table
    from unspin.evaluation import si_submission
    from unspin.scoring import exact_match_f1, si_prf, trimmed_edges

    data = Path(args.data)
    articles = corpus.read_articles(data / "train-articles")
    _, val_ids = corpus.validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    gold_si = [l for l in corpus.read_labels(data / "train-task-si.labels") if l.article_id in val]
    gold_by = corpus.group_by_article(gold_si)
    tg = TechniqueTagger.from_model("en")
    outs = pickle.loads(Path(args.outputs).read_bytes()) if args.outputs else {a: tg.encoder(t) for a, t in val.items()}
    lex = tg.phrase_edges.lexicon
    start_side = args.side == "start"

    rows = []  # per predicted span: its candidates (position, features, offset) and the gold edge
    for art, text in val.items():
        o = outs[art]
        spans = decode(o.enc, o.probs, text, tg.threshold, tg.seed_threshold, edge_start=tg.edge_start, edge_end=tg.edge_end,
                       breaks=tg.breaks, trim_punctuation=tg.trim_punctuation, sentence_breaks=tg.sentence_breaks,
                       phrase_edges=tg.phrase_edges)
        st, en, mean_in, begin = word_table(o.enc, o.probs)
        wc0 = o.enc.offsets[st, 0].astype(int)
        wc1 = o.enc.offsets[en - 1, 1].astype(int)
        sentence_cuts = break_positions(text, sentences=True)
        paragraph_cuts = break_positions(text)
        golds = [trimmed_edges(text, g.start, g.end) for g in gold_by.get(art, [])]

        def word(i: int, text=text, wc0=wc0, wc1=wc1, st=st) -> str:
            return text[wc0[i]:wc1[i]] if 0 <= i < len(st) else ""

        def crosses(lo: int, hi: int, wc0=wc0, wc1=wc1, paragraph_cuts=paragraph_cuts) -> bool:
            return any(np.searchsorted(paragraph_cuts, wc0[w], side="right") > np.searchsorted(paragraph_cuts, wc1[w - 1])
                       for w in range(lo + 1, hi + 1))

        for s in spans:
            first = int(np.searchsorted(wc1, s.start, side="right"))
            last = int(np.searchsorted(wc0, s.end, side="left")) - 1
            if first > last:
                continue
            a0, b0 = trimmed_edges(text, s.start, s.end)
            best, best_iou = None, 0.0
            for ga, gb in golds:
                inter = max(0, min(b0, gb) - max(a0, ga))
                if inter and inter / (max(b0, gb) - min(a0, ga)) > best_iou:
                    best, best_iou = (ga, gb), inter / (max(b0, gb) - min(a0, ga))
            edge = first if start_side else last
            cands = []
            for c in range(edge - K - 1, edge + K + 2):
                if c < 0 or c >= len(st) or (start_side and c > last) or (not start_side and c < first):
                    continue
                if crosses(min(c, edge), max(c, edge)):
                    continue
                before = text[wc1[c - 1]:wc0[c]] if c > 0 else "\n"
                after = text[wc1[c]:wc0[c + 1]] if c + 1 < len(st) else "\n"
                if start_side:
                    prev = word(c - 1)
                    sentence_start = c == 0 or np.searchsorted(sentence_cuts, wc0[c], side="right") > np.searchsorted(sentence_cuts, wc1[c - 1])
                    x = [mean_in[c], mean_in[c - 1] if c > 0 else 0.0, begin[c], lex.start_rate(word(c)),
                         lex.start_rate(prev) if prev else 0.0, lex.end_rate(prev) if prev else 0.0, float(word(c)[:1].isupper()),
                         float(bool(QUOTE_BEFORE.search(before))), float(bool(COMMA_BEFORE.search(before))), float(sentence_start)]
                else:
                    nxt = word(c + 1)
                    x = [mean_in[c], mean_in[c + 1] if c + 1 < len(st) else 0.0, begin[c + 1] if c + 1 < len(st) else 0.0,
                         lex.end_rate(word(c)), lex.end_rate(nxt) if nxt else 0.0, lex.start_rate(nxt) if nxt else 0.0,
                         float(nxt[:1].isupper()), float(bool(QUOTE_AFTER.search(after))), float(bool(STOP_AFTER.search(after)))]
                x += [float(c - edge == j) for j in range(-K - 1, K + 2)]
                cands.append((int(wc0[c] if start_side else wc1[c]), np.array(x), c - edge))
            gold_edge = None if best is None else (best[0] if start_side else best[1])
            rows.append({"art": art, "span": s, "cands": cands, "gold": gold_edge})

    def fit(train):
        xs, ys = [], []
        for r in train:
            if r["gold"] is None or not any(pos == r["gold"] for pos, _, _ in r["cands"]):
                continue
            for pos, x, _ in r["cands"]:
                xs.append(x)
                ys.append(int(pos == r["gold"]))
        return LogisticRegression(C=1.0, max_iter=2000).fit(np.array(xs), np.array(ys))

    def apply(model, part, margin):
        out = []
        for r in part:
            s = r["span"]
            pos = s.start if start_side else s.end
            if r["cands"]:
                score = model.decision_function(np.array([x for _, x, _ in r["cands"]]))
                here = [i for i, (_, _, d) in enumerate(r["cands"]) if d == 0]
                top = int(np.argmax(score))
                if not here or score[top] - score[here[0]] > margin:
                    pos = r["cands"][top][0]
            out.append(Label(r["art"], pos, s.end) if start_side else Label(r["art"], s.start, pos))
        return out

    base = si_submission([Label(r["art"], r["span"].start, r["span"].end) for r in rows])
    print(f"{args.side}: {len(rows)} spans; shipped rule: exact-match {exact_match_f1(base, gold_si, val).f1:.4f}, SI {si_prf(base, gold_si).f1:.4f}")
    ids = sorted(val)
    for margin in (0.0, 0.5, 1.0, 2.0):
        exact, si = [], []
        for seed in range(10):
            random.Random(seed).shuffle(ids)
            half = set(ids[: len(ids) // 2])
            one = [r for r in rows if r["art"] in half]
            two = [r for r in rows if r["art"] not in half]
            sub = si_submission(apply(fit(one), two, margin) + apply(fit(two), one, margin))
            exact.append(exact_match_f1(sub, gold_si, val).f1)
            si.append(si_prf(sub, gold_si).f1)
        print(f"margin {margin}: 2-fold exact-match {np.mean(exact):.4f} (min {min(exact):.4f}), SI {np.mean(si):.4f} (min {min(si):.4f})")


if __name__ == "__main__":
    main()
