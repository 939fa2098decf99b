"""Schema changes on SQLite that rebuild tables without firing foreign-key actions.

SQLite cannot alter most of a table in place, so Alembic's batch mode copies it into a new
table, drops the old one and renames the copy. With `PRAGMA foreign_keys=ON` (every crpbot
connection sets it) that drop runs an implicit `DELETE FROM`, and every `ON DELETE CASCADE`
child row goes with it: rebuilding `signals` once emptied `outcomes`. SQLite's own procedure
for such changes (https://www.sqlite.org/lang_altertable.html, "other kinds of table schema
changes") is: foreign keys off *outside* any transaction (the pragma is a no-op inside one),
begin, change, `PRAGMA foreign_key_check`, commit, foreign keys back on. `foreign_keys_off`
and `check_foreign_keys` are those steps; the migration environment applies them to every
SQLite migration, so a future batch migration is safe without remembering to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

_SHOWN_VIOLATIONS = 5


class ForeignKeyViolationError(SQLAlchemyError):
    """A schema change left rows whose foreign key points at no parent row."""


def _pragma(connection: Connection, statement: str) -> Any:
    """Run `statement` on the driver connection, bypassing SQLAlchemy's autobegin.

    Executing through the `Connection` would first send `BEGIN IMMEDIATE` (see
    `crpbot.db.engine`), and inside a transaction `PRAGMA foreign_keys` silently does nothing.
    """
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the SQLite connection is closed")
    return driver.execute(statement).fetchall()


@contextmanager
def foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Foreign-key enforcement off for the block, on again afterwards (even on error).

    Refuses a connection that is already inside a transaction: there the pragma would be
    ignored and a table rebuild would cascade deletes, which is the loss this prevents.
    """
    if connection.in_transaction():
        raise RuntimeError(
            "SQLite schema changes need a connection outside a transaction "
            "(PRAGMA foreign_keys cannot change inside one): pass engine.connect(), "
            "not engine.begin()"
        )
    _pragma(connection, "PRAGMA foreign_keys=OFF")
    try:
        if _pragma(connection, "PRAGMA foreign_keys")[0][0] != 0:
            raise RuntimeError("SQLite refused to turn foreign keys off; schema change aborted")
        yield
    finally:
        _pragma(connection, "PRAGMA foreign_keys=ON")


def check_foreign_keys(connection: Connection) -> None:
    """Raise `ForeignKeyViolationError` when any row's foreign key has no parent row.

    Runs inside the migration's transaction, so raising rolls the whole change back.
    """
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if not rows:
        return
    first = rows[:_SHOWN_VIOLATIONS]
    shown = "; ".join(f"{table} rowid {rowid} -> {parent}" for table, rowid, parent, _ in first)
    more = f" (and {len(rows) - _SHOWN_VIOLATIONS} more)" if len(rows) > _SHOWN_VIOLATIONS else ""
    raise ForeignKeyViolationError(
        f"migration rolled back: {len(rows)} row(s) reference a missing parent row: {shown}{more}"
    )
