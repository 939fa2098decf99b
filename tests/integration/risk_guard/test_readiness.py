"""A real guard process on its own PostgreSQL: ready while the database runs, not ready (but
alive, and still scraped) once the database is stopped under it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from crpbot.services.risk_client import RiskClient
from tests.fixtures.postgres import find_pg_ctl, running_postgres
from tests.integration.risk_guard.processes import TOKEN, GuardProcess

T0 = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _ready(guard: GuardProcess) -> tuple[int, dict[str, Any]]:
    status, body = _get(f"{guard.url}/readyz")
    loaded: dict[str, Any] = json.loads(body)
    return status, loaded


@pytest.mark.postgres
def test_guard_readyz_fails_while_its_database_is_stopped(
    start_guard: Callable[[str], GuardProcess],
) -> None:
    pg_ctl = find_pg_ctl()
    if pg_ctl is None:
        pytest.skip("PostgreSQL server binaries not found (`make system-deps` installs them)")
    with running_postgres(pg_ctl) as server:
        server.janitor("guard").init()
        guard = start_guard(server.url("guard"))
        assert _ready(guard) == (
            200,
            {"ready": True, "failing": [], "checks": {"database": {"ok": True, "detail": ""}}},
        )
        RiskClient(guard.url, TOKEN).equity("acc", 100_000.0, 98_000.0, T0)
    status, body = _ready(guard)
    assert status == 503
    assert body["ready"] is False and body["failing"] == ["database"]
    assert _get(f"{guard.url}/healthz") == (200, '{"ok":true}')
    metrics_status, metrics = _get(f"{guard.url}/metrics")
    assert metrics_status == 200
    assert 'crpbot_ftmo_daily_headroom{account="acc"} 3000.0' in metrics
    assert guard.process.poll() is None
