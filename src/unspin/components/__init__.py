"""Pipeline components, each declaring what it reads and what it sets (as spaCy's factories do).

A component is an object with a ``name``, a pure ``predict(docs) -> scores`` and
``set_annotations(docs, scores)``, and three declarations, each a tuple of reading names
(``"spans"``, ``"claims"``, ``"claims.evidence"``, ``"genre"``, ``"summary"``, ``"warnings"``,
or any other key of ``unspin.readings``):

- ``requires``: readings that must be set before it runs (an earlier component assigns them);
- ``reads``: readings it uses when present (no later component may assign them);
- ``assigns``: readings it sets.

``register`` records a component class under its name in ``REGISTRY`` with those declarations
and its factory (the classmethod that builds it from settings: a model folder's name, say);
``build(name, **settings)`` makes one, so a pipeline is data: a list of ``(name, settings)``
(``unspin.pipeline.PIPELINES``). ``check_order`` is what ``unspin.pipeline.Pipeline`` runs on its
components, so a pipeline in the wrong order fails when it is built, with a one-line reason
naming the missing reading, not with a wrong reading; ``position`` finds where a component
goes in a pipeline from the same declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

#: Registered component classes by name.
REGISTRY: dict[str, type] = {}


def register(
    name: str, *, requires: Sequence[str] = (), reads: Sequence[str] = (), assigns: Sequence[str] = (), factory: str | None = None
) -> Callable[[T], T]:
    """Class decorator: declare a component's name, requires, reads and assigns and record it.
    ``factory``: the classmethod ``build`` calls with the settings (the class itself when None).
    Raises ``ValueError`` when another class is registered under ``name``."""

    def deco(cls: T) -> T:
        if name in REGISTRY and REGISTRY[name].__qualname__ != cls.__qualname__:  # type: ignore[attr-defined]
            raise ValueError(f"a component named {name!r} is already registered ({REGISTRY[name].__qualname__})")
        cls.name = name  # type: ignore[attr-defined]
        cls.requires, cls.reads, cls.assigns = tuple(requires), tuple(reads), tuple(assigns)  # type: ignore[attr-defined]
        cls.factory = factory  # type: ignore[attr-defined]
        REGISTRY[name] = cls  # type: ignore[assignment]
        return cls

    return deco


def registered(name: str) -> type:
    """The component class registered as ``name`` (its declarations are class attributes).
    Raises ``ValueError`` for a name nobody registered, naming those that are."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"no component named {name!r}; registered: {', '.join(sorted(REGISTRY))}") from None


def build(name: str, **settings: Any) -> Any:
    """The registered component ``name``, made from ``settings`` by its factory. Raises
    ``ValueError`` for a name nobody registered, naming those that are."""
    cls = registered(name)
    make = getattr(cls, cls.factory) if getattr(cls, "factory", None) else cls
    return make(**settings)


def position(components: Sequence[Any], new: Any) -> int:
    """Where ``new`` goes among ``components``: right after the last one that assigns what it
    requires (first when it requires nothing). ``check_order`` still judges the result."""
    needs = set(getattr(new, "requires", ()))
    at = 0
    for i, c in enumerate(components):
        if needs & set(getattr(c, "assigns", ())):
            at = i + 1
    return at


def check_order(components: Sequence[Any]) -> None:
    """Raise ``ValueError`` when a component requires a reading no earlier component assigns
    (the message names the component and the reading), or reads one that a later component
    assigns. Undeclared components (test fakes) declare nothing."""
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
