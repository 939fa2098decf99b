"""What the risk-guard benchmarks share: the databases they run on and the requests they send."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path

from tests.fixtures.postgres import find_pg_ctl, running_postgres
from tests.fixtures.risk_history import TINY_LONG

TOKEN = "bench-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def bench_databases(backends: Sequence[str], name: str) -> Iterator[tuple[str, str]]:
    """(backend, SQLAlchemy URL) for each backend that can run here: a SQLite file in a temp
    folder, or database `name` on the test fixtures' PostgreSQL server, which is skipped,
    saying so, where its binaries are not installed."""
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        for backend in backends:
            if backend != "postgres":
                yield backend, f"sqlite:///{Path(folder) / 'guard.db'}"
                continue
            pg_ctl = find_pg_ctl()
            if pg_ctl is None:
                print("postgres: no PostgreSQL binaries (make system-deps); skipped")
                continue
            server = stack.enter_context(running_postgres(pg_ctl))
            yield backend, stack.enter_context(server.database(name))


def equity_report(account: str, ts: str) -> dict[str, object]:
    """A flat 100,000 account: the guard approves the check below against it."""
    return {"account": account, "balance": 100_000.0, "equity": 100_000.0, "ts": ts}


def check_request(account: str, ts: str) -> dict[str, object]:
    """The `/v1/check` body of a tiny long, approved until the account's rate limit."""
    return {"account": account, **TINY_LONG, "ts": ts}
