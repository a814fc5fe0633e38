"""The terminal view: the summary and genre, then the article with each persuasion passage
highlighted in its technique's colour and numbered, a table of the passages (techniques, scores,
text), the legend, and the check-worthy claims with their evidence.

In colour a passage is its technique's background with ``[n]`` after it. Without colour (output
piped or written to a file, or ``NO_COLOR``) the background is lost, so the start is marked too:
``[n>passage<n]``. Passages are numbered as the summary counts them (see
``unspin.components.summary``): one number per stretch of text, whatever its number of techniques.

Everything is drawn from the analysis dict (``Document.to_dict()`` plus ``text``), so the same
code draws one analysis and both sides of a comparison.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from rich.columns import Columns
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from unspin.taxonomy import LabelSet, colour, display_name, lookup, own_of
from unspin.document import FIRST_CLAIMS, GENRE_PHRASE, Document
from unspin.render import register, register_compare
from unspin.view import LINE_BREAKS, LONE_CR

# A terminal moves to the line start on a lone \r (the line is then overwritten) and shows U+2028/9
# as nothing: shown as the line and paragraph breaks the models read them as (unspin.view).
_SHOWN_BREAKS = str.maketrans({ch: rep for ch, rep in LINE_BREAKS.items() if ch != "\r"})

#: Width of text written to a file or a pipe (a terminal uses its own width).
PLAIN_WIDTH = 100


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _short(text: str, n: int) -> str:
    text = _one_line(text)
    return text if len(text) <= n else text[: n - 3] + "..."


def _analysis(doc: Document | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(doc, Document):
        d = doc.to_dict()
        d["text"] = doc.text
        return d
    return dict(doc)


def passages(d: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The analysis's spans grouped by offsets, in reading order: ``[{"start", "end",
    "labels": [(technique, score), ...], "cues": {technique: ([[start, end], ...], why)}}]``
    (strongest technique first; ``cues`` holds the techniques whose span names cue words)."""
    text = d.get("text") or ""
    by_offsets: dict[tuple[int, int], list[tuple[str, float]]] = {}
    cues: dict[tuple[int, int], dict[str, tuple[list, str]]] = {}
    for s in d.get("spans") or []:
        a, b = int(s["start"]), int(s["end"])
        if 0 <= a < b <= len(text):
            by_offsets.setdefault((a, b), []).append((str(s["technique"]), float(s["score"])))
            ranges = [(int(x), int(y)) for x, y in s.get("cues") or [] if 0 <= int(x) < int(y) <= len(text)]
            if ranges:
                cues.setdefault((a, b), {})[str(s["technique"])] = (ranges, str(s.get("cue_why") or ""))
    return [
        {"start": a, "end": b, "labels": sorted(labels, key=lambda x: -x[1]), "cues": cues.get((a, b), {})}
        for (a, b), labels in sorted(by_offsets.items(), key=lambda kv: (kv[0][0], -kv[0][1]))
    ]


def _body(text: str, ps: list[dict[str, Any]], plain: bool, own: LabelSet | None = None) -> Text:
    body = Text()
    text = LONE_CR.sub("\n", text)  # one character for one: the offsets still hold
    # Walk the text once; at each character the innermost (shortest) covering passage sets the style.
    bounds = sorted({0, len(text), *(p["start"] for p in ps), *(p["end"] for p in ps)})
    starts_at: dict[int, list[int]] = {}
    ends_at: dict[int, list[int]] = {}
    for i, p in enumerate(ps, 1):
        starts_at.setdefault(p["start"], []).append(i)
        ends_at.setdefault(p["end"], []).append(i)
    for a, b in zip(bounds, bounds[1:]):
        if plain:
            for i in starts_at.get(a, []):
                body.append(f"[{i}>")
        covering = [p for p in ps if p["start"] <= a and p["end"] >= b]
        if covering and not plain:
            inner = min(covering, key=lambda p: p["end"] - p["start"])
            body.append(text[a:b].translate(_SHOWN_BREAKS), style=f"bold black on {colour(inner['labels'][0][0], own)}")
        else:
            body.append(text[a:b].translate(_SHOWN_BREAKS))
        for i in reversed(ends_at.get(b, [])):
            body.append(f"<{i}]" if plain else f"[{i}]", style="" if plain else f"bold {colour(ps[i - 1]['labels'][0][0], own)}")
    return body


