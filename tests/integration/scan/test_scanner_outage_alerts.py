"""The scanner's outage alert delivered to every allowed chat through the Bot API stand-in."""

from __future__ import annotations

from datetime import datetime

from crpbot.notify.alerts import FailureAlert
from crpbot.notify.markdown import format_alert
from crpbot.notify.telegram import TelegramNotifier
from crpbot.services.risk_client import RiskClient
from crpbot.telemetry.metrics import Telemetry
from tests.fixtures.ports import free_port
from tests.fixtures.telegram_api import TOKEN, TelegramStandIn
from tests.unit.scan.conftest import MakeScanner
from tests.unit.scan.support import BOT, HOUR, SYMBOLS

TWO_MIN = HOUR / 30


def _nobody() -> RiskClient:
    return RiskClient(f"http://127.0.0.1:{free_port()}", "token", connect_timeout_s=0.5)


def test_scanner_outage_alert_reaches_every_allowed_chat(
    make_scanner: MakeScanner,
    telegram_api: TelegramStandIn,
    telemetry: Telemetry,
    now: datetime,
) -> None:
    chats = (1001, -2002)
    telegram = TelegramNotifier(
        TOKEN,
        chats,
        base_url=telegram_api.base_url,
        telemetry=telemetry,
    )
    scanner = make_scanner(symbols=SYMBOLS[:1], risk=_nobody())
    scanner.deps.notifier = telegram
    scanner.run_cycle(now)
    scanner.run_cycle(now + TWO_MIN)
    assert telegram.close(5)

    sent = telegram_api.state.sent
    assert [m["chat_id"] for m in sent] == list(chats), "one message per chat, one outage"
    assert {m["parse_mode"] for m in sent} == {"MarkdownV2"}
    assert sent[0]["text"] == format_alert(
        FailureAlert(
            "risk_guard",
            "risk guard unreachable or refusing this bot's requests (see the scanner "
            "log): no signal is approved until it answers (computed signals are stored undecided)",
            now,
            bot=BOT,
        )
    )
