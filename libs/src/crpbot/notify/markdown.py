"""Alert text for Telegram's MarkdownV2 and for plain logs, from one layout per alert kind.

MarkdownV2 rejects a whole message when one reserved character is left unescaped, and prices
(`.`), symbols (`-`) and reasons (`_`) are full of them; so every value goes through
python-telegram-bot's `escape_markdown` (version 2) and only the layout adds markup. Both
renderings share `layout`, so they never disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime

from crpbot.notify.alerts import Alert, DailyReportAlert, FailureAlert, RiskAlert, SignalAlert

Layout = tuple[str, tuple[tuple[str, str], ...]]


def _price(value: float) -> str:
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.6g}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _when(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


UNPROVEN_NOTE = (
    "this signal is UNPROVEN: its tier has not shown a positive expectancy after costs "
    "on enough resolved signals"
)


def _skill(alert: SignalAlert) -> tuple[tuple[str, str], ...]:
    """Said on every alert while the gate is closed: a person may act on it by hand."""
    if alert.proven and alert.gate is not None:
        return (("Skill gate", alert.gate.message),)
    numbers = "gate not read" if alert.gate is None else alert.gate.message
    return (("Warning", UNPROVEN_NOTE), ("Skill gate", numbers))


def _signal(alert: SignalAlert) -> Layout:
    word = "Signal" if alert.proven else "UNPROVEN signal"
    title = f"{word}: {alert.side.upper()} {alert.symbol} ({alert.tier})"
    return title, (
        *_skill(alert),
        ("Entry", _price(alert.entry)),
        ("Stop", _price(alert.stop)),
        ("Target", _price(alert.target)),
        ("Confidence", _pct(alert.confidence)),
        ("Size", f"{alert.size:.6g}"),
        ("Bar", _when(alert.bar_ts)),
        ("Expires", _when(alert.expiry)),
        ("Bot", alert.bot),
    )


def _risk(alert: RiskAlert) -> Layout:
    word = "HALTED for the day" if alert.status == "halted_daily" else "BREACHED total loss"
    fields = (
        ("Equity", _price(alert.equity)),
        ("Daily floor", _price(alert.daily_floor)),
        ("Total floor", _price(alert.total_floor)),
        ("Time", _when(alert.ts)),
    )
    detail = (("Detail", alert.detail),) if alert.detail else ()
    return f"Risk: account {alert.account} {word}", fields + detail


def _daily(alert: DailyReportAlert) -> Layout:
    return f"Daily report {alert.day.isoformat()} ({alert.bot})", (
        ("Signals", str(alert.signals)),
        ("Approved / rejected", f"{alert.approved} / {alert.rejected}"),
        ("Won / lost / expired", f"{alert.won} / {alert.lost} / {alert.expired}"),
        ("Win rate", _pct(alert.win_rate)),
        ("Equity", _price(alert.equity)),
        ("Daily headroom", _price(alert.daily_headroom)),
        *((f"Skill gate {g.tier}", g.message) for g in alert.gates),
    )


def _failure(alert: FailureAlert) -> Layout:
    fields = (("Time", _when(alert.ts)), ("What", alert.summary))
    bot = (("Bot", alert.bot),) if alert.bot else ()
    title = f"Recovered: {alert.component}" if alert.recovered else f"Failure in {alert.component}"
    return title, bot + fields


def layout(alert: Alert) -> Layout:
    """Title and (label, value) lines of an alert, unescaped."""
    match alert:
        case SignalAlert():
            return _signal(alert)
        case RiskAlert():
            return _risk(alert)
        case DailyReportAlert():
            return _daily(alert)
        case FailureAlert():
            return _failure(alert)


def render(title: str, fields: tuple[tuple[str, str], ...]) -> str:
    """A bold title and `label: value` lines, every piece escaped for MarkdownV2."""
    # Imported here: python-telegram-bot would cost a scanner that only logs its alerts
    # (`format_plain`) 0.2-0.7 s of its start.
    from telegram.helpers import escape_markdown

    lines = [f"*{escape_markdown(title, version=2)}*"]
    lines += [
        f"{escape_markdown(label, version=2)}: `{escape_markdown(value, version=2)}`"
        for label, value in fields
    ]
    return "\n".join(lines)


def format_alert(alert: Alert) -> str:
    """The MarkdownV2 message Telegram gets for `alert`."""
    return render(*layout(alert))


def format_plain(alert: Alert) -> str:
    """One unmarked line for logs."""
    title, fields = layout(alert)
    return " | ".join([title, *(f"{label}: {value}" for label, value in fields)])
