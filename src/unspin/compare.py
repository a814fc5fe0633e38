"""Comparing two analysed texts: a technique profile for each and one factual sentence.

Pure: two analyses in (``Document`` objects or the dicts of ``Document.to_dict()``), numbers and a
sentence out; no model runs here. Every figure is counted from the analyses' spans, with the same
count as the summary (see ``unspin.components.summary``): **passages**, distinct (start, end)
stretches of text; a passage carrying two techniques counts once in the total and once under each
of its techniques.

Per technique and text the profile gives

- ``passages``: passages carrying the technique;
- ``per_1000_words``: those passages per 1,000 words of the text (words as the summary counts
  them), so texts of different lengths compare;
- ``share``: the fraction of the text's characters inside those passages (overlaps counted once),
  in [0, 1].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unspin.scoring import covered_chars
from unspin.taxonomy import LabelSet, display_name, own_of
from unspin.article.sentences import word_count
from unspin.document import Document


#: A technique used at least this many times as often (per 1,000 words) in one text as in the
#: other is named in the sentence; smaller differences between two short texts are noise.
RATIO_WORTH_SAYING = 1.5
#: How many techniques the sentence names at most in each clause, so it stays one sentence.
MAX_NAMED = 3


def _as_dict(analysis: Document | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(analysis, Document):
        out = analysis.to_dict()
        out["text"] = analysis.text
        return out
    if not isinstance(analysis, Mapping):
        raise TypeError(f"expected a Document or an analysis dict, got {type(analysis).__name__}")
    return dict(analysis)


def _words(d: Mapping[str, Any]) -> int:
    summary = d.get("summary")
    if isinstance(summary, Mapping) and isinstance(summary.get("words"), int):
        return summary["words"]
    text = d.get("text")
    return word_count(text) if isinstance(text, str) else 0


def profile(analysis: Document | Mapping[str, Any], common: bool = False) -> dict[str, Any]:
    """The technique profile of one analysis.

    Returns ``{"words", "chars", "passages", "passages_per_1000_words", "persuasion_share",
    "techniques": {technique: {"passages", "per_1000_words", "share"}}}``; shares are fractions of
    the text's characters (``text_chars``), rates are per 1,000 words. ``common``: count a span
    that names its PTC equivalent (a Russian span's ``ptc_technique``) under that technique, so
    that texts in two languages compare technique by technique. Raises ``TypeError`` for
    anything but a Document or a mapping.
    """
    d = _as_dict(analysis)
    spans = [s for s in d.get("spans") or [] if isinstance(s, Mapping)]
    chars = int(d.get("text_chars") or len(d.get("text") or ""))
    words = _words(d)
    by_tech: dict[str, set[tuple[int, int]]] = {}
    for s in spans:
        name = (common and s.get("ptc_technique")) or s.get("technique")
        by_tech.setdefault(str(name), set()).add((int(s["start"]), int(s["end"])))
    passages = {(int(s["start"]), int(s["end"])) for s in spans}

    def rate(n: int) -> float:
        return round(1000 * n / words, 2) if words else 0.0

    def share(iv: set[tuple[int, int]]) -> float:
        return round(covered_chars(iv) / chars, 4) if chars else 0.0

    techniques = {
        t: {"passages": len(iv), "per_1000_words": rate(len(iv)), "share": share(iv)}
        for t, iv in sorted(by_tech.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    }
    return {
        "words": words,
        "chars": chars,
        "passages": len(passages),
        "passages_per_1000_words": rate(len(passages)),
        "persuasion_share": share(passages),
        "techniques": techniques,
    }


def _names(items: list[str], own: LabelSet | None = None) -> str:
    shown = [display_name(t, own) for t in items[:MAX_NAMED]]
    if len(items) > MAX_NAMED:
        shown.append(f"{len(items) - MAX_NAMED} more technique{'s' if len(items) - MAX_NAMED > 1 else ''}")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _pct(x: float) -> str:
    return "under 1%" if 0 < x < 0.005 else f"{x:.0%}"


#: What ``_genre`` gives for a genre marked as a guess (``genre.caution``).
UNCLEAR = ("unclear", 0.0)


def _genre(d: Mapping[str, Any]) -> tuple[str, float] | None:
    """(label, probability) of an analysis's genre; ``UNCLEAR`` for a guess; None when it has none."""
    g = d.get("genre")
    if isinstance(g, Mapping) and g.get("label") and isinstance(g.get("scores"), Mapping):
        return UNCLEAR if g.get("caution") else (str(g["label"]), float(g["scores"].get(g["label"], 0.0)))
    return None


def sentence(pa: Mapping[str, Any], pb: Mapping[str, Any], ga: tuple[str, float] | None = None, gb: tuple[str, float] | None = None,
             own: LabelSet | None = None) -> str:
    """One factual sentence (a few clauses) on how profile ``pb`` differs from ``pa``.

    Names the texts A and B. Says: the genre of each when both have one (a genre marked as a
    guess is called unclear; two guesses are left out); passages per 1,000 words and share of
    text of each; techniques used at least ``RATIO_WORTH_SAYING`` times as often in one text (up
    to two, the largest ratios first); techniques found in only one text. ``own``: the own
    label sets of the models that read the texts (``unspin.taxonomy.own_of``), which name
    techniques before the built-in names.
    """
    parts: list[str] = []
    if ga and gb and (ga == UNCLEAR) != (gb == UNCLEAR):
        # One genre is a guess (a short or unusual text): say the other, and that this one is unclear.
        who, g, other = ("A", ga, "B") if gb == UNCLEAR else ("B", gb, "A")
        parts.append(f"{who} reads as {g[0]} ({g[1]:.2f}); {other}'s genre is unclear")
    elif ga and gb and UNCLEAR not in (ga, gb):
        if ga[0] == gb[0]:
            parts.append(f"Both read as {ga[0]} (A {ga[1]:.2f}, B {gb[1]:.2f})")
        else:
            parts.append(f"A reads as {ga[0]} ({ga[1]:.2f}), B as {gb[0]} ({gb[1]:.2f})")
    if not pa["passages"] and not pb["passages"]:
        parts.append("neither text has persuasion passages above the model's threshold")
        return _capital("; ".join(parts)) + "."
    def rate(p: Mapping[str, Any], first: bool) -> str:
        if not p["passages"]:
            return "no persuasion passages" if first else "none"
        unit = " persuasion passages per 1,000 words" if first else ""
        # From the counts, not the rate rounded to 2 decimals: 9 in 669 words is 13.45 there, which
        # one decimal then rounds to 13.4 where every other view shows 13.5.
        per_1000 = 1000 * p["passages"] / p["words"] if p.get("words") else p["passages_per_1000_words"]
        return f"{per_1000:.1f}{unit} ({_pct(p['persuasion_share'])}{' of its text' if first else ''})"

    parts.append(f"A has {rate(pa, True)}, B {rate(pb, not pa['passages'])}")
    ta, tb = pa["techniques"], pb["techniques"]
    ratios = []
    for t in set(ta) & set(tb):
        ra, rb = ta[t]["per_1000_words"], tb[t]["per_1000_words"]
        hi, lo, who, other = (rb, ra, "B", "A") if rb >= ra else (ra, rb, "A", "B")
        if lo > 0 and hi / lo >= RATIO_WORTH_SAYING:
            ratios.append((hi / lo, t, who, other))
    for r, t, who, other in sorted(ratios, key=lambda x: (-x[0], x[1]))[:2]:
        parts.append(f"{who} uses {display_name(t, own)} {r:.1f}x as often as {other}")
    only_a = [t for t in ta if t not in tb]
    only_b = [t for t in tb if t not in ta]
    if only_a:
        parts.append(f"only A uses {_names(only_a, own)}")
    if only_b:
        parts.append(f"only B uses {_names(only_b, own)}")
    if not ratios and not only_a and not only_b:
        parts.append("both use the same techniques at similar rates")
    return _capital("; ".join(parts)) + "."


def _capital(s: str) -> str:
    return s[:1].upper() + s[1:]


def compare(a: Document | Mapping[str, Any], b: Document | Mapping[str, Any], names: tuple[str, str] = ("A", "B")) -> dict[str, Any]:
    """Compare two analyses.

    Returns ``{"names": {"a", "b"}, "a": profile, "b": profile, "techniques": [row...],
    "sentence": str}``; each row is ``{"technique", "display", "a": {...}, "b": {...}}`` with the
    profile figures of that technique in each text (zeros where a text lacks it), ordered by the
    larger rate first. ``names`` label the texts (file names, say); the sentence calls them A and B.
    Two texts in different languages are compared by PTC technique (``profile(common=True)``;
    Russian techniques without a PTC equivalent keep their own names).
    """
    da, db = _as_dict(a), _as_dict(b)
    # Texts in two languages: the Russian names are counted under their PTC equivalents, else
    # "Навешивание ярлыков" and "Name calling" would read as two different techniques.
    common = da.get("language") != db.get("language")
    pa, pb = profile(da, common), profile(db, common)
    # Each text's techniques are named by the label set of the model that read it, if its own.
    own = own_of(da, db)
    zero = {"passages": 0, "per_1000_words": 0.0, "share": 0.0}
    techs = set(pa["techniques"]) | set(pb["techniques"])
    rows = [
        {
            "technique": t,
            "display": display_name(t, own),
            "a": pa["techniques"].get(t, zero),
            "b": pb["techniques"].get(t, zero),
        }
        for t in techs
    ]
    rows.sort(key=lambda r: (-max(r["a"]["per_1000_words"], r["b"]["per_1000_words"]), r["display"]))
    said = sentence(pa, pb, _genre(da), _genre(db), own)
    return {
        "names": {"a": names[0], "b": names[1]},
        "a": pa,
        "b": pb,
        "techniques": rows,
        "sentence": _with_caveats(_with_languages(said, da, db) if common else said, da, db),
    }


def _experimental(d: Mapping[str, Any]) -> bool:
    """Whether the analysis says its readings are experimental (the Russian model's first
    warning: ``unspin.pipeline.RU_EXPERIMENTAL``)."""
    return any(str(w).startswith("Experimental") for w in d.get("warnings") or ())


def _with_caveats(text: str, da: Mapping[str, Any], db: Mapping[str, Any]) -> str:
    """The sentence, followed by a second one where a side's readings are experimental: the
    comparison's first line is read on its own, so it must not state their figures as findings."""
    from unspin.language import name

    sides = [(n, name(str(d.get("language") or "und"))) for n, d in (("A", da), ("B", db)) if _experimental(d)]
    if not sides:
        return text
    if len(sides) == 2:
        who = f"A's and B's passages come from experimental {sides[0][1]} models" if sides[0][1] == sides[1][1] else \
            f"A's and B's passages come from experimental models ({sides[0][1]}, {sides[1][1]})"
    else:
        who = f"{sides[0][0]}'s passages come from an experimental {sides[0][1]} model"
    return f"{text} {who}, which match annotators no better than marking every line: read them as places to look, not as findings."


def _with_languages(text: str, da: Mapping[str, Any], db: Mapping[str, Any]) -> str:
    """The sentence, ending with the two languages and how their techniques were matched."""
    from unspin.language import name

    la, lb = name(str(da.get("language") or "und")), name(str(db.get("language") or "und"))
    return f"{text[:-1]}; A is in {la}, B in {lb}, so their techniques are compared by their PTC equivalents."


def comparison_payload(a: Document, b: Document, names: tuple[str, str] | None = None) -> dict[str, Any]:
    """The JSON of ``unspin compare`` and ``POST /api/v1/compare``:
    ``{"a": analysis, "b": analysis, "comparison": compare(a, b)}``; each analysis is
    ``Document.to_dict()`` plus its ``text`` (the views highlight it)."""
    names = names or (str(a.meta.get("source") or "A"), str(b.meta.get("source") or "B"))
    da, db = _as_dict(a), _as_dict(b)
    return {"a": da, "b": db, "comparison": compare(da, db, names)}
