"""Russian technique head: how much of its meta-class macro-F1 is the seed, and what averaging K heads gives.

    python bench/ru_head_seeds.py [--model FOLDER] [--seeds 5] [--first-seed 21]

Encodes the gold spans of the 79 training and 21 validation articles
(``unspin.corpus.ru_validation_split``) once with the model's encoder, then fits ``--seeds``
technique heads exactly as ``scripts/train_ru.py --refit-head`` does (meta-class-balanced
weights, 40 epochs; seeds ``--first-seed``, +1, ...) and scores each on the validation spans, and
their logit average (what ``--refit-head --head-seeds K`` ships). Prints meta-class macro-F1 and
TC micro-F1 (36 names) under both technique rules of ``unspin.evaluation.tune_unit_decoder``:
``argmax`` (the most probable name, its meta-class) and ``meta_first`` (the meta-class with the
largest summed probability). TC scores gold spans, so the encoder's spans play no part here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(SHARED / "ru_zen_prop"))
    ap.add_argument("--model", help="a Russian span-model folder (default: the shipped models/ru)")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=21)
    ap.add_argument("--head-epochs", type=int, default=40)
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")
    # bench/profile.py would shadow the standard library's profile module, which torch imports.
    sys.path = [str(ROOT / "src"), str(ROOT / "scripts")] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
    from train_ru import _fit_head, head_dataset  # the training extra (torch)

    from unspin import corpus
    from unspin.components.techniques import TechniqueTagger
    from unspin.corpus import Label
    from unspin.runtime import softmax
    from unspin.scoring import macro_f1, score_tc

    data = Path(args.data)
    articles, _, meta_of = corpus.read_ru_zen_prop(data)
    train_ids, val_ids = corpus.ru_validation_split(articles)
    tagger = TechniqueTagger.from_folder(Path(args.model)) if args.model else TechniqueTagger.from_model("ru")
    labels = tagger.labels
    X, y, weight, _ = head_dataset(tagger, data, train_ids)
    Xv, _, _, gold = head_dataset(tagger, data, val_ids)
    Xv = Xv.numpy()
    metas = sorted(set(meta_of.values()))
    group = np.array([metas.index(meta_of[n]) for n in labels])

    def logits(head: tuple) -> np.ndarray:
        w1, b1, w2, b2 = head
        h = Xv @ w1 + b1
        h = 0.5 * h * (1.0 + np.tanh(0.7978845608 * (h + 0.044715 * h**3)))  # as unspin.runtime.TechniqueHead
        return h @ w2 + b2

    def scores(z: np.ndarray) -> dict[str, float]:
        # A gold span listed k times (k techniques) gets its k most probable classes, as predict_tc does.
        p = softmax(z)
        out = {}
        for rule in ("argmax", "meta_first"):
            rank: dict[tuple, list[int]] = {}
            names = []
            for l, row in zip(gold, p):
                if rule == "argmax":
                    order = rank.setdefault((l.article_id, l.start, l.end), [int(j) for j in np.argsort(-row)])
                    names.append(labels[order.pop(0)])
                else:
                    by_meta = np.array([row[group == k].sum() for k in range(len(metas))])
                    order = rank.setdefault((l.article_id, l.start, l.end), [int(j) for j in np.argsort(-by_meta)])
                    k = order.pop(0)
                    inside = np.where(group == k)[0]
                    names.append(labels[int(inside[np.argmax(row[inside])])])
            predicted = [Label(l.article_id, l.start, l.end, n) for l, n in zip(gold, names)]
            out[rule] = (macro_f1(predicted, gold, meta_of)[0], score_tc(predicted, gold).overall.f1)
        return out

    heads = [_fit_head(X, y, weight, len(labels), args.head_epochs, args.first_seed + k) for k in range(args.seeds)]
    print(f"{len(X)} training spans, {len(gold)} validation spans; meta-class macro-F1 / TC micro-F1 (36 names)")
    rows = []
    for k, head in enumerate(heads):
        s = scores(logits(head))
        rows.append(s)
        print(f"  seed {args.first_seed + k:<4}  argmax {s['argmax'][0]:.4f} / {s['argmax'][1]:.4f}   "
              f"meta_first {s['meta_first'][0]:.4f} / {s['meta_first'][1]:.4f}")
    mean = {r: tuple(float(np.mean([s[r][i] for s in rows])) for i in (0, 1)) for r in ("argmax", "meta_first")}
    print(f"  mean        argmax {mean['argmax'][0]:.4f} / {mean['argmax'][1]:.4f}   meta_first {mean['meta_first'][0]:.4f} / {mean['meta_first'][1]:.4f}")
    s = scores(np.mean([logits(h) for h in heads], axis=0))
    print(f"  average of {args.seeds} heads (logits)  argmax {s['argmax'][0]:.4f} / {s['argmax'][1]:.4f}   "
          f"meta_first {s['meta_first'][0]:.4f} / {s['meta_first'][1]:.4f}")


if __name__ == "__main__":
    main()
