"""``unspin.training.export.simplify_graph`` on every ONNX file of shipped model folders: the
attention mask built once instead of once per layer, the softmax NaN guards dropped. Outputs
stay the same to the bit; ``quantize()`` and scripts/per_row_activations.py apply it to what
they write, this applies it to folders built before it existed.

    python scripts/simplify_graphs.py en-fast en-claims ru
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin.runtime import model_dir  # noqa: E402
from unspin.training.export import simplify_file  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", help="model names (en-fast, ru, ...) or folders")
    args = ap.parse_args()
    for name in args.models:
        for graph in sorted(model_dir(name).glob("*.onnx")):
            merged, guards = simplify_file(graph)
            print(f"{name}/{graph.name}: {merged} repeated nodes merged, {guards} NaN guards dropped")


if __name__ == "__main__":
    main()
