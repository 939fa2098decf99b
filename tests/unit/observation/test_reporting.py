"""A period loaded from SQLite and summarised: the figures a reader can check by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot.observation.period_report import PeriodRecords, PeriodReport, summarize
from crpbot.observation.reporting import ReportingService
from crpbot.observation.stats import Period
from crpbot.risk import RiskLimits
from crpbot.skill.gate import GateRules
from tests.fixtures.observation import ACCOUNT_SIZE, BOT, DAY, EXPECTED
from tests.unit.observation.builders import cycle_at, resolved, scored_at, signal_at

PERIOD = Period.day(DAY)


def _report(sessions: sessionmaker[Session], period: Period = PERIOD) -> PeriodReport:
    return ReportingService(sessions).report(
        BOT, period, account_size=ACCOUNT_SIZE, limits=RiskLimits(), skill=GateRules()
    )


def test_reporting_service_headline_matches_the_stored_day(
    filled: sessionmaker[Session],
) -> None:
    report = _report(filled)
    h = report.headline
    for name in ("signals", "approved", "rejected", "undecided", "high_tier"):
        assert getattr(h, name) == EXPECTED[name], name
    assert (h.won, h.lost, h.expired) == (EXPECTED["won"], EXPECTED["lost"], EXPECTED["expired"])
    assert (h.win_rate.wins, h.win_rate.decided) == (1, 2)
    assert h.direction_ece == pytest.approx(EXPECTED["direction_ece"])
    assert h.direction_resolved == EXPECTED["direction_resolved"]
    assert h.paper_start == pytest.approx(EXPECTED["paper_start"])
    assert h.paper_end == pytest.approx(EXPECTED["paper_end"])
    assert h.min_daily_headroom == pytest.approx(EXPECTED["min_daily_headroom"])
    assert h.min_total_headroom == pytest.approx(EXPECTED["min_total_headroom"])
    assert (h.scan_cycles, h.symbols_failed) == (
        EXPECTED["scan_cycles"],
        EXPECTED["symbols_failed"],
    )
    assert h.max_cycle_s == pytest.approx(1.0 + 23 / 10)
    assert report.guard_headroom[-1].daily_headroom == pytest.approx(
        EXPECTED["guard_daily_headroom"]
    )
    assert len(report.calibrations) == 1
    assert {(p.dimension, p.bucket) for p in report.patterns} == {
        ("tier", "high"),
        ("symbol", "BTC-USD"),
    }
    assert not report.empty


def test_reporting_service_load_keeps_one_bot_and_the_period(filled: sessionmaker[Session]) -> None:
    records = ReportingService(filled).load(BOT, PERIOD)
    assert records.account == BOT
    assert all(s.bot == BOT and s.bar_ts in PERIOD for s in records.signals)
    assert all(c.started_at in PERIOD for c in records.cycles)
    assert len(records.cycles) == 24
    assert all(o.resolved_ts < PERIOD.end for _, o in records.resolved)
    assert records.account_initial == ACCOUNT_SIZE
    assert records.account_points[0].ts < PERIOD.start


def test_reporting_service_tiers_use_the_telegram_stats(filled: sessionmaker[Session]) -> None:
    tiers = {t.tier: t for t in _report(filled).tiers}
    assert (tiers["high"].won, tiers["high"].lost) == (2, 0)
    assert (tiers["medium"].won, tiers["medium"].lost) == (0, 2)
    assert tiers["low"].expired == 1


def test_reporting_service_next_day_sees_the_late_outcome(filled: sessionmaker[Session]) -> None:
    report = _report(filled, Period.day(DAY + timedelta(days=1)))
    assert report.headline.signals == 1
    assert report.headline.lost == 1
    assert report.headline.paper_start == pytest.approx(EXPECTED["paper_end"])


@pytest.mark.parametrize(
    ("database", "day"),
    [("filled", date(2020, 1, 1)), ("sessions", DAY)],
    ids=["empty-day", "empty-database"],
)
def test_reporting_service_empty_period_is_reported_as_empty(
    request: pytest.FixtureRequest, database: str, day: date
) -> None:
    sessions: sessionmaker[Session] = request.getfixturevalue(database)
    report = _report(sessions, Period.day(day))
    assert report.empty
    assert report.headline.win_rate.rate is None
    assert report.headline.approval_rate is None
    assert report.headline.paper_end == ACCOUNT_SIZE
    assert report.guard_headroom == []
    assert len(report.hours) == 24
    assert report.reasons == report.buckets == []


def test_summarize_all_rejected_day() -> None:
    start = PERIOD.start
    signals = [
        signal_at(start + timedelta(hours=h), "rejected", reasons=("daily_loss_halted",))
        for h in range(3)
    ]
    pairs = [resolved(signals[0], "won", start + timedelta(hours=5), 2.0)]
    records = PeriodRecords(
        bot="demo",
        period=PERIOD,
        signals=signals,
        resolved=pairs,
        cycles=[cycle_at(start)],
        account="demo",
    )
    report = summarize(records, ACCOUNT_SIZE, RiskLimits(), GateRules())
    h = report.headline
    assert (h.signals, h.approved, h.rejected, h.approval_rate) == (3, 0, 3, 0.0)
    assert (h.resolved, h.paper_pnl) == (0, 0.0)
    assert [(r.reason, r.count) for r in report.reasons] == [("daily_loss_halted", 3)]
    assert report.buckets == [] and h.direction_ece is None
    assert not report.empty


def test_summarize_calibration_reads_direction_outcomes_not_trade_results() -> None:
    """Signals at confidence 0.8 all lost their trades (target before stop), yet their bars
    went up as the probability said: the calibration error is that of the direction."""
    start = PERIOD.start
    signals = [signal_at(start + timedelta(hours=h), confidence=0.8) for h in range(5)]
    lost = [
        resolved(s, "lost", s.bar_ts + timedelta(hours=2), -1.0, signal_id=i + 1)
        for i, s in enumerate(signals)
    ]
    scored = [
        scored_at(s.bar_ts, p_cal=0.8, went_up=i != 0, resolved=s.bar_ts + timedelta(hours=5))
        for i, s in enumerate(signals)
    ]
    records = PeriodRecords(
        bot="demo",
        period=PERIOD,
        signals=signals,
        resolved=lost,
        cycles=[cycle_at(start)],
        account="demo",
        scored=scored,
    )
    h = summarize(records, ACCOUNT_SIZE, RiskLimits(), GateRules()).headline
    assert (h.won, h.lost) == (0, 5)
    assert h.direction_resolved == 5
    assert h.direction_ece == pytest.approx(0.0)
