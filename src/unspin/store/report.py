"""Corpus reports: technique frequencies per source and per month, coverage, the top passages.

Counts are of passages, as ``unspin analyze`` counts them (``components/summary.py``): the
total (``Report.spans``, ``GroupRow.spans``) counts distinct (start, end) stretches; a
technique's row counts the passages carrying that technique, so those rows may add up to more.
``documents`` counts the analysed documents, ``errors`` the ones stored as failed.

All counting happens in SQL (the indexed columns of ``db``); rendering to a table, CSV, JSON,
PNG (matplotlib, Agg) or a self-contained HTML page happens here.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from unspin import language as langid
from unspin.taxonomy import RU_ZEN_PROP, Technique, colour, label_set_rows, own_of
from unspin.taxonomy import display_name as display
from unspin.store import require, sqlalchemy
from unspin.store.db import ERROR, OK, Store

NO_SOURCE = "(no source)"
NO_DATE = "(no date)"


@dataclass
class TechniqueRow:
    technique: str
    spans: int
    documents: int
    mean_score: float


@dataclass
class GroupRow:
    group: str
    documents: int
    chars: int
    covered: int
    spans: int
    techniques: dict[str, int] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        return self.covered / self.chars if self.chars else 0.0


@dataclass
class TopSpan:
    document_id: str
    source: str | None
    technique: str
    score: float
    start: int
    end: int
    text: str
    #: Other documents whose same passage (whitespace and case aside) was read while the list
    #: was filled: reposts and copies of one text score alike, so they are read together; the
    #: row stands for them all (a lower bound where a copy scored much lower).
    other_documents: int = 0


@dataclass
class Report:
    by: str
    since: dt.date | None
    documents: int
    errors: int
    spans: int
    chars: int
    covered: int
    techniques: list[TechniqueRow]
    groups: list[GroupRow]
    top_spans: list[TopSpan]
    model_versions: list[str]
    #: Languages of the analysed documents. With more than one, Russian techniques are counted
    #: under their PTC equivalents (``common_techniques``) so that one technique is one row.
    languages: list[str] = field(default_factory=list)
    #: With ``since``: stored documents (analysed or failed) without a published date, which
    #: the date filter leaves out; 0 without ``since``.
    undated_left_out: int = 0
    #: The techniques of the own label sets of the models that read the selected documents
    #: (their stored ``own_techniques``, ``unspin.taxonomy.own_of``), which name techniques in every
    #: format before the built-in names, as ``unspin analyze`` does; in the JSON as
    #: ``own_techniques`` rows when there are any.
    own: dict[str, Technique] = field(default_factory=dict)
    #: Analysed documents read by the experimental Russian model, said in every format's headline.
    russian_documents: int = 0
    #: The language the report was limited to (``build``'s ``language``), or None.
    language: str | None = None

    @property
    def common_techniques(self) -> bool:
        return len(self.languages) > 1

    @property
    def own_named(self) -> list[str]:
        """With ``common_techniques``: the Russian techniques among the rows that have no PTC
        equivalent (``RU_ZEN_PROP``), so keep their own names; empty otherwise."""
        if not self.common_techniques:
            return []
        return [t.technique for t in self.techniques if t.technique in RU_ZEN_PROP and not RU_ZEN_PROP[t.technique]]

    @property
    def coverage(self) -> float:
        return self.covered / self.chars if self.chars else 0.0


def _totals(sa, d) -> list:
    """Characters, covered characters and spans summed over the selected documents (0 when none)."""
    return [sa.func.coalesce(sa.func.sum(c), 0) for c in (d.size, d.covered, d.n_spans)]


def build(store: Store, by: str = "technique", since: dt.date | None = None, top: int = 10, language: str | None = None) -> Report:
    """The report of the stored analyses (``Report``): documents published on or after ``since``
    (None: all) and, with ``language`` ("en", "ru"), of that language only; ``by``: "technique",
    "source" or "month"; ``top``: rows of the highest-scoring passages."""
    sa = sqlalchemy()
    d, s = store.documents.c, store.spans.c
    cond = [d.status == OK]
    if since is not None:
        cond.append(d.published >= since)
    if language is not None:
        cond.append(d.language == language)
    joined = store.spans.join(store.documents, s.document_id == d.id)
    with store.engine.connect() as conn:
        n_docs, chars, covered, _labels = conn.execute(
            sa.select(sa.func.count(), *_totals(sa, d)).where(*cond)
        ).one()
        # Passages, as `unspin analyze` counts them: distinct (start, end) stretches of a
        # document; a passage with two techniques is one passage here, one under each technique.
        passages = sa.select(s.document_id, s.start, s.end).select_from(joined).where(*cond).distinct().subquery()
        n_spans = conn.execute(sa.select(sa.func.count()).select_from(passages)).scalar_one()
        err_cond = [d.status == ERROR] + ([d.published >= since] if since is not None else []) + (
            [d.language == language] if language is not None else [])
        n_errors = conn.execute(sa.select(sa.func.count()).select_from(store.documents).where(*err_cond)).scalar_one()
        undated = 0
        if since is not None:
            # Said in the headline and the JSON: otherwise they vanish from the figures silently.
            undated = conn.execute(sa.select(sa.func.count()).select_from(store.documents).where(d.published.is_(None))).scalar_one()
        versions = [v for (v,) in conn.execute(sa.select(d.model_version).where(*cond).distinct().order_by(d.model_version))]
        by_language = {str(lang): int(n) for lang, n in conn.execute(
            sa.select(d.language, sa.func.count()).where(*cond, d.language.is_not(None)).group_by(d.language).order_by(d.language))}
        languages, russian = list(by_language), by_language.get("ru", 0)
        # A corpus of several languages: each Russian technique counts under its PTC equivalent
        # (as `unspin compare` does), else "Labelling" and "Name_Calling,Labeling" are two rows.
        technique = (sa.case(_PTC_OF, value=s.technique, else_=s.technique) if len(languages) > 1 else s.technique).label("technique")
        techniques = [
            TechniqueRow(r.technique, r.n, r.docs, round(float(r.mean), 4))
            for r in conn.execute(
                sa.select(technique, sa.func.count().label("n"), sa.func.count(sa.distinct(s.document_id)).label("docs"), sa.func.avg(s.score).label("mean"))
                .select_from(joined)
                .where(*cond)
                .group_by(technique)
                .order_by(sa.desc("n"), technique)
            )
        ]
        groups: list[GroupRow] = []
        if by in ("source", "month"):
            key = _group_key(store, by).label("grp")
            rows = conn.execute(
                sa.select(key, sa.func.count(), *_totals(sa, d))
                .where(*cond)
                .group_by(key)
                .order_by(key)
            )
            by_key = {g: GroupRow(g, int(n), int(c), int(cov), 0) for g, n, c, cov, _labels in rows}
            grouped = sa.select(key, s.document_id, s.start, s.end).select_from(joined).where(*cond).distinct().subquery()
            for g, n in conn.execute(sa.select(grouped.c.grp, sa.func.count()).group_by(grouped.c.grp)):
                by_key[g].spans = int(n)  # passages, as in the total
            for g, name, n in conn.execute(
                sa.select(key, technique, sa.func.count()).select_from(joined).where(*cond).group_by(key, technique)
            ):
                by_key[g].techniques[name] = int(n)
            groups = list(by_key.values())
            if by == "month":  # months in time order, undated last
                groups.sort(key=lambda g: (g.group == NO_DATE, g.group))
        top_spans = _top_spans(conn, sa, store, joined, cond, technique, top) if top else []
        res = store.results.c
        # One row per distinct label set (documents of one model store the same rows), oldest
        # analyses first so that the newest model's entry for a name wins.
        stored = conn.execute(
            sa.select(res.value).select_from(store.results.join(store.documents, res.document_id == d.id))
            .where(*cond, res.key == "own_techniques").order_by(d.analysed_at)
        ).scalars()
        seen: list[Any] = []
        for value in stored:
            if value not in seen:
                seen.append(value)
        own = own_of(*({"own_techniques": v} for v in seen))
    return Report(by, since, int(n_docs), int(n_errors), int(n_spans), int(chars), int(covered), techniques, groups, top_spans, versions, languages,
                  int(undated), own, int(russian), language)


#: Rows of one document in the list of top passages while other documents have passages to fill it.
TOP_PER_DOCUMENT = 3


def _top_spans(conn: Any, sa: Any, store: Store, joined: Any, cond: list, technique: Any, top: int) -> list[TopSpan]:
    """The ``top`` highest-scoring passages, varied: a passage text is listed once (a text
    repeated in one document, an article pasted into it twice, or one post copied into six
    documents filled the list with one passage), at its highest score and technique, whitespace
    and case aside, with the number of other documents it was read in (``other_documents``); and at most
    ``TOP_PER_DOCUMENT`` of one document's, unless too few documents have passages to fill the
    list, whose rows then go to the next-highest of the documents already listed.

    The spans are read best first, in pages, until the list is full of passages within the
    limit per document, so a large store is not read whole unless few of its documents have
    passages."""
    d, s = store.documents.c, store.spans.c
    query = (
        sa.select(s.document_id, d.source, technique, s.score, s.start, s.end, sa.func.substr(d.text, s.start + 1, s.end - s.start).label("text"))
        .select_from(joined)
        .where(*cond)
        .order_by(s.score.desc(), s.document_id, s.start, s.end, technique)
    )
    chosen: list[tuple[int, TopSpan]] = []  # (rank, passage) within the limit per document
    spare: list[tuple[int, TopSpan]] = []  # over it: fills the list when too few documents have passages
    seen: set[tuple[str, str]] = set()
    listed: dict[str, TopSpan] = {}  # passage text -> its row
    per_doc: dict[str, int] = {}
    result = conn.execute(query.execution_options(yield_per=500))
    try:
        for rank, r in enumerate(result):
            text = r.text or ""
            wording = " ".join(text.split()).casefold()
            if (r.document_id, wording) in seen:
                continue
            seen.add((r.document_id, wording))
            if wording in listed:
                listed[wording].other_documents += 1
                continue
            row = listed[wording] = TopSpan(r.document_id, r.source, r.technique, round(float(r.score), 4), r.start, r.end, text)
            per_doc[r.document_id] = per_doc.get(r.document_id, 0) + 1
            if per_doc[r.document_id] <= TOP_PER_DOCUMENT:
                chosen.append((rank, row))
                if len(chosen) >= top:
                    break
            elif len(spare) < top:
                spare.append((rank, row))
    finally:
        result.close()  # a list filled early leaves the rest of the spans unread
    # Best first, the spare rows only where the documents within the limit left room.
    return [row for _, row in sorted(chosen + spare[: top - len(chosen)], key=lambda x: x[0])]


#: ZenPropaganda technique name -> its PTC equivalent, for those that have one (``unspin.taxonomy``).
_PTC_OF = {ru: ptc for ru, ptc in RU_ZEN_PROP.items() if ptc and ptc != ru}


def _group_key(store: Store, by: str) -> Any:
    sa = sqlalchemy()
    d = store.documents.c
    if by == "source":
        return sa.func.coalesce(d.source, NO_SOURCE)
    month = sa.func.strftime("%Y-%m", d.published) if store.backend == "sqlite" else sa.func.to_char(d.published, "YYYY-MM")
    return sa.func.coalesce(month, NO_DATE)


# -- renderers ----------------------------------------------------------------------------


def _headline(r: Report) -> str:
    since = f" published since {r.since.isoformat()}" if r.since else ""
    own = len(r.own_named)
    own_note = (f"; {own} without one {'are' if own != 1 else 'is'} listed under {'their' if own != 1 else 'its'} own "
                f"name{'s' if own != 1 else ''}" if own else "")
    mixed = (f" ({', '.join(r.languages)}: Russian techniques are counted under their PTC equivalents where one exists{own_note})"
             if r.common_techniques else "")
    only = f" in {langid.name(r.language)}" if r.language else ""
    return (
        f"{r.documents + r.errors} document{'s' if r.documents + r.errors != 1 else ''}{only}{since}: {r.documents} analysed, {r.errors} failed; "
        f"{r.spans} persuasion passage{'s' if r.spans != 1 else ''}; {r.coverage:.1%} of the {r.chars:,} characters "
        f"of the analysed documents lie inside a persuasion passage{mixed}"
        + (f"; {r.undated_left_out} document{'s' if r.undated_left_out != 1 else ''} without a published date "
           f"{'were' if r.undated_left_out != 1 else 'was'} left out" if r.undated_left_out else "")
        + (f"; {RUSSIAN_NOTE.format(n=r.russian_documents, s='s' if r.russian_documents != 1 else '', were='were' if r.russian_documents != 1 else 'was')}"
           + ("" if r.language else RUSSIAN_APART) if r.russian_documents else "")
    )


#: Said in every format's headline where Russian documents are counted (README, "Russian").
RUSSIAN_NOTE = ("{n} Russian document{s} {were} read by the experimental Russian model, whose passages score little above "
                "marking every line (README, \"Russian\")")
#: Said after ``RUSSIAN_NOTE`` in a report of every language.
RUSSIAN_APART = "; count them apart with `unspin report --language ru`"


#: Where a stored document's published date comes from (``unspin.store.ingest``).
DATES_FROM = ("dates come from the published column of a table (or a Telegram export), an e-mail's Date header or a "
              "Markdown file's front matter date (YAML date: or TOML date =); text and HTML files have none")


def nothing_since(r: Report) -> str:
    """The one line of a table report whose ``since`` leaves no document: that no document has a
    date in the range, how many have none, and where dates come from."""
    undated = (f" ({r.undated_left_out} stored document{'s have' if r.undated_left_out != 1 else ' has'} no published date)"
               if r.undated_left_out else "")
    return f"No stored document is published on or after {r.since.isoformat() if r.since else '-'}{undated}: nothing to report; {DATES_FROM}."


def print_table(r: Report, console: Any) -> None:
    from rich.markup import escape
    from rich.table import Column, Table
    from rich.text import Text  # stored values (sources, ids, passages) as Text: a str cell is read as rich markup

    if r.since is not None and not r.documents + r.errors:
        # Empty tables under a headline of zeros read as a broken report: one line says why.
        console.print(escape(nothing_since(r)), highlight=False)
        return
    console.print(f"[bold]{escape(_headline(r))}[/]", highlight=False)
    # As the HTML report says it: which models (and operating point, "@sensitive") read the figures,
    # so a corpus read again at another point is told apart in the terminal too.
    console.print(Text(f"Model: {', '.join(r.model_versions) or '-'}", style="dim"))
    t = Table("technique", "passages", "documents", "share of documents", "mean score", title="techniques")
    for row in r.techniques:
        share = f"{row.documents / r.documents:.0%}" if r.documents else "-"
        t.add_row(Text(display(row.technique, r.own)), str(row.spans), str(row.documents), share, f"{row.mean_score:.2f}")
    console.print(t)
    if r.groups:
        g = Table(Column(r.by, overflow="fold"), "documents", "covered", "passages/doc", "most frequent techniques", title=f"by {r.by}")
        for row in r.groups:
            common = sorted(row.techniques.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            per_doc = f"{row.spans / row.documents:.1f}" if row.documents else "-"
            g.add_row(Text(str(row.group)), str(row.documents), f"{row.coverage:.1%}", per_doc, Text(", ".join(f"{display(k, r.own)} {v}" for k, v in common)))
        console.print(g)
    if r.top_spans:
        # Ids fold rather than end in "…": a corpus's ids often differ only at the end (corp/article111…1, …2).
        s = Table("score", "technique", "passage", Column("document", overflow="fold"), title="highest-scoring passages")
        for sp in r.top_spans:
            s.add_row(f"{sp.score:.2f}", Text(display(sp.technique, r.own)), Text(_clip(sp.text, 80)), Text(sp.document_id + _also(sp)))
        console.print(s)


def _also(sp: TopSpan) -> str:
    """" (and 5 other documents)" for a passage read in other documents too; else ""."""
    n = sp.other_documents
    return f" (and {n} other document{'' if n == 1 else 's'})" if n else ""


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def to_json(r: Report) -> str:
    data = asdict(r)
    del data["own"]
    if r.own:
        data["own_techniques"] = label_set_rows(r.own)
    data["since"] = r.since.isoformat() if r.since else None
    data["coverage"] = round(r.coverage, 6)
    for g, row in zip(data["groups"], r.groups):
        g["coverage"] = round(row.coverage, 6)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_csv(r: Report) -> str:
    """Long format, one row per (group, technique): easy to pivot in a spreadsheet or pandas.

    A group without passages (a source whose documents have none) still gets one row, with an
    empty technique and 0 passages, so every group of the table and JSON formats is listed.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if r.groups:
        # "passages", as the table says: distinct stretches of text carrying the technique.
        w.writerow([r.by, "technique", "passages", "group_documents", "group_covered_share"])
        for g in r.groups:
            for technique, n in sorted(g.techniques.items(), key=lambda kv: (-kv[1], kv[0])) or [("", 0)]:
                w.writerow([g.group, technique, n, g.documents, f"{g.coverage:.6f}"])
    else:
        w.writerow(["technique", "passages", "documents", "mean_score"])
        for t in r.techniques:
            w.writerow([t.technique, t.spans, t.documents, t.mean_score])
    return buf.getvalue()


