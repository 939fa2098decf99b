"""The bot's own report for the `Risk` and `Signals 24h` columns, from its database and guard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot.services.bot_service import RISK_UNAVAILABLE, BotActivity, BotService
from crpbot.telemetry.metrics import Telemetry
from crpbot.telemetry.readiness import Readiness
from crpbot_workers.telegram.skill_publish import activity_record
from tests.integration.workers.telegram.conftest import T0, bot_service


def test_bot_service_activity_reads_the_guard_and_counts_the_last_day(
    service: BotService,
) -> None:
    """Seeded signals at T0, T0+1h and T0+2h; the service's clock is T0 + 1 day."""
    assert service.activity() == BotActivity(risk_status="active", signals_24h=3)


@pytest.mark.parametrize(("after", "expected"), [(90, 1), (150, 0)])
def test_bot_service_activity_leaves_out_signals_older_than_a_day(
    service: BotService,
    sessions: sessionmaker[Session],
    readiness: Readiness,
    telemetry: Telemetry,
    after: int,
    expected: int,
) -> None:
    later = T0 + timedelta(days=1, minutes=after)
    moved = bot_service(sessions, None, readiness, telemetry, clock=lambda: later)
    assert moved.activity() == BotActivity(RISK_UNAVAILABLE, expected)


def test_activity_record_uses_the_status_field_names() -> None:
    record = activity_record(BotActivity("halted_daily", 4))
    assert record == {"riskStatus": "halted_daily", "signals24h": 4}
