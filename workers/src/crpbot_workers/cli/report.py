"""`crpbot report daily`: the day's observation report, and its summary on Telegram.

It reads the database (`--database-url`, else the `database_url` setting) and never writes
to it. The paper account starts at `risk.account_size` and risks `risk.risk_per_trade_pct`
per approved signal; the guard's account defaults to the bot's name. The summary goes to
every allowed Telegram chat when a bot token is configured.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from crpbot.clock import utcnow
from crpbot_workers.cli.common import DatabaseUrlOpt, console, fail, print_json, settings_or_fail
from crpbot_workers.cli.observation import (
    AccountOpt,
    BotOpt,
    JsonOpt,
    OutOpt,
    read_or_fail,
    sessions_or_fail,
)
from crpbot_workers.compose import telegram_configured, telegram_notifier

if TYPE_CHECKING:
    from crpbot.config import Settings
    from crpbot.notify.alerts import DailyReportAlert

app = typer.Typer(help="Observation reports: markdown + HTML with charts.", no_args_is_help=True)

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
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
    notify: NotifyOpt = None,
) -> None:
    """Write OUT/BOT/DATE/report.md and report.html with five charts.

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
    when = parse_day(day, "--date") if day else utcnow().date() - timedelta(days=1)
    sessions = sessions_or_fail(database_url or settings.database_url.get_secret_value())
    paths = read_or_fail(
        lambda: write_daily_report(
            sessions,
            bot or settings.bot_name,
            when,
            out or settings.report_dir,
            account=account,
            account_size=settings.risk.account_size,
            limits=settings.risk.limits(),
            skill=settings.skill_rules(),
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
