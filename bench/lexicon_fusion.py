"""Would a word lexicon from PTC train help the tagger find spans? (rejected ablation, issue 6)

    python bench/lexicon_fusion.py [MODEL_FOLDER]

Builds P(inside a span | word) from the training articles (validation articles excluded), then
fits a word-level logistic regression over [logit of the tagger's P(inside), logit of the
smoothed lexicon ratio, log word count, "the word trigram recurs in the article"] on half of
the validation articles, re-tunes the decoding thresholds there, and scores SI F1 on the other
half (2-fold by article), against the tagger alone with thresholds tuned the same way.
"""
import sys
import re
import hashlib
import numpy as np
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "src"))
from pathlib import Path
from collections import Counter
from unspin import corpus
from unspin.runtime import SpanEncoder
from unspin.decoding import word_table, decode
from unspin.scoring import merge_spans, si_prf
from unspin.corpus import Label
model = Path(sys.argv[1] if len(sys.argv) > 1 else "src/unspin/models/en")
data = Path("../shared/data/ptc")
arts = corpus.read_articles(data / "train-articles")
tr_ids, val_ids = corpus.validation_split(arts)
gold_all = corpus.group_by_article(corpus.read_labels(data / "train-task-flc-tc.labels"))
W = re.compile(r"\w+(?:'\w+)?")
def inside_words(text, spans):
    sp = merge_spans(spans); out = []
    for m in W.finditer(text):
        a, b = m.span(); cov = sum(max(0, min(b, e) - max(a, s)) for s, e in sp)
        out.append((m.group().lower(), a, b, 2 * cov >= (b - a)))
    return out
cin, ctot = Counter(), Counter()
for a in tr_ids:
    for w, _, _, ins in inside_words(arts[a], [(l.start, l.end) for l in gold_all.get(a, [])]):
        ctot[w] += 1; cin[w] += ins
prior = sum(cin.values()) / sum(ctot.values())
print("prior", round(prior, 3), "vocab", len(ctot))
enc = SpanEncoder(model)
outs = {a: (lambda o: (o.enc, o.probs))(enc(arts[a])) for a in val_ids}
def feats(a):
    text = arts[a]; e, probs = outs[a]
    starts, ends, mean_in, bp = word_table(e, probs)
    norm = text.lower()
    X = []; Y = []
    gsp = merge_spans((l.start, l.end) for l in gold_all.get(a, []))
    for w in range(len(starts)):
        c0, c1 = e.offsets[starts[w], 0], e.offsets[ends[w] - 1, 1]
        word = norm[c0:c1]
        n, k = ctot.get(word, 0), cin.get(word, 0)
        lex = (k + 5 * prior) / (n + 5)
        # recurrence: the word trigram around this word occurs elsewhere in the article
        lo = max(0, w - 1); hi = min(len(starts), w + 2)
        g = norm[e.offsets[starts[lo], 0]: e.offsets[ends[hi - 1] - 1, 1]]
        rec = 1.0 if len(g) > 8 and norm.count(g) > 1 else 0.0
        p = np.clip(mean_in[w], 1e-4, 1 - 1e-4)
        X.append([np.log(p / (1 - p)), np.log(lex / (1 - lex)), np.log1p(n), rec, 1.0])
        cov = sum(max(0, min(c1, t) - max(c0, s)) for s, t in gsp)
        Y.append(1.0 if 2 * cov >= (c1 - c0) else 0.0)
    return np.array(X), np.array(Y), mean_in
F = {a: feats(a) for a in val_ids}
def fit_lr(X, Y, l2=1e-2, it=300):
    w = np.zeros(X.shape[1]); w[0] = 1.0
    for _ in range(it):  # Newton
        z = X @ w; p = 1 / (1 + np.exp(-z)); g = X.T @ (p - Y) + l2 * w
        H = (X * (p * (1 - p))[:, None]).T @ X + l2 * np.eye(len(w)); w -= np.linalg.solve(H, g)
    return w
def si_for(ids, w, lo, hi):
    pred = []; gold = []
    for a in ids:
        e, probs = outs[a]; X, _, mean_in = F[a]
        pr = probs.copy()
        if w is not None:
            fused = 1 / (1 + np.exp(-(X @ w)))
            starts, ends, _, _ = word_table(e, probs)
            for k in range(len(starts)):
                f = fused[k] / max(mean_in[k], 1e-6)
                s, t = starts[k], ends[k]
                pr[s:t, 1:] = np.clip(pr[s:t, 1:] * f, 0, 1)
        for sp in decode(e, pr, arts[a], lo, hi):
            pred.append(Label(a, sp.start, sp.end))
        gold += [Label(a, l.start, l.end) for l in gold_all.get(a, [])]
    return si_prf(pred, gold)
grid = [(lo, hi) for lo in (0.1, 0.15, 0.2, 0.25, 0.3) for hi in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55) if hi >= lo]
fold = {a: int(hashlib.md5(a.encode()).hexdigest(), 16) % 2 for a in val_ids}
for name, use in (("baseline", False), ("fused", True), ("fused-no-rec", "norec")):
    tot = []
    for k in (0, 1):
        trn = [a for a in val_ids if fold[a] != k]; tst = [a for a in val_ids if fold[a] == k]
        w = None
        if use:
            X = np.vstack([F[a][0] for a in trn]); Y = np.concatenate([F[a][1] for a in trn])
            if use == "norec": X = X.copy(); X[:, 3] = 0
            w = fit_lr(X, Y)
        lo, hi = max(grid, key=lambda g: si_for(trn, w, *g).f1)
        r = si_for(tst, w, lo, hi); tot.append(r)
        print(name, k, "w", None if w is None else np.round(w, 2), "thr", lo, hi, "test SI %.4f (P %.3f R %.3f)" % (r.f1, r.precision, r.recall), flush=True)
    print(name, "mean of folds %.4f" % np.mean([r.f1 for r in tot]))
