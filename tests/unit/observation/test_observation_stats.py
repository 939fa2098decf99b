"""Period aggregation: hours, decisions by reason, confidence buckets, Wilson intervals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from crpbot.observation.paper_account import PaperTrade
from crpbot.observation.stats import (
    NO_REASON,
    Period,
    ReasonCount,
    confidence_buckets,
    decisions_by_reason,
    direction_pairs,
    hourly_rows,
    in_period,
    win_rate,
)
from tests.unit.observation.builders import cycle_at, resolved, scored_at, signal_at

DAY = Period.day(date(2026, 3, 2))
MIDNIGHT = DAY.start


def test_period_day_is_the_utc_calendar_day() -> None:
    assert DAY.start == datetime(2026, 3, 2, tzinfo=UTC)
    assert DAY.end == datetime(2026, 3, 3, tzinfo=UTC)
    assert len(DAY.hours()) == 24
    assert DAY.hours()[0] == DAY.start


def test_period_hours_cover_partial_hours() -> None:
    period = Period(
        MIDNIGHT + timedelta(hours=10, minutes=30), MIDNIGHT + timedelta(hours=12, minutes=15)
    )
    assert [h.hour for h in period.hours()] == [10, 11, 12]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 3, 2), datetime(2026, 3, 3, tzinfo=UTC)),
        (MIDNIGHT, MIDNIGHT),
        (MIDNIGHT, MIDNIGHT - timedelta(hours=1)),
    ],
    ids=["naive", "empty", "reversed"],
)
def test_period_rejects_unusable_bounds(start: datetime, end: datetime) -> None:
    with pytest.raises(ValueError, match="period"):
        Period(start, end)


@pytest.mark.parametrize(
    ("wins", "decided", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),
        (0, 5, 0.0, 0.4345),
        (10, 10, 0.7225, 1.0),
        (1, 2, 0.0945, 0.9055),
    ],
)
def test_win_rate_has_the_wilson_interval(wins: int, decided: int, low: float, high: float) -> None:
    outcome = win_rate(wins, decided)
    assert outcome.rate == pytest.approx(wins / decided)
    assert outcome.low == pytest.approx(low, abs=1e-4)
    assert outcome.high == pytest.approx(high, abs=1e-4)


def test_win_rate_without_decided_outcomes_is_unknown() -> None:
    outcome = win_rate(0, 0)
    assert (outcome.rate, outcome.low, outcome.high) == (None, None, None)


def test_hourly_rows_empty_day_has_24_zero_rows() -> None:
    rows = hourly_rows(DAY, [], [], [], [])
    assert len(rows) == 24
    assert all(r.signals == r.scan_cycles == r.won == 0 for r in rows)
    assert all(r.mean_confidence is None and r.mean_cycle_s is None for r in rows)
    assert sum(r.paper_pnl for r in rows) == 0.0


@pytest.mark.parametrize(
    ("bar", "hour"),
    [
        (MIDNIGHT - timedelta(seconds=1), None),
        (MIDNIGHT, 0),
        (MIDNIGHT + timedelta(hours=23, minutes=59, seconds=59), 23),
        (DAY.end, None),
    ],
    ids=["previous-day", "first-instant", "last-instant", "next-midnight"],
)
def test_hourly_rows_count_signals_by_utc_bar_hour(bar: datetime, hour: int | None) -> None:
    signals = in_period(DAY, [signal_at(bar)])
    rows = hourly_rows(DAY, signals, [], [], [])
    counted = [r.hour.hour for r in rows if r.signals]
    assert counted == ([] if hour is None else [hour])


@pytest.mark.parametrize(
    ("local_hour", "utc_hour"),
    [(0, None), (1, None), (2, 0), (3, 1)],
    ids=["22:00-previous-utc-day", "23:00-previous-utc-day", "00:00-utc", "01:00-utc"],
)
def test_hourly_rows_day_boundary_is_utc_whatever_the_offset(
    local_hour: int, utc_hour: int | None
) -> None:
    """Bars stamped at +02:00 belong to the UTC day (and hour) they fall in."""
    bar = datetime(2026, 3, 2, local_hour, 30, tzinfo=timezone(timedelta(hours=2)))
    rows = hourly_rows(DAY, in_period(DAY, [signal_at(bar)]), [], [], [])
    assert [r.hour.hour for r in rows if r.signals] == ([] if utc_hour is None else [utc_hour])


def test_hourly_rows_count_outcomes_by_resolution_and_split_decisions() -> None:
    early = signal_at(MIDNIGHT - timedelta(hours=5))
    late = signal_at(MIDNIGHT + timedelta(hours=22))
    pairs = [
        resolved(early, "won", MIDNIGHT + timedelta(hours=1, minutes=10), 2.0, 1),
        resolved(late, "lost", DAY.end + timedelta(hours=1), -1.0, 2),
    ]
    signals = [
        late,
        signal_at(MIDNIGHT + timedelta(hours=22), "rejected", symbol="ETH-USD", tier="high"),
        signal_at(MIDNIGHT + timedelta(hours=22, minutes=5), "pending_risk", symbol="SOL-USD"),
    ]
    trades = [
        PaperTrade(MIDNIGHT + timedelta(hours=1, minutes=10), 1, "BTC-USD", 2.0, 1000.0, 101_000.0)
    ]
    cycles = [
        cycle_at(MIDNIGHT + timedelta(hours=22), 2.0),
        cycle_at(MIDNIGHT + timedelta(hours=22, minutes=30), 4.0, failed=1),
    ]
    rows = {r.hour.hour: r for r in hourly_rows(DAY, signals, cycles, pairs, trades)}
    assert (rows[1].won, rows[1].lost, rows[1].paper_pnl) == (1, 0, 1000.0)
    assert sum(r.lost for r in rows.values()) == 0
    at_22 = rows[22]
    assert (at_22.signals, at_22.approved, at_22.rejected, at_22.undecided) == (3, 1, 1, 1)
    assert at_22.high_tier == 1
    assert at_22.mean_confidence == pytest.approx(0.61)
    assert (at_22.scan_cycles, at_22.mean_cycle_s, at_22.symbols_failed) == (2, 3.0, 1)


def test_decisions_by_reason_all_rejected() -> None:
    signals = [
        signal_at(MIDNIGHT, "rejected", reasons=("rate_limit_signals",)),
        signal_at(
            MIDNIGHT,
            "rejected",
            symbol="ETH-USD",
            reasons=("rate_limit_signals", "cooldown_after_losses"),
        ),
        signal_at(MIDNIGHT, "rejected", symbol="SOL-USD", reasons=()),
    ]
    counts = decisions_by_reason(signals)
    assert counts == [
        ReasonCount("rejected", "rate_limit_signals", 2),
        ReasonCount("rejected", "cooldown_after_losses", 1),
        ReasonCount("rejected", NO_REASON, 1),
    ]
    assert all(c.decision != "approved" for c in counts)


def test_decisions_by_reason_labels_approvals_and_unanswered_signals() -> None:
    signals = [
        signal_at(MIDNIGHT, "approved", reasons=("ok",)),
        signal_at(MIDNIGHT, "approved", symbol="ETH-USD"),
        signal_at(MIDNIGHT, "pending_risk", symbol="SOL-USD", reasons=()),
    ]
    counts = decisions_by_reason(signals)
    assert [(c.label, c.count) for c in counts] == [("approved", 2), ("pending_risk", 1)]


def test_decisions_by_reason_empty_day() -> None:
    assert decisions_by_reason([]) == []


def test_direction_pairs_fold_p_up_onto_the_favoured_direction_in_the_period() -> None:
    hour = timedelta(hours=1)
    bars = [
        scored_at(MIDNIGHT, p_cal=0.7, went_up=True, resolved=MIDNIGHT + 5 * hour),
        scored_at(MIDNIGHT, p_cal=0.2, went_up=True, resolved=MIDNIGHT + 6 * hour),
        scored_at(MIDNIGHT, p_cal=0.5, went_up=False, resolved=MIDNIGHT + 7 * hour),
        scored_at(MIDNIGHT, p_cal=0.9, went_up=True, resolved=DAY.end),
    ]
    assert direction_pairs(DAY, bars) == [(0.7, True), (0.8, False), (0.5, False)]


def test_confidence_buckets_bin_like_the_reliability_curve() -> None:
    pairs = [(0.55, True), (0.58, False), (0.61, True), (0.69, True), (1.0, True), (0.0, False)]
    buckets = confidence_buckets(pairs)
    assert [(b.low, b.high) for b in buckets] == [(0.0, 0.1), (0.5, 0.6), (0.6, 0.7), (0.9, 1.0)]
    middle = buckets[1]
    assert middle.mean_confidence == pytest.approx(0.565)
    assert (middle.outcome.wins, middle.outcome.decided) == (1, 1 + 1)
    assert buckets[2].outcome.rate == 1.0
    assert buckets[2].outcome.low is not None and buckets[2].outcome.low < 0.5


def test_confidence_buckets_empty() -> None:
    assert confidence_buckets([]) == []