def to_png(r: Report, dpi: int = 110, narrow: bool = False) -> bytes:
    """The report's chart as PNG bytes: technique frequencies, and per source or month when grouped.

    ``narrow``: a portrait chart for phones (4.2 inches wide, long names wrapped), which
    ``to_html`` shows below 700 CSS pixels instead of the wide one. Every label is plain text:
    matplotlib's mathtext is off, so a ``$`` in a source name is a dollar sign, not a formula.
    """
    matplotlib = require("matplotlib", "plots", "a PNG or HTML report")
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    # parse_math is read when each text is made: the whole figure is made inside the context.
    with matplotlib.rc_context({"text.parse_math": False}):
        order = [t.technique for t in r.techniques]
        # On a phone each technique's name is wrapped to two lines of 8 pt (about 0.3 inch a row):
        # the frequency chart grows with the techniques, and the chart per source or month keeps
        # its own height below it (sharing one height, twelve names were drawn over each other).
        top_height = 2.2 + 0.3 * max(1, len(order))
        if not narrow:
            size, ratios = (11, 8.5 if r.groups else 5.5), [1, 1.1]
        elif r.groups:
            size, ratios = (4.2, top_height + 5.5), [top_height - 0.8, 4.2]
        else:
            size, ratios = (4.2, top_height), [1, 1]
        fig = Figure(figsize=size, dpi=dpi, layout="constrained")
        title = f"unspin: {r.documents} documents analysed, {r.spans} passages, {r.coverage:.1%} of text in a persuasion passage"
        if r.since:
            title += f" (published since {r.since.isoformat()}" + (f"; {r.undated_left_out} undated left out" if r.undated_left_out else "") + ")"
        fig.suptitle(_wrap(title, 48) if narrow else title, fontsize=10 if narrow else 12, fontweight="bold")
        if r.groups:
            top, bottom = fig.subplots(2, 1, height_ratios=ratios)
        else:
            top, bottom = fig.subplots(1, 1), None
        # Overall frequencies: horizontal bars read well with long technique names.
        names = [_wrap(_label(display(t, r.own)), 22) if narrow else _label(display(t, r.own)) for t in order][::-1]
        counts = [t.spans for t in r.techniques][::-1]
        bars = top.barh(names, counts, color=[colour(t, r.own) for t in order][::-1])
        top.bar_label(bars, padding=3, fontsize=8)
        top.set_xlabel("passages (a passage with two techniques\ncounts under each)" if narrow else
                       "passages (a passage with two techniques counts under each)", fontsize=8 if narrow else None)
        top.set_title("technique frequencies", fontsize=10 if narrow else 11, loc="left")
        top.margins(x=0.12 if narrow else 0.08)
        top.tick_params(axis="y", labelsize=8 if narrow else 9)
        if r.groups and bottom is not None:
            _plot_groups(r, order, bottom, narrow)
        if not r.techniques:
            top.text(0.5, 0.5, "no passages stored", ha="center", va="center", transform=top.transAxes)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()


