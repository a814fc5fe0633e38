"""The terminal view: the article with each span highlighted in its technique's colour, a
numbered marker after it, and a table of the spans with technique, score and explanation."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from unspin import taxonomy
from unspin.document import Document


def _colour(label: str) -> str:
    return taxonomy.BY_NAME[label].colour if label in taxonomy.BY_NAME else "#999999"


def _display(label: str) -> str:
    return taxonomy.BY_NAME[label].display if label in taxonomy.BY_NAME else label


def renderable(doc: Document) -> Group:
    spans = list(doc.spans)
    body = Text()
    # Walk the text once; at each character the innermost (shortest) covering span sets the style.
    bounds = sorted({0, len(doc.text), *(s.start for s in spans), *(s.end for s in spans)})
    ends_at: dict[int, list[int]] = {}
    for i, s in enumerate(spans, 1):
        ends_at.setdefault(s.end, []).append(i)
    for a, b in zip(bounds, bounds[1:]):
        covering = [s for s in spans if s.start <= a and s.end >= b]
        if covering:
            inner = min(covering, key=len)
            body.append(doc.text[a:b], style=f"bold black on {_colour(inner.label)}")
        else:
            body.append(doc.text[a:b])
        for i in ends_at.get(b, []):
            body.append(f"[{i}]", style=f"bold {_colour(spans[i - 1].label)}")

    table = Table(title="Persuasion spans", show_lines=False, expand=True)
    table.add_column("#", justify="right", style="bold")
    table.add_column("technique")
    table.add_column("score", justify="right")
    table.add_column("text", ratio=3)
    for i, s in enumerate(spans, 1):
        excerpt = doc.text_of(s).replace("\r", " ").replace("\n", " ")
        excerpt = excerpt if len(excerpt) <= 90 else excerpt[:87] + "..."
        table.add_row(str(i), Text(_display(s.label), style=_colour(s.label)), f"{s.score:.2f}", excerpt)

    counts = doc.technique_counts()
    legend = Text()
    for label, n in counts.items():
        legend.append(f" {_display(label)} ", style=f"bold black on {_colour(label)}")
        legend.append(f" {n}   ")
    parts = [Panel(body, title=f"unspin · {doc.language} · {len(doc.text):,} characters", expand=True)]
    if spans:
        parts += [table, legend]
        seen = []
        for label in counts:
            if label in taxonomy.BY_NAME:
                t = taxonomy.BY_NAME[label]
                seen.append(Text.assemble((f"{t.display}: ", f"bold {t.colour}"), t.explanation))
        parts += seen
    else:
        parts.append(Text("No persuasion techniques found above the model's threshold."))
    parts += _article_parts(doc)
    for key in ("summary",):
        if isinstance(doc.results.get(key), dict) and doc.results[key].get("sentence"):
            parts.append(Text(doc.results[key]["sentence"], style="italic"))
    return Group(*parts)


def _article_parts(doc: Document) -> list:
    """Genre, check-worthy claims and their evidence passages, when the pipeline produced them."""
    parts: list = []
    genre = doc.results.get("genre")
    if isinstance(genre, dict) and genre.get("scores"):
        line = Text("Genre: ", style="bold")
        for i, (label, p) in enumerate(sorted(genre["scores"].items(), key=lambda kv: -kv[1])):
            line.append(("   " if i else "") + f"{label} {p:.2f}", style="bold" if label == genre.get("label") else "dim")
        parts.append(line)
    claims = doc.results.get("claims")
    if isinstance(claims, list) and claims:
        table = Table(title="Check-worthy claims (worth verifying, not judged true or false)", expand=True, show_lines=any(c.get("evidence") for c in claims))
        table.add_column("#", justify="right", style="bold")
        table.add_column("score", justify="right")
        table.add_column("claim", ratio=3)
        with_evidence = any("evidence" in c for c in claims)
        if with_evidence:
            table.add_column("where to look", ratio=3)
        for i, c in enumerate(claims, 1):
            text = c["text"].replace("\r", " ").replace("\n", " ")
            row = [str(i), f"{c['score']:.2f}", text if len(text) <= 200 else text[:197] + "..."]
            if with_evidence:
                cell = Text()
                for j, ev in enumerate(c.get("evidence") or []):
                    excerpt = ev["text"].replace("\r", " ").replace("\n", " ")
                    excerpt = excerpt if len(excerpt) <= 120 else excerpt[:117] + "..."
                    cell.append(("\n" if j else "") + f"{ev['source']}:{ev['start']}-{ev['end']} ({ev['score']:.2f}) ", style="cyan")
                    cell.append(excerpt)
                row.append(cell if cell.plain else Text("no matching passage", style="dim"))
            table.add_row(*row)
        parts.append(table)
    elif isinstance(claims, list):
        parts.append(Text("No check-worthy claims found.", style="dim"))
    return parts


def print_document(doc: Document, console: Console | None = None) -> None:
    (console or Console()).print(renderable(doc))
