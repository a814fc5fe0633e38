"""The one training loop (unspin.training.loop): exact resume after a cut, between epochs and
inside one, Ctrl-C writing a checkpoint, staged schedules, special token ids."""

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from unspin.choices import WORDS as CLI_WORDS
from unspin.errors import InputError
from tests.training.conftest import HAVE_TRAIN

if HAVE_TRAIN:  # else every test here skips (or, in CI, fails) through conftest's fixture
    import torch

    from unspin.training import loop as _training


class _Cut(Exception):
    pass


def _tiny_run(out: Path, epochs: int, resume: bool = False, stop_after: int | None = None, max_minutes: float = 0.0):
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
                  out=out, args={"lr": 0.05}, resume=resume, log_every=1000, max_minutes=max_minutes,
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
    with pytest.raises(InputError, match="other training settings") as refused:
        _training.fit(net, opt, _training.linear_warmup(opt, 4), epochs=2, order=_training.batched(_training.shuffled(10), 3),
                      step=lambda idx: net(torch.zeros(len(idx), 1)).sum(), out=tmp_path / "b", args={"lr": 0.5}, resume=True)
    # The loop names no door's flag; each door words the setting: the CLI's flag, the API's argument.
    assert refused.value.worded(CLI_WORDS).startswith("--resume: ") and str(refused.value).startswith("resume=True: ")
    with pytest.raises(InputError, match="no checkpoint.pt in") as refused:
        _training.fit(net, opt, _training.linear_warmup(opt, 4), epochs=2, order=_training.batched(_training.shuffled(10), 3),
                      step=lambda idx: net(torch.zeros(len(idx), 1)).sum(), out=tmp_path / "c", args={"lr": 0.5}, resume=True)
    assert refused.value.worded(CLI_WORDS).startswith("--resume: no checkpoint.pt in")


def test_special_ids_follow_the_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "[PAD]": 3, "a": 4}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="a"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    assert _training.special_ids(tok) == (0, 2, 1)




def test_ctrl_c_between_steps_writes_a_checkpoint_there_and_the_resume_is_exact(tmp_path):
    straight, calls_straight = _tiny_run(tmp_path / "a", epochs=2)

    class CtrlC:
        def __init__(self, at):
            self.at = at

        def __call__(self, s):
            if s.step == self.at:
                raise KeyboardInterrupt

    torch.manual_seed(3)
    random.seed(3)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 1))
    x, y = torch.randn(10, 4), torch.randn(10, 1)
    opt = torch.optim.AdamW(net.parameters(), lr=0.05)
    said = []
    with pytest.raises(KeyboardInterrupt):
        _training.fit(net, opt, _training.linear_warmup(opt, 8), epochs=2, order=_training.batched(_training.shuffled(10), 3),
                      step=lambda idx: torch.nn.functional.mse_loss(net(x[idx]), y[idx]), out=tmp_path / "b", args={"lr": 0.05},
                      progress=CtrlC(6), say=said.append, words=CLI_WORDS)
    assert "checkpoint written" in said[-1] and "epoch 2, batch 2" in said[-1]
    assert said[-1].endswith("; continue with --resume")  # in the words of the door that passed them
    saved = torch.load(tmp_path / "b" / _training.CHECKPOINT, weights_only=False)
    assert (saved["epoch"], saved["pos"], saved["step"]) == (1, 2, 6)
    resumed, calls = _tiny_run(tmp_path / "b", epochs=2, resume=True)
    assert calls == calls_straight[6:]
    assert all(torch.equal(a, b) for a, b in zip(straight, resumed))


def test_staged_warmup_restarts_the_schedule_at_each_stage_with_its_own_rates():
    net = torch.nn.Linear(2, 2)
    head = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD([{"params": net.parameters(), "lr": 1.0}, {"params": head.parameters(), "lr": 10.0}])
    sched = _training.staged_warmup(opt, [10, 10], [[1.0, 1.0], [0.5, 0.1]], warm_share=0.2)
    rates = []
    for _ in range(20):
        rates.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    # linear_warmup's shape (as the shipped models were trained): warm-up over 2 steps, decay to 0
    shape = [min(1.0, (t + 1) / 2) * max(0.0, (10 - t) / 8) for t in range(10)]
    assert [r for pair in rates[:10] for r in pair] == pytest.approx([r for f in shape for r in (1.0 * f, 10.0 * f)])
    # stage 2: a fresh warm-up at its own rates
    assert [r for pair in rates[10:] for r in pair] == pytest.approx([r for f in shape for r in (0.5 * f, 1.0 * f)])


def test_a_continuing_run_on_many_articles_takes_fewer_epochs():
    """Three epochs over a few hundred articles would take a continuing run past 20 minutes on
    2 cores: past ``CONTINUING_STEPS`` optimiser steps its windows stop overlapping (``train``,
    where ``over_budget`` says so), then its epochs are cut, never below one; a recipe from
    scratch (two stages) and epochs the user gave are run as they are."""
    if not HAVE_TRAIN:
        pytest.skip("the train extra")
    from unspin.training import spans

    cap = spans.CONTINUING_STEPS
    recipe = spans.SpanRecipe.continuing()
    assert recipe.max_steps == cap and recipe.epochs == [3]
    assert recipe.fit_epochs(cap // 3) is None and recipe.epochs == [3]  # small data: 3 epochs as before
    assert recipe.over_budget(113) and not recipe.over_budget(65)  # 223 articles: 1,800 overlapping windows, 1,040 not
    assert recipe.fit_epochs(65) is None and recipe.epochs == [3]
    assert recipe.fit_epochs(113) == 3 and recipe.epochs == [2]
    recipe = spans.SpanRecipe.continuing("accurate")
    assert recipe.fit_epochs(int(cap / 2.2)) == 3 and recipe.epochs == [2]
    recipe = spans.SpanRecipe.continuing()
    assert recipe.fit_epochs(10 * cap) == 3 and recipe.epochs == [1]  # never below one epoch
    scratch = spans.SpanRecipe.from_scratch()
    assert not scratch.over_budget(10 * cap) and scratch.fit_epochs(10 * cap) is None and scratch.epochs == [5, 3]
    chosen = spans.SpanRecipe.continuing()
    chosen.max_steps = 0  # what --epochs does
    assert chosen.fit_epochs(10 * cap) is None and chosen.epochs == [3]
    help_text = subprocess.run([sys.executable, "-m", "unspin.cli", "train", "spans", "--help"], capture_output=True, text=True,
                               env={**os.environ, "COLUMNS": "400"}).stdout
    assert f"over {cap} steps" in " ".join(help_text.split())


def test_a_spent_time_budget_stops_after_a_checkpoint_with_exit_code_4_and_the_resume_is_exact(tmp_path):
    """``--max-minutes`` ran out: a TimeBudgetReached (exit code 4, not 1, so a resume loop in a
    script tells it from a crash), after the epoch's checkpoint; resuming ends where an
    uninterrupted run does."""
    from unspin.errors import TimeBudgetReached

    straight, _ = _tiny_run(tmp_path / "a", epochs=3)
    with pytest.raises(TimeBudgetReached) as stop:
        _tiny_run(tmp_path / "b", epochs=3, max_minutes=1e-9)
    assert stop.value.exit_code == 4 and str(stop.value) == "time budget reached after epoch 1; continue with resume=True"
    assert stop.value.worded(CLI_WORDS).endswith("; continue with --resume")
    resumed, _ = _tiny_run(tmp_path / "b", epochs=3, resume=True)
    assert all(torch.equal(a, b) for a, b in zip(straight, resumed))
