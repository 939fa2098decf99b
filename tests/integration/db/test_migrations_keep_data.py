"""Every migration keeps every row, on SQLite and on PostgreSQL.

For each revision Alembic ships (a new one is picked up without editing this file), a
database is created at that revision, every table in it is filled with realistic linked rows
(tests/fixtures/schema_rows.py), then it is upgraded to head and, where the migrations have
downgrades, taken back. After each step the rows must all be there with the values they had
(in the columns both schemas share) and no foreign key may point at a missing row.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from crpbot.db.engine import alembic_config, make_engine, upgrade
from tests.fixtures.db import downgrade
from tests.fixtures.schema_rows import ROWS

Snapshot = dict[str, list[dict[str, Any]]]
_VERSION_TABLE = "alembic_version"
_SCRIPTS = ScriptDirectory.from_config(alembic_config())
REVISIONS = [script.revision for script in reversed(list(_SCRIPTS.walk_revisions()))]


def _reflect(connection: sa.Connection) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(connection)
    metadata.remove(metadata.tables[_VERSION_TABLE])
    return metadata


def _insertable(table: sa.Table, revision: str) -> list[dict[str, Any]]:
    """The builder's rows cut to the columns `table` has at `revision`."""
    if table.name not in ROWS:
        pytest.fail(
            f"table {table.name!r} exists at revision {revision} but has no rows in "
            "tests/fixtures/schema_rows.py: add realistic rows for it to ROWS"
        )
    rows = [{k: v for k, v in row.items() if k in table.c} for row in ROWS[table.name]]
    missing = [
        column.name
        for column in table.c
        if not column.nullable and column.server_default is None and column.name not in rows[0]
    ]
    if missing:
        pytest.fail(
            f"rows for {table.name!r} in tests/fixtures/schema_rows.py lack its required "
            f"column(s) {missing} (added at or before revision {revision}): add them"
        )
    return rows


def _fill(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for table in _reflect(connection).sorted_tables:
                connection.execute(sa.insert(table), _insertable(table, revision))
    finally:
        engine.dispose()


def _snapshot(url: str) -> Snapshot:
    """Every row of every table, ordered by primary key."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    dict(row._mapping)
                    for row in connection.execute(
                        sa.select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in _reflect(connection).sorted_tables
            }
    finally:
        engine.dispose()


def _columns(snapshot: Snapshot, table: str) -> set[str]:
    return set(snapshot[table][0]) if snapshot[table] else set()


def _assert_kept(before: Snapshot, after: Snapshot, step: str, keep: Snapshot) -> None:
    """Each table of `before` has the same rows in `after`, compared on the columns that
    `before`, `after` and `keep` all have (a column a migration drops cannot come back)."""
    for table, rows in before.items():
        assert table in after, f"{step}: table {table!r} is gone with its {len(rows)} row(s)"
        assert len(after[table]) == len(rows), (
            f"{step}: {table!r} had {len(rows)} row(s), now {len(after[table])}"
        )
        shared = _columns(before, table) & _columns(after, table) & _columns(keep, table)
        assert [{c: r[c] for c in shared} for r in after[table]] == [
            {c: r[c] for c in shared} for r in rows
        ], f"{step}: values changed in {table!r}"


def _dangling_keys(url: str) -> list[str]:
    """Foreign keys pointing at no row, found with plain SQL plus each backend's own check."""
    engine = make_engine(url)
    problems: list[str] = []
    try:
        with engine.connect() as connection:
            for table in _reflect(connection).sorted_tables:
                problems += _dangling_in(connection, table)
            if connection.dialect.name == "sqlite":
                check = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                problems += [f"PRAGMA foreign_key_check: {tuple(row)}" for row in check]
            else:
                unchecked = connection.exec_driver_sql(
                    "SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
                ).fetchall()
                problems += [f"foreign key {row[0]} not validated" for row in unchecked]
    finally:
        engine.dispose()
    return problems


def _dangling_in(connection: sa.Connection, table: sa.Table) -> list[str]:
    problems = []
    for key in table.foreign_key_constraints:
        pairs = [(element.parent, element.column) for element in key.elements]
        parent = key.referred_table
        orphans = (
            sa.select(sa.func.count())
            .select_from(table)
            .where(*(child.is_not(None) for child, _ in pairs))
            .where(~sa.exists().where(*(child == ref for child, ref in pairs)).select_from(parent))
        )
        count = connection.execute(orphans).scalar_one()
        if count:
            problems.append(f"{table.name} -> {parent.name}: {count} row(s) without a parent")
    return problems


def _has_downgrades(revision: str) -> bool:
    """Whether every migration after `revision` up to head can be undone."""
    upper = _SCRIPTS.iterate_revisions("heads", revision)
    return all(callable(getattr(script.module, "downgrade", None)) for script in upper)


def test_revisions_are_discovered_from_alembic() -> None:
    assert REVISIONS[0] == "0001"
    assert REVISIONS[-1] == _SCRIPTS.get_current_head()


@pytest.mark.parametrize("revision", REVISIONS)
def test_migrations_keep_every_row_from_each_revision(db_url: str, revision: str) -> None:
    upgrade(db_url, revision)
    _fill(db_url, revision)
    filled = _snapshot(db_url)
    assert all(filled.values()), f"empty tables at {revision}: every table must be filled"

    upgrade(db_url)
    at_head = _snapshot(db_url)
    _assert_kept(filled, at_head, f"upgrade {revision} -> head", keep=filled)
    assert _dangling_keys(db_url) == []

    if not _has_downgrades(revision):
        return
    downgrade(db_url, revision)
    _assert_kept(filled, _snapshot(db_url), f"downgrade head -> {revision}", keep=at_head)
    assert _dangling_keys(db_url) == []
