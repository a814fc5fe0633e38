"""Evidence linking: for each check-worthy claim, the passages of the user's own reference texts
most worth reading beside it (``unspin.article.evidence`` builds and searches the index).

Built like any other component, by name with its settings (``build("evidence", sources=[...])``);
``unspin.analyze(..., evidence=[...])`` adds it to the pipeline, where its declarations place it:
right after the claims it requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from unspin.article.evidence import TOP_K, EvidenceIndex, build_index
from unspin.components import register


@register("evidence", requires=("claims",), assigns=("claims.evidence", "warnings"), factory="from_sources")
class EvidenceLinker:
    """Pipeline component, after claims: sets ``evidence`` on every span of ``doc.claims`` (the
    ``k`` best passages, dicts with source, start, end, text and score; [] when none matched)."""

    def __init__(self, index: EvidenceIndex, k: int = TOP_K) -> None:
        self.index = index
        self.k = k

    @classmethod
    def from_sources(cls, sources: Sequence[str | Path], k: int = TOP_K) -> EvidenceLinker:
        """A linker over the reference texts ``sources`` (files, folders or raw texts:
        ``unspin.article.evidence.build_index``)."""
        return cls(build_index(list(sources)), k)

    def predict(self, docs):
        return [self.index.search_many([doc.text_of(c) for c in doc.claims], self.k) for doc in docs]

    def set_annotations(self, docs, scores) -> None:
        for doc, per_claim in zip(docs, scores):
            # What went wrong reading the evidence (skipped files, a guessed encoding) is part
            # of how far to trust the passages shown.
            doc.warnings.extend(w for w in getattr(self.index, "warnings", []) if w not in doc.warnings)
            linked = [replace(claim, evidence=tuple(hits)) for claim, hits in zip(doc.claims, per_claim)]
            doc.claims.clear()
            doc.claims.extend(linked)
