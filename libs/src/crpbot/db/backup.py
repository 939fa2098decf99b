"""A copy of a SQLite database file, taken before a migration changes its schema.

A migration is one transaction, yet a migration that commits the wrong thing (it happened:
a table rebuild that cascaded into `outcomes`) is only undone by the data as it was. The copy
is made with SQLite's online backup API, not a file copy: it is consistent even while the
file is in WAL mode with uncommitted pages in its `-wal` file or another process writing. It
is written under a temporary name of its own, fsynced, and hard-linked to its final name:
a file with the final name is always a complete database, and `link` never replaces one, so
processes that start together and copy in the same second each keep a whole copy.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path

_BUSY_TIMEOUT_S = 30.0


def backup_path(database: Path, revision: str, now: datetime) -> Path:
    """`<name>.<revision>.<UTC time>.bak` beside `database`; a suffix keeps names unique."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = f"{database.name}.{revision}.{stamp}"
    candidate = database.with_name(f"{base}.bak")
    number = 1
    while candidate.exists():
        candidate = database.with_name(f"{base}-{number}.bak")
        number += 1
    return candidate


def backup_sqlite(database: Path, revision: str, now: datetime) -> Path:
    """Copy the SQLite file `database` (at schema `revision`) beside it; returns the copy.

    The copy is a self-contained file (rollback journal, no `-wal` beside it) with the
    original's permission bits, since it holds the same data.
    """
    handle, name = tempfile.mkstemp(
        prefix=f".{database.name}.", suffix=".partial", dir=database.parent
    )
    os.close(handle)
    partial = Path(name)
    try:
        source = sqlite3.connect(database, timeout=_BUSY_TIMEOUT_S)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            source.close()
        os.chmod(partial, stat.S_IMODE(database.stat().st_mode))
        _fsync(partial)
        target = _publish(partial, database, revision, now)
    finally:
        partial.unlink(missing_ok=True)
    _fsync(target.parent)
    return target


def _publish(partial: Path, database: Path, revision: str, now: datetime) -> Path:
    """Link `partial` under the first free backup name; another process may take a name
    between our look and our link, so a taken name just moves us to the next one."""
    while True:
        target = backup_path(database, revision, now)
        try:
            os.link(partial, target)
        except FileExistsError:
            continue
        return target


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
