"""Fixtures shared by the integration tests: a real PostgreSQL, and SQLite beside it.

- `postgres_server` (session): one server for the whole run, see tests/fixtures/postgres.py
  (runs as an unprivileged user when the tests run as root).
- `postgres_url`: a fresh, empty database per test (dropped afterwards even if connections
  leak); apply `crpbot.db.engine.upgrade(url)` to get the schema.
- `db_url`: parametrized over `sqlite` and `postgres` for code that must work on both.

Without PostgreSQL binaries the Postgres cases skip with the reason; `make test` (via
`make system-deps`) installs them from Debian.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.postgres import PostgresServer, find_pg_ctl, running_postgres

_NO_SERVER = (
    "PostgreSQL server binaries not found (looked at `pg_config --bindir`, "
    "/usr/lib/postgresql/*/bin, PATH): run `make system-deps` or `make test` to install them"
)
_database_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (started on first use)."""
    pg_ctl = find_pg_ctl()
    if pg_ctl is None:
        pytest.skip(_NO_SERVER)
    with running_postgres(pg_ctl) as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """SQLAlchemy URL (psycopg 3) of a new empty database, dropped after the test."""
    dbname = f"test_{next(_database_numbers)}"
    with postgres_server.database(dbname) as url:
        yield url


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once on a SQLite file and once on the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crpbot.db'}"
    return str(request.getfixturevalue("postgres_url"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the server, so `-m "not postgres"` deselects them."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "postgres_url" in names or "postgres_server" in names:
            item.add_marker(pytest.mark.postgres)
