"""Insert-or-ignore and insert-or-update that work the same on SQLite and Postgres.

Both backends implement `INSERT … ON CONFLICT`, which resolves a duplicate key inside the
statement itself: concurrent writers of the same key never see an IntegrityError, one row wins
and the others become no-ops (or updates), with no read-then-write race.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnCollection

Insert = postgresql.Insert | sqlite.Insert


def dialect_insert(session: Session, table: Table) -> Insert:
    """The backend's own INSERT construct, which knows `ON CONFLICT`."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database backend {name!r}: use SQLite or PostgreSQL")


def insert_or_ignore(
    session: Session,
    table: Table,
    values: Mapping[str, Any],
    conflict: Sequence[str],
    returning: str | None = None,
) -> Any | None:
    """Insert `values` unless a row with the same `conflict` key exists.

    Returns the `returning` column (default: the first key column) of the new row, or None
    when the key already existed. RETURNING is used rather than the row count because drivers
    disagree on the count of an `ON CONFLICT DO NOTHING` statement.
    """
    column = table.c[returning or conflict[0]]
    statement = dialect_insert(session, table).values(dict(values))
    statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
    return session.execute(statement.returning(column)).scalar_one_or_none()


def insert_or_update(
    session: Session,
    table: Table,
    values: Mapping[str, Any],
    conflict: Sequence[str],
    update: Callable[[ColumnCollection[str, Any]], Mapping[str, Any]],
) -> None:
    """Insert `values`, or update the existing row with the same `conflict` key.

    `update` receives the proposed row (SQL's `excluded`) and returns the new column values,
    which may be expressions over the stored row, e.g. `{"n": table.c.n + excluded.n}`.
    """
    statement = dialect_insert(session, table).values(dict(values))
    changes = dict(update(statement.excluded))
    session.execute(statement.on_conflict_do_update(index_elements=list(conflict), set_=changes))
