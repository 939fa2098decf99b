"""Pausing a bot from a chat: one seam, two homes for the switch.

Locally the scanner reads a stored flag at the start of each cycle (`StoredPauseFlag`); in a
cluster the switch is the TradingBot's `spec.suspend`, which the operator turns into a
suspended CronJob (`crpbot_workers.telegram.k8s_pause`). The bot's commands only know
`PauseControl`, so both deployments answer `/pause` the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from crpbot.clock import utcnow
from crpbot.db.repos.bot_flags import is_paused, set_paused


class PauseControl(Protocol):
    """Reads and flips whether the bot scans."""

    def is_paused(self) -> bool:
        """Whether the scanner skips its cycles now."""
        ...

    def set_paused(self, paused: bool) -> None:
        """Pause (True) or resume (False); idempotent."""
        ...


class StoredPauseFlag:
    """The `bot_flags` row of one bot, which `crpbot scan` honours before each cycle."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        bot: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._bot = bot
        self._clock = clock

    def is_paused(self) -> bool:
        with self._sessions() as session:
            return is_paused(session, self._bot)

    def set_paused(self, paused: bool) -> None:
        with self._sessions.begin() as session:
            set_paused(session, self._bot, paused, self._clock())
