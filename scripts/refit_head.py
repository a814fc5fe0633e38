"""Refit an English span model's technique head on its shipped (quantised) encoder's own states.

    python scripts/refit_head.py runs/mpnet-s2 --out runs/mpnet-s2-refit [--epochs 10]

The technique head (a two-layer perceptron over [mean, first, last] token states of a span plus
2 extra features, ``unspin.features``) is trained inside ``train_spans.py`` on torch states of
the fp32 encoder while it changes. This refits it after training, warm-started from the run's
``head.npz``, on the states of the encoder as shipped (ONNX, quantised), which is what it reads
at run time: PTC train without the validation split, every gold span once per technique,
cross-entropy with label smoothing 0.05 as in training, AdamW (lr 3e-4), batches of 64.
The encoder and the span decoder are untouched: SI is unchanged, TC is scored on the
validation split (``python bench/quality.py --spans-only --model OUT``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from unspin.config import SpanModelConfig, write_config  # noqa: E402


def span_features(tagger, text: str, spans: list[tuple[int, int]]) -> tuple[list[int], list[np.ndarray]]:
    """The technique head's input for character ``spans`` of ``text`` as ``tagger``'s encoder
    (its first member) reads them: [mean, first, last] token states plus the extra features
    (``unspin.features``), (3H + 2,) each. Returns (indices into ``spans`` that cover at least one
    token, their features); a span over no token is left out. Shared with ``train_ru.py``'s refit."""
    from unspin.decoding import tokens_in
    from unspin.features import extra_features, normalise, pool

    out = tagger.encoder(text)
    norm = normalise(text)
    kept, feats = [], []
    for i, (start, end) in enumerate(spans):
        a, b = tokens_in(out.enc, start, end)
        if b > a:
            kept.append(i)
            feats.append(np.concatenate([pool(out.states[0], a, b), extra_features(norm, text[start:end], b - a)]))
    return kept, feats


def training_features(run: Path, data: Path) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, 3H + 2), index into the run's technique labels (n,)) for every gold span of the training
    articles outside the validation split, from the run's ONNX encoder."""
    from unspin import corpus
    from unspin.components.techniques import TechniqueTagger

    tagger = TechniqueTagger.from_folder(run)
    articles = corpus.read_articles(data / "train-articles")
    train_ids, _ = corpus.validation_split(articles)
    labels = corpus.read_labels(data / "train-task-flc-tc.labels")
    by_art = corpus.group_by_article([t for t in (corpus.trim_label(articles[l.article_id], l) for l in labels if l.article_id in articles) if t])
    feats, ys = [], []
    t0 = time.time()
    for k, art in enumerate(sorted(set(train_ids) & set(by_art))):
        gold = [l for l in by_art[art] if l.technique in tagger.labels]
        kept, rows = span_features(tagger, articles[art], [(l.start, l.end) for l in gold])
        feats += rows
        ys += [tagger.labels.index(gold[i].technique) for i in kept]
        if (k + 1) % 50 == 0:
            print(f"{k + 1} articles, {len(ys)} spans, {time.time() - t0:.0f} s", flush=True)
    return np.stack(feats).astype(np.float32), np.array(ys)


def refit(head: Path, x: np.ndarray, y: np.ndarray, epochs: int, seed: int = 21) -> dict[str, np.ndarray]:
    """Warm-started AdamW refit of the head in ``head`` (an npz: w1, b1, w2, b2; its shapes fix the
    feature and label counts) on features ``x`` (n, d) and label indices ``y`` (n,); returns the new arrays."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    z = np.load(head)
    l1, l2 = nn.Linear(*z["w1"].shape), nn.Linear(*z["w2"].shape)
    with torch.no_grad():
        for layer, w, b in ((l1, "w1", "b1"), (l2, "w2", "b2")):
            layer.weight.copy_(torch.from_numpy(z[w].T))
            layer.bias.copy_(torch.from_numpy(z[b]))
    net = nn.Sequential(l1, nn.GELU(approximate="tanh"), nn.Dropout(0.1), l2)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-4, weight_decay=0.01)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(yt))
        total = 0.0
        for i in range(0, len(order), 64):
            idx = order[i : i + 64]
            loss = loss_fn(net(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
        print(f"epoch {epoch + 1}: loss {total / len(yt):.4f}", flush=True)
    return {"w1": l1.weight.detach().numpy().T.copy(), "b1": l1.bias.detach().numpy().copy(),
            "w2": l2.weight.detach().numpy().T.copy(), "b2": l2.bias.detach().numpy().copy()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="a span model folder (config.json, its encoder, head.npz)")
    ap.add_argument("--out", required=True, help="a copy of the run with the refitted head.npz")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"))
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    run, out = Path(args.run), Path(args.out)
    config = json.loads((run / "config.json").read_text())
    x, y = training_features(run, Path(args.data))
    print(f"{len(y)} training spans", flush=True)
    arrays = refit(run / "head.npz", x, y, args.epochs)
    out.mkdir(parents=True, exist_ok=True)
    for f in run.iterdir():
        # config.json is written below, with the refit recorded.
        if f.is_file() and (f.name in ("tokenizer.json", config["encoder"]) or f.name.startswith("encoder.data")):
            shutil.copy(f, out / f.name)
    if not (out / "tokenizer.json").is_file():  # an installed model shares its tokenizer: give the copy its own
        from unspin.runtime import tokenizer_file

        shutil.copy(tokenizer_file(run, SpanModelConfig.from_dict(config)), out / "tokenizer.json")
    np.savez(out / "head.npz", **arrays)
    config.setdefault("trained", {})["head_refit"] = {"states": f"{config['encoder']} (as shipped)", "epochs": args.epochs,
                                                      "spans": int(len(y)), "command": "python scripts/refit_head.py"}
    write_config(out, config, SpanModelConfig)
    print(f"wrote {out}", flush=True)


if __name__ == "__main__":
    main()
