"""The article summary: how much of the text persuades, with what, and one plain sentence.

Runs last: it reads the technique spans, ``doc.results["genre"]`` and ``doc.results["claims"]``
that earlier components wrote, and adds ``doc.results["summary"]``. Every figure is computed from
those annotations; nothing is estimated here.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from unspin import taxonomy
from unspin.document import Document

_WORD = re.compile(r"\w+(?:['’]\w+)*")

GENRE_PHRASE = {"opinion": "Opinion piece", "reporting": "News report", "satire": "Satire"}


def _display(label: str) -> str:
    return taxonomy.BY_NAME[label].display if label in taxonomy.BY_NAME else label


def _union_chars(intervals: list[tuple[int, int]]) -> int:
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(intervals):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def summarise(doc: Document) -> dict[str, Any]:
    # A span carrying two techniques is one stretch of text: count it once as a span,
    # twice in the per-technique counts.
    offsets = {(s.start, s.end) for s in doc.spans}
    n_words = len(_WORD.findall(doc.text))
    counts = doc.technique_counts()
    top = list(counts)[:3]
    share = _union_chars(list(offsets)) / len(doc.text) if doc.text else 0.0
    claims = doc.results.get("claims") or []
    parts = []
    genre = doc.results.get("genre")
    if isinstance(genre, dict) and genre.get("label"):
        label = genre["label"]
        parts.append(f"{GENRE_PHRASE.get(label, label.capitalize())} ({genre['scores'][label]:.2f}).")
    if not offsets:
        parts.append("No persuasion spans found above the model's threshold;")
    else:
        n = len(offsets)
        verb = "covers" if n == 1 else "cover"
        pct = f"{share:.0%}" if share >= 0.01 or share == 0 else "under 1%"
        # "mostly" only when the top techniques account for most labels; else say how varied.
        lead = [t for t in top[:2] if counts[t] >= 2] or top[:1]
        lead_share = sum(counts[t] for t in lead) / max(sum(counts.values()), 1)
        how = f"mostly {_join([_display(t) for t in lead])}" if lead_share >= 0.5 else f"led by {_join([_display(t) for t in lead])}"
        if len(counts) == 1:
            how = f"all {_display(top[0])}"
        parts.append(f"{n} persuasion span{'s' if n != 1 else ''} {verb} {pct} of the text, {how};")
    k: int | None = len(claims)
    if "claims" not in doc.results and doc.language != "en":
        k = None  # claims are English-only: not looked for, so neither "none" nor a count
        parts.append("check-worthy claims were not looked for (English only so far).")
    elif k == 0:
        parts.append("no sentence makes a check-worthy claim.")
    elif k == 1:
        parts.append("1 sentence makes a check-worthy claim.")
    else:
        parts.append(f"{k} sentences make check-worthy claims.")
    return {
        "words": n_words,
        "spans": len(offsets),
        "spans_per_1000_words": round(1000 * len(offsets) / n_words, 2) if n_words else 0.0,
        "persuasion_share": round(share, 4),
        "top_techniques": top,
        "technique_counts": counts,
        "claims": k,
        "sentence": " ".join(parts),
    }


class ArticleSummary:
    name = "summary"

    def predict(self, docs: Sequence[Document]) -> list[dict[str, Any]]:
        return [summarise(doc) for doc in docs]

    def set_annotations(self, docs: Sequence[Document], scores: Sequence[dict[str, Any]]) -> None:
        for doc, summary in zip(docs, scores):
            doc.results["summary"] = summary
