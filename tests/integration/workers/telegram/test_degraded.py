"""Commands while the risk guard is unreachable: the bot still answers, and says what is
missing instead of failing the whole reply."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot.services.bot_service import BotService
from crpbot.services.risk_client import RiskClient
from crpbot.telemetry.metrics import Telemetry
from crpbot.telemetry.readiness import Readiness
from tests.fixtures.ports import free_port
from tests.integration.workers.telegram.conftest import ALLOWED, RunningBot, bot_service


@pytest.fixture
def service(
    sessions: sessionmaker[Session], telemetry: Telemetry, readiness: Readiness
) -> BotService:
    """The bot with a remote guard nobody listens for."""
    dead_guard = RiskClient(f"http://127.0.0.1:{free_port()}", "t0k3n", connect_timeout_s=0.5)
    return bot_service(sessions, dead_guard, readiness, telemetry)


async def test_bot_risk_says_the_guard_is_unavailable(running_bot: RunningBot) -> None:
    reply = await running_bot.ask("/risk")
    lines = str(reply["text"]).split("\n")
    assert reply["chat_id"] == ALLOWED
    assert lines[0] == "*Risk state unavailable*"
    assert lines[1].startswith("Why: `RiskGuardUnavailable")


async def test_bot_status_still_answers_without_the_guard(running_bot: RunningBot) -> None:
    text = str((await running_bot.ask("/status"))["text"])
    assert "*Bot demo: active*" in text
    assert "Risk: `unavailable`" in text
    assert "Last scan: `never`" in text


async def test_bot_signals_and_stats_answer_on_an_empty_database(
    running_bot: RunningBot,
) -> None:
    assert str((await running_bot.ask("/signals 3"))["text"]) == "*No signals yet*"
    stats = str((await running_bot.ask("/stats"))["text"])
    assert "Signals: `0`" in stats and "high tier: `no resolved trades; confidence n/a`" in stats
