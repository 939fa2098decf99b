"""A risk-guard app on a migrated SQLite file, driven through FastAPI's TestClient, its
metrics in a Prometheus-backed `Telemetry` of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from crpbot.risk import RiskLimits
from crpbot.services.risk_guard import RiskGuardService
from crpbot.telemetry.metrics import Telemetry
from crpbot_workers.risk_guard.app import create_app
from tests.fixtures.db import migrated_engine

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass(frozen=True)
class WallClock:
    """The guard's wall clock in these tests: after every event time the tests send."""

    now: datetime
    skew: timedelta

    def __call__(self) -> datetime:
        return self.now


WALL_CLOCK = WallClock(datetime(2024, 1, 16, tzinfo=UTC), timedelta(seconds=300))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with migrated_engine(f"sqlite:///{tmp_path / 'guard.db'}") as engine:
        yield engine


@pytest.fixture
def client(engine: Engine, telemetry: Telemetry) -> Iterator[TestClient]:
    service = RiskGuardService(
        engine,
        RiskLimits(risk_per_trade_pct=0.1),
        clock=WALL_CLOCK,
        max_clock_skew=WALL_CLOCK.skew,
    )
    with TestClient(create_app(service, token=TOKEN, telemetry=telemetry)) as test_client:
        yield test_client


Body = Callable[..., dict[str, Any]]


@pytest.fixture
def equity_body() -> Body:
    def build(**overrides: Any) -> dict[str, Any]:
        base = {"account": "ftmo-1", "balance": 100_000.0, "equity": 100_000.0}
        return {**base, "ts": "2024-01-15T12:00:00Z", **overrides}

    return build


@pytest.fixture
def check_body() -> Body:
    def build(**overrides: Any) -> dict[str, Any]:
        base = {"account": "ftmo-1", "symbol": "BTC-USD", "side": "long", "entry": 100.0}
        more = {"stop": 99.0, "confidence": 0.7, "tier": "medium", "ts": "2024-01-15T12:00:00Z"}
        return {**base, **more, **overrides}

    return build


@pytest.fixture
def opened(client: TestClient, equity_body: Body) -> TestClient:
    """A client whose account has its first equity report."""
    assert client.post("/v1/equity", json=equity_body(), headers=AUTH).status_code == 200
    return client
