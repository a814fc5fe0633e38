"""Train the genre classifier (opinion / reporting / satire) on ../shared/data/genre_en.

    python scripts/train_genre.py --out runs/genre             # train, evaluate, probe the source confound
    python scripts/train_genre.py --out runs/genre --install   # ship it in src/unspin/models/en-genre

Model: multinomial logistic regression over [mean MiniLM sentence vector of the article's opening
(~512 tokens), standardised hand features] (unspin.article.genre_features), stored as numpy arrays
(weights.npz) so the runtime needs no scikit-learn. Class weights are balanced (satire is 13%).
The held-out split keeps 20% of every (source, label) cell (scripts/_data.py: genre_split).

The corpus is confounded (all opinion from one source, all satire from the other; reporting from
both), so besides macro-F1 the script reports: per (source, label) accuracy; ablations
(embedding only / hand features only); a source probe (how well the same features tell the two
sources apart among reporting texts alone, where genre is constant); a cross-source test
(opinion-vs-reporting trained on FTD texts only, applied to the other source's reporting); and
predictions on texts written for this purpose (tests/article/fixtures/genre_*.txt) and on PTC
articles.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from _data import genre_split, read_genre  # noqa: E402
from unspin.article.genre_features import HAND_FEATURES, embedding_feature, hand_features  # noqa: E402

LABELS = ["opinion", "reporting", "satire"]
FIXTURES = ROOT / "tests" / "article" / "fixtures"


def featurise(texts, embedder, cache: Path | None = None):
    key = None
    if cache is not None:
        import hashlib

        key = cache / f"emb-{hashlib.sha1(''.join(texts).encode()).hexdigest()[:16]}.npy"
        if key.is_file():
            emb = np.load(key)
            return emb, np.stack([hand_features(t) for t in texts])
    emb = np.stack([embedding_feature(t, embedder) for t in texts])
    if key is not None:
        np.save(key, emb)
    return emb, np.stack([hand_features(t) for t in texts])


def macro_f1(gold, pred, labels=LABELS) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0))


def fit(x, y, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x, y)


def assemble(emb, hand, mean, scale, use: str):
    """Standardised features; ``mean``/``scale`` cover [embedding, hand] (384 + len(HAND_FEATURES))."""
    x = (np.hstack([emb, hand]) - mean) / scale
    if use == "emb":
        return x[:, :384]
    if use == "hand":
        return x[:, 384:]
    return x


def choose_c(x, y, groups) -> float:
    from sklearn.model_selection import StratifiedKFold

    best = None
    for c in (0.1, 0.3, 1.0, 3.0, 10.0):
        scores = []
        for tr, va in StratifiedKFold(5, shuffle=True, random_state=0).split(x, groups):
            m = fit(x[tr], y[tr], c)
            scores.append(macro_f1(y[va], m.predict(x[va])))
        s = float(np.mean(scores))
        if best is None or s > best[0]:
            best = (s, c)
    return best[1]


def fit_temperature(x, y, groups, c: float, classes: list[str]) -> float:
    """Logit temperature from out-of-fold predictions: with ~400 features and ~400 documents the
    regression separates the training set and its raw probabilities sit at 0.00/1.00."""
    from sklearn.model_selection import StratifiedKFold

    z = np.zeros((len(y), len(classes)))
    for tr, va in StratifiedKFold(5, shuffle=True, random_state=1).split(x, groups):
        m = fit(x[tr], y[tr], c)
        z[va] = m.decision_function(x[va])[:, [list(m.classes_).index(k) for k in classes]]
    gold = np.array([classes.index(k) for k in y])
    best = None
    for t in np.arange(0.5, 20.01, 0.25):
        q = z / t
        q = q - q.max(1, keepdims=True)
        nll = float(-(q[np.arange(len(y)), gold] - np.log(np.exp(q).sum(1))).mean())
        if best is None or nll < best[0]:
            best = (nll, float(t))
    return best[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(ROOT / "runs" / "genre"))
    ap.add_argument("--ptc", type=int, default=60, help="how many PTC train articles to classify as a probe")
    ap.add_argument("--limit", type=int, default=0, help="use this many documents per cell (smoke tests)")
    ap.add_argument("--install", action="store_true")
    args = ap.parse_args()
    from unspin.article.embed import Embedder
    from unspin.runtime import model_dir

    data = Path(args.data)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    docs = read_genre(data / "genre_en" / "train.jsonl")
    if args.limit:
        seen: Counter = Counter()
        keep = []
        for d in docs:
            if seen[(d.source, d.label)] < args.limit:
                keep.append(d)
                seen[(d.source, d.label)] += 1
        docs = keep
    train, test = genre_split(docs)
    embedder = Embedder(model_dir("en-embed"))
    e_tr, h_tr = featurise([d.text for d in train], embedder, out)
    e_te, h_te = featurise([d.text for d in test], embedder, out)
    y_tr = np.array([d.label for d in train])
    y_te = np.array([d.label for d in test])
    cells_tr = np.array([f"{d.source}/{d.label}" for d in train])
    # Embedding dimensions are standardised too: left at unit-vector scale (~0.05 each) they would
    # be penalised far more by the L2 regulariser than the hand features.
    full = np.hstack([e_tr, h_tr])
    mean, scale = full.mean(0), full.std(0) + 1e-6
    # The marker almost never occurs in the corpus: leave it unstandardised (0/1) so its learned
    # weight stays near zero rather than exploding on a rare 1 - the runtime rule handles it.
    im = 384 + HAND_FEATURES.index("editorial_marker")
    mean[im], scale[im] = 0.0, 1.0
    metrics: dict = {"train_docs": len(train), "heldout_docs": len(test), "split": "unspin.article.data.genre_split: 20% of every (source, label) "
        "cell, seed 13"}
    models = {}
    for use in ("emb", "hand", "both"):
        x_tr, x_te = assemble(e_tr, h_tr, mean, scale, use), assemble(e_te, h_te, mean, scale, use)
        c = choose_c(x_tr, y_tr, cells_tr)
        m = fit(x_tr, y_tr, c)
        pred = m.predict(x_te)
        cells = {}
        for d, p in zip(test, pred):
            cells.setdefault(f"{d.source}/{d.label}", []).append(p)
        metrics[use] = {
            "C": c,
            "heldout_macro_f1": round(macro_f1(y_te, pred), 4),
            "per_cell": {k: {str(a): n for a, n in Counter(v).items()} for k, v in sorted(cells.items())},
        }
        models[use] = (m, c)
        print(f"{use}: C={c} held-out macro-F1 {metrics[use]['heldout_macro_f1']:.4f} {metrics[use]['per_cell']}", flush=True)

    # Source probe: among reporting texts only (genre fixed), can the features tell the source?
    from sklearn.model_selection import cross_val_score

    rep = [i for i, d in enumerate(train) if d.label == "reporting"]
    src = np.array([train[i].source for i in rep])
    probe = {}
    for use in ("emb", "hand", "both"):
        x = assemble(e_tr, h_tr, mean, scale, use)[rep]
        from sklearn.linear_model import LogisticRegression

        probe[use] = round(float(cross_val_score(LogisticRegression(C=1.0, max_iter=5000), x, src, cv=5, scoring="balanced_accuracy").mean()), 4)
    metrics["source_probe_balanced_accuracy_on_reporting"] = probe
    print(f"source probe (reporting only, 5-fold balanced accuracy): {probe}", flush=True)

    # Cross-source: opinion vs reporting learned from FTD texts alone, applied to Horne reporting.
    ftd = [i for i, d in enumerate(train) if d.source == "sharoff-ftd-en"]
    x_all_tr = assemble(e_tr, h_tr, mean, scale, "both")
    x_all_te = assemble(e_te, h_te, mean, scale, "both")
    m_ftd = fit(x_all_tr[ftd], y_tr[ftd], models["both"][1])
    # Horne reporting is what the FTD-only model never saw: all of it (train and held-out) is unseen.
    horne_rep_x = np.vstack(
        [x_all_tr[[i for i, d in enumerate(train) if d.source == "horne-adali-2017" and d.label == "reporting"]],
         x_all_te[[i for i, d in enumerate(test) if d.source == "horne-adali-2017" and d.label == "reporting"]]]
    )
    cross = Counter(m_ftd.predict(horne_rep_x))
    cross = {str(k): v for k, v in cross.items()}
    metrics["cross_source_ftd_only_model_on_horne_reporting"] = cross
    print(f"cross-source: opinion-vs-reporting trained on FTD only, on all {sum(cross.values())} Horne reporting texts: {cross}", flush=True)

    # Ship "both" as trained on the training split (no refit on the held-out 20%), so that
    # bench/quality_article.py can measure the shipped model on documents it never saw.
    final, c = models["both"]
    order = [list(final.classes_).index(l) for l in LABELS]
    temperature = fit_temperature(assemble(e_tr, h_tr, mean, scale, "both"), y_tr, cells_tr, c, list(final.classes_))
    metrics["temperature"] = temperature
    print(f"temperature (out-of-fold NLL on the training split): {temperature}", flush=True)
    np.savez(out / "weights.npz", w=final.coef_[order].T.astype(np.float32), b=final.intercept_[order].astype(np.float32),
             mean=mean.astype(np.float32), scale=scale.astype(np.float32))
    hand_w = final.coef_[order][:, 384:]
    metrics["hand_feature_weights"] = {f: {l: round(float(hand_w[j, k]), 3) for j, l in enumerate(LABELS)} for k, f in enumerate(HAND_FEATURES)}
    config = {
        "name": "unspin-en-genre",
        "labels": LABELS,
        "features": {"embedding": "mean of en-embed sentence vectors of the normalised opening (~512 tokens), renormalised (384)", "hand": list(HAND_FEATURES)},
        "model": f"multinomial logistic regression, C={c} (5-fold CV on the training split), class_weight=balanced, trained on the 80% training split only",
        "temperature": temperature,
        "marker_rule": {
            "what": ("an explicit editorial marker (unspin.article.genre_features.EDITORIAL_MARKERS: 'Opinion |', 'op-ed', 'the author's point of view "
                "may not coincide with ...', 'column', ...) sets P(opinion) to at least min_opinion, other classes rescaled"),
            "why": ("publishers' own labels are stronger evidence than style, and the training corpus has almost no such markers, so the regression "
                "cannot learn their weight"),
            "min_opinion": 0.9,
        },
        "metrics": metrics,
        "caveat": "opinion texts all come from one source (Sharoff FTD) and satire from another (Horne & Adali); see metrics.source_probe and cross_source",
        "command": f"python scripts/train_genre.py --out {args.out} --install",
    }
    (out / "config.json").write_text(json.dumps(config, indent=1))
    probe_texts(out, args, data)
    if args.install:
        from _shipping import install_model

        install_model(out, "en-genre", ["weights.npz", "config.json"])


def probe_texts(out: Path, args, data: Path) -> None:
    """Apply the trained model (through the runtime class) to written texts and PTC articles."""
    from unspin.components.genre import GenreModel

    model = GenreModel(out)
    cfg = json.loads((out / "config.json").read_text())
    written = {}
    for path in sorted(FIXTURES.glob("genre_*.txt")):
        p = model.probabilities(path.read_text(encoding="utf-8"))
        written[path.name] = {k: round(float(v), 3) for k, v in p.items()}
        print(f"{path.name}: {written[path.name]}", flush=True)
    ptc = sorted((data / "ptc" / "train-articles").glob("article*.txt"))[: args.ptc]
    counts: Counter = Counter()
    examples = {}
    for path in ptc:
        p = model.probabilities(path.read_text(encoding="utf-8"))
        label = max(p, key=p.get)
        counts[label] += 1
        examples.setdefault(label, []).append((path.name, path.read_text(encoding="utf-8").splitlines()[0][:90], round(float(p[label]), 3)))
    print(f"PTC ({len(ptc)} train articles): {dict(counts)}", flush=True)
    for label, ex in examples.items():
        for e in ex[:4]:
            print(f"  {label}: {e}", flush=True)
    cfg["metrics"]["written_texts"] = written
    cfg["metrics"]["ptc_train_articles"] = {"n": len(ptc), "predicted": dict(counts), "examples": {k: v[:4] for k, v in examples.items()}}
    (out / "config.json").write_text(json.dumps(cfg, indent=1))


if __name__ == "__main__":
    main()
