"""Renderers: an analysed Document -> text for a person or a program.

Each format is one function ``(doc) -> str`` registered in ``RENDERERS``; a comparison of two
analyses (``unspin.compare.comparison_payload``) has its own ``(payload) -> str`` functions in
``COMPARE_RENDERERS`` under the same format names. The CLI, the web app and the batch exporter
look formats up here and know nothing of how each is drawn.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any

from unspin.document import Document

Renderer = Callable[[Document], str]
CompareRenderer = Callable[[Mapping[str, Any]], str]
RENDERERS: dict[str, Renderer] = {}
COMPARE_RENDERERS: dict[str, CompareRenderer] = {}


def register(name: str) -> Callable[[Renderer], Renderer]:
    def deco(fn: Renderer) -> Renderer:
        RENDERERS[name] = fn
        return fn

    return deco


def register_compare(name: str) -> Callable[[CompareRenderer], CompareRenderer]:
    def deco(fn: CompareRenderer) -> CompareRenderer:
        COMPARE_RENDERERS[name] = fn
        return fn

    return deco


@register("json")
def to_json(doc: Document) -> str:
    return json.dumps(doc.to_dict(), ensure_ascii=False, indent=2)


@register_compare("json")
def compare_json(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2)


def _load_all() -> None:
    # Renderers with heavier imports live in their own modules and register on import.
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")


def formats() -> list[str]:
    """Every format a renderer exists for (``text``, ``json``, ``html``, ...), sorted."""
    _load_all()
    return sorted(RENDERERS)


def render(doc: Document, fmt: str) -> str:
    """``doc`` in format ``fmt``; raises ``ValueError`` naming the formats for an unknown one."""
    if fmt not in RENDERERS:
        _load_all()
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; available: {', '.join(sorted(RENDERERS))}")
    return RENDERERS[fmt](doc)


def render_compare(payload: Mapping[str, Any], fmt: str) -> str:
    """A comparison payload (``{"a", "b", "comparison"}``) in format ``fmt``; ``ValueError``
    for an unknown one."""
    if fmt not in COMPARE_RENDERERS:
        _load_all()
    if fmt not in COMPARE_RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; available: {', '.join(sorted(COMPARE_RENDERERS))}")
    return COMPARE_RENDERERS[fmt](payload)
