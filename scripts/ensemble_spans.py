"""Combine independently trained span models (scripts/train_spans.py runs) into one ensemble.

    python scripts/ensemble_spans.py runs/en runs/en-v2 --out runs/en-ens [--install]

Each member keeps its own encoder (the precision chosen for it at training time) and technique
head; the runtime averages their token and technique probabilities. The decoding thresholds are
tuned again for the ensemble on the same validation split, never on training articles.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from _shipping import install_model
from train_spans import ROOT, validation_data
from unspin.evaluation import DECODER_KEYS
from unspin.config import ModelConfig, SpanModelConfig, write_config
from unspin.runtime import tokenizer_file
from unspin.training.spans import tune_decoding


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("members", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"))
    ap.add_argument("--install", action="store_true")
    args = ap.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    config = json.loads((args.members[0] / "config.json").read_text())
    members, single = [], {}
    for i, m in enumerate(args.members):
        cfg = json.loads((m / "config.json").read_text())
        shutil.copy(m / "encoder.onnx", args.out / f"encoder-{i}.onnx")
        shutil.copy(m / "head.npz", args.out / f"head-{i}.npz")
        members.append({"encoder": f"encoder-{i}.onnx", "head": f"head-{i}.npz"})
        single[str(m)] = {"si_f1": cfg["validation"]["si"]["f1"], "tc_f1": cfg["validation"]["tc_micro_f1"], "trained": cfg.get("trained")}
    shutil.copy(tokenizer_file(args.members[0], ModelConfig.from_dict(config)), args.out / "tokenizer.json")
    for key in ("encoder", "precision", "validation", "trained", "tokenizer"):
        config.pop(key, None)
    config["members"] = members
    config["name"] = f"unspin-en-spans-ensemble-{len(members)}"
    write_config(args.out, config, SpanModelConfig)

    val, gold = validation_data(Path(args.data))
    result = tune_decoding(args.out, val, gold)
    config.update({k: result[k] for k in DECODER_KEYS})
    config["validation"] = {"articles": len(val), "split": "unspin.corpus.validation_split (15% of PTC train by article)",
                            "si": {k: result["si"][k] for k in ("precision", "recall", "f1")}, "tc_micro_f1": result["tc"]["f1"],
                            "si_two_fold": result["si_two_fold"], "members": single}
    write_config(args.out, config, SpanModelConfig)
    print(f"ensemble of {len(members)}: decoder {result['threshold']}/{result['seed_threshold']}/{result['edge_start']}/{result['edge_end']} SI F1 "
        f"{result['si']['f1']:.4f} TC micro-F1 {result['tc']['f1']:.4f}")
    if args.install:
        install_model(args.out, "en", ["tokenizer.json", "config.json"] + [f for m in members for f in m.values()])


if __name__ == "__main__":
    main()
