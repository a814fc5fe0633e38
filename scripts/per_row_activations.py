"""Give the shipped models' int8 activations one scale per row (per token) instead of one per
tensor: ``unspin.training.export.per_row_activations`` on every ONNX file of each model folder,
weights untouched (only the graph files change), ``"activation_scales": "per-row"`` recorded in
its config.json. bench/RESULTS.md, "Per-row activation scales", has why and what it measured.

    python scripts/per_row_activations.py en en-tc en-claims-base en-embed

(the default pipeline's models; the fast span and claims models and the Russian one keep
per-tensor scales: RESULTS says what per row cost them).

A folder already converted is left as it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin.runtime import model_dir  # noqa: E402
from unspin.training.export import is_per_row, record_activation_scales, rewrite_per_row  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", help="model names (en, en-claims, ...) or folders")
    args = ap.parse_args()
    for name in args.models:
        folder = model_dir(name)
        config_file = folder / "config.json"
        raw = config_file.read_text(encoding="utf-8")
        config = json.loads(raw)
        second = raw.splitlines()[1] if "\n" in raw else ""
        indent = len(second) - len(second.lstrip(" ")) or None  # as the folder writes it
        if is_per_row(config):
            print(f"{folder.name}: per-row already")
            continue
        rewritten = {f.name: rewrite_per_row(f) for f in sorted(folder.glob("*.onnx"))}
        if not any(rewritten.values()):
            print(f"{folder.name}: no dynamically quantised activations")
            continue
        record_activation_scales(config, True)
        config_file.write_text(json.dumps(config, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{folder.name}: " + ", ".join(f"{k} {v} tensors" for k, v in rewritten.items()))


if __name__ == "__main__":
    main()
