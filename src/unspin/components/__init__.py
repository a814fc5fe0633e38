"""Pipeline components, each declaring what it reads and what it sets (as spaCy's factories do).

A component is an object with a ``name``, a pure ``predict(docs) -> scores`` and
``set_annotations(docs, scores)``, and three declarations, each a tuple of reading names
(``"spans"``, ``"claims"``, ``"claims.evidence"``, ``"genre"``, ``"summary"``, ``"warnings"``,
or any extra key of ``Document.results``):

- ``requires``: readings that must be set before it runs (an earlier component assigns them);
- ``reads``: readings it uses when present (no later component may assign them);
- ``assigns``: readings it sets.

``register`` records a component class under its name in ``REGISTRY`` with those declarations;
``check_order`` is what ``unspin.pipeline.Pipeline`` runs on its components, so a pipeline in
the wrong order fails when it is built, with a one-line reason, not with a wrong reading.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")

#: Registered component classes by name.
REGISTRY: dict[str, type] = {}


def register(name: str, *, requires: Sequence[str] = (), reads: Sequence[str] = (), assigns: Sequence[str] = ()) -> Callable[[T], T]:
    """Class decorator: declare a component's name, requires, reads and assigns and record it."""

    def deco(cls: T) -> T:
        cls.name = name  # type: ignore[attr-defined]
        cls.requires, cls.reads, cls.assigns = tuple(requires), tuple(reads), tuple(assigns)  # type: ignore[attr-defined]
        REGISTRY[name] = cls  # type: ignore[assignment]
        return cls

    return deco


def check_order(components: Sequence[Any]) -> None:
    """Raise ``ValueError`` when a component requires a reading no earlier component assigns, or
    reads one that a later component assigns. Undeclared components (test fakes) declare nothing."""
    names = [getattr(c, "name", type(c).__name__) for c in components]
    assigned: set[str] = set()
    for i, c in enumerate(components):
        missing = [r for r in getattr(c, "requires", ()) if r not in assigned]
        if missing:
            raise ValueError(f"component {names[i]!r} requires {', '.join(missing)}, which no component before it assigns (order: {names})")
        for r in getattr(c, "reads", ()):
            later = [names[j] for j in range(i + 1, len(components)) if r in getattr(components[j], "assigns", ())]
            if later:
                raise ValueError(f"component {names[i]!r} reads {r}, which {later[0]!r} assigns after it (order: {names})")
        assigned.update(getattr(c, "assigns", ()))
