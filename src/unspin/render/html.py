"""The standalone HTML report (`unspin analyze PATH --format html > report.html`).

One file with the page's own CSS and JavaScript inlined (read from the web app's static files, so
the report and the page never drift apart) and the analysis embedded as JSON. It loads nothing
from anywhere, and a Content-Security-Policy that admits only the inlined script and style
keeps any text that slipped through escaping from running.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from unspin import taxonomy
from unspin.document import Document, ranked_spans
from unspin.render import register, register_compare
from unspin.web import STATIC_DIR, json_for_script, readings_script


@lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    css = (STATIC_DIR / "unspin.css").read_text(encoding="utf-8")
    js = (STATIC_DIR / "unspin.js").read_text(encoding="utf-8")
    # The files are inlined as element content: a closing tag inside would end the element early.
    if "</style" in css.lower() or "</script" in js.lower() or "<!--" in js:
        raise RuntimeError("unspin.css/unspin.js contain a closing tag or comment opener and cannot be inlined")
    return css, js


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def _catalogue(*languages: str) -> list[dict[str, Any]]:
    """The techniques (names, explanations, colours) of the shipped models for ``languages``, for
    the view. A model of your own names its techniques in each analysis (``"own_techniques"``),
    which the view reads first."""
    return [t.__dict__ for lang in dict.fromkeys(languages) for t in taxonomy.catalogue(lang)]


def payload(doc: Document) -> dict[str, Any]:
    document = doc.to_dict()
    document["text"] = doc.text  # the view needs the whole text, not only the spans' own
    return {"document": document, "techniques": _catalogue(doc.language)}


@register("html")
def to_html(doc: Document) -> str:
    """One analysis as a self-contained page (the web page's view, data embedded)."""
    data = payload(doc)
    source = str(doc.meta.get("source") or "text")
    return _page(data, f"unspin report: {source}", f"How this text tries to persuade: {source}", doc.text, _without_script(doc))


def _without_script(doc: Document) -> str:
    """What a page without JavaScript shows above the plain text: the summary, the warnings, the
    passages and the check-worthy claims (best first) as lists (escaped, like everything from
    the article)."""
    parts = []
    if doc.summary is not None and doc.summary.sentence:
        parts.append(f"<p><strong>{html.escape(doc.summary.sentence)}</strong></p>")
    if doc.warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in doc.warnings)
        parts.append(f"<p>Warnings:</p><ul>{items}</ul>")
    if doc.spans:
        items = "".join(
            f"<li>{html.escape(doc.technique(s.label).display)} ({s.score:.2f}): {html.escape(doc.text_of(s))}</li>" for s in doc.spans
        )
        parts.append(f"<p>Persuasion passages:</p><ol>{items}</ol>")
    if doc.claims:
        # As every view does: the claims most worth checking first, in score order.
        items = "".join(f"<li>({c.score:.2f}) {html.escape(doc.text_of(c))}</li>" for c in ranked_spans(doc.claims, doc.text))
        parts.append(f"<p>Sentences worth checking, most worth checking first:</p><ol>{items}</ol>")
    return "".join(parts)


@register_compare("html")
def compare_html(comparison: Mapping[str, Any]) -> str:
    """A comparison (``unspin.compare.comparison_payload``) as a self-contained page: both texts
    highlighted side by side, the technique profile of each and the sentence of differences."""
    names = comparison["comparison"]["names"]
    languages = (str(comparison["a"].get("language", "en")), str(comparison["b"].get("language", "en")))
    data = {"compare": dict(comparison), "techniques": _catalogue(*languages)}
    fallback = f"A: {names['a']}\n\n{comparison['a'].get('text', '')}\n\nB: {names['b']}\n\n{comparison['b'].get('text', '')}"
    return _page(data, f"unspin comparison: {names['a']} / {names['b']}", f"How two texts persuade: A = {names['a']}, B = {names['b']}", fallback)


def _page(data: dict[str, Any], title: str, subtitle: str, plain_text: str, without_script: str = "") -> str:
    """The page; ``without_script``: escaped HTML that a browser without JavaScript shows before
    ``plain_text``."""
    css, js = _assets()
    first = data.get("document") or data.get("compare", {}).get("a") or {}
    version = str(first.get("unspin", ""))
    model = first.get("model") or {}
    if model.get("version"):
        version += f"; {model.get('size', '')} model {model['version']}"
    csp = (
        f"default-src 'none'; script-src {_csp_hash(js)}; style-src {_csp_hash(css)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{html.escape(csp, quote=False)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<style>{css}</style>
</head>
<body>
<header class="unspin-top">
  <h1>un<span>spin</span></h1>
  <p>{html.escape(subtitle)}</p>
</header>
<main>
  <noscript><div class="unspin-card"><p>Turn on JavaScript to see the highlights.</p>{without_script}<p>The analysed text:</p>
    <pre class="unspin-pre">{html.escape(plain_text)}</pre></div></noscript>
  <section id="unspin-result" aria-label="Analysis" tabindex="-1"></section>
  <p class="unspin-footer">Made by unspin {html.escape(version)}. A highlight is a model's reading, not a verdict: read the passage and judge.</p>
</main>
<div id="unspin-tip" role="tooltip" hidden></div>
<script type="application/json" id="unspin-data">{json_for_script(data)}</script>
{readings_script()}
<script>{js}</script>
</body>
</html>
"""
