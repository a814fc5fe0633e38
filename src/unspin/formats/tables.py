"""A table handed over as one text: the header and every row would be read as one "article".

Spreadsheets save tables as text files: Excel's "Unicode Text" is a tab-separated ``.txt``, and a
CSV is often renamed or pasted. ``refuse_table_text`` refuses, as ``jsondata.refuse_json_text``
does for JSON, a text whose first line is the header of a table that ``unspin batch`` reads (the
columns ``id`` and ``text``, separated by a comma, a semicolon or a tab, after an optional Excel
``sep=;`` line) and that has at least one row under it; it points to ``unspin batch``, which
reads it a row per text. Prose does not start with such a line, so nothing else is refused.
"""

from __future__ import annotations

import csv

from unspin.errors import InputError

#: The columns ``unspin batch`` needs in a table (``unspin.store.ingest``).
COLUMNS = ("id", "text")
_DELIMITERS = (",", ";", "\t")


def table_header(text: str) -> list[str] | None:
    """The column names (lower case, stripped) when ``text`` opens with the header of a table
    with the ``COLUMNS`` and at least one line follows it; None for anything else."""
    lines = text.lstrip("\ufeff").split("\n", 3)[:3]
    lines = [line.rstrip("\r") for line in lines]
    delimiters = _DELIMITERS
    if lines and lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        delimiters = (lines[0].strip()[4],)  # Excel's "sep=;" line names the separator
        lines = lines[1:]
    if len(lines) < 2 or not lines[1].strip() or len(lines[0]) > 1000:
        return None
    for delimiter in delimiters:
        if delimiter not in lines[0]:
            continue
        names = [name.strip().lower() for name in next(csv.reader([lines[0]], delimiter=delimiter), [])]
        if all(column in names for column in COLUMNS):
            return names
    return None


def refuse_table_text(text: str, name: str = "input") -> None:
    """Raise ``InputError`` when ``text`` is a table of many texts (``table_header``), naming its
    columns and pointing to ``unspin batch``."""
    names = table_header(text)
    if names is None:
        return
    where = f"{name}: " if name not in ("input", "text", "body") else ""
    raise InputError(f"{where}this is a table (columns {', '.join(n for n in names if n)}), which holds many texts, not one article; "
                     "save it as a .csv file and analyse it a row per text with `unspin batch FILE.csv`")
