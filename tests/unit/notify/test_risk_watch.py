"""A halt or breach is announced once when the account enters it, and again only after it
has left it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from crpbot.notify.risk_watch import RiskAlertWatch
from crpbot.risk import GuardState
from crpbot.risk.ftmo import FtmoStatus

T0 = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
ACTIVE = GuardState(
    status=FtmoStatus.ACTIVE,
    initial_balance=100_000.0,
    balance=100_000.0,
    equity=99_000.0,
    day_start=datetime(2024, 1, 14, 23, 0, tzinfo=UTC),
    day_start_balance=100_000.0,
    daily_floor=95_000.0,
    total_floor=90_000.0,
    target_balance=110_000.0,
    trading_days=1,
    open_risk=0.0,
    headroom=4_000.0,
    signals_last_hour=0,
    high_tier_last_hour=0,
    cooldown_until=None,
)
HALTED = replace(ACTIVE, status=FtmoStatus.HALTED_DAILY, equity=94_900.0)
BREACHED = replace(ACTIVE, status=FtmoStatus.BREACHED_TOTAL, equity=89_000.0)


def _statuses(watch: RiskAlertWatch, states: list[GuardState]) -> list[str | None]:
    alerts = [
        watch.observe("ftmo-1", state, T0 + timedelta(hours=i)) for i, state in enumerate(states)
    ]
    return [None if alert is None else alert.status for alert in alerts]


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([ACTIVE, ACTIVE], [None, None]),
        ([ACTIVE, HALTED, HALTED, HALTED], [None, "halted_daily", None, None]),
        ([HALTED, ACTIVE, HALTED], ["halted_daily", None, "halted_daily"]),
        ([HALTED, BREACHED, BREACHED], ["halted_daily", "breached_total", None]),
        ([replace(ACTIVE, status=FtmoStatus.TARGET_REACHED)], [None]),
    ],
    ids=["active", "halt-once", "re-armed-next-day", "halt-then-breach", "target"],
)
def test_risk_watch_alerts_on_entering_a_stop_status(
    states: list[GuardState], expected: list[str | None]
) -> None:
    assert _statuses(RiskAlertWatch(), states) == expected


def test_risk_watch_alert_carries_the_state_and_event_time() -> None:
    alert = RiskAlertWatch().observe("ftmo-1", HALTED, T0)
    assert alert is not None
    assert (alert.account, alert.equity, alert.daily_floor, alert.total_floor, alert.ts) == (
        "ftmo-1",
        94_900.0,
        95_000.0,
        90_000.0,
        T0,
    )
    assert "Prague midnight" in alert.detail


def test_risk_watch_keeps_accounts_apart() -> None:
    watch = RiskAlertWatch()
    first, second = watch.observe("a", HALTED, T0), watch.observe("b", HALTED, T0)
    assert (first and first.account, second and second.account) == ("a", "b")
    assert watch.observe("a", HALTED, T0) is None
