"""The numpy/torch helpers of the training scripts (need the `train` extra: torch, transformers)."""

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="training helpers need the train extra (pip install -e '.[train]')")
pytest.importorskip("transformers", reason="training helpers need the train extra (pip install -e '.[train]')")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import torch  # noqa: E402

import adapt_encoder  # noqa: E402
import soup  # noqa: E402
import train_spans  # noqa: E402
from unspin.corpus import Label  # noqa: E402
from unspin.encoding import Encoded  # noqa: E402


def _example(lab):
    lab = np.array(lab)
    return (np.zeros(len(lab), np.int64), lab, [], np.ones(len(lab), np.float32), np.zeros((len(lab), 14), np.float32))


def test_span_balance_weighs_short_spans_more_and_keeps_the_inside_mean():
    # [CLS] O B(1 token) O B I I I(4 tokens) O [SEP]
    ex = train_spans.span_balance([_example([-100, 0, 1, 0, 1, 2, 2, 2, 0, -100])], 0.5)
    w, lab = ex[0][3], ex[0][1]
    assert np.allclose(w[lab == 0], 1.0)
    assert w[2] == pytest.approx(2 * w[4])  # 1**-0.5 against 4**-0.5
    assert np.allclose(w[4:8], w[4])
    assert w[lab > 0].mean() == pytest.approx(1.0)


def test_technique_labels_mark_every_covering_technique():
    enc = Encoded(np.arange(3), np.array([[0, 4], [5, 9], [10, 14]]), np.arange(3))
    gold = [Label("a", 0, 9, "Loaded_Language"), Label("a", 5, 14, "Doubt"), Label("a", 0, 1, "Slogans")]
    tech = train_spans.technique_labels(enc, gold)
    names = train_spans.LABELS
    assert tech.shape == (3, len(names))
    assert tech[:, names.index("Loaded_Language")].tolist() == [1, 1, 0]
    assert tech[:, names.index("Doubt")].tolist() == [0, 1, 1]
    assert tech[:, names.index("Slogans")].sum() == 0  # covers a quarter of a token only


def test_mask_tokens_never_touches_special_tokens_and_labels_only_the_picked():
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 30000, (8, 200))
    special = torch.zeros_like(ids, dtype=torch.bool)
    special[:, 0] = special[:, -1] = True
    masked, labels = adapt_encoder.mask_tokens(ids, special, 103, 30522, 0.15, gen)
    picked = labels != -100
    assert not picked[special].any()
    assert torch.equal(masked[~picked], ids[~picked])
    assert torch.equal(labels[picked], ids[picked])
    assert 0.10 < picked.float().mean() < 0.20
    assert (masked[picked] == 103).float().mean() > 0.7


def test_soup_averages_shared_parameters_and_drops_only_the_training_head():
    a = {"w": torch.tensor([1.0, 3.0]), "token_tech.weight": torch.ones(2)}
    b = {"w": torch.tensor([3.0, 5.0])}
    out = soup.average([a, b])
    assert set(out) == {"w"}
    assert torch.equal(out["w"], torch.tensor([2.0, 4.0]))


def test_soup_refuses_members_that_differ_beyond_the_training_head():
    with pytest.raises(ValueError, match="bio_mix"):
        soup.average([{"w": torch.zeros(2), "bio_mix": torch.zeros(3)}, {"w": torch.zeros(2)}])
    with pytest.raises(ValueError, match="shapes"):
        soup.average([{"w": torch.zeros(2)}, {"w": torch.zeros(3)}])


# ---------------------------------------------------------------------------- _training.fit
import random  # noqa: E402

import _training  # noqa: E402


class _Cut(Exception):
    pass


def _tiny_run(out: Path, epochs: int, resume: bool = False, stop_after: int | None = None):
    """A dropout net on 10 examples, batches of 3 (so the last batch is short); returns its weights."""
    torch.manual_seed(3)
    random.seed(3)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 1))
    x, y = torch.randn(10, 4), torch.randn(10, 1)
    opt = torch.optim.AdamW(net.parameters(), lr=0.05)
    sched = _training.linear_warmup(opt, 4 * epochs)
    calls = []

    def step(idx):
        calls.append(list(idx))
        if stop_after is not None and len(calls) > stop_after:
            raise _Cut  # a session cut off in the middle of an epoch
        return torch.nn.functional.mse_loss(net(x[idx]), y[idx])

    state_log = []
    _training.fit(net, opt, sched, epochs=epochs, order=_training.batched(_training.shuffled(10), 3), step=step,
                  out=out, args={"lr": 0.05}, resume=resume, log_every=1000,
                  on_epoch_end=lambda e, state: state.setdefault("epochs", []).append(e) or state_log.append(dict(state)))
    return [p.detach().clone() for p in net.parameters()], calls