def _header(d: Mapping[str, Any]) -> list:
    """Summary sentence and genre first, then warnings: what a reader needs before the text."""
    parts: list = []
    summary = d.get("summary")
    if isinstance(summary, Mapping) and summary.get("sentence"):
        parts.append(Text(str(summary["sentence"]), style="bold"))
    genre = d.get("genre")
    if isinstance(genre, Mapping) and isinstance(genre.get("scores"), Mapping) and genre["scores"]:
        scores = genre["scores"]
        if genre.get("caution"):
            # A caution (a text unlike the training articles, or opinion and reporting at even
            # odds) means the model's probabilities do not hold for this text: the nearest label
            # only, no figures ("Genre unclear" beside a bold "opinion 0.99" read as a
            # contradiction; the JSON keeps them). Satire set aside for a text too short to call
            # it is named, as the label is not the top score then.
            # Labels as the summary sentence and the page name them ("news report", not "reporting").
            top = max(scores, key=scores.get)
            label = str(genre.get("label"))
            aside = f" ({GENRE_PHRASE.get(top, top).lower()} set aside)" if top != label else ""
            line = Text("Genre unclear", style="bold")
            line.append(f": nearest {GENRE_PHRASE.get(label, label).lower()}{aside}; the model's figures do not hold for this text "
                        "(see the warning)")
        else:
            line = Text("Genre: ", style="bold")
            for i, (label, p) in enumerate(sorted(scores.items(), key=lambda kv: -kv[1])):
                line.append(("   " if i else "") + f"{label} {p:.2f}", style="bold" if label == genre.get("label") else "dim")
        parts.append(line)
    for w in d.get("warnings") or []:
        parts.append(Text(f"Warning: {_one_line(str(w))}", style="bold yellow"))
    return parts


def _passage_table(text: str, ps: list[dict[str, Any]], title: str = "Persuasion passages", own: LabelSet | None = None) -> Table:
    table = Table(title=title, show_lines=False, expand=True)
    table.add_column("#", justify="right", style="bold")
    table.add_column("technique")
    table.add_column("score", justify="right")
    table.add_column("text", ratio=3)
    table.add_column("why: the words that carry it", ratio=2)
    for i, p in enumerate(ps, 1):
        names = Text()
        scores = []
        for j, (label, score) in enumerate(p["labels"]):
            names.append(("\n" if j else "") + display_name(label, own), style=colour(label, own))
            scores.append(f"{score:.2f}")
        # Article text as Text: a str cell is read as rich markup ("[/]" in a text was an internal error).
        table.add_row(str(i), names, "\n".join(scores), Text(_short(text[p["start"] : p["end"]], 90)), _why(text, p, own))
    return table


def _why(text: str, p: Mapping[str, Any], own: LabelSet | None = None) -> Text:
    """The cue words of the passage's strongest technique that names any, quoted, and what they
    do; a dash where no single word carries it (the technique is in the passage as a whole)."""
    for label, _ in p["labels"]:
        if label in p.get("cues", {}):
            ranges, why = p["cues"][label]
            out = Text()
            for k, (a, b) in enumerate(ranges):
                out.append((", " if k else "") + f"\u201c{_short(text[a:b], 40)}\u201d", style=f"bold {colour(label, own)}")
            if why:
                out.append(f": {why}", style="dim")
            return out
    return Text("\u2014 (the passage as a whole)", style="dim")


def _legend(d: Mapping[str, Any], ps: list[dict[str, Any]], own: LabelSet | None = None) -> list:
    """The techniques' colours with their counts, then each one's explanation (``own``: the
    reading model's own label set, which names them first: ``unspin.taxonomy.lookup``)."""
    counts = d.get("techniques") or {}
    legend = Text()
    for label, n in counts.items():
        legend.append(f" {display_name(label, own)} ", style=f"bold black on {colour(label, own)}")
        legend.append(f" {n}   ")
    note = Text(
        f"Counts are passages: {len(ps)} in all; a passage with two techniques counts under each. "
        "Score: the model's probability that the stretch is a persuasion span times the probability of the technique.",
        style="dim",
    )
    known = [t for t in (lookup(label, own) for label in counts) if t is not None]
    seen = [Text.assemble((f"{t.display}: ", f"bold {t.colour}"), t.explanation) for t in known]
    return [legend, note, *seen]


