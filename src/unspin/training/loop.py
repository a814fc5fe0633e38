"""One training loop for every model unspin trains, with exact resume.

A long run on a 2-core CPU (an all-mpnet-base-v2 epoch over PTC train is about half an hour)
must survive a session being cut off. ``fit`` therefore writes ``checkpoint.pt`` into the run
folder at the end of every epoch and every ``checkpoint_minutes`` inside one, holding everything
that decides what happens next:

- the model, optimizer and learning-rate schedule state;
- the epoch, the position inside it, the step count and the elapsed training seconds;
- the current and the last epoch's batch orders and Python's and torch's random states (dropout, shuffles);
- ``state``: a dict the caller keeps across epochs (best dev score so far, history, ...);
- the training arguments, so a resume under different settings is refused.

``fit(..., resume=True)`` restores all of it and continues with the very next batch, so a run
stopped and resumed takes the same steps with the same data and the same dropout masks as one
that never stopped (tested in ``tests/training/``). Ctrl-C between two steps writes a
checkpoint at that batch before the ``KeyboardInterrupt`` goes on; one that lands inside a
weight update keeps the previous checkpoint (every checkpoint is written atomically).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from unspin.errors import WORDS, InputError, TimeBudgetReached, word

CHECKPOINT = "checkpoint.pt"

#: Arguments that may differ between a run and its resume (they do not change what is trained).
RESUME_FREE = frozenset({"resume", "install", "install_as", "threads", "max_minutes", "checkpoint_minutes",
                         "tune_only", "precisions", "ship", "out", "quiet"})


@dataclass
class Step:
    """What ``fit`` reports after every optimiser step (to ``progress``)."""

    epoch: int  # counted from 1
    epochs: int
    step: int  # steps done so far, whole run
    total: int  # steps of the whole run
    batch: int  # batches done in this epoch
    batches: int  # batches in this epoch
    loss: float
    seconds: float  # training time so far (resumed runs count their earlier time)


def device() -> torch.device:
    """The GPU when torch sees one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def linear_warmup(opt: torch.optim.Optimizer, total_steps: int, warm_share: float = 0.06):
    """Linear warm-up over ``warm_share`` of ``total_steps``, then linear decay to 0."""
    return staged_warmup(opt, [total_steps], [[1.0] * len(opt.param_groups)], warm_share)


def staged_warmup(opt: torch.optim.Optimizer, stage_steps: Sequence[int], scales: Sequence[Sequence[float]], warm_share: float = 0.06):
    """A schedule of several stages, each a fresh linear warm-up (over ``warm_share`` of the
    stage) and a linear decay to 0, the learning rate of param group ``g`` in stage ``k`` being
    its base rate times ``scales[k][g]``. One stage is ``linear_warmup``. The stages restart the
    schedule as a new run from the previous one's weights would (``bench/RESULTS.md`` row 12:
    the restart, not only the epoch count, gives the shipped fast model its last 1.5 points)."""
    starts = [sum(stage_steps[:k]) for k in range(len(stage_steps))]

    def factor(group: int) -> Callable[[int], float]:
        def f(s: int) -> float:
            k = max(i for i, a in enumerate(starts) if s >= a or i == 0)
            n, t = stage_steps[k], s - starts[k]
            warm = max(1, int(warm_share * n))
            return scales[k][group] * min(1.0, (t + 1) / warm) * max(0.0, (n - t) / max(1, n - warm))

        return f

    return torch.optim.lr_scheduler.LambdaLR(opt, [factor(g) for g in range(len(opt.param_groups))])


def _comparable(args: dict) -> dict:
    """The settings a resume must share, nested ones flattened ("recipe.lr"), so that a setting
    added to a trainer since the run began is told apart (said, not refused) from a changed one."""
    flat: dict = {}
    for k, v in args.items():
        if isinstance(v, dict):
            flat.update({f"{k}.{kk}": vv for kk, vv in v.items() if kk not in RESUME_FREE})
        elif k not in RESUME_FREE:
            flat[k] = v
    return flat


def save_checkpoint(path: Path, payload: dict) -> None:
    """Write atomically: a run killed while saving keeps its previous checkpoint."""
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def _rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def printed(log_every: int = 20) -> Callable[[Step], None]:
    """A ``progress`` for ``fit`` that prints a line every ``log_every`` steps (logs of scripts)."""

    def show(s: Step) -> None:
        if s.step % log_every == 0 or s.step == s.total:
            per = s.seconds / max(1, s.step)
            print(f"epoch {s.epoch} step {s.step}/{s.total} loss {s.loss:.4f} {per:.2f}s/step "
                  f"eta {(s.total - s.step) * per / 60:.1f} min", flush=True)

    return show


