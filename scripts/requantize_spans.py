"""Requantise a span model folder's encoder as ``int8-outliers`` (int8 everywhere, a few
outlier input channels of each feed-forward output matrix in fp32), without its fp32 weights.

    python scripts/requantize_spans.py src/unspin/models/en --out runs/en-int8o
    python bench/quality.py --spans-only --two-fold --model runs/en-int8o       # SI, TC, 2-fold SI
    python scripts/requantize_spans.py src/unspin/models/en --out runs/en-int8o --install   # replace models/en

The default model's fp32 training weights were never kept; it ships ``mixed`` (int8, with the
feed-forward output matrices as 4-bit weights and fp32 activations: slow). Those 4-bit matrices
are expanded back to floats exactly and quantised as int8 with the outlier channels split off
(``unspin.training.export.quantize_with_outliers``); the rest of the int8 graph is kept as it is.
Calibration: non-overlapping windows of the first PTC training articles by id that are not in
the validation split (``unspin.corpus.validation_split``), ``--windows`` of them. The folder's
decoder settings, operating points and companions are copied unchanged; its config records the
new precision and how it was made.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin.config import SpanModelConfig  # noqa: E402
from unspin.corpus import read_articles, validation_split  # noqa: E402
from unspin.encoding import load_tokenizer  # noqa: E402
from unspin.runtime import model_dir, tokenizer_file  # noqa: E402
from unspin.training.export import OUTLIERS, calibration_feeds, quantize_with_outliers, split_external  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="a span model folder (or a shipped model's name)")
    ap.add_argument("--out", required=True, help="the model folder to write (a copy of MODEL with the new encoder)")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"), help="PTC folder (train-articles in it)")
    ap.add_argument("--windows", type=int, default=256, help="calibration windows (default 256)")
    ap.add_argument("--outliers", type=int, default=OUTLIERS, help=f"fp32 channels per feed-forward output matrix (default {OUTLIERS})")
    ap.add_argument("--install", action="store_true", help="then copy the folder over MODEL (a shipped model's folder)")
    args = ap.parse_args()

    source = model_dir(args.model)
    config = SpanModelConfig.read(source)
    raw = json.loads((source / "config.json").read_text(encoding="utf-8"))
    before = raw.get("precision", "?")
    if before == "int8-outliers":
        sys.exit(f"{source}: its encoder is int8-outliers already: nothing to requantise (run it on a mixed or fp32 model folder)")
    out = Path(args.out)
    if out.resolve() == source.resolve():
        sys.exit("--out must be another folder; --install copies it back")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("encoder*"):
        old.unlink()

    articles = read_articles(Path(args.data) / "train-articles")
    train, _ = validation_split(articles)
    tok = load_tokenizer(str(tokenizer_file(source, config)))
    feeds = calibration_feeds(tok, [articles[a] for a in train], config.window, config.cls_id, config.sep_id, config.pad_id,
                              max_windows=args.windows)
    started = time.time()
    quantize_with_outliers(source / config.encoder, out / "encoder.onnx", feeds, outliers=args.outliers)
    files = split_external(out / "encoder.onnx")
    for f in files:
        f.chmod(0o644)  # onnx writes external data owner-only; a package's files are world-readable
    print(f"int8-outliers encoder: {sum(f.stat().st_size for f in files) / 1e6:.1f} MB in {len(files)} files, "
          f"{time.time() - started:.0f} s", flush=True)

    for f in source.iterdir():  # everything but the encoder: head, edges, techniques, tokenizer
        if f.is_file() and not f.name.startswith("encoder") and f.name != "config.json":
            shutil.copy(f, out / f.name)
    raw.update(encoder="encoder.onnx", precision="int8-outliers")
    raw["quantisation"] = {
        "variant": "int8-outliers", "outliers_per_matrix": args.outliers, "calibration_windows": sum(len(f["input_ids"]) for f in feeds),
        "calibration": "non-overlapping windows of the first PTC training articles by id outside the validation split",
        "from": f"the {before} encoder of {source.name}",
        "command": f"python scripts/requantize_spans.py {args.model} --out {args.out}",
    }
    (out / "config.json").write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tokenizer = raw.get("tokenizer")
    if tokenizer and not (out / tokenizer).is_file():  # a shared tokenizer: the copy reads it from beside its parent
        (out.parent / Path(tokenizer).parent).mkdir(parents=True, exist_ok=True)
        target = out.parent / tokenizer
        if not target.exists():
            shutil.copy(source.parent / tokenizer, target)
    print(f"wrote {out}", flush=True)

    if args.install:
        for old in source.glob("encoder*"):
            old.unlink()
        for f in out.iterdir():
            if f.is_file():
                shutil.copy(f, source / f.name)
        print(f"installed into {source}", flush=True)


if __name__ == "__main__":
    main()
