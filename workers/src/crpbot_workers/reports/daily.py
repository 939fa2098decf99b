"""Write one bot's daily observation report: `<out_dir>/<bot>/<YYYY-MM-DD>/`.

Files: `report.md` (links the PNGs beside it), `report.html` (self-contained, the same PNGs
embedded), and one PNG per chart. Re-running for the same day overwrites them, so a report
can be regenerated after late outcomes resolve.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from crpbot.notify.alerts import DailyReportAlert
from crpbot.observation.period_report import Headline, PeriodReport
from crpbot.observation.reporting import ReportingService
from crpbot.observation.stats import Period
from crpbot.risk import RiskLimits
from crpbot.skill.gate import GateRules
from crpbot_workers.reports.charts import all_charts
from crpbot_workers.reports.documents import html_page, markdown
from crpbot_workers.reports.summary_alert import daily_alert

log = logging.getLogger(__name__)

DEFAULT_ACCOUNT_SIZE = 100_000.0


@dataclass(frozen=True, slots=True)
class DailyReportPaths:
    """Where the report landed, its headline figures for whoever prints a summary, and the
    summary alert for whoever sends one."""

    directory: Path
    markdown: Path
    html: Path
    charts: tuple[Path, ...]
    headline: Headline
    alert: DailyReportAlert


def report_directory(out_dir: Path, bot: str, day: date) -> Path:
    return out_dir / bot / day.isoformat()


def write_report_files(report: PeriodReport, directory: Path) -> DailyReportPaths:
    """Render an already summarised period (a replay can summarise once and write here)."""
    directory.mkdir(parents=True, exist_ok=True)
    charts = all_charts(report)
    pngs = []
    for chart in charts:
        path = directory / f"{chart.name}.png"
        path.write_bytes(chart.png)
        pngs.append(path)
    md_path = directory / "report.md"
    md_path.write_text(markdown(report, charts), encoding="utf-8")
    html_path = directory / "report.html"
    html_path.write_text(html_page(report, charts), encoding="utf-8")
    log.info(
        "daily report written",
        extra={"bot": report.bot, "directory": str(directory), "signals": report.headline.signals},
    )
    return DailyReportPaths(
        directory, md_path, html_path, tuple(pngs), report.headline, daily_alert(report)
    )


def write_daily_report(
    session_factory: sessionmaker[Session],
    bot: str,
    day: date,
    out_dir: Path,
    *,
    account: str | None = None,
    account_size: float = DEFAULT_ACCOUNT_SIZE,
    limits: RiskLimits | None = None,
    skill: GateRules | None = None,
) -> DailyReportPaths:
    """Report the UTC day `day` of `bot` from the database.

    `account` is the risk guard's account (default: the bot's name); the paper account starts
    at `account_size` and risks `limits.risk_per_trade_pct` per approved signal; `skill`
    (default: `GateRules()`, the settings' defaults) charges costs and decides the gates.
    """
    report = ReportingService(session_factory).report(
        bot,
        Period.day(day),
        account_size=account_size,
        limits=limits or RiskLimits(),
        skill=skill or GateRules(),
        account=account,
    )
    return write_report_files(report, report_directory(out_dir, bot, day))
