"""The helpers of the project's research and shipping scripts (need the `train` extra: torch, transformers)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import require_module

require_module("torch", "training helpers need the train extra (pip install -e '.[train]')")
require_module("transformers", "training helpers need the train extra (pip install -e '.[train]')")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import torch  # noqa: E402

import adapt_encoder  # noqa: E402
import soup  # noqa: E402


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


def test_tempered_keeps_certainty_order_and_flattens_with_temperature():
    from unspin.training.claims import tempered

    p = torch.tensor([[0.9, 0.1], [0.5, 0.5]])
    assert torch.allclose(tempered(p, 1.0), p, atol=1e-6)
    t2 = tempered(p, 2.0)
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
    from unspin.training.data import DEV_TEST_MIDDLE

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


def test_held_threshold_pools_the_halves_each_run_held_out(tmp_path):
    from unspin.errors import InputError
    from unspin.training.claims import held_threshold

    runs = []
    # run a scored its held half (Yes 0.3, No 0.2); run b its own (Yes 0.8, No 0.1)
    for name, held in (("a", [0.3, 0.2]), ("b", [0.8, 0.1])):
        run = tmp_path / name / "training"
        run.mkdir(parents=True)
        (run / "held.json").write_text("[1, 0]")
        np.savez(run / "scores-int8.npz", held=np.array(held))
        runs.append(run.parent)
    # pooled: Yes at 0.3 and 0.8, No at 0.2 and 0.1, so only thresholds in (0.2, 0.3] get both right
    assert 0.2 < held_threshold(runs, "int8") <= 0.3
    (runs[0] / "training" / "held.json").unlink()
    with pytest.raises(InputError, match="holds no held-out half"):
        held_threshold(runs, "int8")


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
