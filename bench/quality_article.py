"""Article-level quality of the shipped models: check-worthy claims F1 and genre macro-F1.

    python bench/quality_article.py                         # reads ../shared/data
    python bench/quality_article.py --data /path/to/data --precision both

Claims: F1 of the positive (Yes) class at the shipped threshold on CheckThat! 2024 dev-test and
on our own held-out 10% of CT24 train (scripts/_data.py: checkworthy_splits); dev is shown
too (it chose the epoch, so it is optimistic). A model trained on dev-test as well
(``train_claims.py --add-dev-test all``) has its dev-test figure marked "trained on": it is no
measure then; the cross-fitted one is in bench/RESULTS.md. ``--precision both`` also scores the fp32
ONNX export left by scripts/train_claims.py in --claims-run (not shipped).
Genre: macro-F1 on the held-out 20% of every (source, label) cell of genre_en, with per-cell
predictions, since the corpus confounds genre with source. Sources are on both sides of that
split; the figure on folds that keep them apart (the one the model is chosen on) comes from
``python scripts/train_genre.py --compare`` (bench/RESULTS.md, rows G1-G9).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from _data import checkworthy_splits, f1_positive, genre_split, read_genre  # noqa: E402


def claims(data: Path, model_path: Path, label: str) -> dict:
    from unspin.article.embed import OnnxTextModel

    cfg = json.loads((model_path / "config.json").read_text())
    model = OnnxTextModel(model_path)
    th = float(cfg["threshold"])
    splits = checkworthy_splits(data / "checkworthiness_en")
    trained = cfg.get("trained", {}).get("add_dev_test", "none")
    out = {"model": label, "threshold": th, "trained_on": ["dev-test"] if trained != "none" else []}
    for name in ("dev", "dev-test", "own"):
        rows = splits[name]
        t0 = time.time()
        logits = model([r.text for r in rows])
        p = np.exp(logits - logits.max(1, keepdims=True))
        p = p[:, 1] / p.sum(1)
        out[name] = f1_positive([r.label for r in rows], [int(x >= th) for x in p])
        out[name]["sentences_per_s"] = round(len(rows) / (time.time() - t0), 1)
    return out


def genre(data: Path) -> dict:
    from sklearn.metrics import f1_score

    from unspin.components.genre import load_genre_model

    model = load_genre_model()
    _, test = genre_split(read_genre(data / "genre_en" / "train.jsonl"))
    pred = [max(p, key=p.get) for p in (model.probabilities(d.text) for d in test)]
    gold = [d.label for d in test]
    cells: dict[str, Counter] = {}
    for d, p in zip(test, pred):
        cells.setdefault(f"{d.source}/{d.label}", Counter())[p] += 1
    return {
        "heldout_docs": len(test),
        "macro_f1": round(float(f1_score(gold, pred, average="macro")), 4),
        "per_class_f1": dict(zip(model.labels, np.round(f1_score(gold, pred, labels=model.labels, average=None), 4).tolist())),
        "per_cell": {k: dict(v) for k, v in sorted(cells.items())},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--precision", choices=("shipped", "both"), default="shipped")
    ap.add_argument("--claims-run", default=str(ROOT / "runs" / "claims"), help="training output with model-fp32.onnx (for --precision both)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from unspin.config import TextModelConfig
    from unspin.runtime import model_dir, tokenizer_file

    data = Path(args.data)
    res = {"claims": [claims(data, model_dir("en-claims"), "shipped")]}
    if args.precision == "both":
        run = Path(args.claims_run)
        for prec in ("fp32", "int8"):
            tmp = run / f"bench-{prec}"
            tmp.mkdir(exist_ok=True)
            cfg = json.loads((model_dir("en-claims") / "config.json").read_text())
            cfg["file"] = str((run / f"model-{prec}.onnx").resolve())
            (tmp / "config.json").write_text(json.dumps(cfg))
            (tmp / "tokenizer.json").write_bytes(tokenizer_file(model_dir("en-claims"), TextModelConfig.from_dict(cfg)).read_bytes())
            res["claims"].append(claims(data, tmp, prec))
    res["genre"] = genre(data)
    if args.json:
        print(json.dumps(res, indent=1))
        return
    for c in res["claims"]:
        print(f"claims [{c['model']}] threshold {c['threshold']:.2f}: " + " | ".join(f"{k} F1 {c[k]['f1']:.4f} (P {c[k]['precision']:.3f} R "
            f"{c[k]['recall']:.3f}, n={c[k]['n']})" + (" [trained on]" if k in c["trained_on"] else "") for k in ("dev-test", "own", "dev")))
    g = res["genre"]
    print(f"genre: held-out macro-F1 {g['macro_f1']:.4f} on {g['heldout_docs']} docs; per class {g['per_class_f1']}")
    for cell, counts in g["per_cell"].items():
        print(f"  {cell}: {counts}")


if __name__ == "__main__":
    main()
