"""Are the cue words faithful? Comprehensiveness of ``cues`` on PTC validation spans.

    python bench/cues.py [--spans 300] [--model FOLDER | --fast]

For gold technique spans of the validation split (``unspin.corpus.validation_split``; a fixed
random sample of ``--spans``), the tagger labels each span (TC mode) and gives its cue words
(``unspin.components.techniques.word_cues``). Each span is then read again in its local context
(the span and up to 400 characters either side) three ways: as it is, with its cue words
deleted, and with as many other content words of the span deleted (three random draws,
averaged). Comprehensiveness (DeYoung et al. 2020, ERASER) is the fall in the probability of the
span's technique when words are deleted; faithful cues make it fall more than random words do.
Reports both mean falls, the share of spans where the cue words' fall is larger, and how many
spans had no cue. Every classification runs the whole technique reader (span model head and
span-marker classifier, re-encoded), not the occlusion the cues were chosen by.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
sys.path.insert(0, str(ROOT / "src"))

from unspin import corpus  # noqa: E402
from unspin.components.techniques import _CONTENT, _NOT_CONTENT, TechniqueTagger, word_cues  # noqa: E402
from unspin.features import extra_features, normalise  # noqa: E402
from unspin.decoding import tokens_in  # noqa: E402

CONTEXT = 400


def delete(text: str, start: int, end: int, ranges: list[tuple[int, int]]) -> tuple[str, int, int]:
    """``text`` without the character ranges (inside ``[start, end)``), and the span's new offsets."""
    out, pos, removed = [], 0, 0
    for a, b in sorted(ranges):
        out.append(text[pos:a])
        removed += b - a
        pos = b
    out.append(text[pos:])
    return "".join(out), start, end - removed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(SHARED / "ptc"))
    ap.add_argument("--spans", type=int, default=300)
    ap.add_argument("--model", help="a span model folder (default: the shipped default model)")
    ap.add_argument("--fast", action="store_true")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")
    data = Path(args.data)
    tagger = TechniqueTagger.from_folder(Path(args.model)) if args.model else TechniqueTagger.from_model("en-fast" if args.fast else "en")
    articles = corpus.read_articles(data / "train-articles")
    _, val_ids = corpus.validation_split(articles)
    gold = sorted({(l.article_id, l.start, l.end) for l in corpus.read_labels(data / "train-task-flc-tc.labels") if l.article_id in set(val_ids)})
    rng = random.Random(args.seed)
    sample = rng.sample(gold, min(args.spans, len(gold)))
    falls_cue, falls_random, wins, no_cue, n = [], [], 0, 0, 0
    for art, start, end in sample:
        text = articles[art]
        a0, b0 = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
        local, s, e = text[a0:b0], start - a0, end - a0
        out = tagger.encoder(local)
        t0, t1 = tokens_in(out.enc, s, e)
        if t1 <= t0:
            continue
        base = tagger.classify_spans(local, [(s, e)])[0]
        k = int(np.argmax(base))
        x = extra_features(normalise(local), local[s:e], t1 - t0)
        from unspin.features import pool

        feats = [np.concatenate([pool(st, t0, t1), x])[None, :].astype(np.float32) for st in out.states]
        head = tagger.head(feats)[0]
        share = 1 - tagger.context_weight if tagger.context is not None else 1.0
        cues = word_cues(tagger.head, out, (s, e, t0, t1), x, [k], head, share, local).get(k, [])
        n += 1
        if not cues:
            no_cue += 1
            continue
        cue_words = [(m.start(), m.end()) for m in _CONTENT.finditer(local, s, e) if any(ca <= m.start() < cb for ca, cb in cues)]
        others = [(m.start(), m.end()) for m in _CONTENT.finditer(local, s, e)
                  if m.group(0).lower() not in _NOT_CONTENT and not any(ca <= m.start() < cb for ca, cb in cues)]
        masked, ms, me = delete(local, s, e, cues)
        fall_cue = float(base[k] - tagger.classify_spans(masked, [(ms, me)])[0][k]) if me > ms else float(base[k])
        draws = []
        for _ in range(3):
            if len(others) < len(cue_words):
                break
            pick = rng.sample(others, len(cue_words))
            masked, ms, me = delete(local, s, e, pick)
            draws.append(float(base[k] - tagger.classify_spans(masked, [(ms, me)])[0][k]) if me > ms else float(base[k]))
        if not draws:
            continue
        falls_cue.append(fall_cue)
        falls_random.append(float(np.mean(draws)))
        wins += fall_cue > falls_random[-1]
    res = {
        "spans_read": n, "spans_without_cue": no_cue, "spans_compared": len(falls_cue),
        "comprehensiveness_cues": round(float(np.mean(falls_cue)), 4),
        "comprehensiveness_random_words": round(float(np.mean(falls_random)), 4),
        "share_of_spans_where_cues_fall_more": round(wins / max(len(falls_cue), 1), 4),
        "command": "python bench/cues.py " + " ".join(sys.argv[1:]),
    }
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
