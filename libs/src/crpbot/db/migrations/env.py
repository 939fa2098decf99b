"""Alembic environment shipped inside the package so `crpbot db upgrade` works from a wheel.

`crpbot.db.engine.upgrade` passes an open connection in `config.attributes["connection"]`;
the plain `alembic` command line (with `sqlalchemy.url` set) is supported for development.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from crpbot.db import models  # noqa: F401  (registers every table on Base.metadata)
from crpbot.db.base import Base
from crpbot.db.engine import make_engine

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


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
        with engine.begin() as own:
            _run(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run against a database")
_run_online()