def _label(text: str, n: int = 40) -> str:
    """A group or technique name as a chart label: one line, at most ``n`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _plot_groups(r: Report, order: list[str], ax: Any, narrow: bool = False) -> None:
    """Passages per document of the most frequent techniques, per source or per month.

    The share of text covered goes into the tick labels rather than onto a second y axis,
    which hid behind the bars and made two scales to read. Documents without a date are no
    point in time: the month lines leave them out and a note at the top right counts them.
    """
    shown = order[:6]
    groups = [g for g in r.groups if g.group != NO_DATE] if r.by == "month" else r.groups
    undated = sum(g.documents for g in r.groups if g.group == NO_DATE) if r.by == "month" else 0
    x = list(range(len(groups)))
    per_doc = {t: [g.techniques.get(t, 0) / g.documents if g.documents else 0 for g in groups] for t in shown}
    note = f"{undated} document{'s' if undated != 1 else ''} without a date (not on the time line)" if undated else ""
    if note and not narrow:
        ax.set_title(note, loc="right", fontsize=8, color="#555")
    if r.by == "month":
        # Distinct markers and dashes keep coinciding lines apart.
        for i, t in enumerate(shown):
            ax.plot(x, per_doc[t], marker="os^Dv*"[i], linestyle=("-", "--", ":", "-.")[i % 4], markersize=7 - i * 0.6,
                    color=colour(t, r.own), label=_label(display(t, r.own)), linewidth=2)
        # On a phone the note goes under the two-line title: at the right, it was drawn across it.
        ax.set_title(_wrap("passages per document per month, most frequent techniques", 32) + (f"\n{_wrap(note, 32)}" if note else "") if narrow else
                     "passages per document per month, most frequent techniques", fontsize=10 if narrow else 11, loc="left")
    else:
        width = 0.8 / max(1, len(shown))
        for i, t in enumerate(shown):
            ax.bar([xi - 0.4 + width * (i + 0.5) for xi in x], per_doc[t], width, color=colour(t, r.own), label=_label(display(t, r.own)))
        ax.set_title(_wrap("passages per document per source, most frequent techniques", 32) if narrow else
                     "passages per document per source, most frequent techniques", fontsize=10 if narrow else 11, loc="left")
    crowded = len(x) > (3 if narrow else 8)
    labels = [f"{_label(g.group, 20 if narrow else 40)}\n{g.coverage:.1%} covered" for g in groups]
    ax.set_xticks(x, labels, rotation=45 if crowded else 0, ha="right" if crowded else "center", fontsize=8 if crowded else 9)
    ax.set_ylabel("passages per document")
    ax.set_ylim(0, max([v for vals in per_doc.values() for v in vals] + [0.1]) * 1.15)
    ax.grid(axis="y", alpha=0.3)
    # Below everything, in the layout: anchored at a fixed distance under the plot, it covered
    # the slanted two-line group names of a dozen months.
    ax.figure.legend(*ax.get_legend_handles_labels(), fontsize=8, ncols=1 if narrow else min(3, max(1, len(shown))),
                     loc="outside lower center", frameon=False)


def to_html(r: Report) -> str:
    """One self-contained page; every piece of article text goes through html.escape."""
    e = html.escape
    png = base64.b64encode(to_png(r)).decode("ascii")
    # A phone gets a portrait chart drawn for its width: the wide one shrunk to 390 px has 4 px letters.
    narrow_png = base64.b64encode(to_png(r, dpi=150, narrow=True)).decode("ascii")
    tech_rows = "".join(
        f"<tr><td><span class=sw style='background:{e(colour(t.technique, r.own))}'></span>{e(display(t.technique, r.own))}</td>"
        f"<td>{t.spans}</td><td>{t.documents}</td><td>{t.mean_score:.2f}</td></tr>"
        for t in r.techniques
    )
    group_html = ""
    if r.groups:
        group_rows = "".join(
            f"<tr><td data-label='{e(r.by)}' class=long>{e(g.group)}</td><td data-label=documents>{g.documents}</td>"
            f"<td data-label=covered>{g.coverage:.1%}</td><td data-label='most frequent'>"
            + e(", ".join(f"{display(k, r.own)} {v}" for k, v in sorted(g.techniques.items(), key=lambda kv: (-kv[1], kv[0]))[:3]))
            + "</td></tr>"
            for g in r.groups
        )
        group_html = (f"<h2>By {e(r.by)}</h2><div class=table><table class=cards><tr><th>{e(r.by)}</th><th>documents</th><th>covered</th><th>most frequent "
            f"techniques</th></tr>{group_rows}</table></div>")
    span_rows = "".join(
        f"<tr><td data-label=score>{s.score:.2f}</td><td data-label=technique>{e(display(s.technique, r.own))}</td>"
        f"<td data-label=passage class='span long'>{e(s.text)}</td>"
        f"<td data-label=document class=long>{e(s.document_id + _also(s))}</td><td data-label=source class=long>{e(s.source or '')}</td></tr>"
        for s in r.top_spans
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>unspin corpus report</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; padding: 0 1em; max-width: 1100px; color: #222; }}
p, .long {{ overflow-wrap: anywhere; }}
.table {{ max-width: 100%; overflow-x: auto; }}
table {{ border-collapse: collapse; margin: 1em 0; }} td, th {{ border-bottom: 1px solid #ddd; padding: .3em .7em; text-align: left; vertical-align: top; }}
.sw {{ display: inline-block; width: .8em; height: .8em; margin-right: .4em; border-radius: 2px; }}
.span {{ max-width: 40em; }} img {{ display: block; max-width: 100%; height: auto; }}
@media (max-width: 700px) {{
  body {{ margin: 1em auto; font-size: 14px; }} td, th {{ padding: .3em .4em; }} h1 {{ font-size: 1.5em; }}
  /* Wide tables become one card per row, each value named: nothing to scroll sideways. */
  .cards, .cards tbody, .cards tr, .cards td {{ display: block; }}
  .cards tr:first-child {{ display: none; }}
  .cards tr {{ border-bottom: 1px solid #ddd; padding: .4em 0; }}
  .cards td {{ border: 0; padding: .1em .4em; }}
  .cards td::before {{ content: attr(data-label) ": "; color: #555; }}
}}
</style></head><body>
<h1>unspin corpus report</h1>
<p>{e(_headline(r))}. Model: {e(", ".join(r.model_versions) or "-")}.</p>
<picture><source media="(max-width: 700px)" srcset="data:image/png;base64,{narrow_png}">
<img alt="technique frequencies chart" src="data:image/png;base64,{png}"></picture>
<h2>Techniques</h2>
<div class=table><table><tr><th>technique</th><th>passages</th><th>documents</th><th>mean score</th></tr>{tech_rows}</table></div>
{group_html}
<h2>Highest-scoring passages</h2>
<div class=table><table class=cards><tr><th>score</th><th>technique</th><th>passage</th><th>document</th><th>source</th></tr>{span_rows}</table></div>
</body></html>
"""
