"""`crpbot report daily` and `crpbot metrics export`: observation mode's read side.

Both read the database (`--database-url`, else the `database_url` setting) and never write
to it. The paper account starts at `risk.account_size` and risks `risk.risk_per_trade_pct`
per approved signal; the guard's account defaults to the bot's name. `report daily` also
sends its summary to every allowed Telegram chat when a bot token is configured.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crpbot_workers.cli.common import console, err_console, fail, print_json, settings_or_fail
from crpbot_workers.compose import telegram_configured, telegram_notifier

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from crpbot.config import Settings
    from crpbot.notify.alerts import DailyReportAlert

app = typer.Typer(help="Observation reports: markdown + HTML with charts.", no_args_is_help=True)
metrics_app = typer.Typer(help="Export observation metrics as CSV and JSON.", no_args_is_help=True)

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL to read (default: the database_url setting).",
        show_default=False,
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Output folder (default: the report_dir setting).", show_default=False
    ),
]
BotOpt = Annotated[
    str | None,
    typer.Option(
        "--bot", help="Bot to report (default: the bot_name setting).", show_default=False
    ),
]
AccountOpt = Annotated[
    str | None,
    typer.Option(
        "--account", help="Risk-guard account (default: the bot's name).", show_default=False
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the written paths as JSON.")]
NotifyOpt = Annotated[
    bool | None,
    typer.Option(
        "--notify/--no-notify",
        help="Send the summary to the allowed Telegram chats "
        "(default: when a bot token and allowed chats are configured).",
        show_default=False,
    ),
]


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date like 2026-03-02, got {value!r}")


def parse_bound(value: str, option: str, *, end: bool) -> datetime:
    """A date means midnight UTC (for an end: the midnight AFTER it, so the day is included);
    a datetime without offset is UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date or ISO 8601 time like 2026-03-02T12:00Z, got {value!r}")
    if len(value) == len("YYYY-MM-DD"):
        day = datetime.combine(parsed.date(), time(0), tzinfo=UTC)
        return day + timedelta(days=1) if end else day
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _sessions(url: str) -> sessionmaker[Session]:
    from sqlalchemy.exc import ArgumentError

    from crpbot.db.engine import make_engine, session_factory

    try:
        return session_factory(make_engine(url))
    except (ArgumentError, ValueError):
        fail("invalid --database-url: expected an SQLAlchemy URL such as sqlite:///var/crpbot.db")


def _send_summary(settings: Settings, alert: DailyReportAlert) -> int:
    """Deliver `alert` to every allowed chat before returning; the number of chats it did
    not reach (Telegram down, chat gone) is returned so the command can exit non-zero."""
    notifier = telegram_notifier(settings)
    if notifier is None:
        return 0
    notifier.notify(alert)
    delivered = notifier.close()
    chats = len(notifier.chat_ids)
    return notifier.undelivered if delivered else chats


def _read_or_fail[T](work: Callable[[], T], what: str) -> T:
    """Run a database read; an unusable database is one line naming the fix, never a trace."""
    from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

    try:
        with err_console.status(what):
            return work()
    except (OperationalError, ProgrammingError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fail(f"cannot read the database ({reason}); is it migrated? run: crpbot db upgrade", 1)
    except SQLAlchemyError as exc:
        fail(f"cannot read the database: {type(exc).__name__}", 1)


@app.command("daily")
def daily(
    day: Annotated[
        str | None,
        typer.Option(
            "--date", help="UTC day, e.g. 2026-03-02 (default: yesterday, the last full day)."
        ),
    ] = None,
    out: OutOpt = None,
    bot: BotOpt = None,
    account: AccountOpt = None,
    database_url: UrlOpt = None,
    as_json: JsonOpt = False,
    notify: NotifyOpt = None,
) -> None:
    """Write <out>/<bot>/<date>/report.md and report.html with five charts.

    Charts: signals per hour, approvals and rejections by reason, confidence vs realised win
    rate, paper equity, FTMO headroom. The HTML is self-contained (charts embedded); the
    markdown links the PNG files beside it. The summary (counts, outcomes, paper equity and
    daily headroom) then goes to every allowed Telegram chat; exit 1 if a chat missed it.
    """
    from crpbot_workers.reports.daily import write_daily_report

    settings = settings_or_fail()
    configured = telegram_configured(settings)
    send = configured if notify is None else notify
    if send and not configured:
        fail("--notify needs CRPBOT_TELEGRAM_TOKEN and CRPBOT_TELEGRAM__ALLOWED_CHATS")
    when = parse_day(day, "--date") if day else datetime.now(UTC).date() - timedelta(days=1)
    sessions = _sessions(database_url or settings.database_url.get_secret_value())
    paths = _read_or_fail(
        lambda: write_daily_report(
            sessions,
            bot or settings.bot_name,
            when,
            out or settings.report_dir,
            account=account,
            account_size=settings.risk.account_size,
            limits=settings.risk.limits(),
        ),
        f"writing the report of {when}",
    )
    missed = _send_summary(settings, paths.alert) if send else 0
    if as_json:
        print_json(
            {
                "directory": paths.directory,
                "markdown": paths.markdown,
                "html": paths.html,
                "charts": list(paths.charts),
                "signals": paths.headline.signals,
                "approved": paths.headline.approved,
                "rejected": paths.headline.rejected,
                "notified": send and not missed,
            }
        )
    else:
        h = paths.headline
        console.print(
            f"{when}: {h.signals} signals ({h.approved} approved, {h.rejected} rejected)",
            highlight=False,
        )
        console.print(f"markdown: {paths.markdown}\nhtml:     {paths.html}", highlight=False)
        if send and not missed:
            console.print(f"summary sent to {len(settings.telegram.allowed_chats)} chat(s)")
    if missed:
        fail(f"the daily summary did not reach {missed} Telegram chat(s); see the log", 1)


@metrics_app.command("export")
def export(
    start: Annotated[
        str, typer.Option("--from", help="Start: a date (its midnight, UTC) or an ISO time.")
    ],
    end: Annotated[
        str, typer.Option("--to", help="End: a date (included whole) or an ISO time (excluded).")
    ],
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: csv, json.")
    ] = "csv,json",
    out: OutOpt = None,
    bot: BotOpt = None,
    account: AccountOpt = None,
    database_url: UrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the period's per-hour metrics and summary (hourly.csv, summary.csv, metrics.json)."""
    from crpbot_workers.reports.metrics_export import checked_formats, export_metrics

    settings = settings_or_fail()
    begin = parse_bound(start, "--from", end=False)
    finish = parse_bound(end, "--to", end=True)
    if finish <= begin:
        fail("--to must be after --from")
    try:
        wanted = checked_formats(formats.split(","))
    except ValueError as exc:
        fail(f"--format: {exc}")
    sessions = _sessions(database_url or settings.database_url.get_secret_value())
    paths = _read_or_fail(
        lambda: export_metrics(
            sessions,
            bot or settings.bot_name,
            begin,
            finish,
            out or settings.report_dir,
            formats=wanted,
            account=account,
            account_size=settings.risk.account_size,
            limits=settings.risk.limits(),
        ),
        f"exporting {begin:%Y-%m-%d %H:%M} → {finish:%Y-%m-%d %H:%M} UTC",
    )
    if as_json:
        print_json({"directory": paths.directory, "files": list(paths.files)})
        return
    for path in paths.files:
        console.print(str(path), highlight=False)