def _claim_rows(table: Table, claims: list[Mapping[str, Any]], with_evidence: bool, number: str, passage_chars: int = 200) -> None:
    """One row per claim; each evidence passage cut at ``passage_chars`` (the first few claims
    show theirs whole: an article's exception sits in its last item)."""
    for c in claims:
        row: list = [str(c.get(number, "")), f"{c['score']:.2f}", Text(_short(c["text"], 200))]
        if with_evidence:
            cell = Text()
            for j, ev in enumerate(c.get("evidence") or []):
                cell.append(("\n" if j else "") + f"{ev['source']}:{ev['start']}-{ev['end']} ({ev['score']:.2f}) ", style="cyan")
                cell.append(_short(ev["text"], passage_chars))
            row.append(cell if cell.plain else Text("no matching passage", style="dim"))
        table.add_row(*row)


def _claims_table(title: str, caption: str, first_column: str, with_evidence: bool) -> Table:
    table = Table(title=title, expand=True, show_lines=with_evidence, caption=caption, caption_justify="left")
    table.add_column(first_column, justify="right", style="bold")
    table.add_column("score", justify="right")
    table.add_column("claim", ratio=3)
    if with_evidence:
        table.add_column("where to look", ratio=3, overflow="fold")  # a file's path and range kept whole, folded
    return table


