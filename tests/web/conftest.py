"""Fixtures for the web tests: the stand-in model as a pipeline, an analyse function and a live server."""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator

import pytest

from tests.web.fakes import LexiconTagger, free_port, wait_for_port
from unspin.document import Document
from unspin.pipeline import Pipeline


@pytest.fixture
def fake_pipeline() -> Pipeline:
    return Pipeline([LexiconTagger()], language="en")


@pytest.fixture
def fake_analyze(fake_pipeline: Pipeline) -> Callable[..., Document]:
    def analyze(text: str, language: str = "auto", *, max_chars: int = 1_000_000, **meta: Any) -> Document:
        return fake_pipeline(text, language=language, max_chars=max_chars, **meta)

    return analyze


@pytest.fixture
def fake_server(fake_analyze: Callable[..., Document]) -> Iterator[str]:
    """The app with the stand-in model, served by uvicorn in a thread; yields its base URL."""
    import uvicorn

    from unspin.web.app import Settings, create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(), analyze=fake_analyze), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
