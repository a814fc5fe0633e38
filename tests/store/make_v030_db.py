"""Build ``tests/store/data/unspin-0.3.0.db``: a corpus database written by unspin 0.3.0 itself.

Run against a checkout of 0.3.0 (commit 62ab097), not against the current tree, whose store may
write a newer schema::

    git worktree add /tmp/unspin-0.3.0 62ab097
    PYTHONPATH=/tmp/unspin-0.3.0/src python tests/store/make_v030_db.py tests/store/data/unspin-0.3.0.db

It uses only 0.3.0's public store API (``Store``, ``Record``), so the file holds exactly what
0.3.0 writes: its schema (no version table), SQLAlchemy's SQLite encodings of dates, times and
JSON, and values 0.3.0 stored on SQLite that PostgreSQL refused (an id over 512 characters, a
source over 256, a NUL in a title). ``EXPECTED`` in ``test_store_migrate.py`` lists them.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from pathlib import Path

from unspin.store.db import ERROR, Record, Store

EN = "0.3.0+unspin-en-spans.0dd7540f677b"
RU = "0.3.0+unspin-ru-spans.5e1b0c2a9d11"


def records() -> list[Record]:
    text1 = "The plan is a disaster. Everyone knows the traitors will vote for it!"
    text2 = "Café owners 😀 said the new rules are fair; nobody objected at the meeting."
    text4 = "Можно ли доверять комиссии, которая никогда не объясняет свой бюджет?"
    return [
        Record("a1", "h" * 64, source="Daily Planet", published=dt.date(2024, 3, 1), title="Budget", url="https://example.org/a1",
               language="en", text=text1, model_version=EN,
               spans=[(12, 22, "Loaded_Language", 0.91), (24, 37, "Bandwagon,Reductio_ad_hitlerum", 0.55), (24, 37, "Doubt", 0.3)],
               results={"genre": {"label": "opinion", "scores": {"opinion": 0.9, "reporting": 0.1}},
                        "claims": [{"start": 0, "end": 23, "score": 0.7}], "warnings": ["published: cannot read 'soon' as a date"]}),
        Record("folder/a2.txt", "2" * 64, language="en", text=text2, model_version=EN, results={"claims": [], "genre": None}),
        Record("bad", "3" * 64, source="Feed", status=ERROR, error="the input is empty"),
        Record("ru-1", "4" * 64, source="Лента", published=dt.date(2023, 12, 31), language="ru", text=text4, model_version=RU,
               spans=[(0, 69, "Casting_Doubt", 0.8)], results={"claims": None, "genre": None}),
        # What PostgreSQL refused and SQLite stored: a 600-character id, a 300-character source, a NUL in the title.
        Record("long-" + "x" * 595, "5" * 64, source="S" * 300, title="Title\x00with NUL", language="en", text="A calm report.",
               model_version=EN),
    ]


def main(path: str) -> None:
    out = Path(path)
    out.unlink(missing_ok=True)
    with Store(f"sqlite:///{out}") as store:
        store.write(records(), EN)
    # One self-contained file: fold the WAL back in and leave rollback-journal mode.
    con = sqlite3.connect(out)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("VACUUM")
    con.close()


if __name__ == "__main__":
    main(sys.argv[1])
