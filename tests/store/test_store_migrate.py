"""The schema's version: a database of unspin 0.3.0 upgrades in place and reads back the same
documents; the migrations build exactly the current schema; a new step is one more file."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from unspin.errors import StoreError
from unspin.store.db import BASELINE, FIT_WARNING, KNOWN_REVISIONS, LIMITS, MIGRATIONS, SCHEMA_REVISION, Store, _metadata, migrate
from unspin.store.export import iter_documents

DATA = Path(__file__).resolve().parent / "data"
#: Written by unspin 0.3.0 itself (commit 62ab097; tests/store/make_v030_db.py), with the JSON
#: Lines that 0.3.0's `unspin export` gave of it.
V030_DB = DATA / "unspin-0.3.0.db"
V030_EXPORT = DATA / "unspin-0.3.0.export.jsonl"


def exported(store: Store) -> list[dict]:
    return [d.as_json() for d in iter_documents(store)]


def revision(store: Store) -> str:
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()


def test_a_0_3_0_sqlite_database_upgrades_in_place_and_reads_back_equal(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(V030_DB, db)
    before = {d["id"]: d for d in map(json.loads, V030_EXPORT.read_text(encoding="utf-8").splitlines())}
    with Store(f"sqlite:///{db}", create=False) as store:  # even `unspin report` upgrades it
        assert revision(store) == SCHEMA_REVISION
        after = {d["id"]: d for d in exported(store)}
    long_id = next(i for i in before if len(i) > LIMITS["id"])
    assert {i: d for i, d in after.items() if i in before} == {i: d for i, d in before.items() if i != long_id}
    # What 0.3.0 stored on SQLite but PostgreSQL refused is repaired as a new write would be.
    (repaired,) = [d for i, d in after.items() if i not in before]
    old = before[long_id]
    assert len(repaired["id"]) == LIMITS["id"] and len(repaired["source"]) == LIMITS["source"] and "\x00" not in repaired["title"]
    assert {k: v for k, v in repaired.items() if k not in ("id", "source", "title", "results")} == \
           {k: v for k, v in old.items() if k not in ("id", "source", "title", "results")}
    assert sorted(w.split(":")[1].strip() for w in repaired["results"]["warnings"] if w.startswith(FIT_WARNING)) == ["id", "source", "title"]
    # Opening it again changes nothing.
    with Store(f"sqlite:///{db}") as store:
        assert {d["id"]: d for d in exported(store)} == after


def test_a_0_3_0_postgresql_database_upgrades_in_place(pg_url: str) -> None:
    import sqlalchemy as sa

    # 0.3.0's tables (revision 0001, as 0.3.0 created them) without a version table, holding the
    # rows of the 0.3.0 file that PostgreSQL could store.
    engine = sa.create_engine(pg_url)
    migrate(engine, target=BASELINE)
    source = sa.create_engine(f"sqlite:///{V030_DB}")
    with source.connect() as src, engine.begin() as dst:
        dst.execute(sa.text("DROP TABLE alembic_version"))
        md = sa.MetaData()
        md.reflect(src)
        for name in ("documents", "spans", "results"):
            rows = [dict(r._mapping) for r in src.execute(md.tables[name].select())]
            rows = [r for r in rows if len(r.get("id", r.get("document_id"))) <= LIMITS["id"]]
            dst.execute(_metadata().tables[name].insert(), rows)
    engine.dispose()
    before = [d for d in map(json.loads, V030_EXPORT.read_text(encoding="utf-8").splitlines()) if len(d["id"]) <= LIMITS["id"]]
    with Store(pg_url) as store:
        assert revision(store) == SCHEMA_REVISION
        assert exported(store) == before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migrations_build_exactly_the_current_schema(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'new.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    with Store(url) as store, store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), _metadata()) == []


def test_the_known_revisions_are_the_scripts_in_order() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(cfg)
    assert scripts.get_heads() == [SCHEMA_REVISION]
    chain = [s.revision for s in scripts.walk_revisions()][::-1]
    assert tuple(chain) == KNOWN_REVISIONS and chain[0] == BASELINE


def test_a_new_schema_step_is_one_more_file(tmp_path: Path) -> None:
    import sqlalchemy as sa

    steps = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, steps, ignore=shutil.ignore_patterns("__pycache__"))
    (steps / "versions" / "0099_test_column.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = '0099'\ndown_revision = " + repr(SCHEMA_REVISION) + "\n"
        "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n"
        "    with op.batch_alter_table('documents') as batch:\n        batch.add_column(sa.Column('framing', sa.Text))\n"
    )
    db = tmp_path / "old.db"
    shutil.copy(V030_DB, db)
    with Store(f"sqlite:///{db}") as store:
        before = exported(store)
        migrate(store.engine, script_location=steps)  # 0.3.0 -> SCHEMA_REVISION -> 0099
        assert revision(store) == "0099"
        with store.engine.connect() as conn:
            assert "framing" in {c["name"] for c in sa.inspect(conn).get_columns("documents")}
        assert exported(store) == before
    # This unspin does not know 0099: it says to upgrade instead of guessing at the schema.
    with pytest.raises(StoreError, match="upgraded by a newer unspin .*0099.*upgrade unspin") as info:
        Store(f"sqlite:///{db}")
    assert info.value.reason == "newer" and info.value.exit_code == 2


def test_a_database_at_the_previous_revision_upgrades_to_keep_span_cues(db_url: str) -> None:
    """0002 -> 0003 adds spans.cues: rows stored before keep no cues (none are made up) and read
    back as before; spans written after keep theirs."""
    import sqlalchemy as sa

    from unspin.store.db import Record

    previous = KNOWN_REVISIONS[KNOWN_REVISIONS.index(SCHEMA_REVISION) - 1]
    engine = sa.create_engine(db_url)
    migrate(engine, target=previous)
    # A row as that revision's unspin wrote it: its spans table has no cues column.
    documents = sa.table("documents", *(sa.column(c) for c in ("id", "content_hash", "language", "text", "covered", "n_spans",
                                                                 "model_version", "analysed_at", "status")))
    spans = sa.table("spans", *(sa.column(c) for c in ("document_id", "start", "end", "technique", "score")))
    with engine.begin() as conn:
        assert "cues" not in {c["name"] for c in sa.inspect(conn).get_columns("spans")}
        conn.execute(documents.insert().values(id="old", content_hash="h", language="en", text="a total disaster", covered=8, n_spans=1,
                                               model_version="v", analysed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), status="ok"))
        conn.execute(spans.insert().values(document_id="old", start=8, end=16, technique="Loaded_Language", score=0.9))
    engine.dispose()
    with Store(db_url) as store:
        assert revision(store) == SCHEMA_REVISION
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(store.spans.c.cues)).scalars().all() == [None]  # SQL NULL: no cues known
        (old,) = exported(store)
        assert old["spans"] == [{"start": 8, "end": 16, "technique": "Loaded_Language", "score": 0.9, "text": "disaster"}]
        store.write([Record("new", "h", language="en", text="a total disaster", spans=[(8, 16, "Loaded_Language", 0.9)],
                            cues={(8, 16, "Loaded_Language"): [(8, 16)]})], "v")
        new = next(d for d in exported(store) if d["id"] == "new")
    assert new["spans"][0]["cues"] == [[8, 16]]
    assert {k: v for k, v in new["spans"][0].items() if k not in ("cues", "cue_why")} == old["spans"][0]
