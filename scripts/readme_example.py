"""The README's example output, produced by the shipped model so that it cannot go stale.

    python scripts/readme_example.py           # exit 1 and show a diff if the README differs
    python scripts/readme_example.py --write   # rewrite the README's example blocks

Two blocks of README.md are generated, each between markers:

- ``<!-- example:json -->``: the JSON of ``unspin analyze --format json examples/column.txt``,
  abridged where it says "..." (first span, first claim, the rest elided);
- ``<!-- example:compare -->``: the sentence of ``unspin compare examples/column.txt
  examples/news.txt``.

``tests/test_readme_example.py`` runs the check, so the test suite (and with it CI) fails when a
model change alters the output and the README was not regenerated.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
COLUMN = "examples/column.txt"
NEWS = "examples/news.txt"


def _j(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _analyse(rel: str):
    import unspin

    return unspin.analyze((ROOT / rel).read_text(encoding="utf-8"), source=rel)


def json_block(doc=None) -> str:
    """The abridged JSON of the bundled example, as the README shows it (a ```json fence)."""
    d = (doc or _analyse(COLUMN)).to_dict()
    s = d["summary"]
    claims = d.get("claims") or []
    first_claim = None
    if claims:
        c = claims[0]
        text = c["text"] if len(c["text"]) <= 60 else c["text"][:60].rstrip() + " ..."
        first_claim = {"start": c["start"], "end": c["end"], "text": text, "score": c["score"]}
    lines = [
        "```json",
        f'{{"unspin": {_j(d["unspin"])}, "language": {_j(d["language"])}, "text_chars": {d["text_chars"]},',
        f' "spans": [{_j(d["spans"][0]) if d["spans"] else ""}{", " + _j("...") if len(d["spans"]) > 1 else ""}],',
        f' "techniques": {_j(d["techniques"])},',
        f' "claims": [{_j(first_claim) if first_claim else ""}{", " + _j("...") if len(claims) > 1 else ""}],',
        f' "genre": {_j(d["genre"])},',
        f' "summary": {{"words": {s["words"]}, "spans": {s["spans"]}, "technique_labels": {s["technique_labels"]}, '
        f'"spans_per_1000_words": {s["spans_per_1000_words"]}, "persuasion_share": {s["persuasion_share"]},',
        f'             "top_techniques": {_j(s["top_techniques"])},',
        f'             "technique_counts": {{"...": 0}}, "claims": {s["claims"]},',
        f'             "sentence": {_j(s["sentence"])}}},',
        f' "model": {_j(d["model"])}}}',
        "```",
    ]
    return "\n".join(lines)


def compare_block() -> str:
    """The sentence of the bundled comparison, as the README shows it (a ```text fence)."""
    from unspin.compare import comparison_payload

    payload = comparison_payload(_analyse(COLUMN), _analyse(NEWS), (COLUMN, NEWS))
    return "```text\n" + payload["comparison"]["sentence"] + "\n```"


def blocks() -> dict[str, str]:
    return {"json": json_block(), "compare": compare_block()}


def _pattern(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- example:{name} -->)(.*?)(<!-- /example:{name} -->)", re.S)


def expected_readme(readme: str, generated: dict[str, str]) -> str:
    """``readme`` with every example block replaced by the generated one; ``ValueError`` if a
    block's markers are missing."""
    for name, body in generated.items():
        pat = _pattern(name)
        if not pat.search(readme):
            raise ValueError(f"README.md lost its <!-- example:{name} --> ... <!-- /example:{name} --> markers")
        readme = pat.sub(lambda m, body=body: m.group(1) + "\n" + body + "\n" + m.group(3), readme)
    return readme


def main() -> int:
    ap = argparse.ArgumentParser(description="Check (default) or rewrite the README's example output.")
    ap.add_argument("--write", action="store_true", help="rewrite README.md instead of checking it")
    args = ap.parse_args()
    current = README.read_text(encoding="utf-8")
    new = expected_readme(current, blocks())
    if new == current:
        print("README.md example output matches the shipped model")
        return 0
    if args.write:
        README.write_text(new, encoding="utf-8")
        print("README.md example output rewritten")
        return 0
    sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), new.splitlines(True), "README.md", "README.md (from the model)"))
    print("\nREADME.md example output differs from a real run: python scripts/readme_example.py --write", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
