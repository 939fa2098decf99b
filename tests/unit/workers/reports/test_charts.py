"""The charts draw what the report's tables print: the plotted data is read back from the
matplotlib artists and compared with the tables and with hand-counted figures."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer

from crpbot.db.records import OutcomeRecord, SignalRecord
from crpbot.db.vocabulary import OutcomeResult
from crpbot.observation.period_report import PeriodRecords, PeriodReport, summarize
from crpbot.observation.stats import Period
from crpbot.risk import RiskLimits
from crpbot.skill.gate import GateRules
from crpbot_workers.reports.charts import CHARTS, figure
from crpbot_workers.reports.documents import (
    Table,
    detail_tables,
    headline,
    hours_of_day_table,
    html_page,
    reliability_table,
    title,
)
from tests.fixtures.db import make_signal
from tests.unit.observation.builders import scored_at

START = datetime(2026, 3, 2, tzinfo=UTC)
PERIOD = Period(START, START + timedelta(days=3))
HOUR = timedelta(hours=1)


def _at(day: int, hour: int) -> datetime:
    return START + timedelta(days=day, hours=hour)


def _signal(day: int, hour: int, status: str, **changes: object) -> SignalRecord:
    reasons = ("rate_limit",) if status == "rejected" else ()
    return make_signal(bar_ts=_at(day, hour), status=status, reasons=reasons, **changes)


# Hand-counted: 03:00 on day 2 (approved), 09:00 on each of the three days (approved, approved,
# rejected), 14:00 on two days (both rejected), 22:00 on the last day (never answered). Drawn
# per hourly row, as the period chart used to, the 09:00 bars would sit on top of each other.
SIGNALS = (
    _signal(1, 3, "approved", confidence=0.71),
    _signal(0, 9, "approved", confidence=0.62),
    _signal(1, 9, "approved", confidence=0.64),
    _signal(2, 9, "rejected"),
    _signal(0, 14, "rejected"),
    _signal(1, 14, "rejected"),
    _signal(2, 22, "pending_risk"),
)
EXPECTED_BY_HOUR = {3: (1, 1, 0, 0), 9: (3, 2, 1, 0), 14: (2, 0, 2, 0), 22: (1, 0, 0, 1)}


def _outcome(
    signal: SignalRecord, signal_id: int, result: OutcomeResult, hours_later: int, r: float
) -> tuple[SignalRecord, OutcomeRecord]:
    stored = replace(signal, id=signal_id)
    return stored, OutcomeRecord(
        signal_id, result, signal.bar_ts + timedelta(hours=hours_later), 100.0, r
    )


@pytest.fixture(scope="module")
def report() -> PeriodReport:
    resolved = [
        _outcome(SIGNALS[1], 1, "won", 3, 2.0),
        _outcome(SIGNALS[2], 2, "lost", 2, -1.0),
        _outcome(SIGNALS[0], 3, "won", 1, 2.0),
    ]
    records = PeriodRecords(
        bot="demo",
        period=PERIOD,
        signals=SIGNALS,
        resolved=resolved,
        cycles=(),
        account="demo",
        scored=[
            scored_at(s.bar_ts, p_cal=s.confidence, went_up=up, resolved=s.bar_ts + 5 * HOUR)
            for s, up in ((SIGNALS[1], True), (SIGNALS[2], False), (SIGNALS[0], True))
        ],
    )
    return summarize(records, 100_000.0, RiskLimits(), GateRules())


def _axes(report: PeriodReport, name: str) -> Axes:
    spec = next(spec for spec in CHARTS if spec.name == name)
    ax: Axes = figure(spec, report).axes[0]
    return ax


def _bars(ax: Axes) -> dict[str, BarContainer]:
    return {str(c.get_label()): c for c in ax.containers if isinstance(c, BarContainer)}


def _table(tables: list[Table], title_start: str) -> Table:
    return next(t for t in tables if t.title.startswith(title_start))


def test_signals_per_hour_chart_sums_the_days_like_its_table(report: PeriodReport) -> None:
    bars = _bars(_axes(report, "signals_per_hour"))
    heights = {
        label: {round(p.get_x() + p.get_width() / 2): p.get_height() for p in c.patches}
        for label, c in bars.items()
    }
    assert all(len(c.patches) == 24 for c in bars.values())  # one bar per hour of the day
    rows = {
        int(row[0][:2]): tuple(int(v) for v in row[1:]) for row in hours_of_day_table(report).rows
    }
    assert {h: v for h, v in rows.items() if v[0]} == EXPECTED_BY_HOUR
    for hour, (_, approved, rejected, undecided) in rows.items():
        assert heights["approved"][hour] == approved
        assert heights["rejected"][hour] == rejected
        assert heights["undecided"][hour] == undecided
    stacked_at_nine = next(p for p in bars["rejected"].patches if round(p.get_x() + 0.4) == 9)
    assert stacked_at_nine.get_y() == 2  # rejected sits on the two approved
    total = sum(p.get_height() for c in bars.values() for p in c.patches)
    assert total == report.headline.signals == int(dict(headline(report).rows)["Signals"])


def test_decisions_chart_draws_the_reason_table(report: PeriodReport) -> None:
    ax = _axes(report, "decisions_by_reason")
    (container,) = _bars(ax).values()
    drawn = [p.get_width() for p in container.patches][::-1]  # top bar first
    labels = [t.get_text() for t in ax.get_yticklabels()][::-1]
    table = _table(detail_tables(report), "Decisions by reason")
    assert drawn == [int(row[2]) for row in table.rows] == [3, 3, 1]
    assert labels == ["approved", "rejected: rate_limit", "pending_risk"]


def test_reliability_chart_draws_the_bucket_table(report: PeriodReport) -> None:
    ax = _axes(report, "reliability")
    points = next(line for line in ax.get_lines() if line.get_marker() == "o")
    x, y = (np.asarray(v, dtype=float) for v in points.get_data())
    rows = reliability_table(report).rows
    # bins 0.6–0.7 (0.62 went up, 0.64 did not) and 0.7–0.8 (0.71 went up), hand-counted
    assert [(r[2], r[3]) for r in rows] == [("2", "1"), ("1", "1")]
    assert x == pytest.approx([0.63, 0.71])
    assert y == pytest.approx([int(r[3]) / int(r[2]) for r in rows])
    assert [f"{v * 100:.1f}%" for v in x] == [r[1] for r in rows]


def test_paper_charts_start_end_and_floor_match_the_headline(report: PeriodReport) -> None:
    h = report.headline
    equity = next(
        line
        for line in _axes(report, "paper_equity").get_lines()
        if line.get_label() == "paper equity"
    )
    values = np.asarray(equity.get_ydata(), dtype=float)
    assert (values[0], values[-1]) == (pytest.approx(h.paper_start), pytest.approx(h.paper_end))
    assert h.paper_end - h.paper_start == pytest.approx(h.paper_pnl)
    lines = {str(line.get_label()): line for line in _axes(report, "ftmo_headroom").get_lines()}
    daily = np.asarray(lines["paper: to daily floor"].get_ydata(), dtype=float)
    total = np.asarray(lines["paper: to total floor"].get_ydata(), dtype=float)
    assert daily.min() == pytest.approx(h.min_daily_headroom)
    assert total.min() == pytest.approx(h.min_total_headroom)


def test_html_page_titles_the_browser_tab_with_the_report_title(report: PeriodReport) -> None:
    page = html_page(report, [])
    assert f"<title>{html.escape(title(report))}</title>" in page
