"""Declared components: what each requires, reads and assigns, and the order check of pipelines."""

import numpy as np
import pytest

from unspin.components import REGISTRY, build, check_order, register
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
    # Evidence goes in right after the claims, before the summary that reads them: by name, or
    # where its declarations place it (after what it requires).
    assert ok.with_component(linker, after="claims").component_names == ["spans-fake", "claims", "evidence", "summary"]
    assert ok.with_component(linker).component_names == ["spans-fake", "claims", "evidence", "summary"]


def test_a_pipeline_is_built_from_a_declared_list():
    """Components by registered name with their settings; the order is checked from what each
    requires and assigns, and a wrong one is refused naming the missing reading."""
    register("spans-fake", assigns=("spans",))(_Spans)
    register("claims-fake", assigns=("claims",), factory="scored")(_Claims)
    declared = [("spans-fake", {}), ("claims-fake", {"p": 0.9}), ("summary", {})]
    pipe = Pipeline.from_declared(declared, language="en")
    assert pipe.component_names == ["spans-fake", "claims-fake", "summary"]
    doc = pipe("The treaty was signed by twelve states in 2019.", language="en")
    assert [c.score for c in doc.claims] == [0.9] and doc.summary.claims == 1
    # Evidence is a component like the others: built by name, placed after the claims it requires.
    linked = pipe.add("evidence", sources=["The treaty was signed in 2019 by twelve states, the record says."])
    assert linked.component_names == ["spans-fake", "claims-fake", "evidence", "summary"]
    assert linked("The treaty was signed by twelve states in 2019.", language="en").claims[0].evidence
    with pytest.raises(ValueError, match="'evidence' requires claims, which no component before it assigns"):
        Pipeline.from_declared([("spans-fake", {}), ("evidence", {"sources": ["a text"]}), ("claims-fake", {})])
    with pytest.raises(ValueError, match="no component named 'framing'; registered: .*claims"):
        Pipeline.from_declared([("framing", {})])


def test_the_shipped_pipelines_are_data_and_load_builds_no_component_itself():
    import inspect

    from unspin import pipeline

    assert pipeline.PIPELINES[("en", False)][0] == ("techniques", {"model": "en"})
    assert [name for name, _ in pipeline.PIPELINES[("ru", False)]] == ["techniques", "notes", "summary"]
    assert pipeline.MODELS[("en", True)] == {"techniques": "en-fast", "claims": "en-claims", "genre": "en-genre", "embedder": "en-embed"}
    assert pipeline.MODELS[("en", False)]["claims"] == "en-claims-base"  # the default size reads sentences with MPNet too
    source = inspect.getsource(pipeline.load)
    pipeline._register_shipped()
    assert not [cls.__name__ for cls in REGISTRY.values() if cls.__name__ in source]
    assert type(build("summary")).__name__ == "ArticleSummary"


class _Spans:
    name, requires, reads, assigns = "spans-fake", (), (), ("spans",)

    def predict(self, docs):
        return [None for _ in docs]

    def set_annotations(self, docs, scores):
        pass


class _Claims(ClaimDetector):
    """A claims component with a constant scorer, built by its factory from settings."""

    @classmethod
    def scored(cls, p: float = 0.5) -> "_Claims":
        return cls(lambda sentences: np.full(len(sentences), p), threshold=0.5)
