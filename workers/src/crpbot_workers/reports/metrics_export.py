"""Export one period's metrics for machines: per-hour rows and a summary, as CSV and JSON.

Layout: `<out_dir>/<bot>/metrics/<start>_<end>/` with `hourly.csv` (one row per UTC hour),
`summary.csv` (`metric,value` rows) and `metrics.json` (both, plus the period). Missing values
(a win rate before any decided outcome) are empty CSV cells and JSON nulls.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crpbot.observation.period_report import PeriodReport
from crpbot.observation.reporting import ReportingService
from crpbot.observation.stats import Period
from crpbot.risk import RiskLimits
from crpbot.skill.gate import GateRules
from crpbot_workers.reports.daily import DEFAULT_ACCOUNT_SIZE

log = logging.getLogger(__name__)

FORMATS = ("csv", "json")


@dataclass(frozen=True, slots=True)
class ExportPaths:
    """The files written, by format."""

    directory: Path
    files: tuple[Path, ...]


def hourly_records(report: PeriodReport) -> list[dict[str, Any]]:
    """The per-hour rows as JSON-ready dicts (hour as ISO 8601 UTC)."""
    return [{**asdict(row), "hour": row.hour.isoformat()} for row in report.hours]


def summary_record(report: PeriodReport) -> dict[str, Any]:
    """The period's headline as one flat dict (the win rate spread into its parts)."""
    h = report.headline
    flat = {k: v for k, v in asdict(h).items() if k != "win_rate"}
    return {
        "bot": report.bot,
        "account": report.account,
        "start": report.period.start.isoformat(),
        "end": report.period.end.isoformat(),
        "account_size": report.account_size,
        "risk_per_trade_pct": report.risk_per_trade_pct,
        **flat,
        "approval_rate": h.approval_rate,
        "win_rate": h.win_rate.rate,
        "win_rate_low": h.win_rate.low,
        "win_rate_high": h.win_rate.high,
        "win_rate_decided": h.win_rate.decided,
        "calibration_refits": len(report.calibrations),
    }


def checked_formats(formats: Iterable[str]) -> frozenset[str]:
    """The wanted formats; ValueError for none or an unknown one."""
    wanted = frozenset(f.strip().lower() for f in formats if f.strip())
    if not wanted or wanted - set(FORMATS):
        raise ValueError(f"formats must be among {', '.join(FORMATS)}, got {sorted(wanted)}")
    return wanted


def _stamp(ts: datetime) -> str:
    return ts.strftime("%Y%m%dT%H%M%SZ")


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return path


def write_metrics(
    report: PeriodReport, out_dir: Path, formats: Iterable[str] = FORMATS
) -> ExportPaths:
    """Write an already summarised period in the wanted formats."""
    wanted = checked_formats(formats)
    directory = out_dir / report.bot / "metrics"
    directory /= f"{_stamp(report.period.start)}_{_stamp(report.period.end)}"
    directory.mkdir(parents=True, exist_ok=True)
    hourly = hourly_records(report)
    summary = summary_record(report)
    files: list[Path] = []
    if "csv" in wanted:
        columns = list(hourly[0])
        files.append(_write_csv(directory / "hourly.csv", columns, hourly))
        pairs = ({"metric": k, "value": v} for k, v in summary.items())
        files.append(_write_csv(directory / "summary.csv", ["metric", "value"], pairs))
    if "json" in wanted:
        path = directory / "metrics.json"
        path.write_text(json.dumps({"summary": summary, "hourly": hourly}, indent=2) + "\n")
        files.append(path)
    log.info("metrics exported", extra={"bot": report.bot, "directory": str(directory)})
    return ExportPaths(directory, tuple(files))


def export_metrics(
    session_factory: sessionmaker[Session],
    bot: str,
    start: datetime,
    end: datetime,
    out_dir: Path,
    *,
    formats: Iterable[str] = FORMATS,
    account: str | None = None,
    account_size: float = DEFAULT_ACCOUNT_SIZE,
    limits: RiskLimits | None = None,
    skill: GateRules | None = None,
) -> ExportPaths:
    """Export [start, end) of `bot` from the database (bounds timezone-aware)."""
    wanted = checked_formats(formats)
    report = ReportingService(session_factory).report(
        bot,
        Period(start, end),
        account_size=account_size,
        limits=limits or RiskLimits(),
        skill=skill or GateRules(),
        account=account,
    )
    return write_metrics(report, out_dir, wanted)
