"""What the observation commands (`report daily`, `metrics export`) share: the database they
read (never write), the bot, account and output options, and time bounds from the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crpbot_workers.cli.common import err_console, fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

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


def sessions_or_fail(url: str) -> sessionmaker[Session]:
    from sqlalchemy.exc import ArgumentError

    from crpbot.db.engine import make_engine, session_factory

    try:
        return session_factory(make_engine(url))
    except (ArgumentError, ValueError):
        fail("invalid --database-url: expected an SQLAlchemy URL such as sqlite:///var/crpbot.db")


def read_or_fail[T](work: Callable[[], T], what: str) -> T:
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
