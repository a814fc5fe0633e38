"""JSON as people make it: nesting bounded, values found in pretty-printed JSON Lines, and
JSON handed over where an article was expected.

Python's ``json`` parses nested arrays and objects by recursion and raises ``RecursionError``
(not ``JSONDecodeError``) past about a thousand levels; a row nested 100,000 levels deep would
otherwise end a whole run. ``loads`` turns that into an ``InputError`` for the one value.

JSON Lines files are often written pretty-printed (``jq .``, ``json.dumps(indent=2)``): one
object over many lines. ``values`` reads a stream of lines and yields each top-level value
with the line it starts on, whether it sits on one line or many: a line that is not a whole
value opens one when its brackets do not balance, and the value ends on the line where they do
(``_depth`` counts brackets outside strings, in linear time). A value that never closes costs
only itself: the next unindented line that is a whole value starts over.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from unspin.errors import InputError

# A JSON string (escapes included; possessive, so an unclosed quote costs one pass) or a bracket.
_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')
_SPLIT_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{},]')


def loads(text: str | bytes) -> Any:
    """``json.loads``, with nesting too deep for the parser raised as ``InputError`` ("nested
    too deeply"); malformed JSON raises ``json.JSONDecodeError`` as usual."""
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError("the JSON is nested too deeply (more levels of arrays or objects than the parser allows, about 1,000)") from None


def _depth(line: str, depth: int) -> int:
    """``depth`` after the brackets of ``line`` that sit outside strings."""
    for m in _TOKEN.finditer(line):
        c = m.group()[0]
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
    return depth


def values(lines: Iterable[str]) -> Iterator[tuple[int, Any | InputError]]:
    """Each top-level JSON value of a stream of lines, as (line it starts on, value), or (that
    line, ``InputError`` saying why it cannot be read): JSON Lines, pretty-printed or not.
    Blank lines are skipped."""
    buf: list[str] = []
    depth = start = 0
    for lineno, line in enumerate(lines, 1):
        if buf and line[:1] not in (" ", "\t", "]", "}") and line.strip():
            # An unindented line while a value is open: if it is a whole value by itself, the
            # open one was cut off (a truncated row); it costs only itself.
            whole = _whole(line)
            if whole is not None:
                yield start, InputError("not a JSON object or array: one opens on this line and is never closed")
                buf = []
                yield lineno, whole
                continue
        if buf:
            buf.append(line)
            depth = _depth(line, depth)
            if depth <= 0:
                yield start, _parsed("".join(buf))
                buf = []
            continue
        if not line.strip():
            continue
        try:
            yield lineno, loads(line)
            continue
        except InputError as exc:
            yield lineno, exc
            continue
        except json.JSONDecodeError as exc:
            first = exc
        depth = _depth(line, 0)
        if depth > 0 and line.lstrip()[:1] in ("{", "["):
            buf, start = [line], lineno
        else:
            yield lineno, InputError(f"not a JSON object or array ({first.msg} at column {first.colno})")
    if buf:
        yield start, InputError("not a JSON object or array: one opens on this line and is never closed")


def _whole(line: str) -> Any | None:
    if line.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return loads(line)
    except (InputError, json.JSONDecodeError):
        return None


def _parsed(text: str) -> Any | InputError:
    try:
        return loads(text)
    except InputError as exc:
        return exc
    except json.JSONDecodeError as exc:
        return InputError(f"not a JSON object or array ({exc.msg} at line {exc.lineno}, column {exc.colno} of the value)")


def array_items(text: str) -> Iterator[Any | InputError]:
    """The elements of the JSON array ``text``, each parsed by itself: an element nested too
    deeply (or otherwise unreadable) is an ``InputError`` in its place and the others are read.
    For an array that ``loads`` refused as too deep; ``text`` must hold one array."""
    start = text.index("[") + 1
    depth = 1
    for m in _SPLIT_TOKEN.finditer(text, start):
        c = m.group()[0]
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                piece = text[start:m.start()]
                if piece.strip():
                    yield _parsed(piece)
                return
        elif c == "," and depth == 1:
            yield _parsed(text[start:m.start()])
            start = m.end()
    yield InputError("the JSON array is never closed")


#: Why Label Studio tasks are not one article, and what reads them; ``{name}``: the file.
LABEL_STUDIO = ("this is a Label Studio export (JSON tasks), not an article; turn its annotations into training data with "
                "`unspin import-labels {name} --output FOLDER`, or train on them with `unspin train spans --label-studio {name}`")

_LS_KEYS = re.compile(r'"(?:annotations|predictions)"\s*:')


def is_label_studio(value: Any) -> bool:
    """Whether parsed JSON is Label Studio tasks (an export, or tasks with predictions such as
    ``unspin export --format label-studio`` writes): a task or a list of them, the first with a
    ``data`` object and ``annotations`` or ``predictions``."""
    task = value[0] if isinstance(value, list) and value else value
    return isinstance(task, dict) and isinstance(task.get("data"), dict) and ("annotations" in task or "predictions" in task)


def looks_label_studio(head: str | bytes) -> bool:
    """Whether the start of a file (a few kB, possibly cut mid-value) reads as Label Studio
    tasks: JSON opening with an object or array that names ``data`` and ``annotations`` or
    ``predictions``. Only chooses the advice of a refusal; a whole value goes to ``is_label_studio``."""
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    return head.lstrip("\ufeff \t\r\n")[:1] in ("[", "{") and '"data"' in head and bool(_LS_KEYS.search(head))


def refuse_json_text(text: str, name: str = "input") -> None:
    """Raise ``InputError`` when ``text`` is JSON data (an object or an array) rather than an
    article: its keys and quotes would be analysed as words. A Telegram export is named as such;
    both point to ``unspin batch``, which reads them a row or a post at a time; Label Studio
    tasks point to ``unspin import-labels`` (``LABEL_STUDIO``)."""
    head, tail = text.lstrip()[:1], text.rstrip()[-1:]
    if not (head == "{" and tail == "}" or head == "[" and tail == "]"):
        return
    try:
        value = loads(text)
    except InputError:
        value = []  # nested too deeply: data all the same
    except json.JSONDecodeError:
        return
    from unspin.formats import telegram

    where = f"{name}: " if name not in ("input", "text", "body") else ""
    if telegram.is_export(value) or telegram.is_messages(value):
        raise InputError(f"{where}this is a Telegram export (JSON), which holds many posts; save it as a .json file and analyse "
                         "its posts with `unspin batch FILE.json`")
    if is_label_studio(value):
        raise InputError(where + LABEL_STUDIO.format(name="FILE.json"))
    raise InputError(f"{where}this is JSON data, not an article; give the article's text, or save rows of {{\"id\": ..., \"text\": ...}} "
                     "as a .json or .jsonl file and analyse them with `unspin batch`")
