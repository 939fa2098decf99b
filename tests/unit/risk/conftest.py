"""Builders for the risk tests: requests, account states and approvals from plain numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from crpbot.risk import AccountState, ApprovedSignal, CheckRequest, Side, Tier

T0 = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def t0() -> datetime:
    return T0


@pytest.fixture
def make_request() -> Callable[..., CheckRequest]:
    def build(
        *,
        entry: float = 100.0,
        stop: float = 95.0,
        side: Side = Side.LONG,
        tier: Tier = Tier.MEDIUM,
        symbol: str = "BTC-USD",
        confidence: float = 0.65,
        ts: datetime = T0,
    ) -> CheckRequest:
        return CheckRequest("acc", symbol, side, entry, stop, confidence, tier, ts)

    return build


@pytest.fixture
def make_state() -> Callable[..., AccountState]:
    def build(
        *,
        initial: float = 100_000.0,
        balance: float = 100_000.0,
        equity: float | None = None,
        day_start: float | None = None,
        lowest_today: float | None = None,
        lowest_ever: float | None = None,
        trading_days: int = 0,
        traded_today: bool = False,
    ) -> AccountState:
        eq = balance if equity is None else equity
        low_today = eq if lowest_today is None else lowest_today
        return AccountState(
            initial_balance=initial,
            balance=balance,
            equity=eq,
            day_start_balance=balance if day_start is None else day_start,
            lowest_equity_today=low_today,
            lowest_equity_ever=min(low_today, initial) if lowest_ever is None else lowest_ever,
            trading_days=trading_days,
            traded_today=traded_today,
        )

    return build


@pytest.fixture
def approval() -> Callable[..., ApprovedSignal]:
    def build(
        ts: datetime = T0, *, symbol: str = "BTC-USD", tier: Tier = Tier.MEDIUM, risk: float = 0.0
    ) -> ApprovedSignal:
        return ApprovedSignal(ts=ts, symbol=symbol, tier=tier, risk=risk)

    return build
