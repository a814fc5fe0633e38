"""Probe: check-worthy claims from the span encoder's own token states (issue 12, item 3).

    python scripts/claims_head_probe.py [--model en] [--cache runs/claims-head]

One encoder pass per article for spans, techniques and claims would need a claims head over the
span encoder's sentence states. This probe measures the best such head cheaply before anyone
trains one jointly: the shipped span encoder stays frozen; each CheckThat! 2024 sentence gets the
mean of its token states, computed in context (consecutive sentence ids joined, 20 at a time, into
pseudo-articles that the encoder reads in windows as it reads an article); a logistic regression
(C and the decision threshold chosen on dev) scores them. Compare its dev-test and own-split F1
with the shipped fine-tuned MiniLM classifier (`python bench/quality_article.py`).
Features are cached per split in --cache (never in the repository).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from _data import checkworthy_splits  # noqa: E402

GROUP = 20  # sentences per pseudo-article


def sentence_states(enc, sentences) -> np.ndarray:
    """(n_sentences, hidden) mean token state of each sentence, read in context."""
    sents = sorted(sentences, key=lambda s: int(s.id))
    feats = np.zeros((len(sents), int(enc.config["hidden_size"])), np.float32)
    for g in range(0, len(sents), GROUP):
        text, bounds = "", []
        for s in sents[g : g + GROUP]:
            start = len(text)
            text += s.text.strip()
            bounds.append((start, len(text)))
            text += " "
        out = enc(text)
        for i, (a, b) in enumerate(bounds):
            inside = (out.enc.offsets[:, 0] >= a) & (out.enc.offsets[:, 1] <= b)
            if inside.any():
                feats[g + i] = out.states[0][inside].mean(axis=0)
    return feats, np.array([s.label for s in sents])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="en", help="shipped span model folder name (en, en-fast)")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "checkworthiness_en"))
    ap.add_argument("--cache", default=str(ROOT / "runs" / "claims-head"))
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    from unspin.runtime import SpanEncoder, model_dir

    enc = SpanEncoder(model_dir(args.model), threads=2)
    splits = checkworthy_splits(args.data)
    cache = Path(args.cache) / args.model
    cache.mkdir(parents=True, exist_ok=True)
    data = {}
    for name in ("train", "dev", "dev-test", "own"):
        f = cache / f"{name}.npz"
        if not f.is_file():
            t = time.time()
            X, y = sentence_states(enc, splits[name])
            np.savez(f, X=X, y=y)
            print(f"{name}: {len(y)} sentences in {time.time() - t:.0f} s", flush=True)
        z = np.load(f)
        data[name] = (z["X"] / (np.linalg.norm(z["X"], axis=1, keepdims=True) + 1e-6), z["y"])
    best = None
    for C in (0.1, 0.3, 1, 3, 10, 30):
        m = LogisticRegression(C=C, max_iter=3000).fit(*data["train"])
        p = {k: m.predict_proba(data[k][0])[:, 1] for k in ("dev", "dev-test", "own")}
        thresholds = np.arange(0.1, 0.9, 0.01)
        dev = [f1_score(data["dev"][1], p["dev"] >= t) for t in thresholds]
        t = float(thresholds[int(np.argmax(dev))])
        row = {"C": C, "threshold": round(t, 2), "dev": round(max(dev), 4),
               **{k: round(f1_score(data[k][1], p[k] >= t), 4) for k in ("dev-test", "own")}}
        print(json.dumps(row), flush=True)
        best = row if best is None or row["dev"] > best["dev"] else best
    print("chosen on dev:", json.dumps(best))


if __name__ == "__main__":
    main()
