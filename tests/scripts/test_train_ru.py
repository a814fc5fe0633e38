"""scripts/train_ru.py's training loop on a tiny random BERT and a tiny ZenPropaganda-format corpus:
it trains, checkpoints, exports, and a run stopped after an epoch and resumed ends with exactly the
weights of one that never stopped (needs the train extra)."""

import json
import sys
from pathlib import Path

import pytest

from unspin.errors import InputError

from conftest import require_module

torch = require_module("torch", "training needs the train extra (pip install -e '.[train]')")
transformers = require_module("transformers", "training needs the train extra (pip install -e '.[train]')")
require_module("onnx", "export needs the train extra (pip install -e '.[train]')")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import train_ru  # noqa: E402
from unspin.training import loop as _training  # noqa: E402

WORDS = ("власти снова лгут народу это позор для всей страны врачи говорят что вакцина опасна "
         "мы должны остановить их немедленно эксперты уверены министр скрывает правду").split()
META = {"Loaded_language": "Manipulation", "Appeal_to_authority": "Justification"}


def _corpus(root: Path) -> Path:
    data = root / "data"
    (data / "train-articles").mkdir(parents=True)
    tc, meta = [], []
    for k in range(1, 9):
        sentences = [" ".join(WORDS[(k + i) % len(WORDS) : (k + i) % len(WORDS) + 6]).capitalize() + "." for i in range(8)]
        text = "\n".join(sentences)
        (data / "train-articles" / f"article{k}.txt").write_text(text, encoding="utf-8")
        for j, (name, group) in enumerate(META.items()):
            start = text.index(sentences[2 + 3 * j])
            end = start + len(sentences[2 + 3 * j])
            tc.append(f"{k}\t{name}\t{start}\t{end}")
            meta.append(f"{k}\t{group}\t{start}\t{end}")
    (data / "train-task2-TC.labels").write_text("\n".join(tc) + "\n", encoding="utf-8")
    (data / "train-task2-TC.labels_meta").write_text("\n".join(meta) + "\n", encoding="utf-8")
    return data


def _base(root: Path) -> Path:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    base = root / "base"
    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", ".", *sorted(set(WORDS))])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=64)
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(base)
    tok.save(str(base / "tokenizer.json"))
    (base / "special_tokens.json").write_text(json.dumps({"cls_id": 2, "sep_id": 3, "pad_id": 0}))
    return base


def _args(data: Path, base: Path, out: Path, *extra: str):
    return train_ru.parser().parse_args(["--data", str(data), "--base", str(base), "--out", str(out), "--epochs", "2",
                                         "--batch", "2", "--window", "24", "--stride", "24", "--train-layers", "1",
                                         "--threads", "1", "--no-bf16", *extra])


def test_train_ru_trains_exports_and_resumes_exactly(tmp_path, monkeypatch):
    data, base = _corpus(tmp_path), _base(tmp_path)
    train_ru.train(_args(data, base, tmp_path / "whole"))
    whole = torch.load(tmp_path / "whole" / _training.CHECKPOINT, weights_only=False)
    assert whole["epoch"] == 2 and (tmp_path / "whole" / "encoder-int8.onnx").is_file()
    config = json.loads((tmp_path / "whole" / "config.json").read_text())
    assert config["labels"] == sorted(META) and config["cls_id"] == 2

    # Stopped by the time budget after the first epoch, then resumed.
    fit = train_ru.fit
    monkeypatch.setattr(train_ru, "fit", lambda *a, **kw: fit(*a, **{**kw, "max_minutes": 1e-9}))
    from unspin.errors import TimeBudgetReached

    with pytest.raises(TimeBudgetReached, match="after epoch 1"):
        train_ru.train(_args(data, base, tmp_path / "cut"))
    monkeypatch.setattr(train_ru, "fit", fit)
    assert torch.load(tmp_path / "cut" / _training.CHECKPOINT, weights_only=False)["epoch"] == 1
    train_ru.train(_args(data, base, tmp_path / "cut", "--resume"))
    cut = torch.load(tmp_path / "cut" / _training.CHECKPOINT, weights_only=False)
    assert cut["step"] == whole["step"]
    for name, w in whole["model"].items():
        assert torch.equal(w, cut["model"][name]), name

    # A resume under other training settings is refused with one line.
    with pytest.raises(InputError, match="other training settings"):
        train_ru.train(_args(data, base, tmp_path / "cut", "--resume", "--lr", "1e-3"))


