"""A deterministic stand-in for the span model, and small server helpers, for the web tests.

The stand-in is a real ``Pipeline`` (so input checks and language detection are unspin's own)
with a component that tags fixed phrases, including overlapping ones and attack payloads, so
every test knows exactly which spans to expect.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from unspin.document import Document, Span
from unspin.pipeline import Pipeline

LEXICON: dict[str, str] = {
    "thugs": "Loaded_Language",
    "brutal crackdown": "Loaded_Language",
    "unleashed a brutal": "Exaggeration,Minimisation",  # crosses "brutal crackdown"
    "self-proclaimed": "Name_Calling,Labeling",
    "true patriot": "Flag-Waving",
    "<script>window.__pwned=1</script>": "Doubt",
    "<img src=x onerror=window.__pwned=1>": "Loaded_Language",
    '"onmouseover=window.__pwned=1 x="': "Slogans",
    "javascript:window.__pwned=1": "Repetition",
}

SAMPLE = (
    "The regime's thugs unleashed a brutal crackdown on the protesters. "
    "Every true patriot knows what must be done, and the self-proclaimed leaders will not stop us."
)

PAYLOAD_TEXT = (
    "The minister said that the plan is working. <script>window.__pwned=1</script> "
    "Critics say it is a brutal crackdown. <img src=x onerror=window.__pwned=1> "
    'Others wrote "onmouseover=window.__pwned=1 x=" and a link to javascript:window.__pwned=1 in the article.'
)


class LexiconTagger:
    name = "techniques"

    def predict(self, docs: Sequence[Document]) -> list[list[tuple[int, int, str]]]:
        found = []
        for doc in docs:
            spans = []
            for phrase, label in LEXICON.items():
                for m in re.finditer(re.escape(phrase), doc.text):
                    spans.append((m.start(), m.end(), label))
            found.append(spans)
        return found

    def set_annotations(self, docs: Sequence[Document], scores: Sequence[Any]) -> None:
        for doc, spans in zip(docs, scores):
            doc.spans.extend(Span(s, e, label, 0.8) for s, e, label in spans)


# ---------------------------------------------------------------------------------------------
# Analyse functions for the app. The app runs analyses in worker processes, so what it is given
# must pickle: module-level functions, each building its pipeline once per worker.
_pipelines: dict[str, Pipeline] = {}


def fake_pipeline(claims: bool = False) -> Pipeline:
    """The stand-in model as a pipeline; ``claims``: with a claim detector that calls every
    sentence with a digit in it check-worthy (score 0.9)."""
    key = "claims" if claims else "plain"
    if key not in _pipelines:
        components: list[Any] = [LexiconTagger()]
        if claims:
            from unspin.components.claims import ClaimDetector

            components.append(ClaimDetector(lambda sents: np.array([0.9 if re.search(r"\d", s) else 0.1 for s in sents])))
        _pipelines[key] = Pipeline(components, language="en")
    return _pipelines[key]


def analyze(text: Any, language: str = "auto", *, max_chars: int = 1_000_000, **meta: Any) -> Document:
    """``unspin.analyze`` with the stand-in model."""
    return fake_pipeline()(text, language=language, max_chars=max_chars, **meta)


def analyze_with_claims(text: Any, language: str = "auto", *, max_chars: int = 1_000_000, evidence: Any = None, **meta: Any) -> Document:
    """The stand-in model with claims; ``evidence`` (an EvidenceIndex) is linked as ``unspin.analyze`` links it."""
    pipe = fake_pipeline(claims=True)
    if evidence is not None:
        from unspin.components.evidence import EvidenceLinker

        pipe = pipe.with_component(EvidenceLinker(evidence), after="claims")
    return pipe(text, language=language, max_chars=max_chars, **meta)


def recording_analyze(text: Any, language: str = "auto", **kw: Any) -> Document:
    """``analyze``, with the language it was asked for in ``meta["asked_language"]``."""
    return analyze(text, language, **kw, asked_language=language)


def timed_analyze(text: Any, language: str = "auto", **kw: Any) -> Document:
    """Sleeps as long as the text says ("sleep 1.5": 1.5 s; default 0.3 s) and records in
    ``meta`` the worker's pid and when it started and ended (``time.time()``)."""
    found = re.search(r"sleep (\d+(?:\.\d+)?)", str(text))
    start = time.time()
    time.sleep(float(found.group(1)) if found else 0.3)
    return analyze(text, language, **kw, pid=os.getpid(), start=start, end=time.time())


def dying_analyze(text: Any, language: str = "auto", **kw: Any) -> Document:
    """Kills its own process when the text says "die" (as the kernel's out-of-memory killer
    would), else ``timed_analyze``."""
    if "die" in str(text).split():
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
    return timed_analyze(text, language, **kw)


def spinning_analyze(text: Any, language: str = "auto", **kw: Any) -> Document:
    """Holds the interpreter lock of its process without a break, as a regular expression on
    hostile text does: one C-level loop of the text's "spin N" times 50 million steps (about N
    seconds here; the lock is not let go until it ends)."""
    found = re.search(r"spin (\d+(?:\.\d+)?)", str(text))
    sum(range(int(float(found.group(1)) * 50_000_000))) if found else None
    return analyze(text, language, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, proc: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout:g} s")


def point_analyze(text: Any, language: str = "auto", *, sensitivity: str = "default", **kw: Any) -> Document:
    """``analyze``, with the operating point it was asked for in ``meta["asked_sensitivity"]``."""
    return analyze(text, language, **kw, asked_sensitivity=sensitivity)


def point_model_analyze(text: Any, language: str = "auto", *, sensitivity: str = "default", **kw: Any) -> Document:
    """``analyze``, with the operating point asked for recorded where a real analysis says it (``model``)."""
    doc = analyze(text, language, **kw)
    doc.model = {"size": "accurate", "sensitivity": sensitivity, "version": "test"}
    return doc


def no_precise_analyze(text: Any, language: str = "auto", *, sensitivity: str = "default", **kw: Any) -> Document:
    """``analyze`` with a span model of one's own that offers no "precise" point: refused as a
    real analysis refuses it (``SpanModelConfig.decoding``)."""
    from unspin.config import SpanModelConfig

    config = SpanModelConfig(name="green", labels=("a",), window=8, stride=4, hidden_size=2, cls_id=0, sep_id=1, pad_id=2,
                             threshold=0.3, points={"sensitive": {"threshold": 0.1}})
    config.decoding(sensitivity, folder="runs/green")
    return analyze(text, language, **kw)


def slow_point_analyze(text: Any, language: str = "auto", *, sensitivity: str = "default", **kw: Any) -> Document:
    """``point_model_analyze`` that takes 0.2 s, or 1.2 s at the "sensitive" point: time for the
    page to switch mode while an analysis runs."""
    time.sleep(1.2 if sensitivity == "sensitive" else 0.2)
    return point_model_analyze(text, language, sensitivity=sensitivity, **kw)
