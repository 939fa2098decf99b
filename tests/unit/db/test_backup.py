"""A SQLite file is copied, at its old revision, before a migration moves it."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crpbot.db.backup import backup_path, backup_sqlite
from crpbot.db.engine import current_revision, head_revision, migrate, upgrade
from crpbot.telemetry.logs import JsonFormatter
from tests.fixtures.concurrency import race

NOW = datetime(2026, 12, 5, 10, 15, 30, tzinfo=UTC)


def _rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_backup_keeps_a_copy_at_the_old_revision_and_logs_it(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "crpbot.db"
    upgrade(db_url, "0001")
    with sqlite3.connect(database) as conn:
        conn.execute("INSERT INTO bot_flags VALUES ('demo', 1, '2026-12-01 10:00:00')")
    with caplog.at_level(logging.INFO, logger="crpbot.db.engine"):
        result = migrate(db_url, clock=lambda: NOW)
    assert result.backup == tmp_path / "crpbot.db.0001.20261205T101530Z.bak"
    assert (result.before, result.after) == ("0001", head_revision())
    assert result.backup.read_bytes()[18:20] == b"\x01\x01", "self-contained: not in WAL mode"
    assert _rows(result.backup, "bot_flags") == 1
    assert current_revision(f"sqlite:///{result.backup}") == "0001"
    (line,) = [r for r in caplog.records if r.getMessage() == "database backed up before migration"]
    logged = json.loads(JsonFormatter("test").format(line))
    assert (logged["backup"], logged["revision"]) == (str(result.backup), "0001")


@pytest.mark.parametrize("start", [None, "head"], ids=["new-database", "at-head"])
def test_backup_is_skipped_when_the_migration_changes_nothing_old(
    db_url: str, tmp_path: Path, start: str | None
) -> None:
    if start is not None:
        upgrade(db_url, start)
    assert migrate(db_url, clock=lambda: NOW).backup is None
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".bak") == []


def test_backup_is_skipped_for_in_memory_sqlite() -> None:
    assert migrate("sqlite://", clock=lambda: NOW).backup is None


def test_backup_path_never_reuses_an_existing_name(tmp_path: Path) -> None:
    database = tmp_path / "crpbot.db"
    first = backup_path(database, "0001", NOW)
    first.write_bytes(b"")
    second = backup_path(database, "0001", NOW)
    assert (first.name, second.name) == (
        "crpbot.db.0001.20261205T101530Z.bak",
        "crpbot.db.0001.20261205T101530Z-1.bak",
    )


def test_backup_keeps_the_files_permissions(db_url: str, tmp_path: Path) -> None:
    database = tmp_path / "crpbot.db"
    upgrade(db_url, "0001")
    database.chmod(0o600)
    backup = migrate(db_url, clock=lambda: NOW).backup
    assert backup is not None
    assert backup.stat().st_mode & 0o777 == 0o600


def test_backup_name_in_the_operator_docs_is_the_one_written() -> None:
    guide = (Path(__file__).parents[3] / "docs" / "guarantees.md").read_text(encoding="utf-8")
    assert backup_path(Path("var/crpbot.db"), "0001", NOW).as_posix() in guide


def test_backup_taken_by_processes_at_once_keeps_every_copy_intact(tmp_path: Path) -> None:
    """Services that start together may each copy the file in the same second: every copy
    must land whole under its own name, none replacing another, no temporary file left."""
    database = tmp_path / "crpbot.db"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(500)])

    copies = race(lambda _: backup_sqlite(database, "0001", NOW), workers=6)

    assert len(set(copies)) == 6
    assert all(_rows(copy, "t") == 500 for copy in copies)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".bak") == ["crpbot.db"]
