"""Task-adaptive pretraining: masked-language-model training of the base encoder on news text.

    python scripts/adapt_encoder.py --out runs/tapt --epochs 8
    python scripts/train_spans.py --base runs/tapt --out runs/en-tapt      # then as usual

all-MiniLM-L6-v2 was last trained for sentence embeddings (mean-pooled, contrastive), not for
token-level predictions, and never on this kind of text. A few epochs of masked-word prediction
on the PTC articles themselves (Gururangan et al., "Don't Stop Pretraining", ACL 2020: TAPT)
may give the span tagger better word-level states to start from. The masked-LM head is new
(the package ships the encoder only), so it is warmed up with the encoder frozen first.

Only the training side of the validation split is read (labels never are), plus the 90
unlabelled PTC test articles; the validation articles are left out entirely.
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin import corpus  # noqa: E402
from unspin.encoding import WINDOW, encode, load_tokenizer, windows  # noqa: E402

from unspin.training.bases import minilm_folder as base_model_dir  # noqa: E402


def mask_tokens(ids: torch.Tensor, special: torch.Tensor, mask_id: int, vocab: int, rate: float, gen: torch.Generator):
    """BERT masking: pick `rate` of the real tokens; 80% -> [MASK], 10% -> random, 10% kept."""
    labels = ids.clone()
    pick = (torch.rand(ids.shape, generator=gen) < rate) & ~special
    labels[~pick] = -100
    ids = ids.clone()
    roll = torch.rand(ids.shape, generator=gen)
    ids[pick & (roll < 0.8)] = mask_id
    rand = pick & (roll >= 0.8) & (roll < 0.9)
    ids[rand] = torch.randint(999, vocab, (int(rand.sum()),), generator=gen)
    return ids, labels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"))
    ap.add_argument("--out", default=str(ROOT / "runs" / "tapt"))
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--head-warmup-steps", type=int, default=100, help="steps with the encoder frozen while the new LM head learns")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--mask-rate", type=float, default=0.15)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    from transformers import AutoModelForMaskedLM

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    data, out, base = Path(args.data), Path(args.out), base_model_dir()
    articles = corpus.read_articles(data / "train-articles")
    train_ids, _ = corpus.validation_split(articles)
    texts = [articles[a] for a in train_ids] + list(corpus.read_articles(data / "test-articles").values())
    tok = load_tokenizer(str(base / "tokenizer.json"))
    cls_id, sep_id, mask_id = (tok.token_to_id(t) for t in ("[CLS]", "[SEP]", "[MASK]"))
    chunks = []
    for text in texts:
        enc = encode(tok, text)
        chunks += [np.concatenate([[cls_id], enc.ids[s:e], [sep_id]]) for s, e in windows(len(enc), WINDOW, WINDOW)]
    print(f"{len(texts)} articles -> {len(chunks)} windows of up to {WINDOW} tokens", flush=True)

    model = AutoModelForMaskedLM.from_pretrained(str(base))
    vocab = model.config.vocab_size
    head = [p for n, p in model.named_parameters() if not n.startswith("bert.")]
    body = [p for n, p in model.named_parameters() if n.startswith("bert.")]
    opt = torch.optim.AdamW([{"params": body, "lr": args.lr}, {"params": head, "lr": args.lr}], weight_decay=0.01)
    steps_per_epoch = math.ceil(len(chunks) / args.batch)
    total = steps_per_epoch * args.epochs
    warm = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))
    gen = torch.Generator().manual_seed(args.seed)
    step, t0 = 0, time.time()
    model.train()
    for epoch in range(args.epochs):
        random.shuffle(chunks)
        for b0 in range(0, len(chunks), args.batch):
            batch = chunks[b0 : b0 + args.batch]
            width = max(len(c) for c in batch)
            ids = torch.zeros((len(batch), width), dtype=torch.long)
            att = torch.zeros_like(ids)
            for i, c in enumerate(batch):
                ids[i, : len(c)] = torch.from_numpy(c)
                att[i, : len(c)] = 1
            special = (ids == cls_id) | (ids == sep_id) | (att == 0)
            inp, labels = mask_tokens(ids, special, mask_id, vocab, args.mask_rate, gen)
            frozen = step < args.head_warmup_steps
            for p in body:
                p.requires_grad_(not frozen)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                states = model.bert(input_ids=inp, attention_mask=att).last_hidden_state
                # Vocabulary logits only at the masked positions: over all positions they cost
                # as much as the encoder itself.
                picked = labels != -100
                logits = model.cls(states[picked])
                loss = torch.nn.functional.cross_entropy(logits.float(), labels[picked])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 20 == 0 or step == total:
                el = time.time() - t0
                print(f"epoch {epoch + 1} step {step}/{total} mlm loss {loss.item():.3f}{' (head only)' if frozen else ''} "
                      f"{el / step:.2f}s/step eta {(total - step) * el / step / 60:.1f} min", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    model.bert.save_pretrained(str(out))  # the encoder only, as train_spans expects of a base folder
    for name in ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        if (base / name).is_file():
            shutil.copy(base / name, out / name)
    print(f"adapted encoder written to {out}", flush=True)


if __name__ == "__main__":
    main()
