"""Answers to chat commands as MarkdownV2, from the service layer's dataclasses.

Every value goes through python-telegram-bot's `escape_markdown` (via `render`), so a symbol
like `BTC-USD` or a price like `64,250.50` can never make Telegram reject the whole reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from telegram.helpers import escape_markdown

from crpbot.db.records import SignalRecord
from crpbot.notify.markdown import render
from crpbot.services.bot_service import BotStats, BotStatus, PauseChange, RiskView
from crpbot.skill.expectancy import describe
from crpbot.telemetry.readiness import ReadinessReport

HELP = (
    ("/status", "bot state, last scan, mode"),
    ("/signals [n]", "the n newest signals (default 5, at most 50)"),
    ("/risk", "equity, FTMO floors, headroom, halted or not"),
    ("/stats", "win rate vs break-even, expectancy after costs, calibration by tier"),
    ("/pause", "stop scanning (admins)"),
    ("/resume", "scan again (admins)"),
    ("/health", "dependencies up or down"),
    ("/help", "this list"),
)


def _when(ts: datetime | None) -> str:
    return "never" if ts is None else ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def help_text(bot: str) -> str:
    return render(f"crpbot {bot}", HELP)


def status_text(status: BotStatus) -> str:
    scan = status.last_scan
    last = "never" if scan is None else f"{_when(scan.finished_at)} ({scan.duration_s:.1f}s)"
    state = "paused" if status.paused else ("active" if status.active else "halted")
    gates = tuple((f"Skill gate {g.tier}", g.message) for g in status.gates)
    return render(
        f"Bot {status.bot}: {state}",
        (
            ("Mode", status.mode),
            ("Risk", status.risk_status or "unavailable"),
            ("Last scan", last),
            ("Last scan signals", "n/a" if scan is None else str(scan.signals)),
            *gates,
        ),
    )


def signals_text(signals: Sequence[SignalRecord]) -> str:
    if not signals:
        return render("No signals yet", ())
    lines = [f"*{escape_markdown(f'Last {len(signals)} signals', version=2)}*"]
    for s in signals:
        line = (
            f"{_when(s.bar_ts)} {s.symbol} {s.side} {s.tier} conf {_pct(s.confidence)} {s.status}"
        )
        lines.append(escape_markdown(line, version=2))
    return "\n".join(lines)


def risk_text(risk: RiskView) -> str:
    return render(
        f"Risk {risk.account}: {'HALTED' if risk.halted else risk.status}",
        (
            ("Status", risk.status),
            ("Equity", _money(risk.equity)),
            ("Balance", _money(risk.balance)),
            ("Daily floor", _money(risk.daily_floor)),
            ("Daily headroom", _money(risk.daily_headroom)),
            ("Total floor", _money(risk.total_floor)),
            ("Total headroom", _money(risk.total_headroom)),
            ("Signals last hour", f"{risk.signals_last_hour} ({risk.high_tier_last_hour} high)"),
        ),
    )


def unavailable_text(what: str, reason: str) -> str:
    return render(f"{what} unavailable", (("Why", reason),))


def stats_text(stats: BotStats) -> str:
    fields = [
        ("Signals", str(stats.signals)),
        ("Approved / rejected", f"{stats.approved} / {stats.rejected}"),
    ]
    for tier in stats.tiers:
        fields.append(
            (
                f"{tier.tier} tier",
                f"{describe(tier.figures)}; confidence {_pct(tier.mean_confidence)}",
            )
        )
    return render(f"Stats, last {stats.window_days} days", tuple(fields))


def pause_text(change: PauseChange) -> str:
    word = "paused" if change.paused else "resumed"
    note = "" if change.changed else " (already)"
    return render(f"Bot {change.bot} {word}{note}", ())


def health_text(report: ReadinessReport) -> str:
    fields = tuple(
        (check.name, "up" if check.ok else f"DOWN {check.detail}".strip())
        for check in report.checks
    )
    return render("Ready" if report.ready else "NOT ready", fields)


def refused_text(command: str, user_id: int | None) -> str:
    """Why a state change was refused, with the id an operator would add to allow it."""
    who = "an anonymous sender" if user_id is None else f"user {user_id}"
    return render(
        f"Not allowed: /{command} changes the bot's state",
        (("Why", f"{who} is not in telegram.admin_users"),),
    )


def usage_text(usage: str) -> str:
    return render(f"Usage: {usage}", ())
