"""Per-symbol exposure cap and the cooldown after consecutive losses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from crpbot.risk import AccountState, ApprovedSignal, ClosedResult, EquityPoint, Reason, RiskLimits
from crpbot.risk.cooldown import closed_results, cooldown_rule, cooldown_until
from crpbot.risk.exposure import exposure_rule, symbol_open_risk


def test_symbol_open_risk_sums_only_open_signals_of_that_symbol(
    t0: datetime, approval: Callable[..., ApprovedSignal]
) -> None:
    signals = [
        approval(t0 - timedelta(hours=1), risk=500.0),
        approval(t0 - timedelta(hours=5), risk=500.0),
        approval(t0, symbol="ETH-USD", risk=500.0),
    ]
    assert symbol_open_risk(signals, "BTC-USD", t0, RiskLimits()) == 500.0


@pytest.mark.parametrize(
    ("open_risk", "new", "ok"), [(1000.0, 500.0, True), (1000.0, 501.0, False)]
)
def test_exposure_rule_caps_symbol_risk(
    make_state: Callable[..., AccountState], open_risk: float, new: float, ok: bool
) -> None:
    verdict = exposure_rule(open_risk, new, make_state(), RiskLimits(max_symbol_risk_pct=1.5))
    assert verdict.ok is ok
    assert verdict.reason is (None if ok else Reason.SYMBOL_EXPOSURE)


def test_closed_results_are_balance_changes(t0: datetime) -> None:
    balances = [100.0, 100.0, 90.0, 90.0, 95.0]
    points = [
        EquityPoint(t0 + timedelta(minutes=i), balance=b, equity=b - i)
        for i, b in enumerate(balances)
    ]
    assert closed_results(points) == (
        ClosedResult(t0 + timedelta(minutes=2), -10.0),
        ClosedResult(t0 + timedelta(minutes=4), 5.0),
    )


def _results(t0: datetime, pnls: list[float]) -> list[ClosedResult]:
    return [ClosedResult(t0 + timedelta(minutes=i), p) for i, p in enumerate(pnls)]


@pytest.mark.parametrize(
    ("pnls", "paused"),
    [
        ([-1.0, -1.0, -1.0], True),
        ([5.0, -1.0, -1.0, -1.0], True),
        ([-1.0, -1.0, 0.0], False),
        ([-1.0, -1.0, -1.0, 2.0], False),
        ([-1.0, -1.0], False),
        ([], False),
    ],
)
def test_cooldown_after_consecutive_losses(t0: datetime, pnls: list[float], paused: bool) -> None:
    results = _results(t0, pnls)
    limits = RiskLimits(cooldown_losses=3, cooldown_period=timedelta(hours=2))
    until = cooldown_until(results, limits)
    assert (until is not None) is paused
    now = t0 + timedelta(hours=1)
    assert cooldown_rule(results, now, limits).ok is not paused


def test_cooldown_ends_after_the_period(t0: datetime) -> None:
    results = _results(t0, [-1.0, -1.0, -1.0])
    limits = RiskLimits(cooldown_losses=3, cooldown_period=timedelta(hours=2))
    end = t0 + timedelta(minutes=2, hours=2)
    assert cooldown_until(results, limits) == end
    assert cooldown_rule(results, end - timedelta(seconds=1), limits).reason is Reason.COOLDOWN
    assert cooldown_rule(results, end, limits).ok
