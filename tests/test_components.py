"""Declared components: what each requires, reads and assigns, and the order check of pipelines."""

import numpy as np
import pytest

from unspin.components import REGISTRY, check_order
from unspin.components.claims import ClaimDetector
from unspin.components.evidence import EvidenceLinker
from unspin.components.summary import ArticleSummary
from unspin.pipeline import Pipeline


def test_every_shipped_component_declares_what_it_sets():
    import unspin.components.genre  # noqa: F401  (registers)
    import unspin.components.techniques  # noqa: F401

    assert {"techniques", "claims", "genre", "summary", "evidence"} <= set(REGISTRY)
    assert REGISTRY["claims"].assigns == ("claims",)
    assert REGISTRY["evidence"].requires == ("claims",)
    assert REGISTRY["summary"].reads == ("spans", "claims", "genre") and REGISTRY["summary"].requires == ()


def test_the_default_pipeline_is_in_a_valid_order():
    import unspin

    pipe = unspin.load("en")
    check_order(pipe.components)
    assert pipe.component_names == ["techniques", "claims", "genre", "summary"]


def test_a_pipeline_in_the_wrong_order_fails_when_built():
    claims = ClaimDetector(lambda s: np.full(len(s), 0.9))
    with pytest.raises(ValueError, match="'summary' reads claims, which 'claims' assigns after it"):
        Pipeline([_Spans(), ArticleSummary(), claims])
    with pytest.raises(ValueError, match="'summary' reads spans, which 'spans-fake' assigns after it"):
        Pipeline([ArticleSummary(), _Spans()])
    linker = EvidenceLinker.__new__(EvidenceLinker)
    with pytest.raises(ValueError, match="'evidence' requires claims"):
        Pipeline([linker, claims])
    ok = Pipeline([_Spans(), claims, ArticleSummary()])
    # Evidence goes in right after the claims, before the summary that reads them.
    assert ok.with_component(linker, after="claims").component_names == ["spans-fake", "claims", "evidence", "summary"]


class _Spans:
    name, requires, reads, assigns = "spans-fake", (), (), ("spans",)

    def predict(self, docs):
        return [None for _ in docs]

    def set_annotations(self, docs, scores):
        pass
