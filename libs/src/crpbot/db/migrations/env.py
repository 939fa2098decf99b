"""Alembic environment shipped inside the package so `crpbot db upgrade` works from a wheel.

`crpbot.db.engine.upgrade` passes a connection in `config.attributes["connection"]`, outside
any transaction: this file owns the one transaction all pending migrations run in (all or
nothing). On SQLite that transaction is wrapped in SQLite's table-rebuild procedure (foreign
keys off around it, `PRAGMA foreign_key_check` before commit; see `crpbot.db.sqlite_rebuild`),
so a batch migration's drop-and-recreate can never cascade into child tables. The plain
`alembic` command line (with `sqlalchemy.url` set) is supported for development.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from crpbot.db import models  # noqa: F401  (registers every table on Base.metadata)
from crpbot.db.base import Base
from crpbot.db.engine import make_engine
from crpbot.db.sqlite_rebuild import check_foreign_keys, foreign_keys_off

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
        # SQLite's DDL is transactional; Alembic assumes not because pysqlite used to commit
        # implicitly before DDL, which crpbot's engine turns off (`isolation_level=None`, its
        # own BEGIN). Saying so gives one transaction for all migrations instead of one per
        # migration, so the foreign-key check below can still roll every step back.
        transactional_ddl=True if sqlite else None,
    )
    if not sqlite:
        with context.begin_transaction():
            context.run_migrations()
        return
    with foreign_keys_off(connection), context.begin_transaction():
        context.run_migrations()
        check_foreign_keys(connection)


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: set sqlalchemy.url or pass a connection")
    engine = make_engine(url)
    try:
        with engine.connect() as own:
            _run(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run against a database")
_run_online()
