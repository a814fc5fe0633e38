"""Russian meta-class TC: the shipped model's technique head against a lexical classifier.

    python bench/ru_tc_lexical.py [--data ../shared/data/ru_zen_prop] [--model FOLDER]

TC scores gold spans, so only the classifier matters. The lexical classifier is TF-IDF of the
span's own text (character 2-5-grams within words and word 1-2-grams) with a class-balanced
logistic regression (C=10) over the 6 ZenPropaganda meta-classes. Printed:

- on the validation split (``unspin.corpus.ru_validation_split``, 21 articles): meta-class
  macro-F1 of the model's head (its summed probability per meta-class; ``bench/quality.py``
  picks the best technique inside the best meta-class, which gives the same meta-class), of the lexical classifier, and of
  blends ``w * lexical + (1 - w) * head`` of their meta-class probabilities;
- the lexical classifier's 5-fold cross-validated macro-F1 over all 100 articles (folds by
  article, seed 0): the validation split is small, and its figure moves several points with it.

The head cannot be cross-validated this way: it was trained on the other 79 articles.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def lexical(train_texts: list[str], train_y: list[str]):
    """A fitted (vectoriser, classifier) pair; see the module docstring."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    vec = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=80000),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
    )
    return make_pipeline(vec, LogisticRegression(C=10, max_iter=3000, class_weight="balanced")).fit(train_texts, train_y)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ru_zen_prop"))
    ap.add_argument("--model", help="a Russian span-model folder (default: the shipped models/ru)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from unspin import corpus, taxonomy
    from unspin.components.techniques import TechniqueTagger
    from unspin.corpus import Label
    from unspin.scoring import macro_f1

    articles, gold, meta_of = corpus.read_ru_zen_prop(args.data)
    metas = sorted(set(meta_of.values()))
    some_name = {m: next(n for n, g in sorted(meta_of.items()) if g == m) for m in metas}

    def score(labels: list[Label], probs: np.ndarray) -> float:
        # As unspin.evaluation.predict_tc: a span listed k times gets its k most probable classes.
        rank: dict[tuple, list[int]] = {}
        predicted = []
        for l, p in zip(labels, probs):
            order = rank.setdefault((l.article_id, l.start, l.end), [int(j) for j in np.argsort(-p)])
            predicted.append(Label(l.article_id, l.start, l.end, some_name[metas[order.pop(0)]]))
        return macro_f1(predicted, labels, meta_of)[0]

    def text(l: Label) -> str:
        return articles[l.article_id][l.start : l.end]

    train_ids, val_ids = corpus.ru_validation_split(articles)
    train = [l for l in gold if l.article_id in set(train_ids)]
    val = sorted((l for l in gold if l.article_id in set(val_ids)), key=lambda l: (l.article_id, l.start, l.end))
    tagger = TechniqueTagger.from_folder(Path(args.model)) if args.model else TechniqueTagger.from_model("ru")
    group = np.array([metas.index(taxonomy.meta_class(n) or meta_of[n]) for n in tagger.labels])
    head = []
    for art in sorted({l.article_id for l in val}):
        mine = [l for l in val if l.article_id == art]
        p = tagger.classify_spans(articles[art], [(l.start, l.end) for l in mine])
        head.append(np.stack([p[:, group == k].sum(1) for k in range(len(metas))], 1))
    head_p = np.concatenate(head)
    clf = lexical([text(l) for l in train], [meta_of[l.technique] for l in train])
    lex_p = clf.predict_proba([text(l) for l in val])[:, [list(clf.classes_).index(m) for m in metas]]
    print(f"validation split, {len(val)} gold spans in {len(set(val_ids))} articles: meta-class macro-F1")
    print(f"  model head (meta-class first)      {score(val, head_p):.4f}")
    print(f"  lexical (TF-IDF + LR)              {score(val, lex_p):.4f}")
    for w in (0.3, 0.5, 0.7):
        print(f"  blend w={w}                         {score(val, w * lex_p + (1 - w) * head_p):.4f}")

    ids = sorted(articles)
    random.Random(0).shuffle(ids)
    folds, res = [set(ids[i::5]) for i in range(5)], []
    for held in folds:
        tr = [l for l in gold if l.article_id not in held]
        te = [l for l in gold if l.article_id in held]
        c = lexical([text(l) for l in tr], [meta_of[l.technique] for l in tr])
        res.append(score(te, c.predict_proba([text(l) for l in te])[:, [list(c.classes_).index(m) for m in metas]]))
    print(f"lexical, 5-fold by article over all {len(ids)}: {np.mean(res):.4f} (folds {', '.join(f'{r:.3f}' for r in res)})")


if __name__ == "__main__":
    main()
