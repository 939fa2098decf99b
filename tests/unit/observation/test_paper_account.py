"""The paper account: booking outcomes, the equity curve, FTMO headroom at Prague midnights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crpbot.observation.paper_account import (
    day_starts,
    equity_curve,
    headroom,
    max_drawdown_pct,
    paper_headroom,
    paper_trades,
    with_day_starts,
)
from crpbot.risk import EquityPoint, RiskLimits
from tests.unit.observation.builders import resolved, signal_at

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
LIMITS = RiskLimits()


def test_paper_trades_compound_in_resolution_order_and_skip_rejections() -> None:
    first = signal_at(T0)
    second = signal_at(T0 + timedelta(hours=1), symbol="ETH-USD")
    pairs = [
        resolved(second, "lost", T0 + timedelta(hours=2), -1.0, 2),
        resolved(first, "won", T0 + timedelta(hours=3), 2.0, 1),
        resolved(signal_at(T0, "rejected", symbol="SOL-USD"), "won", T0, 2.0, 3),
    ]
    trades = paper_trades(pairs, 100_000.0, 0.5)
    assert [t.signal_id for t in trades] == [2, 1]
    assert trades[0].pnl == pytest.approx(-500.0)
    assert trades[1].pnl == pytest.approx(2 * 0.005 * 99_500.0)
    assert trades[-1].balance == pytest.approx(99_500.0 + 995.0)


def test_paper_trades_none_resolved() -> None:
    assert paper_trades([], 100_000.0, 0.5) == []


def test_equity_curve_opens_with_the_balance_before_the_period() -> None:
    pairs = [
        resolved(signal_at(T0 - timedelta(days=1)), "won", T0 - timedelta(hours=20), 2.0, 1),
        resolved(signal_at(T0), "lost", T0 + timedelta(hours=1), -1.0, 2),
        resolved(signal_at(T0, symbol="ETH-USD"), "won", T0 + timedelta(days=2), 1.0, 3),
    ]
    trades = paper_trades(pairs, 100_000.0, 1.0)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    curve = equity_curve(trades, start, start + timedelta(days=1), 100_000.0)
    assert [p.ts for p in curve] == [start, T0 + timedelta(hours=1)]
    assert curve[0].equity == pytest.approx(102_000.0)
    assert curve[1].equity == pytest.approx(102_000.0 - 1_020.0)


def test_day_starts_follow_prague_daylight_saving() -> None:
    """Europe moves to summer time on 2026-03-29: Prague midnight is 23:00 UTC, then 22:00."""
    starts = day_starts(
        datetime(2026, 3, 28, 12, tzinfo=UTC),
        datetime(2026, 3, 30, 12, tzinfo=UTC),
        LIMITS.timezone,
    )
    assert starts == [datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("booked", "daily_floor"),
    [
        (datetime(2026, 1, 14, 22, 30, tzinfo=UTC), 101_000.0 - 5_000.0),
        (datetime(2026, 7, 14, 22, 30, tzinfo=UTC), 100_000.0 - 5_000.0),
    ],
    ids=["winter-before-prague-midnight", "summer-after-prague-midnight"],
)
def test_paper_headroom_days_open_at_prague_midnight(booked: datetime, daily_floor: float) -> None:
    """22:30 UTC is 23:30 in Prague in winter (yesterday) but 00:30 in summer (today)."""
    pair = resolved(signal_at(booked - timedelta(hours=3)), "won", booked, 2.0)
    trades = paper_trades([pair], 100_000.0, 0.5)
    start = booked.replace(hour=0, minute=0) + timedelta(days=1)
    room = paper_headroom(trades, start, start + timedelta(days=1), 100_000.0, LIMITS)
    assert room[0].ts == start
    assert room[0].daily_floor == pytest.approx(daily_floor)
    assert room[0].total_floor == pytest.approx(90_000.0)
    assert room[0].total_headroom == pytest.approx(11_000.0)


def test_paper_headroom_turns_negative_when_losses_cross_the_daily_floor() -> None:
    limits = RiskLimits(risk_per_trade_pct=2.0)
    pairs = [
        resolved(signal_at(T0, symbol=f"S{i}-USD"), "lost", T0 + timedelta(hours=i), -1.0, i)
        for i in range(1, 4)
    ]
    trades = paper_trades(pairs, 100_000.0, limits.risk_per_trade_pct)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    room = paper_headroom(trades, start, start + timedelta(days=1), 100_000.0, limits)
    third = next(p for p in room if p.ts == T0 + timedelta(hours=3))
    assert third.equity == pytest.approx(100_000.0 * 0.98**3)
    assert third.daily_headroom < 0 < third.total_headroom


def test_with_day_starts_carries_equity_to_each_midnight_so_the_floor_resets() -> None:
    start = datetime(2026, 3, 2, tzinfo=UTC)
    points = [
        EquityPoint(start, 100_000.0, 100_000.0),
        EquityPoint(start + timedelta(hours=10), 98_000.0, 98_000.0),
    ]
    carried = with_day_starts(points, start, start + timedelta(days=1), LIMITS.timezone)
    assert carried[-1] == EquityPoint(datetime(2026, 3, 2, 23, tzinfo=UTC), 98_000.0, 98_000.0)
    room = headroom(carried, 100_000.0, LIMITS)
    assert room[1].daily_headroom == pytest.approx(3_000.0)
    assert room[-1].daily_headroom == pytest.approx(5_000.0)


def test_with_day_starts_carries_the_last_earlier_point_to_the_window_start() -> None:
    start = datetime(2026, 3, 2, 12, tzinfo=UTC)
    before = EquityPoint(start - timedelta(hours=30), 97_000.0, 96_500.0)
    inside = EquityPoint(start + timedelta(hours=2), 98_000.0, 98_000.0)
    carried = with_day_starts([before, inside], start, start + timedelta(hours=6), LIMITS.timezone)
    assert carried == [before, EquityPoint(start, 97_000.0, 96_500.0), inside]


def test_with_day_starts_adds_nothing_where_a_point_already_sits_or_none_came_before() -> None:
    start = datetime(2026, 3, 2, 12, tzinfo=UTC)
    on_start = [EquityPoint(start, 100_000.0, 100_000.0)]
    end = start + timedelta(hours=6)
    assert with_day_starts(on_start, start, end, LIMITS.timezone) == on_start
    later = [EquityPoint(start + timedelta(hours=1), 99_000.0, 99_000.0)]
    assert with_day_starts(later, start, end, LIMITS.timezone) == later


@pytest.mark.parametrize(
    ("equities", "expected"),
    [([100.0, 110.0, 99.0, 120.0], 10.0), ([100.0, 101.0], 0.0), ([], 0.0)],
)
def test_max_drawdown_pct(equities: list[float], expected: float) -> None:
    points = [EquityPoint(T0 + timedelta(hours=i), e, e) for i, e in enumerate(equities)]
    assert max_drawdown_pct(points) == pytest.approx(expected)