def test_load_matching_carries_the_encoder_over_and_leaves_other_shapes_fresh(tmp_path):
    from unspin.training import spans as train_spans

    base = _base(tmp_path)
    english = train_spans.SpanNet(base, 14)  # a PTC run: 14 techniques
    torch.save(english.state_dict(), tmp_path / "spannet.pt")
    russian = train_spans.SpanNet(base, 36)
    before = {k: v.clone() for k, v in russian.state_dict().items()}
    fresh = train_ru.load_matching(russian, train_ru.run_weights(tmp_path / "spannet.pt"))
    assert fresh == ["head.3.bias", "head.3.weight"]
    after = russian.state_dict()
    for name, value in english.state_dict().items():
        if name not in fresh:
            assert torch.equal(after[name], value), name
    assert torch.equal(after["head.3.weight"], before["head.3.weight"])


def test_training_articles_learning_curve_and_all_articles():
    from unspin import corpus

    ids = [str(i) for i in range(100)]
    train, val = corpus.ru_validation_split(ids)
    args = lambda *extra: train_ru.parser().parse_args(["--out", "x", *extra])  # noqa: E731
    assert train_ru.training_articles(ids, args()) == (train, val)
    sample, same_val = train_ru.training_articles(ids, args("--train-articles", "40"))
    assert len(sample) == 40 and set(sample) <= set(train) and same_val == val
    assert train_ru.training_articles(ids, args("--train-articles", "40"))[0] == sample  # seeded
    assert train_ru.training_articles(ids, args("--train-articles", "40", "--seed", "7"))[0] != sample
    assert train_ru.training_articles(ids, args("--all-articles")) == (sorted(ids), [])
    with pytest.raises(SystemExit, match="--train-articles must lie in"):
        train_ru.training_articles(ids, args("--train-articles", "500"))


def test_averaged_heads_give_the_mean_of_their_logits():
    import numpy as np

    rng = np.random.default_rng(0)
    parts = [(rng.normal(size=(5, 4)), rng.normal(size=4), rng.normal(size=(4, 3)), rng.normal(size=3)) for _ in range(3)]
    x = rng.normal(size=(2, 5))

    def logits(w1, b1, w2, b2):
        h = x @ w1 + b1
        h = 0.5 * h * (1.0 + np.tanh(0.7978845608 * (h + 0.044715 * h**3)))
        return h @ w2 + b2

    one = train_ru.average_heads(parts)
    assert one["w1"].shape == (5, 12) and one["w2"].shape == (12, 3)
    assert np.allclose(logits(**one), np.mean([logits(*p) for p in parts], axis=0))
    assert all(np.array_equal(a, b) for a, b in zip(train_ru.average_heads(parts[:1]).values(), parts[0]))


def test_adopt_decoder_takes_the_validated_runs_decoder(tmp_path):
    out, source = tmp_path / "all", tmp_path / "validated"
    out.mkdir()
    source.mkdir()
    (out / "encoder-int8.onnx").write_bytes(b"onnx")
    # A span model's config (unspin.config.SpanModelConfig: the typed config every script writes through).
    (out / "config.json").write_text(json.dumps({"name": "unspin-ru-spans", "encoder": "encoder-int8.onnx", "labels": ["a"], "window": 8,
                                                 "stride": 8, "hidden_size": 4, "cls_id": 0, "sep_id": 2, "pad_id": 1, "threshold": 0.5}))
    decoder = {"kind": "units", "threshold": 0.4, "split": "begin", "begin_threshold": 0.1, "unit": "clause"}
    (source / "config.json").write_text(json.dumps({"decoder": decoder, "validation": {"measures": {"span_f1_iou50": 0.3}}}))
    args = train_ru.parser().parse_args(["--out", str(out), "--all-articles", "--decoder-from", str(source)])
    train_ru.adopt_decoder(out, args)
    config = json.loads((out / "config.json").read_text())
    # The decoder as validated (the typed config adds its defaults: technique_rule).
    assert {k: config["decoder"][k] for k in decoder} == decoder and config["encoder"] == "encoder.onnx" and (out / "encoder.onnx").is_file()
    assert config["validation"]["from_run"] == str(source) and config["validation"]["figures_of_that_run"]["measures"]["span_f1_iou50"] == 0.3
    with pytest.raises(SystemExit, match="give --decoder-from"):
        train_ru.adopt_decoder(out, train_ru.parser().parse_args(["--out", str(out), "--all-articles"]))


def test_snap_to_clauses_moves_span_edges_to_the_clauses_the_decoder_marks():
    text = "Власти лгут нам, это позор. Эксперты уверены, что всё хорошо."
    first = text.index("это позор")
    # Most of the clause "это позор." is inside: the span grows to the whole clause.
    assert train_ru.snap_to_clauses(text, [(first + 1, len("Власти лгут нам, это позор."))]) == [(first, first + len("это позор."))]
    # Two clauses half inside or more: the run of both.
    assert train_ru.snap_to_clauses(text, [(0, first + 8)]) == [(0, first + len("это позор."))]
    # A few words inside a long clause cover no clause by half: kept as they are.
    long = "Эксперты снова и снова уверяют нас всех, что всё хорошо."
    assert train_ru.snap_to_clauses(long, [(9, 14)]) == [(9, 14)]
