"""Alembic environment shipped inside the package so `crpbot db upgrade` works from a wheel.

`crpbot.db.engine.upgrade` passes a connection in `config.attributes["connection"]`, outside
any transaction: this file owns the one transaction all pending migrations run in (all or
nothing). On SQLite that transaction is wrapped in SQLite's table-rebuild procedure (foreign
keys off around it, `PRAGMA foreign_key_check` before commit; see `crpbot.db.sqlite_rebuild`),
so a batch migration's drop-and-recreate can never cascade into child tables; SQLite's
`BEGIN IMMEDIATE` serialises processes migrating one file. On PostgreSQL the transaction
first takes an advisory lock, so processes that start together (two risk-guard replicas and
a scanner after an upgrade) migrate one after the other. The plain
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
MIGRATION_LOCK = int.from_bytes(b"crpbot-m", "big") >> 1
"""PostgreSQL advisory lock key held by the migrating transaction (fits a signed bigint)."""


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
            # Replicas starting together would otherwise both create or alter the same
            # tables and all but one fail; the lock makes the others wait, then read head.
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
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
