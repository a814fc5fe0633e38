"""A deterministic stand-in for the span model, and small server helpers, for the web tests.

The stand-in is a real ``Pipeline`` (so input checks and language detection are unspin's own)
with a component that tags fixed phrases, including overlapping ones and attack payloads, so
every test knows exactly which spans to expect.
"""

from __future__ import annotations

import re
import socket
import time
from typing import Any, Sequence

from unspin.document import Document, Span

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
