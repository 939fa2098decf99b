"""Hand-computed FTMO rules: Prague midnight across DST, floors, status, trading days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crpbot.risk import AccountState, EquityPoint, FtmoStatus, Phase, Reason, RiskLimits
from crpbot.risk.ftmo import (
    account_rule,
    account_state,
    daily_floor,
    previous_midnight,
    status,
    target_balance,
    total_floor,
    trading_days,
)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("ts", "midnight"),
    [
        # winter (CET, UTC+1)
        (_utc(2024, 1, 15, 12), _utc(2024, 1, 14, 23)),
        (_utc(2024, 1, 15, 23), _utc(2024, 1, 15, 23)),
        (_utc(2024, 1, 15, 22, 59, 59), _utc(2024, 1, 14, 23)),
        # spring forward 2024-03-31 02:00 CET -> 03:00 CEST: that day began in CET
        (_utc(2024, 3, 31, 12), _utc(2024, 3, 30, 23)),
        (_utc(2024, 4, 1, 10), _utc(2024, 3, 31, 22)),
        # summer (CEST, UTC+2)
        (_utc(2024, 7, 1, 21, 59), _utc(2024, 6, 30, 22)),
        (_utc(2024, 7, 1, 22), _utc(2024, 7, 1, 22)),
        # fall back 2024-10-27 03:00 CEST -> 02:00 CET: that day began in CEST
        (_utc(2024, 10, 27, 12), _utc(2024, 10, 26, 22)),
        (_utc(2024, 10, 28, 5), _utc(2024, 10, 27, 23)),
    ],
)
def test_previous_midnight_follows_prague_dst(ts: datetime, midnight: datetime) -> None:
    assert previous_midnight(ts) == midnight


def test_previous_midnight_accepts_offsets_and_rejects_naive() -> None:
    tokyo = timezone(timedelta(hours=9))
    assert previous_midnight(datetime(2024, 1, 16, 7, 59, tzinfo=tokyo)) == _utc(2024, 1, 14, 23)
    with pytest.raises(ValueError, match="timezone-aware"):
        previous_midnight(datetime(2024, 1, 15, 12))


def test_trading_days_count_prague_dates_not_utc_dates() -> None:
    # 22:30Z is 23:30 on the 15th in Prague, 23:30Z is 00:30 on the 16th: two trading days
    stamps = [_utc(2024, 1, 15, 22, 30), _utc(2024, 1, 15, 23, 30), _utc(2024, 1, 16, 8)]
    assert trading_days(stamps) == 2


@pytest.mark.parametrize(
    ("day_start", "daily", "binding_total"),
    [(102_000.0, 97_000.0, False), (96_000.0, 91_000.0, False), (94_000.0, 89_000.0, True)],
)
def test_floors_use_initial_balance_for_the_daily_allowance(
    make_state: Callable[..., AccountState], day_start: float, daily: float, binding_total: bool
) -> None:
    state = make_state(balance=day_start, day_start=day_start)
    limits = RiskLimits()
    assert daily_floor(state, limits) == pytest.approx(daily)
    assert total_floor(state, limits) == pytest.approx(90_000.0)
    assert (total_floor(state, limits) > daily_floor(state, limits)) is binding_total


@pytest.mark.parametrize(
    ("phase", "target"), [(Phase.CHALLENGE, 110_000.0), (Phase.VERIFICATION, 105_000.0)]
)
def test_target_balance_depends_on_phase(
    make_state: Callable[..., AccountState], phase: Phase, target: float
) -> None:
    assert target_balance(make_state(), RiskLimits(phase=phase)) == pytest.approx(target)


@pytest.mark.parametrize(
    ("kwargs", "expected", "reason"),
    [
        ({}, FtmoStatus.ACTIVE, None),
        ({"lowest_ever": 89_999.0}, FtmoStatus.BREACHED_TOTAL, Reason.TOTAL_LOSS_BREACHED),
        ({"lowest_ever": 90_000.0, "lowest_today": 95_000.0}, FtmoStatus.ACTIVE, None),
        ({"lowest_today": 94_999.0}, FtmoStatus.HALTED_DAILY, Reason.DAILY_LOSS_HALTED),
        (
            {"balance": 110_000.0, "day_start": 110_000.0, "trading_days": 3},
            FtmoStatus.ACTIVE,
            None,
        ),
        (
            {"balance": 110_000.0, "day_start": 110_000.0, "trading_days": 4},
            FtmoStatus.TARGET_REACHED,
            Reason.TARGET_REACHED,
        ),
    ],
)
def test_status_and_account_rule(
    make_state: Callable[..., AccountState],
    kwargs: dict[str, float],
    expected: FtmoStatus,
    reason: Reason | None,
) -> None:
    state = make_state(**{"day_start": 100_000.0, **kwargs})
    assert status(state, RiskLimits()) is expected
    assert account_rule(state, RiskLimits()).reason is reason


def test_account_rule_can_keep_trading_after_target(
    make_state: Callable[..., AccountState],
) -> None:
    state = make_state(balance=111_000.0, day_start=111_000.0, trading_days=5)
    assert account_rule(state, RiskLimits(stop_at_target=False)).ok


def test_account_state_starts_the_day_at_the_last_balance_before_midnight() -> None:
    day_open = EquityPoint(_utc(2024, 1, 14, 22), balance=101_000.0, equity=100_500.0)
    today = [
        EquityPoint(_utc(2024, 1, 15, 8), balance=101_000.0, equity=97_000.0),
        EquityPoint(_utc(2024, 1, 15, 9), balance=99_000.0, equity=99_500.0),
    ]
    state = account_state(100_000.0, day_open, today, lowest_equity_before=98_000.0, days_traded=2)
    assert state == AccountState(
        initial_balance=100_000.0,
        balance=99_000.0,
        equity=99_500.0,
        day_start_balance=101_000.0,
        lowest_equity_today=97_000.0,
        lowest_equity_ever=97_000.0,
        trading_days=2,
    )


def test_account_state_of_a_new_account_starts_at_initial_balance() -> None:
    today = [EquityPoint(_utc(2024, 1, 15, 8), balance=100_000.0, equity=99_000.0)]
    state = account_state(100_000.0, None, today, None, 0)
    assert state.day_start_balance == 100_000.0
    assert state.lowest_equity_ever == 99_000.0
    empty = account_state(100_000.0, None, [], None, 0)
    assert (empty.balance, empty.equity, empty.lowest_equity_today) == (100_000.0,) * 3
