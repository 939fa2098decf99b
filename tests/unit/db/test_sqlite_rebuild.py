"""SQLite table rebuilds: foreign keys off around them, checked before commit."""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext
from pathlib import Path

import pytest
import sqlalchemy as sa

from crpbot.db.engine import current_revision, make_engine, upgrade
from crpbot.db.sqlite_rebuild import (
    ForeignKeyViolationError,
    foreign_keys_off,
)


def _foreign_keys(connection: sa.Connection) -> int:
    driver = connection.connection.driver_connection
    assert driver is not None
    return int(driver.execute("PRAGMA foreign_keys").fetchone()[0])


def test_sqlite_rebuild_rolls_back_a_migration_that_leaves_dangling_keys(
    db_url: str, tmp_path: Path
) -> None:
    upgrade(db_url, "0001")
    raw = sqlite3.connect(tmp_path / "crpbot.db")  # foreign keys are off on a bare connection
    with raw:
        raw.execute(
            "INSERT INTO outcomes (signal_id, result, resolved_ts, exit_price, r_multiple) "
            "VALUES (999, 'won', '2026-12-01 16:00:00', 102.0, 2.0)"
        )
    raw.close()
    with pytest.raises(ForeignKeyViolationError, match=r"1 row\(s\).*outcomes rowid 999"):
        upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("signals")}
    finally:
        engine.dispose()
    assert current_revision(db_url) == "0001"
    assert "decision_id" in columns, "the batch rebuild of 0002 must be rolled back too"


def test_sqlite_rebuild_refuses_a_connection_already_in_a_transaction(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with (
            engine.begin() as conn,
            pytest.raises(RuntimeError, match="outside a transaction"),
            foreign_keys_off(conn),
        ):
            pass
    finally:
        engine.dispose()


@pytest.mark.parametrize("fails", [False, True], ids=["ok", "error"])
def test_sqlite_rebuild_turns_foreign_keys_back_on(db_url: str, fails: bool) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            seen = []
            with pytest.raises(ValueError) if fails else nullcontext(), foreign_keys_off(conn):
                seen.append(_foreign_keys(conn))
                if fails:
                    raise ValueError("migration failed")
            assert (seen, _foreign_keys(conn)) == ([0], 1)
    finally:
        engine.dispose()
