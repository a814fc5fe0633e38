"""Article-level quality of the shipped models: check-worthy claims and genre.

    python bench/quality_article.py                         # reads ../shared/data
    python bench/quality_article.py --fast                  # the claims model of --fast (MiniLM)
    python bench/quality_article.py --data /path/to/data --precision both

Claims, scored as the pipeline scores them (calibrated probabilities, the shipped threshold):
F1, precision, recall and the share of sentences flagged on our own held-out 10% of CT24 train
(scripts/_data.py: checkworthy_splits; never trained on, and what the calibration and threshold
were fitted on, so its ECE is in-sample: the 2-fold figure is in the model's config.json,
``metrics.calibrated``), on dev (it chose the epoch) and on dev-test (marked "trained on" when
the model trained on it); the expected calibration error (10 bins) on each; and, through
``unspin.analyze`` itself, the precision of the 3 best-scored sentences of each annotated article
(bench/data/claims_articles.jsonl: the bundled examples and a written op-ed, each with the
sentences a reader marks check-worthy) and the share of their sentences flagged.
``--precision both`` also scores the fp32 ONNX export left by scripts/train_claims.py in
--claims-run (not shipped).
Genre: macro-F1 on the held-out 20% of every (source, label) cell of genre_en (the shipped
model never saw them), with per-cell predictions and the labels the decision rule shows; and
the figures on outlets the model never saw (PTC articles, each half labelled by a model trained
without it: accuracy, satire false alarms, the unclear share, accuracy over the rest), which
need models trained without those articles and so are read from the shipped model's
config.json (``metrics.ptc_cross_half``, written by ``python scripts/train_genre.py``;
bench/RESULTS.md, rows G10-G13).
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
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from _data import checkworthy_splits, f1_positive, genre_split, read_genre  # noqa: E402


def claims(data: Path, model_path: Path, label: str) -> dict:
    from unspin.calibration import expected_calibration_error
    from unspin.components.claims import ClaimDetector
    from unspin.config import TextModelConfig

    cfg = TextModelConfig.read(model_path)
    detector = ClaimDetector.from_folder(model_path)
    th = detector.threshold
    splits = checkworthy_splits(data / "checkworthiness_en")
    trained = cfg.extra.get("trained", {}).get("add_dev_test", "none")
    out = {"model": label, "threshold": th, "calibration": dict(cfg.calibration), "trained_on": ["dev-test"] if trained != "none" else []}
    for name in ("own", "dev", "dev-test"):
        rows = splits[name]
        t0 = time.time()
        p = np.asarray(detector.scorer([r.text for r in rows]), dtype=np.float64)
        gold = [r.label for r in rows]
        out[name] = f1_positive(gold, [int(x >= th) for x in p])
        out[name]["flagged_share"] = round(float((p >= th).mean()), 4)
        out[name]["ece"] = round(expected_calibration_error(p, np.array(gold)), 4)
        out[name]["sentences_per_s"] = round(len(rows) / (time.time() - t0), 1)
    return out


def claims_on_articles(path: Path, top: int = 3, fast: bool = False) -> dict:
    """Through ``unspin.analyze``: per annotated article, the precision of the ``top``
    best-scored claims and the share of its candidate sentences flagged."""
    import unspin
    from unspin.components.claims import candidate_sentences
    from unspin.document import ranked_spans

    per = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        doc = unspin.analyze(row["text"], language="en", fast=fast)
        marked = set(row["check_worthy"])
        first = ranked_spans(doc.claims)[:top]
        sentences = candidate_sentences(doc.text)
        # A claim counts as check-worthy when it starts where a marked sentence does (a claim
        # drops a lone quotation mark, so its start may be one or two characters later).
        hits = [any(0 <= c.start - m <= 2 for m in marked) for c in first]
        per[row["id"]] = {"sentences": len(sentences), "check_worthy": len(marked), "flagged": len(doc.claims),
                          f"top{top}_precision": round(sum(hits) / max(len(first), 1), 4)}
    return {f"mean_top{top}_precision": round(float(np.mean([v[f"top{top}_precision"] for v in per.values()])), 4), "articles": per}


def genre(data: Path) -> dict:
    from sklearn.metrics import f1_score

    from unspin.components.genre import load_genre_model

    model = load_genre_model()
    _, test = genre_split(read_genre(data / "genre_en" / "train.jsonl"))
    probs = [model.probabilities(d.text) for d in test]
    pred = [model.label(p) for p in probs]
    unclear = sum(model.caution(d.text) is not None or model.unclear(p) is not None for d, p in zip(test, probs))
    gold = [d.label for d in test]
    cells: dict[str, Counter] = {}
    for d, p in zip(test, pred):
        cells.setdefault(f"{d.source}/{d.label}", Counter())[p] += 1
    return {
        "heldout_docs": len(test),
        "macro_f1": round(float(f1_score(gold, pred, average="macro")), 4),
        "per_class_f1": dict(zip(model.labels, np.round(f1_score(gold, pred, labels=model.labels, average=None), 4).tolist())),
        "heldout_unclear": unclear,
        "per_cell": {k: dict(v) for k, v in sorted(cells.items())},
        "unseen_outlets_from_config": model.config.extra.get("metrics", {}).get("ptc_cross_half"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(SHARED))
    ap.add_argument("--precision", choices=("shipped", "both"), default="shipped")
    ap.add_argument("--claims-run", default=str(ROOT / "runs" / "claims"), help="training output with model-fp32.onnx (for --precision both)")
    ap.add_argument("--fast", action="store_true", help="the claims model of the fast size (MiniLM) instead of the default's (MPNet)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")
    from unspin.pipeline import MODELS
    from unspin.config import TextModelConfig
    from unspin.runtime import model_dir, tokenizer_file

    data = Path(args.data)
    shipped = MODELS[("en", args.fast)]["claims"]
    res = {"claims": [claims(data, model_dir(shipped), f"shipped {shipped}")]}
    if args.precision == "both":
        run = Path(args.claims_run)
        for prec in ("fp32", "int8"):
            tmp = run / f"bench-{prec}"
            tmp.mkdir(exist_ok=True)
            cfg = json.loads((model_dir(shipped) / "config.json").read_text())
            cfg["file"] = str((run / f"model-{prec}.onnx").resolve())
            (tmp / "config.json").write_text(json.dumps(cfg))
            (tmp / "tokenizer.json").write_bytes(tokenizer_file(model_dir(shipped), TextModelConfig.from_dict(cfg)).read_bytes())
            res["claims"].append(claims(data, tmp, prec))
    articles = ROOT / "bench" / "data" / "claims_articles.jsonl"
    res["claims_articles"] = claims_on_articles(articles, fast=args.fast)
    res["genre"] = genre(data)
    if args.json:
        print(json.dumps(res, indent=1))
        return
    for c in res["claims"]:
        print(f"claims [{c['model']}] threshold {c['threshold']:.4f}: " + " | ".join(
            f"{k} F1 {c[k]['f1']:.4f} (P {c[k]['precision']:.3f} R {c[k]['recall']:.3f}, flagged {c[k]['flagged_share']:.0%}, "
            f"ECE {c[k]['ece']:.3f}, n={c[k]['n']})" + (" [trained on]" if k in c["trained_on"] else "") for k in ("own", "dev", "dev-test")))
    a = res["claims_articles"]
    print(f"claims on articles: mean top-3 precision {a['mean_top3_precision']:.3f}; " + "; ".join(
        f"{k}: {v['flagged']} of {v['sentences']} flagged, {v['check_worthy']} marked, top-3 precision {v['top3_precision']:.2f}"
        for k, v in a["articles"].items()))
    g = res["genre"]
    print(f"genre: held-out macro-F1 {g['macro_f1']:.4f} on {g['heldout_docs']} docs ({g['heldout_unclear']} unclear); per class {g['per_class_f1']}")
    for cell, counts in g["per_cell"].items():
        print(f"  {cell}: {counts}")
    u = g["unseen_outlets_from_config"]
    if u:
        print(f"genre on unseen outlets (PTC halves, from the model's config.json): accuracy {u['accuracy']}, called satire {u['called_satire']} "
              f"of {u['articles']}, unclear {u['unclear']}, accuracy over the rest {u['accuracy_over_labelled']}, "
              f"satire recall on unseen satire outlets {u['satire_recall_unseen_outlets']}")


if __name__ == "__main__":
    main()
