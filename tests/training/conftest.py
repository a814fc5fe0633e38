"""Fixtures for the training tests: a tiny random BERT encoder, a handful of tiny articles with
two technique names of their own, and the train extra itself.

The train extra (torch, transformers) is a service these tests need: without it they skip with
the reason, and under UNSPIN_REQUIRE_SERVICES=1 (CI) they fail, so CI always runs them.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import need

HAVE_TRAIN = all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers", "onnx"))


@pytest.fixture(autouse=True)
def _train_extra() -> None:
    need(HAVE_TRAIN, "training needs the train extra (pip install '.[train]')")


#: Sentences that carry each label, and plain ones; two names are this label set's own.
SENTENCES = {
    "Blame_Shifting": ["It is all the fault of the foreign bankers, as always.", "The opposition caused every problem we face today."],
    "Loaded_Language": ["The corrupt regime unleashed a brutal crackdown.", "These thugs are destroying our beautiful city."],
    "Fake_Consensus": ["Everyone knows the plan is the only sensible choice.", "All decent people already agree with us."],
}
PLAIN = ["The council met on Tuesday to discuss the budget.", "Rain is expected in the north later this week.",
         "The report was published in March.", "Officials said the road will reopen next month."]
NEW = ("Blame_Shifting", "Fake_Consensus")


def write_corpus(root: Path, n: int = 6) -> Path:
    """``n`` articles of six sentences, every other one labelled; returns the folder holding
    ``articles/``, ``labels.txt`` (PTC TC format) and ``taxonomy.tsv`` (one explanation given)."""
    names = list(SENTENCES)
    (root / "articles").mkdir(parents=True)
    lines = []
    for k in range(1, n + 1):
        text = f"Report {k}\n\n"
        for i in range(6):
            if i % 2 == 0:
                name = names[(k + i // 2) % len(names)]
                s = SENTENCES[name][(k + i) % 2]
                lines.append(f"{k}\t{name}\t{len(text)}\t{len(text) + len(s)}")
            else:
                s = PLAIN[(k + i) % len(PLAIN)]
            text += s + " "
        (root / "articles" / f"article{k}.txt").write_text(text, encoding="utf-8")
    (root / "labels.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "taxonomy.tsv").write_text("Blame_Shifting\tPuts the blame for a problem on one group, without evidence.\n"
                                       "Loaded_Language\nFake_Consensus\n", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    """A random 2-layer BERT (hidden 16) with a word-level tokenizer over the corpus's words: a
    transformers folder that ``--base PATH --from-scratch`` accepts and trains in milliseconds."""
    # A session fixture is set up before the autouse check above, so it says why on its own.
    need(HAVE_TRAIN, "training needs the train extra (pip install '.[train]')")
    import torch
    import transformers
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    base = tmp_path_factory.mktemp("base")
    words = sorted({w.strip(".,").lower() for group in (*SENTENCES.values(), PLAIN) for s in group for w in s.split()} | {"report"})
    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", ".", ",", *[str(d) for d in range(10)], *words])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=128)
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(base)
    tok.save(str(base / "tokenizer.json"))
    json.loads((base / "config.json").read_text())  # written
    return base