def test_fit_resumed_after_an_epoch_matches_an_uninterrupted_run(tmp_path):
    straight, calls_straight = _tiny_run(tmp_path / "a", epochs=3)
    with pytest.raises(_Cut):
        _tiny_run(tmp_path / "b", epochs=3, stop_after=4 + 2)  # epoch 1 (4 batches) done, cut inside epoch 2
    resumed, calls_resumed = _tiny_run(tmp_path / "b", epochs=3, resume=True)
    # Resumed from the end of epoch 1: the same batches from there on, and the same weights.
    assert calls_resumed == calls_straight[4:]
    assert all(torch.equal(a, b) for a, b in zip(straight, resumed))
    saved = torch.load(tmp_path / "b" / _training.CHECKPOINT, weights_only=False)
    assert saved["state"]["epochs"] == [1, 2, 3] and saved["epoch"] == 3


def test_fit_resume_inside_an_epoch_and_refuses_other_arguments(tmp_path, monkeypatch):
    straight, calls_straight = _tiny_run(tmp_path / "a", epochs=2)
    # Checkpoint after every batch: the cut after 6 batches resumes at batch 7 (inside epoch 2).
    monkeypatch.setattr(_training.time, "time", iter(range(0, 10**6, 1000)).__next__)
    with pytest.raises(_Cut):
        _tiny_run(tmp_path / "b", epochs=2, stop_after=6)
    monkeypatch.undo()
    resumed, calls_resumed = _tiny_run(tmp_path / "b", epochs=2, resume=True)
    assert calls_resumed == calls_straight[6:]
    assert all(torch.equal(a, b) for a, b in zip(straight, resumed))
    net = torch.nn.Linear(1, 1)
    opt = torch.optim.AdamW(net.parameters())
    with pytest.raises(SystemExit, match="other training arguments"):
        _training.fit(net, opt, _training.linear_warmup(opt, 4), epochs=2, order=_training.batched(_training.shuffled(10), 3),
                      step=lambda idx: net(torch.zeros(len(idx), 1)).sum(), out=tmp_path / "b", args={"lr": 0.5}, resume=True)


def test_special_ids_follow_the_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "[PAD]": 3, "a": 4}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="a"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    assert _training.special_ids(tok) == (0, 2, 1)


def test_teacher_targets_map_a_teacher_with_other_tokens_onto_student_tokens():
    from unspin.runtime import TokenOutputs

    # Text "unspun words": the teacher has one token per word, the student splits "unspun".
    teacher = TokenOutputs(Encoded(np.arange(2), np.array([[0, 6], [7, 12]]), np.arange(2)),
                           np.array([[0.1, 0.8, 0.1], [0.2, 0.1, 0.7]], np.float32), [])
    student = Encoded(np.arange(3), np.array([[0, 3], [3, 6], [7, 12]]), np.array([0, 0, 1]))
    soft = train_spans.teacher_targets(teacher, student)
    assert np.allclose(soft[0], [0.1, 0.8, 0.1])  # the word's first piece may begin a span
    assert np.allclose(soft[1], [0.1, 0.0, 0.9])  # a later piece cannot: P(B) moved to P(I)
    assert np.allclose(soft[2], [0.2, 0.1, 0.7])
    assert np.allclose(soft.sum(1), 1.0)


def test_tempered_keeps_certainty_order_and_flattens_with_temperature():
    import train_claims

    p = torch.tensor([[0.9, 0.1], [0.5, 0.5]])
    assert torch.allclose(train_claims.tempered(p, 1.0), p, atol=1e-6)
    t2 = train_claims.tempered(p, 2.0)
    assert torch.allclose(t2.sum(-1), torch.ones(2))
    # sqrt(0.9) : sqrt(0.1) = 3 : 1, so T=2 gives 0.75 / 0.25; an even pair stays even.
    assert torch.allclose(t2[0], torch.tensor([0.75, 0.25]), atol=1e-6)
    assert torch.allclose(t2[1], torch.tensor([0.5, 0.5]))


