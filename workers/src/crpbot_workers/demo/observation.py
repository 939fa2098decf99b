"""The replay's reports: the daily report of its last day and one summary of the whole period.

Both are the same documents `crpbot report daily` writes (markdown, self-contained HTML,
chart PNGs), read back from the replay's database. The realised win rate is given twice:
of approved signals (what the paper account traded) and of every resolved signal (what the
models' confidence is judged on), each with its Wilson interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.engine import make_engine, session_factory
from crpbot.db.repos.outcomes import resolved_signals
from crpbot.observation.reporting import ReportingService
from crpbot.observation.stats import Period, WinRate, win_rate
from crpbot.skill.gate import GateDecision
from crpbot_workers.demo.config import DEMO_ACCOUNT, DEMO_BOT, DemoConfig
from crpbot_workers.reports.daily import write_daily_report, write_report_files


@dataclass(frozen=True)
class WrittenReport:
    """One written report: its folder, documents and charts."""

    directory: Path
    markdown: Path
    html: Path
    charts: tuple[Path, ...]


@dataclass(frozen=True)
class ObservationReports:
    """Both reports plus the realised win rates with their 95% Wilson intervals."""

    day: str
    daily: WrittenReport
    period: WrittenReport
    approved_win_rate: WinRate
    all_win_rate: WinRate
    gates: tuple[GateDecision, ...] = ()
    """Each tier's skill gate at the end of the replay, on every replayed outcome."""


def write_observation_reports(
    database: Path,
    first_close: datetime,
    last_close: datetime,
    config: DemoConfig,
    out_dir: Path,
) -> ObservationReports:
    """The last replayed day's report and the period summary under `out_dir/<bot>/`."""
    engine = make_engine(f"sqlite:///{database}")
    try:
        return _write(session_factory(engine), first_close, last_close, config, out_dir)
    finally:
        engine.dispose()


def _write(
    sessions: sessionmaker[Session],
    first_close: datetime,
    last_close: datetime,
    config: DemoConfig,
    out_dir: Path,
) -> ObservationReports:
    day = _day_of(last_close)
    daily = write_daily_report(
        sessions,
        DEMO_BOT,
        day,
        out_dir,
        account=DEMO_ACCOUNT,
        account_size=config.initial_balance,
        limits=config.limits,
        skill=config.skill,
    )
    start = datetime.combine(_day_of(first_close), datetime.min.time(), tzinfo=UTC)
    period = Period(start, datetime.combine(day, datetime.min.time(), tzinfo=UTC) + _DAY)
    summary = ReportingService(sessions).report(
        DEMO_BOT,
        period,
        account_size=config.initial_balance,
        limits=config.limits,
        skill=config.skill,
        account=DEMO_ACCOUNT,
    )
    folder = out_dir / DEMO_BOT / f"period_{start.date().isoformat()}_{day.isoformat()}"
    written = write_report_files(summary, folder)
    with sessions() as session:
        results = [outcome.result for _, outcome in resolved_signals(session)]
    wins, losses = results.count("won"), results.count("lost")
    return ObservationReports(
        day=day.isoformat(),
        daily=WrittenReport(daily.directory, daily.markdown, daily.html, daily.charts),
        period=WrittenReport(written.directory, written.markdown, written.html, written.charts),
        approved_win_rate=summary.headline.win_rate,
        all_win_rate=win_rate(wins, wins + losses),
        gates=summary.gates,
    )


_DAY = timedelta(days=1)


def _day_of(close: datetime) -> date:
    """The UTC day a bar belongs to: a bar closing at midnight is the previous day's last."""
    return (close.astimezone(UTC) - timedelta(microseconds=1)).date()