def fit(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    sched,
    *,
    epochs: int,
    order: Callable[[list[list[int]] | None], list[list[int]]],
    step: Callable[[list[int]], torch.Tensor],
    out: Path,
    args: dict,
    resume: bool = False,
    on_epoch_end: Callable[[int, dict], None] | None = None,
    micro_batch: int = 0,
    clip: float = 1.0,
    max_minutes: float = 0.0,
    checkpoint_minutes: float = 10.0,
    log_every: int = 20,
    progress: Callable[[Step], None] | None = None,
    say: Callable[[str], None] = print,
    words: Mapping[str, str] = WORDS,
) -> dict:
    """Run ``epochs`` epochs of ``step`` over batches; return the caller's ``state`` dict.

    ``order(previous)`` gives an epoch's batches as lists of example indices (``previous`` is
    the last epoch's batches, ``None`` before the first): it may draw from ``random``, whose
    state is checkpointed. ``step(indices)`` returns the mean loss of those examples (a scalar
    tensor with a graph); with ``micro_batch`` > 0 a batch is split into chunks of that many
    examples whose losses are back-propagated one at a time, weighted by their share of the
    batch (same gradient up to the loss's per-batch normalisation, far less activation memory).
    ``on_epoch_end(epoch, state)`` runs after each epoch (epoch counted from 1) and may write
    into ``state``. ``progress(Step)`` hears of every step (default: a printed line every
    ``log_every`` steps); ``say`` prints the run's few messages, which name settings (how to
    continue a run) in ``words``, a door's table (``unspin.errors.WORDS``: the Python API's;
    ``unspin.choices.WORDS``: the CLI's flags). Raises ``InputError`` with a
    one-line reason when ``resume`` finds no checkpoint or one written under other training
    arguments; ``unspin.errors.TimeBudgetReached`` when ``max_minutes`` ran out after a checkpoint
    (continue with ``resume``).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = out / CHECKPOINT
    progress = progress or printed(log_every)
    state: dict[str, Any] = {}
    epoch, pos, n_step, elapsed, batches, prev = 0, 0, 0, 0.0, None, None
    if resume:
        if not ckpt.is_file():
            raise InputError(f"no {CHECKPOINT} in {out} to continue from; start the run anew", setting="resume")
        saved = torch.load(ckpt, map_location="cpu", weights_only=False)
        old, new = _comparable(saved["args"]), _comparable(args)
        diff = {k: (old[k], new[k]) for k in old.keys() & new.keys() if old[k] != new[k]}
        if "labels" in diff:
            # The label set (its order: one output row each) comes from the taxonomy the run was
            # given: a resume without the first run's label set (its taxonomy) reads the names otherwise.
            saved_names, names = diff["labels"]
            how = "another order" if sorted(map(str, saved_names)) == sorted(map(str, names)) else "another set"
            raise InputError(f"{ckpt} was written for {how} of techniques (saved: {', '.join(map(str, saved_names))}; now: "
                             f"{', '.join(map(str, names))})", setting="resume_labels")
        if diff:
            raise InputError(f"{ckpt} was written with other training settings (saved, now): {diff}", setting="resume")
        if old.keys() ^ new.keys():  # options added to (or dropped from) the trainer since the run began
            say(word(f"settings only in the checkpoint or only now, not compared: {sorted(old.keys() ^ new.keys())}", words, setting="resume"))
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        sched.load_state_dict(saved["scheduler"])
        _set_rng_state(saved["rng"] if "rng" in saved else {"torch": saved["torch_rng"], "python": saved["py_random"]})
        epoch, pos, n_step, elapsed = saved["epoch"], saved["pos"], saved["step"], saved["elapsed"]
        batches, prev, state = saved["batches"], saved["prev"], saved["state"]
        say(f"resuming from {ckpt}: " + (f"every epoch done ({epochs}), step {n_step}" if epoch >= epochs
                                          else f"epoch {epoch + 1} of {epochs}, batch {pos}, step {n_step}"))
    total = 0
    t0 = time.time() - elapsed
    last_save = time.time()

    def checkpoint(epoch_: int, pos_: int) -> None:
        save_checkpoint(ckpt, {
            "epoch": epoch_, "pos": pos_, "step": n_step, "elapsed": time.time() - t0,
            "model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
            "rng": _rng_state(), "batches": batches, "prev": prev, "state": state, "args": args,
        })

    params = [p for p in model.parameters() if p.requires_grad]
    safe = True  # False only while a step is changing the weights (a checkpoint then would be torn)
    try:
        while epoch < epochs:
            if batches is None:  # a new epoch: draw its order (inside one, a resume keeps the saved order)
                batches = order(prev)
            if not total:
                total = epochs * len(batches)
            model.train()
            while pos < len(batches):
                idx = batches[pos]
                opt.zero_grad()
                chunks = [idx[i : i + micro_batch] for i in range(0, len(idx), micro_batch)] if micro_batch else [idx]
                loss_sum = 0.0
                for chunk in chunks:
                    loss = step(chunk)
                    (loss * (len(chunk) / len(idx))).backward()
                    loss_sum += float(loss.detach()) * len(chunk) / len(idx)
                if clip:
                    nn.utils.clip_grad_norm_(params, clip)
                safe = False
                opt.step()
                sched.step()
                n_step += 1
                pos += 1
                safe = True
                progress(Step(epoch + 1, epochs, n_step, total, pos, len(batches), loss_sum, time.time() - t0))
                if checkpoint_minutes and time.time() - last_save > 60 * checkpoint_minutes and pos < len(batches):
                    checkpoint(epoch, pos)
                    last_save = time.time()
            if on_epoch_end is not None:
                on_epoch_end(epoch + 1, state)
            epoch += 1
            prev, batches, pos = batches, None, 0
            checkpoint(epoch, 0)
            last_save = time.time()
            say(f"epoch {epoch} done; checkpoint written to {ckpt}")
            if max_minutes and (time.time() - t0) / 60 > max_minutes and epoch < epochs:
                raise TimeBudgetReached(f"time budget reached after epoch {epoch}", setting="continue")
    except KeyboardInterrupt:
        if safe and (pos or batches is not None):
            checkpoint(epoch, pos)
            say(word(f"interrupted: checkpoint written to {ckpt} (epoch {epoch + 1}, batch {pos})", words, setting="continue"))
        else:
            say(word(f"interrupted: the last checkpoint in {ckpt} is kept", words, setting="continue"))
        raise
    return state


def shuffled(n: int) -> Callable[[list[list[int]] | None], list[int]]:
    """``order`` for ``fit``: each epoch shuffles the previous epoch's order with ``random``.

    Shuffling a list of indices in place draws the same permutation as shuffling the examples
    themselves did before this module existed, so old runs' seeds reproduce their old order.
    """

    def order(prev: list[list[int]] | None) -> list[int]:
        flat = list(range(n)) if prev is None else [i for b in prev for i in b]
        random.shuffle(flat)
        return flat

    return order


def batched(order_flat: Callable, batch: int) -> Callable[[list[list[int]] | None], list[list[int]]]:
    """Cut a flat epoch order into consecutive batches of ``batch`` examples."""

    def order(prev: list[list[int]] | None) -> list[list[int]]:
        flat = order_flat(prev)
        return [flat[i : i + batch] for i in range(0, len(flat), batch)]

    return order


def special_ids(tokenizer) -> tuple[int, int, int]:
    """(start, end, pad) token ids of a ``tokenizers.Tokenizer``: ``[CLS]``/``[SEP]``/``[PAD]``
    for BERT-style vocabularies, ``<s>``/``</s>``/``<pad>`` for MPNet/RoBERTa-style ones.

    Read from the tokenizer's own post-processor (what it adds around one word), so a model
    never sees special tokens it was not pre-trained with. Raises ``ValueError`` when the
    tokenizer adds none.
    """
    with_special = tokenizer.encode("a", add_special_tokens=True).ids
    plain = tokenizer.encode("a", add_special_tokens=False).ids
    if len(with_special) < len(plain) + 2:
        raise ValueError("the tokenizer adds no start and end tokens; cannot build encoder windows")
    start, end = with_special[0], with_special[-1]
    pad = next((tokenizer.token_to_id(t) for t in ("<pad>", "[PAD]") if tokenizer.token_to_id(t) is not None), 0)
    return start, end, pad


__all__: Sequence[str] = ("fit", "linear_warmup", "staged_warmup", "shuffled", "batched", "special_ids", "save_checkpoint",
                          "CHECKPOINT", "Step", "device", "printed")
