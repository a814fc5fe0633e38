"""Give the shipped models' int8 activations one scale per row (per token) instead of one per
tensor: ``unspin.training.export.per_row_activations`` on the per-tensor graph of each model
folder, with each activation's zero point calibrated on inputs like the model's own
(``activation_zero_points``), then ``simplify_graph`` (the attention mask built once instead of
once per layer); weights untouched (only the graph files change),
``"activation_scales": "per-row"`` recorded in its config.json. bench/RESULTS.md, "Per-row
activation scales", has why and what it measured.

    python scripts/per_row_activations.py en en-tc en-claims-base en-embed

(the default pipeline's models; the fast span and claims models and the Russian one keep
per-tensor scales: RESULTS says what per row cost them).

The per-tensor graphs come from git (``--source``, default the commit before 0.4.2 converted
the folders; the external weight files are the same), so running this again rebuilds the
shipped graphs from the same start. Calibration inputs, from data the models trained on:

- ``en`` (span encoder): 256 windows of PTC training articles (``calibration_feeds``);
- ``en-tc`` (span-marker): the gold spans of those articles, each read in its context
  (``unspin.features.marked_span_ids``, with its ``marks``);
- ``en-claims-base``: the first 512 sentences of CheckThat! 2024 English train;
- ``en-embed``: the first 512 sentences of the PTC training articles.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin.runtime import model_dir  # noqa: E402
from unspin.training.export import calibration_feeds, record_activation_scales, rewrite_per_row, simplify_file, token_feeds  # noqa: E402

#: The last commit whose shipped graphs quantise activations per tensor.
PER_TENSOR = "5e184e503a55a9b0aeb6102238d2bcf701b48574"
ROWS = 512


def feeds_for(name: str, folder: Path, data: Path) -> list[dict[str, np.ndarray]]:
    """Calibration feeds for the shipped model ``name`` (see the module docstring)."""
    from unspin import corpus
    from unspin.article.sentences import split_sentences

    ptc = data / "ptc"
    articles = corpus.read_articles(ptc / "train-articles")
    train_ids, _ = corpus.validation_split(sorted(articles))
    texts = [articles[a] for a in sorted(train_ids)]
    if name == "en":
        from unspin.runtime import SpanEncoder

        enc = SpanEncoder(folder)
        cfg = enc.config
        return calibration_feeds(enc.tokenizer, texts, cfg.window, cfg.cls_id, cfg.sep_id, cfg.pad_id)
    if name == "en-tc":
        from unspin.features import marked_span_ids
        from unspin.runtime import MarkedSpanClassifier

        marker = MarkedSpanClassifier(folder)
        labels = [lab for lab in corpus.read_labels(ptc / "train-task-flc-tc.labels") if lab.article_id in set(train_ids)]
        rows = [marked_span_ids(marker.tokenizer, articles[lab.article_id], lab.start, lab.end, marker.context, marker.span_max,
                                *marker.ids) for lab in sorted(labels, key=lambda x: (x.article_id, x.start, x.end))[:ROWS]]
        return [marker.feed(rows[b0 : b0 + 16]) for b0 in range(0, len(rows), 16)]  # as the classifier reads them
    from unspin.article.embed import OnnxTextModel

    model = OnnxTextModel(folder)
    if name == "en-claims-base":
        from unspin.training.data import checkworthy_splits

        sentences = [s.text for s in checkworthy_splits(data / "checkworthiness_en")["train"][:ROWS]]
    else:
        sentences = [t[a:b] for t in texts for a, b in split_sentences(t)][:ROWS]
    return token_feeds(model.encode_ids(sentences))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", choices=["en", "en-tc", "en-claims-base", "en-embed"], help="shipped model names")
    ap.add_argument("--source", default=PER_TENSOR, help="git revision whose graphs quantise per tensor (default: %(default)s)")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    for name in args.models:
        folder = model_dir(name)
        config_file = folder / "config.json"
        raw = config_file.read_text(encoding="utf-8")
        config = json.loads(raw)
        second = raw.splitlines()[1] if "\n" in raw else ""
        indent = len(second) - len(second.lstrip(" ")) or None  # as the folder writes it
        graph = folder / config.get("encoder", config.get("file", "model.onnx"))
        relative = graph.relative_to(ROOT)
        graph.write_bytes(subprocess.run(["git", "show", f"{args.source}:{relative.as_posix()}"], cwd=ROOT, check=True,
                                         capture_output=True).stdout)
        n = rewrite_per_row(graph, feeds_for(name, folder, args.data))
        merged, guards = simplify_file(graph)
        record_activation_scales(config, True)
        config_file.write_text(json.dumps(config, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{name}: {graph.name}, {n} activation tensors per row; {merged} repeated nodes merged, {guards} NaN guards dropped")


if __name__ == "__main__":
    main()
