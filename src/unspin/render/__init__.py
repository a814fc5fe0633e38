"""Renderers: an analysed Document -> text for a person or a program.

Each format is one function ``(doc) -> str`` registered in ``RENDERERS``; the CLI, the web app
and the batch exporter look formats up here and know nothing of how each is drawn.
"""

from __future__ import annotations

import json
from typing import Callable

from unspin.document import Document

Renderer = Callable[[Document], str]
RENDERERS: dict[str, Renderer] = {}


def register(name: str) -> Callable[[Renderer], Renderer]:
    def deco(fn: Renderer) -> Renderer:
        RENDERERS[name] = fn
        return fn

    return deco


@register("json")
def to_json(doc: Document) -> str:
    return json.dumps(doc.to_dict(), ensure_ascii=False, indent=2)


def render(doc: Document, fmt: str) -> str:
    if fmt not in RENDERERS:
        # Renderers with heavier imports live in their own modules and register on import.
        import importlib

        try:
            importlib.import_module(f"unspin.render.{fmt}")
        except ModuleNotFoundError:
            pass
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; available: {', '.join(sorted(RENDERERS))}")
    return RENDERERS[fmt](doc)
