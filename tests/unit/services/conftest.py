"""A migrated SQLite database file and a risk-guard service on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from crpbot.db.engine import make_engine, upgrade
from crpbot.risk import CheckRequest, RiskLimits, Side, Tier
from crpbot.services.risk_guard import RiskGuardService

T0 = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def guard_db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'guard.db'}"
    upgrade(url)
    return url


@pytest.fixture
def engine(guard_db_url: str) -> Iterator[Engine]:
    engine = make_engine(guard_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def limits() -> RiskLimits:
    """Small risk per trade, so the rate limits bind before the loss floors do."""
    return RiskLimits(risk_per_trade_pct=0.1)


@pytest.fixture
def service(engine: Engine, limits: RiskLimits) -> RiskGuardService:
    return RiskGuardService(engine, limits)


@pytest.fixture
def signal() -> Callable[..., CheckRequest]:
    def build(
        ts: datetime = T0,
        *,
        symbol: str = "BTC-USD",
        tier: Tier = Tier.MEDIUM,
        stop: float = 99.0,
        account: str = "ftmo-1",
    ) -> CheckRequest:
        return CheckRequest(account, symbol, Side.LONG, 100.0, stop, 0.7, tier, ts)

    return build
