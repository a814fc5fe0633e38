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
