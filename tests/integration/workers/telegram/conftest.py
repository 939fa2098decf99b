"""A seeded SQLite bot database, a BotService on it, and the bot polling the Bot API stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.engine import session_factory
from crpbot.db.records import OutcomeRecord, ScanCycleRecord
from crpbot.db.repos.outcomes import save_outcome
from crpbot.db.repos.scan_cycles import record_scan_cycle
from crpbot.db.repos.signals import save_signal
from crpbot.services.bot_service import BotService, RiskStateReader
from crpbot.services.pause import StoredPauseFlag
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService
from crpbot.telemetry.metrics import Telemetry
from crpbot.telemetry.readiness import Readiness
from crpbot_workers.telegram.bot import build_application
from crpbot_workers.telegram.serve import file_url
from tests.fixtures.db import make_signal, migrated_engine
from tests.fixtures.telegram_api import (
    TOKEN,
    TelegramStandIn,
)

BOT = "demo"
ALLOWED = 4242
"""An allowed private chat; its user is also the one admin."""
GROUP = -100_777
"""An allowed group chat whose members are not all admins."""
MEMBER = 555
STRANGER = 666
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with migrated_engine(f"sqlite:///{tmp_path / 'bot.db'}") as engine:
        yield session_factory(engine)


def _seed(sessions: sessionmaker[Session]) -> None:
    """Three signals (two resolved high-tier ones: a win and a loss) and one scan cycle."""
    with sessions.begin() as session:
        won = save_signal(
            session, make_signal(bot=BOT, tier="high", confidence=0.74, status="approved")
        )
        lost = save_signal(
            session,
            make_signal(
                bot=BOT,
                symbol="ETH-USD",
                tier="high",
                confidence=0.70,
                status="approved",
                bar_ts=T0 + timedelta(hours=1),
            ),
        )
        save_signal(
            session,
            make_signal(bot=BOT, tier="low", status="rejected", bar_ts=T0 + timedelta(hours=2)),
        )
        for saved, result in ((won, "won"), (lost, "lost")):
            save_outcome(
                session,
                OutcomeRecord(saved.id, result, T0 + timedelta(hours=5), 101.0, 1.0),  # type: ignore[arg-type]
            )
        record_scan_cycle(
            session,
            ScanCycleRecord(BOT, T0, T0 + timedelta(seconds=4), 4.2, 2, 0, 1),
        )


@pytest.fixture
def readiness() -> Readiness:
    return Readiness()


@pytest.fixture
def service(
    sessions: sessionmaker[Session], telemetry: Telemetry, readiness: Readiness
) -> BotService:
    _seed(sessions)
    engine = sessions.kw["bind"]
    guard = RiskGuardService(engine)
    guard.record_equity(EquityUpdate(BOT, 100_000.0, 100_000.0, T0))
    guard.record_equity(EquityUpdate(BOT, 100_000.0, 98_000.0, T0 + timedelta(hours=3)))
    pause = StoredPauseFlag(sessions, BOT, clock=lambda: T0)
    return bot_service(
        sessions, guard, readiness, telemetry, pause=pause, clock=lambda: T0 + timedelta(days=1)
    )


def bot_service(
    sessions: sessionmaker[Session],
    risk: RiskStateReader | None,
    readiness: Readiness,
    telemetry: Telemetry,
    **options: Any,
) -> BotService:
    """The bot under test on `risk`, its database reported ready; `options` go to BotService."""
    readiness.register("database", lambda: True)
    options.setdefault("pause", StoredPauseFlag(sessions, BOT))
    return BotService(
        sessions,
        bot=BOT,
        mode="observe",
        account=BOT,
        risk=risk,
        readiness=readiness,
        telemetry=telemetry,
        **options,
    )


@dataclass
class RunningBot:
    api: TelegramStandIn

    async def ask(
        self, text: str, chat_id: int = ALLOWED, user_id: int | None = None
    ) -> dict[str, object]:
        """Send `text` in `chat_id` (as `user_id`) and return the next reply the bot sends."""
        import asyncio

        before = len(self.api.state.sent)
        self.api.state.push_command(chat_id, text, user_id=user_id)
        sent = await asyncio.to_thread(self.api.state.wait_sent, before + 1)
        return sent[before]


@pytest.fixture
async def running_bot(
    service: BotService,
    telegram_api: TelegramStandIn,
    telemetry: Telemetry,
) -> AsyncIterator[RunningBot]:
    app = build_application(
        TOKEN,
        service,
        [ALLOWED, GROUP],
        admin_users=[ALLOWED],
        base_url=telegram_api.base_url,
        base_file_url=file_url(telegram_api.base_url),
        telemetry=telemetry,
    )
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        yield RunningBot(telegram_api)
        await app.updater.stop()
        await app.stop()
