"""Claims that cite a provision by number ("Article 2 of the Convention allows ...") against a
convention whose Articles 2, 7 and 12 are long (several sentence windows each): is the right
window of the cited article the first passage shown? With the shipped sentence embedder.

    python bench/evidence_provisions.py

The convention is ``bench/data/convention_grey_sea.txt`` (written for unspin's tests: a
fictional treaty of 12 one-paragraph articles) with Articles 2, 7 and 12 replaced by longer
versions (Article 2 is ``LONG_ARTICLE_2`` of ``tests/article/test_evidence.py``). Each of the 10
claims names the article and a phrase of the window that supports it; a hit is right when its
range lies in that article and holds the phrase. Prints each claim's rank of the right passage
and the first passage's score, then the count ranked first (``MIN_SCORE`` ignored, as the
trial's script did: every passage competes).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "article"))

A7 = ("Article 7. Penalties. A vessel found in breach of the quotas shall be fined. The fine shall be set by the flag state. "
      "It shall be no less than 10,000 euros for a first breach. It shall be no more than 500,000 euros for any breach. "
      "A vessel fined twice in one season may lose its licence for the next season. The flag state shall report every fine to the "
      "joint commission. The commission shall publish the fines every year. A Party that fails to fine its vessels may be brought "
      "before the tribunal. Fines shall be paid into the fund for the survey of fish stocks. Appeals against a fine go to the courts "
      "of the flag state. No vessel may be fined twice for the same breach. Inspectors shall give the master a written record of every "
      "breach they find.")
A12 = ("Article 12. Emergencies. In a declared state of emergency a Party may suspend its obligations under Article 3 and Article 6. "
       "The suspension may not exceed ninety days. The Party shall notify the other Parties at once. "
       "The notice shall state the reasons for the emergency and the obligations suspended. The joint commission shall meet within "
       "ten days of the notice. It may ask the Party to end the suspension. No emergency allows a Party to use force against the ships "
       "of another Party. No emergency allows a Party to seize the catch of another Party's vessels. A Party may not declare a second "
       "emergency within a year of the first. The Parties shall review this Article every five years.")
CASES = [
    ("Article 2 of the Convention allows Westmark to close its ports to Eastmark's merchant ships for as long as the emergency lasts.",
     "Article 2.", "close its ports"),
    ("Under Article 2 a Party may keep its ports closed for as long as a declared emergency lasts.", "Article 2.", "close its ports"),
    ("Article 2 lets a coastal state require a pilot in narrow straits.", "Article 2.", "pilot"),
    ("Article 2 says a closure of ports cannot be renewed.", "Article 2.", "renewed"),
    ("Under Article 7, a boat fined twice loses its licence.", "Article 7.", "fined twice in one season"),
    ("Article 7 says appeals against fines go to the courts of the flag state.", "Article 7.", "Appeals"),
    ("Article 7 of the Convention caps fines at half a million euros.", "Article 7.", "500,000"),
    ("Under Article 12, a state of emergency allows a Party to seize foreign catches.", "Article 12.", "seize"),
    ("Article 12 says the joint commission must meet within ten days.", "Article 12.", "ten days"),
    ("Article 12 forbids a second emergency within a year.", "Article 12.", "second emergency"),
]


def main() -> None:
    from test_evidence import LONG_ARTICLE_2

    from unspin.article import evidence as ev
    from unspin.article.embed import load_embedder

    base = (ROOT / "bench" / "data" / "convention_grey_sea.txt").read_text(encoding="utf-8")
    text = re.sub(r"Article 2\. Freedom.*", lambda _: LONG_ARTICLE_2, base)
    text = re.sub(r"Article 7\. Penalties.*", lambda _: A7, text)
    text = re.sub(r"Article 12\. Emergencies.*", lambda _: A12, text)
    index = ev.build_index([text], embedder=load_embedder(), use_cache=False)
    right_first = 0
    for (claim, article, phrase), hits in zip(CASES, index.search_many([c for c, _, _ in CASES], k=3, min_score=-1)):
        a0 = text.index(article)
        a1 = text.find("\n", a0)
        a1 = len(text) if a1 < 0 else a1
        rank = next((i + 1 for i, h in enumerate(hits) if a0 <= h["start"] < a1 and phrase in h["text"]), None)
        right_first += rank == 1
        print(f"rank {rank or '-'}  first {hits[0]['score']:.3f} {hits[0]['text'][:30]!r} | {claim[:60]}")
    print(f"right passage first: {right_first} of {len(CASES)}")


if __name__ == "__main__":
    main()
