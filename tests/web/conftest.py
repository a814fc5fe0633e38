"""Fixtures for the web tests: the stand-in model as a pipeline, an analyse function and a live server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from tests.web import fakes
from tests.web.fakes import free_port, wait_for_port
from unspin.document import Document
from unspin.pipeline import Pipeline


@pytest.fixture
def fake_pipeline() -> Pipeline:
    return fakes.fake_pipeline()


@pytest.fixture
def fake_analyze() -> Callable[..., Document]:
    """``unspin.analyze`` with the stand-in model: a module-level function, since the app runs
    it in worker processes."""
    return fakes.analyze


def _served(analyze: Callable[..., Document], **settings: object) -> Iterator[str]:
    import uvicorn

    from unspin.web.app import Settings, create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(**settings), analyze=analyze), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def fake_server(fake_analyze: Callable[..., Document]) -> Iterator[str]:
    """The app with the stand-in model, served by uvicorn in a thread; yields its base URL."""
    yield from _served(fake_analyze)


@pytest.fixture
def claims_server() -> Iterator[str]:
    """As ``fake_server``, with claims (sentences with a digit) linked to reference texts."""
    yield from _served(fakes.analyze_with_claims)


@pytest.fixture
def sensitivity_server() -> Iterator[str]:
    """The app with a stand-in model that records the operating point asked for in ``model``."""
    yield from _served(fakes.point_model_analyze)


@pytest.fixture
def slow_sensitivity_server() -> Iterator[str]:
    """As ``sensitivity_server``, with an analysis at "sensitive" that takes 1.2 s (0.2 s else);
    two analyses run at once, so a quick one asked for later answers first."""
    yield from _served(fakes.slow_point_analyze, max_concurrent=2)