def test_unlabelled_sentences_keep_long_enough_ones_once_in_file_order(tmp_path):
    import train_claims

    (tmp_path / "b.txt").write_text("Taxes rose by 4% last year. Really? The mayor said so twice.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("The mayor said so twice.\n\nUnemployment fell to 3.9 percent in May.", encoding="utf-8")
    (tmp_path / "c.md").write_text("This file is not a text article at all.", encoding="utf-8")
    got = train_claims.unlabelled_sentences(tmp_path)
    assert got == ["The mayor said so twice.", "Unemployment fell to 3.9 percent in May.", "Taxes rose by 4% last year."]


def test_training_splits_add_one_dev_test_half_and_hold_out_the_other(tmp_path):
    import argparse

    import train_claims
    from _data import DEV_TEST_MIDDLE

    head = "Sentence_id\tText\tclass_label\n"
    (tmp_path / "CT24_checkworthy_english_train.tsv").write_text(head + "1\tTaxes rose.\tYes\n", encoding="utf-8")
    (tmp_path / "CT24_checkworthy_english_dev.tsv").write_text(head + "2\tHello there.\tNo\n", encoding="utf-8")
    early, late = DEV_TEST_MIDDLE - 1, DEV_TEST_MIDDLE + 1
    (tmp_path / "CT24_checkworthy_english_dev-test.tsv").write_text(
        head + f"{early}\tCrime fell 5%.\tYes\n{late}\tThank you.\tNo\n", encoding="utf-8")
    args = argparse.Namespace(data=str(tmp_path), add_dev_test="first", repeat=3, teacher=None)
    splits = train_claims.training_splits(args)
    assert [s.id for s in splits["train"]] == ["1", str(early), str(early), str(early)]
    assert [s.id for s in splits["held"]] == [str(late)] and "dev-test" not in splits
    every = train_claims.training_splits(argparse.Namespace(**{**vars(args), "add_dev_test": "all", "repeat": 1}))
    assert [s.id for s in every["train"]] == ["1", str(early), str(late)] and "held" not in every
    plain = train_claims.training_splits(argparse.Namespace(**{**vars(args), "add_dev_test": "none"}))
    assert [s.id for s in plain["dev-test"]] == [str(early), str(late)]
    # runs from before the option existed keep their arguments, so they still resume
    assert "add_dev_test" not in train_claims.run_args(argparse.Namespace(**{**vars(args), "add_dev_test": "none"}))


def test_held_threshold_pools_the_halves_each_run_held_out(tmp_path):
    import json

    import train_claims
    from _data import DEV_TEST_MIDDLE

    head = "Sentence_id\tText\tclass_label\n"
    lines = [(DEV_TEST_MIDDLE - 2, "Yes"), (DEV_TEST_MIDDLE - 1, "No"), (DEV_TEST_MIDDLE + 1, "Yes"), (DEV_TEST_MIDDLE + 2, "No")]
    (tmp_path / "CT24_checkworthy_english_dev-test.tsv").write_text(head + "".join(f"{i}\tA sentence.\t{y}\n" for i, y in lines), encoding="utf-8")
    for name in ("train", "dev"):
        (tmp_path / f"CT24_checkworthy_english_{name}.tsv").write_text(head + "1\tTaxes rose.\tYes\n", encoding="utf-8")
    runs = []
    # run a trained on the first half and scored the second (Yes 0.3, No 0.2); run b the reverse
    for name, added, held in (("a", "first", [0.3, 0.2]), ("b", "second", [0.8, 0.1])):
        run = tmp_path / name
        run.mkdir()
        (run / "config.json").write_text(json.dumps({"trained": {"add_dev_test": added}}))
        np.savez(run / "scores-int8.npz", held=np.array(held))
        runs.append(run)
    # pooled: Yes at 0.3 and 0.8, No at 0.2 and 0.1, so only thresholds in (0.2, 0.3] get both right
    assert 0.2 < train_claims.held_threshold(runs, "int8", str(tmp_path)) <= 0.3
    (runs[0] / "config.json").write_text(json.dumps({"trained": {"add_dev_test": "all"}}))
    with pytest.raises(SystemExit, match="holds no dev-test half out"):
        train_claims.held_threshold(runs, "int8", str(tmp_path))


def test_refit_head_warm_starts_from_the_run_and_keeps_the_shapes(tmp_path):
    import refit_head

    rng = np.random.default_rng(0)
    arrays = {"w1": rng.normal(size=(8, 4)).astype(np.float32), "b1": np.zeros(4, np.float32),
              "w2": rng.normal(size=(4, 3)).astype(np.float32), "b2": np.zeros(3, np.float32)}
    np.savez(tmp_path / "head.npz", **arrays)
    x, y = rng.normal(size=(40, 8)).astype(np.float32), rng.integers(0, 3, 40)
    zero = refit_head.refit(tmp_path / "head.npz", x, y, epochs=0)
    assert all(np.array_equal(zero[k], arrays[k]) for k in arrays)  # no epochs: the run's head, read back exactly
    new = refit_head.refit(tmp_path / "head.npz", x, y, epochs=2)
    assert {k: v.shape for k, v in new.items()} == {k: v.shape for k, v in arrays.items()}
    assert not np.allclose(new["w2"], arrays["w2"])