def _ranked(claims: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Claims by ``rank`` (analyses from before 0.4.0 have none: by score, ties in text order)."""
    if all("rank" in c for c in claims):
        return sorted(claims, key=lambda c: int(c["rank"]))
    return [c for _, c in sorted(enumerate(claims), key=lambda p: (-float(p[1]["score"]), p[0]))]


def _first_claims(d: Mapping[str, Any]) -> list:
    """The few sentences most worth checking, in score order, with their evidence: what a
    fact-checker reads first, so it comes right after the summary."""
    claims = d.get("claims")
    if not isinstance(claims, list) or not claims:
        return []
    first = _ranked(claims)[:FIRST_CLAIMS]
    with_evidence = any("evidence" in c for c in claims)
    more = len(claims) - len(first)
    caption = ("score: the claim model's probability (0-1) that the sentence is worth verifying"
               + (f"; {more} more claim{'s' if more != 1 else ''} listed at the end, in text order" if more else ""))
    table = _claims_table("Worth checking first (claims to verify, not judged true or false)", caption, "rank", with_evidence)
    _claim_rows(table, [dict(c, rank=c.get("rank", i)) for i, c in enumerate(first, 1)], with_evidence, "rank", passage_chars=1000)
    return [table]


def _claims(d: Mapping[str, Any]) -> list:
    """Every claim in text order (each with its rank), after the text: one step away from the
    first few. Said in one line when there are none; left out when the first few are all."""
    claims = d.get("claims")
    if not isinstance(claims, list):
        return []
    if not claims:
        return [Text("No check-worthy claims found.", style="dim")]
    if len(claims) <= FIRST_CLAIMS:
        return []
    ranks = {id(c): i for i, c in enumerate(_ranked(claims), 1)}
    with_evidence = any("evidence" in c for c in claims)
    table = _claims_table(f"All {len(claims)} check-worthy claims, in text order", "rank: place by score (1 = most worth checking)",
                          "rank", with_evidence)
    _claim_rows(table, [dict(c, rank=c.get("rank", ranks[id(c)])) for c in claims], with_evidence, "rank")
    return [table]


def renderable(doc: Document | Mapping[str, Any], plain: bool = False) -> Group:
    """The whole view of one analysis. ``plain``: mark where each passage starts as well as
    where it ends (for output without colour)."""
    d = _analysis(doc)
    text = d.get("text") or ""
    ps = passages(d)
    own = own_of(d)
    n = len(ps)
    size = (d.get("model") or {}).get("size")
    # The Russian model is no better than trivial baselines yet (its warning says so): the title says it too.
    trial = " (experimental)" if d.get("language") == "ru" else ""
    # A reading at another operating point is named where the passages are counted; the bare
    # name, so that the title keeps its passage count at 80 columns.
    point = (d.get("model") or {}).get("sensitivity")
    setting = f" · {point}" if point and point != "default" else ""
    title = (f"unspin · {d.get('language', '?')}{f' · {size} model{trial}' if size else trial}{setting} · {len(text):,} characters · "
             f"{n} passage{'s' if n != 1 else ''}")
    if len(title) > TITLE_CHARS:
        # A Russian reading at another point ran past 80 columns and lost its passage count
        # ("15 passage─"): the same facts, shorter.
        title = (f"{d.get('language', '?')}{f' · {size}{trial}' if size else trial}{setting} · {len(text):,} chars · "
                 f"{n} passage{'s' if n != 1 else ''}")
    parts: list = [*_header(d), *_first_claims(d), Panel(_body(text, ps, plain, own), title=title, expand=True)]
    if ps:
        parts += [_passage_table(text, ps, own=own), *_legend(d, ps, own)]
    else:
        parts.append(Text("No persuasion techniques found above the model's threshold."))
    parts += _claims(d)
    return Group(*parts)


#: The longest panel title that fits an 80-column panel with its borders and padding.
TITLE_CHARS = 72


def _plain_console(width: int = PLAIN_WIDTH) -> Console:
    return Console(record=True, width=width, file=open(os.devnull, "w"), color_system=None)


def _export(r) -> str:
    console = _plain_console()
    console.print(r)
    return console.export_text()


@register("text")
def to_text(doc: Document) -> str:
    """The view as plain text (no colour, passages marked ``[n>...<n]``), 100 columns wide."""
    return _export(renderable(doc, plain=True))


def print_document(doc: Document, console: Console | None = None) -> None:
    """Print the view; without colour (a pipe, ``NO_COLOR``) passage starts are marked too."""
    console = console or Console()
    console.print(renderable(doc, plain=console.color_system is None or console.no_color))


# -- comparison ------------------------------------------------------------------------------
def _profile_table(payload: Mapping[str, Any]) -> Table:
    c = payload["comparison"]
    names = c["names"]
    own = own_of(payload["a"], payload["b"])
    table = Table(
        title=Text(f"Technique profile: A = {names['a']}, B = {names['b']}"),  # file names are no markup
        caption="/1k words: passages with the technique per 1,000 words; share: of the text's characters",
        expand=True,
    )
    table.add_column("technique", ratio=1, min_width=20)
    for k in ("A", "B"):
        table.add_column(f"{k} /1k words", justify="right", no_wrap=True)
        table.add_column(f"{k} share", justify="right", no_wrap=True)
    for row in c["techniques"]:
        cells = []
        for k in ("a", "b"):
            f = row[k]
            cells += [f"{f['per_1000_words']:.1f}", f"{f['share']:.0%}"] if f["passages"] else ["-", "-"]
        table.add_row(Text(row["display"], style=colour(row["technique"], own)), *cells)
    total = []
    for k in ("a", "b"):
        total += [f"{c[k]['passages_per_1000_words']:.1f}", f"{c[k]['persuasion_share']:.0%}"]
    table.add_row(Text("all techniques", style="bold"), *total)
    return table


def compare_renderable(payload: Mapping[str, Any], plain: bool = False, width: int = PLAIN_WIDTH) -> Group:
    """The comparison: its sentence, the profile table, then each text's view, side by side when
    the console is wide enough (140 columns), else one after the other."""
    c = payload["comparison"]
    sides = []
    for key in ("a", "b"):
        view = renderable(payload[key], plain=plain)
        sides.append(Panel(view, title=Text(f"{key.upper()}: {c['names'][key]}"), expand=True))
    body = Columns(sides, equal=True, expand=True) if width >= 140 else Group(*sides)
    return Group(Text(c["sentence"], style="bold"), _profile_table(payload), body)


def compare_text(payload: Mapping[str, Any]) -> str:
    return _export(compare_renderable(payload, plain=True))


register_compare("text")(compare_text)


def print_comparison(payload: Mapping[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    console.print(compare_renderable(payload, plain=console.color_system is None or console.no_color, width=console.width))
