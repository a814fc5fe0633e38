"""Data for the `unspin train` measurements of bench/RESULTS.md ("Training from your own
annotations", T2 and T3), built from PTC's 52 validation articles (``unspin.corpus.validation_split``:
the shipped fast model never trained on them).

    python bench/train_rehearsal.py --out runs/data

writes, each a folder of ``articles/`` (links to the PTC files) and ``labels.txt`` (PTC TC format):

- ``val30`` and ``val22``: the 52 articles split 30 / 22 by a hash of their id, labels as they are
  (T2: continue the shipped model on 30, score on 22);
- ``campaign23-a`` and ``campaign23-b``: the 52 split 26 / 26 by another hash and re-annotated as
  another campaign would (T3): every span extended to the whole sentences it touches
  (``unspin.article.sentences.split_sentences``), and the nine most frequent PTC techniques of
  the training split divided into ``<name>/short`` (three words or fewer) and ``<name>/long``, the
  other five kept; names with "," and "-" written with "_" so that none is a PTC name;
- ``campaign23-taxonomy.tsv``: those 23 names with an explanation each (``--taxonomy``);
- ``campaign23-big`` (T6): ``--big`` (default 223) of PTC's training articles re-annotated the same
  way, and ``campaign23-52``: the 52 validation articles so re-annotated (``-a`` and ``-b``
  together), to time and score a run on a campaign half the size of SemEval-2023 Task 3's English
  training set. The shipped fast model learned these training articles under PTC's conventions,
  so what T6 shows is the time, and what learning another campaign's conventions is worth on
  the 52 articles none of its runs trained on.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
sys.path.insert(0, str(ROOT / "src"))

from unspin import corpus, taxonomy  # noqa: E402
from unspin.article.sentences import split_sentences  # noqa: E402


def _order(ids: list[str], salt: str) -> list[str]:
    return sorted(ids, key=lambda a: hashlib.sha256(f"{salt}:{a}".encode()).hexdigest())


def _write(out: Path, ids: list[str], labels: list, src: Path) -> None:
    (out / "articles").mkdir(parents=True, exist_ok=True)
    for a in ids:
        dst = out / "articles" / f"article{a}.txt"
        if not dst.exists():
            os.symlink(src / f"article{a}.txt", dst)
    keep = set(ids)
    corpus.write_labels([l for l in labels if l.article_id in keep], out / "labels.txt")
    print(f"{out}: {len(ids)} articles, {sum(1 for l in labels if l.article_id in keep)} spans")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(SHARED / "ptc"))
    ap.add_argument("--out", default=str(ROOT / "runs" / "data"))
    ap.add_argument("--big", type=int, default=223, help="training articles in campaign23-big (T6)")
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")
    data, out = Path(args.data), Path(args.out)
    src = (data / "train-articles").resolve()
    articles = corpus.read_articles(src)
    train_ids, val = corpus.validation_split(articles)
    labels = corpus.read_labels(data / "train-task-flc-tc.labels")
    val_labels = [l for l in labels if l.article_id in set(val)]

    order = _order(val, "unspin-30-22")
    _write(out / "val30", order[:30], val_labels, src)
    _write(out / "val22", order[30:], val_labels, src)

    top9 = [n for n, _ in Counter(l.technique for l in labels if l.article_id in set(train_ids)).most_common(9)]

    def base(name: str) -> str:
        return name.replace(",", "_").replace("-", "_")

    def campaign(labels: list) -> list:
        out = set()
        for l in labels:
            text = articles[l.article_id]
            cover = [(a, b) for a, b in split_sentences(text) if a < l.end and b > l.start]
            start, end = (min(a for a, _ in cover), max(b for _, b in cover)) if cover else (l.start, l.end)
            size = "short" if len(text[l.start : l.end].split()) <= 3 else "long"
            name = f"{base(l.technique)}/{size}" if l.technique in top9 else base(l.technique)
            out.add(corpus.Label(l.article_id, start, end, name))
        return sorted(out, key=lambda l: (l.article_id, l.start, l.end, l.technique))

    order = _order(val, "unspin-campaign")
    val_campaign = campaign(val_labels)
    _write(out / "campaign23-a", order[:26], val_campaign, src)
    _write(out / "campaign23-b", order[26:], val_campaign, src)
    _write(out / "campaign23-52", order, val_campaign, src)
    big = _order(train_ids, "unspin-campaign-big")[: args.big]
    _write(out / "campaign23-big", big, campaign([l for l in labels if l.article_id in set(big)]), src)
    rows = []
    for t in taxonomy.NAMES:
        what = taxonomy.BY_NAME[t].display.lower()
        if t in top9:
            rows += [f"{base(t)}/short\tPTC's {what}, spans of three words or fewer, marked as whole sentences.",
                     f"{base(t)}/long\tPTC's {what}, longer spans, marked as whole sentences."]
        else:
            rows.append(f"{base(t)}\tPTC's {what}, any length, marked as whole sentences.")
    (out / "campaign23-taxonomy.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{out / 'campaign23-taxonomy.tsv'}: {len(rows)} techniques")


if __name__ == "__main__":
    main()
