"""Bot flags: operator switches (pause) stored so that they survive restarts."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from crpbot.db.models import BotFlag
from crpbot.db.records import BotFlagRecord
from crpbot.db.upsert import insert_or_update

_FLAGS = cast(Table, BotFlag.__table__)


def set_paused(session: Session, bot: str, paused: bool, now: datetime) -> BotFlagRecord:
    """Pause or resume `bot` (e.g. from Telegram /pause); survives restarts."""
    insert_or_update(
        session,
        _FLAGS,
        {"bot": bot, "paused": paused, "updated_at": now},
        ("bot",),
        lambda new: {"paused": new.paused, "updated_at": new.updated_at},
    )
    return BotFlagRecord(bot=bot, paused=paused, updated_at=now)


def bot_flag(session: Session, bot: str) -> BotFlagRecord | None:
    """The stored switches of `bot`; None when never set (i.e. running)."""
    row = session.get(BotFlag, bot, populate_existing=True)
    return None if row is None else BotFlagRecord(row.bot, row.paused, row.updated_at)


def is_paused(session: Session, bot: str) -> bool:
    """Whether `bot` must skip its cycles."""
    flag = bot_flag(session, bot)
    return flag is not None and flag.paused
