"""Hand-computed sizing: normal risk, capped by the floors after open risk, or rejected."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from crpbot.risk import AccountState, ApprovedSignal, Reason, RiskLimits
from crpbot.risk.sizing import open_risk, size_signal


@pytest.mark.parametrize(
    ("balance", "equity", "day_start", "open_now", "size", "risk"),
    [
        # 0.5% of 100k = 500 at risk over a 5.0 stop distance
        (100_000.0, 100_000.0, 100_000.0, 0.0, 100.0, 500.0),
        # daily floor 95k: 600 headroom covers the full 500
        (100_000.0, 95_600.0, 100_000.0, 0.0, 100.0, 500.0),
        # 300 of the 600 already open: capped to 300
        (100_000.0, 95_600.0, 100_000.0, 300.0, 60.0, 300.0),
        # day started at 94k: the daily floor (89k) is below the total floor (90k)
        (94_000.0, 90_400.0, 94_000.0, 0.0, 80.0, 400.0),
    ],
)
def test_size_signal_caps_risk_at_the_headroom(
    make_state: Callable[..., AccountState],
    balance: float,
    equity: float,
    day_start: float,
    open_now: float,
    size: float,
    risk: float,
) -> None:
    state = make_state(balance=balance, equity=equity, day_start=day_start)
    sized, verdict = size_signal(5.0, state, open_now, RiskLimits())
    assert verdict.ok
    assert sized.size == pytest.approx(size)
    assert sized.risk == pytest.approx(risk)
    assert sized.risk <= equity - open_now - max(day_start - 5_000.0, 90_000.0)


@pytest.mark.parametrize(
    ("balance", "equity", "day_start", "open_now", "reason"),
    [
        # 120 headroom is below 25% of the 500 normal risk
        (100_000.0, 95_600.0, 100_000.0, 480.0, Reason.STOP_CROSSES_DAILY_FLOOR),
        (100_000.0, 94_000.0, 100_000.0, 0.0, Reason.STOP_CROSSES_DAILY_FLOOR),
        (94_000.0, 90_100.0, 94_000.0, 0.0, Reason.STOP_CROSSES_TOTAL_FLOOR),
    ],
)
def test_size_signal_rejects_when_the_stop_could_cross_a_floor(
    make_state: Callable[..., AccountState],
    balance: float,
    equity: float,
    day_start: float,
    open_now: float,
    reason: Reason,
) -> None:
    state = make_state(balance=balance, equity=equity, day_start=day_start)
    sized, verdict = size_signal(5.0, state, open_now, RiskLimits())
    assert verdict.reason is reason
    assert (sized.size, sized.risk) == (0.0, 0.0)


def test_size_signal_never_rounds_past_the_allowance(
    make_state: Callable[..., AccountState],
) -> None:
    state = make_state(balance=100_000.0, equity=95_300.1, day_start=100_000.0)
    for distance in (0.1, 0.3, 0.7, 3.3, 1e-7, 12345.678):
        sized, verdict = size_signal(distance, state, 0.0, RiskLimits())
        assert verdict.ok
        assert sized.size * distance <= 95_300.1 - 95_000.0


def test_open_risk_counts_signals_within_their_lifetime(
    t0: datetime, approval: Callable[..., ApprovedSignal]
) -> None:
    limits = RiskLimits(open_signal_lifetime=timedelta(hours=4))
    signals = [
        approval(t0 - timedelta(hours=4, seconds=1), risk=1000.0),
        approval(t0 - timedelta(hours=4), risk=200.0),
        approval(t0 - timedelta(minutes=5), risk=30.0),
        approval(t0 + timedelta(minutes=5), risk=4.0),
    ]
    assert open_risk(signals, t0, limits) == pytest.approx(234.0)
