"""The composed guard: rule order, short-circuit, every reason listed, state after approval."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from crpbot.risk import (
    AccountState,
    ApprovedSignal,
    CheckRequest,
    ClosedResult,
    FtmoStatus,
    History,
    Reason,
    RiskLimits,
    Side,
    Tier,
    check,
    describe,
)


def test_check_approves_and_counts_the_new_signal(
    t0: datetime,
    make_request: Callable[..., CheckRequest],
    make_state: Callable[..., AccountState],
) -> None:
    decision = check(make_request(tier=Tier.HIGH), make_state(), History(), t0)
    assert decision.approved
    assert decision.reasons == ()
    assert decision.size == pytest.approx(100.0)
    assert decision.risk == pytest.approx(500.0)
    state = decision.state
    assert (state.signals_last_hour, state.high_tier_last_hour) == (1, 1)
    assert state.open_risk == pytest.approx(500.0)
    assert state.trading_days == 1
    assert state.status is FtmoStatus.ACTIVE
    assert state.daily_floor == 95_000.0 and state.total_floor == 90_000.0


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"entry": 0.0}, Reason.INVALID_PRICE),
        ({"stop": float("nan")}, Reason.INVALID_PRICE),
        ({"stop": 100.0}, Reason.INVALID_STOP),
        ({"stop": 105.0}, Reason.INVALID_STOP),
        ({"side": Side.SHORT, "stop": 95.0}, Reason.INVALID_STOP),
        ({"confidence": 1.5}, Reason.INVALID_CONFIDENCE),
    ],
)
def test_check_short_circuits_on_an_invalid_request(
    t0: datetime,
    make_request: Callable[..., CheckRequest],
    make_state: Callable[..., AccountState],
    kwargs: dict[str, object],
    reason: Reason,
) -> None:
    halted = make_state(lowest_today=90_000.0)
    decision = check(make_request(**kwargs), halted, History(), t0)
    assert not decision.approved
    assert decision.reasons == (reason,)
    assert decision.size == 0.0


def test_check_short_side_is_sized_on_the_distance_above(
    t0: datetime, make_request: Callable[..., CheckRequest], make_state: Callable[..., AccountState]
) -> None:
    decision = check(make_request(side=Side.SHORT, stop=110.0), make_state(), History(), t0)
    assert decision.approved
    assert decision.size == pytest.approx(50.0)


def test_check_lists_every_reason_in_rule_order(
    t0: datetime,
    make_request: Callable[..., CheckRequest],
    make_state: Callable[..., AccountState],
    approval: Callable[..., ApprovedSignal],
) -> None:
    approved = [approval(t0 - timedelta(minutes=i), tier=Tier.HIGH) for i in range(10)]
    losses = [ClosedResult(t0 - timedelta(minutes=30 - i), -100.0) for i in range(3)]
    state = make_state(balance=96_000.0, equity=94_990.0, day_start=100_000.0)
    decision = check(make_request(tier=Tier.HIGH), state, History(approved, losses), t0)
    assert decision.reasons == (
        Reason.DAILY_LOSS_HALTED,
        Reason.COOLDOWN,
        Reason.RATE_LIMIT,
        Reason.HIGH_TIER_RATE_LIMIT,
        Reason.STOP_CROSSES_DAILY_FLOOR,
    )
    assert len(decision.details) == len(decision.reasons)
    assert decision.state.signals_last_hour == 10
    assert decision.state.status is FtmoStatus.HALTED_DAILY


def test_check_rejects_symbol_exposure_after_sizing(
    t0: datetime,
    make_request: Callable[..., CheckRequest],
    make_state: Callable[..., AccountState],
    approval: Callable[..., ApprovedSignal],
) -> None:
    history = History([approval(t0 - timedelta(hours=2), risk=1_200.0)])
    decision = check(make_request(), make_state(), history, t0, RiskLimits())
    assert decision.reasons == (Reason.SYMBOL_EXPOSURE,)
    other = check(make_request(symbol="ETH-USD"), make_state(), history, t0)
    assert other.approved


def test_check_does_not_add_a_trading_day_twice(
    t0: datetime, make_request: Callable[..., CheckRequest], make_state: Callable[..., AccountState]
) -> None:
    state = make_state(trading_days=3, traded_today=True)
    assert check(make_request(), state, History(), t0).state.trading_days == 3


def test_describe_shows_a_cooldown_only_while_it_lasts(
    t0: datetime, make_state: Callable[..., AccountState]
) -> None:
    losses = [ClosedResult(t0 + timedelta(minutes=i), -10.0) for i in range(3)]
    history = History((), losses)
    end = t0 + timedelta(minutes=2, hours=2)
    assert (
        describe(make_state(), history, end - timedelta(seconds=1), RiskLimits()).cooldown_until
        == end
    )
    assert describe(make_state(), history, end, RiskLimits()).cooldown_until is None
