"""What stacking several documents into one ONNX call would buy, per model, and whether it is exact.

``Pipeline.pipe`` keeps every ONNX call to one document's windows or sentences, because the
shipped int8 models quantise activations with one scale per call (``quantize_dynamic``): a
document's outputs would depend on what shares its call. This measures the other road on the
PTC test articles, in groups of ``--group`` documents, alternating the order within each group:

- time of the calls one document at a time (what ``pipe`` does) against the same work stacked
  across the group's documents (span encoder: ``batch`` windows per call, padded to the widest;
  claims and genre embedder: all sentences sorted by length, ``batch`` per call);
- the largest difference in the span encoder's P(O, B, I) between the two (0 would mean exact).

Also, with ``--padding`` only: how far padding under attention mask 0 moves a window's real
positions (a 40-token window of ``examples/column.txt`` alone, padded to 200 tokens with pad
ids, and with arbitrary ids), for the shipped ``en`` and ``en-fast`` encoders and, when given
with ``--fp32``, an fp32 export.

    python bench/stacking.py [--n 48] [--group 16]
    python bench/stacking.py --padding [--fp32 ../runs/mpnet-s1/encoder-fp32.onnx]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=48, help="articles (default 48)")
    ap.add_argument("--group", type=int, default=16, help="documents stacked together (default 16)")
    ap.add_argument("--articles", type=Path, default=SHARED / "ptc" / "test-articles")
    ap.add_argument("--padding", action="store_true", help="only measure what padding does to real positions")
    ap.add_argument("--fp32", type=Path, help="an fp32 export of the default span encoder, for --padding")
    args = ap.parse_args()
    args.articles = need_folder(args.articles, "--articles FOLDER")
    if args.padding:
        return padding(args.fp32)

    from unspin import corpus
    from unspin.article.genre_features import opening_sentences
    from unspin.article.sentences import split_sentences
    from unspin.components.claims import MIN_WORDS
    from unspin.pipeline import load

    arts = list(corpus.read_articles(args.articles).values())[: args.n]
    pipeline = load("en")
    encoder = pipeline.get("techniques").encoder
    claims = pipeline.get("claims").scorer.model
    embedder = pipeline.get("genre").many.__self__.embedder
    encs = encoder.encode_many(arts)
    sents = [[a[s:e] for s, e in split_sentences(a) if len(a[s:e].split()) >= MIN_WORDS] for a in arts]
    opening = [opening_sentences(a) for a in arts]

    tasks = {
        "span encoder": (lambda g: [encoder.outputs(encs[i]) for i in g], lambda g: _stacked(encoder, [encs[i] for i in g])),
        "claims": (lambda g: claims.many([sents[i] for i in g]), lambda g: claims([s for i in g for s in sents[i]])),
        "genre embedder": (lambda g: embedder.many([opening[i] for i in g], max_len=128),
                           lambda g: embedder([s for i in g for s in opening[i]], max_len=128)),
    }
    seconds = {k: [0.0, 0.0] for k in tasks}
    groups = [list(range(i, min(i + args.group, len(arts)))) for i in range(0, len(arts), args.group)]
    for k, group in enumerate(groups):
        for name, runs in tasks.items():
            for j in (0, 1) if k % 2 == 0 else (1, 0):  # alternate, so drifting load falls on both
                t = time.perf_counter()
                runs[j](group)
                seconds[name][j] += time.perf_counter() - t
    out = {name: {"per_document_s": round(a, 2), "stacked_s": round(b, 2), "gain": round(a / b, 3)} for name, (a, b) in seconds.items()}
    a, b = sum(v[0] for v in seconds.values()), sum(v[1] for v in seconds.values())
    out["all three"] = {"per_document_s": round(a, 2), "stacked_s": round(b, 2), "gain": round(a / b, 3)}
    # Exactness: each window's P(O, B, I) stacked against the same window in its own document's calls.
    worst = 0.0
    for group in groups:
        stacked = _stacked(encoder, [encs[i] for i in group])
        alone = [p for i in group for p in _stacked(encoder, [encs[i]])]
        worst = max(worst, max(float(np.abs(x - y).max()) for x, y in zip(stacked, alone)))
    out["span encoder: largest |P(O,B,I) stacked - alone| of a token"] = round(worst, 4)
    print(json.dumps({"articles": len(arts), "group": args.group, **out}, indent=1))


def _stacked(encoder, encs) -> list:
    """P(O, B, I) of every window of ``encs`` (in order), ``encoder.batch`` windows per ONNX call
    whatever document they come from, each padded to the widest window of its call."""
    from unspin.encoding import windows
    from unspin.runtime import softmax

    cfg = encoder.config
    work = [(enc, w) for enc in encs for w in windows(len(enc), encoder.window, encoder.stride)]
    probs = []
    for b0 in range(0, len(work), encoder.batch):
        chunk = work[b0 : b0 + encoder.batch]
        width = max(e - s for _, (s, e) in chunk) + 2
        ids = np.full((len(chunk), width), cfg.pad_id, np.int64)
        mask = np.zeros_like(ids)
        for r, (enc, (s, e)) in enumerate(chunk):
            ids[r, 0], ids[r, 1 : e - s + 1], ids[r, e - s + 1] = cfg.cls_id, enc.ids[s:e], cfg.sep_id
            mask[r, : e - s + 2] = 1
        logits, _ = encoder.sessions[0].run(["bio_logits", "hidden"], {"input_ids": ids, "attention_mask": mask})
        probs += [softmax(logits[r, : e - s + 2].astype(np.float32)) for r, (_, (s, e)) in enumerate(chunk)]
    return probs


def padding(fp32: Path | None) -> None:
    from unspin.encoding import batch_windows
    from unspin.runtime import load_span_model, onnx_session

    text = (ROOT / "examples" / "column.txt").read_text(encoding="utf-8")
    runs = [("en", None), ("en-fast", None)] + ([("en", fp32)] if fp32 else [])
    for name, path in runs:
        encoder, _ = load_span_model(name)
        cfg = encoder.config
        session = onnx_session(path) if path else encoder.sessions[0]
        ids, mask = batch_windows(encoder.encode_many([text])[0], [(0, 40)], cfg.cls_id, cfg.sep_id, cfg.pad_id)
        n, width = ids.shape[1], 200
        wide = np.full((1, width), cfg.pad_id, np.int64)
        wide_mask = np.zeros((1, width), np.int64)
        wide[:, :n], wide_mask[:, :n] = ids, mask
        noisy = wide.copy()
        noisy[0, n:] = np.arange(width - n) % 1000 + 1000
        alone, padded, arbitrary = (session.run(["bio_logits"], {"input_ids": i, "attention_mask": m})[0][0, :n]
                                    for i, m in ((ids, mask), (wide, wide_mask), (noisy, wide_mask)))
        print(f"{name} {path or '(shipped)'}: largest |logit change| of a real position, padded with pad ids "
              f"{float(np.abs(alone - padded).max()):.4f}, with arbitrary ids {float(np.abs(alone - arbitrary).max()):.4f}")


if __name__ == "__main__":
    main()
