"""`TelegramNotifier` against the Bot API stand-in: fan-out, 429 retry, failures counted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crpbot.notify.markdown import format_alert
from crpbot.notify.pacing import SendPacer
from crpbot.notify.telegram import TelegramNotifier, classify
from crpbot.telemetry.metrics import Telemetry
from tests.fixtures.telegram_api import (
    TOKEN,
    TelegramStandIn,
    bad_request,
    rate_limited,
    server_error,
)
from tests.unit.notify.conftest import FAILURE, RISK, SIGNAL, count

CHATS = (1001, -2002)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def notifier(
    telegram_api: TelegramStandIn, telemetry: Telemetry, sleeps: list[float]
) -> Iterator[TelegramNotifier]:
    instance = TelegramNotifier(
        TOKEN,
        CHATS,
        base_url=telegram_api.base_url,
        telemetry=telemetry,
        pacer=SendPacer(per_chat_interval_s=0.0),
        max_attempts=3,
        sleep=sleeps.append,
    )
    yield instance
    instance.close(5)


def test_telegram_notifier_sends_each_alert_to_every_chat(
    notifier: TelegramNotifier, telegram_api: TelegramStandIn, telemetry: Telemetry
) -> None:
    notifier.notify(SIGNAL)
    notifier.notify(RISK)
    assert notifier.flush(5)
    sent = telegram_api.state.sent
    assert [(m["chat_id"], m["text"]) for m in sent] == [
        (1001, format_alert(SIGNAL)),
        (-2002, format_alert(SIGNAL)),
        (1001, format_alert(RISK)),
        (-2002, format_alert(RISK)),
    ]
    assert {m["parse_mode"] for m in sent} == {"MarkdownV2"}
    assert count(telemetry, "crpbot_telegram_deliveries_total", result="ok") == 4
    assert count(telemetry, "crpbot_notifications_total", channel="telegram", result="ok") == 4


def test_telegram_notifier_waits_out_429_retry_after_then_delivers(
    notifier: TelegramNotifier,
    telegram_api: TelegramStandIn,
    telemetry: Telemetry,
    sleeps: list[float],
) -> None:
    telegram_api.state.fail_next_sends(rate_limited(7))
    notifier.notify(FAILURE)
    assert notifier.flush(5)
    assert 7.0 in sleeps
    assert len(telegram_api.state.sent) == 2
    assert count(telemetry, "crpbot_telegram_deliveries_total", result="retried") == 1
    assert count(telemetry, "crpbot_telegram_deliveries_total", result="ok") == 2
    assert count(telemetry, "crpbot_telegram_deliveries_total", result="failed") == 0


def test_telegram_notifier_counts_a_rejected_message_as_failed_without_retry(
    notifier: TelegramNotifier, telegram_api: TelegramStandIn, telemetry: Telemetry
) -> None:
    telegram_api.state.fail_next_sends(bad_request())
    notifier.notify(SIGNAL)
    assert notifier.flush(5)
    assert [m["chat_id"] for m in telegram_api.state.sent] == [-2002]
    assert count(telemetry, "crpbot_telegram_deliveries_total", result="failed") == 1
    assert count(telemetry, "crpbot_notifications_total", channel="telegram", result="failed") == 1
    assert count(telemetry, "crpbot_errors_total", component="telegram") == 1


def test_telegram_notifier_gives_up_after_max_attempts_on_server_errors(
    notifier: TelegramNotifier, telegram_api: TelegramStandIn, telemetry: Telemetry
) -> None:
    telegram_api.state.fail_next_sends(server_error(), server_error(), server_error())
    notifier.notify(SIGNAL)
    assert notifier.flush(5)
    assert [m["chat_id"] for m in telegram_api.state.sent] == [-2002]
    assert count(telemetry, "crpbot_telegram_deliveries_total", result="retried") == 2
    assert count(telemetry, "crpbot_telegram_deliveries_total", result="failed") == 1


def test_telegram_notifier_counts_an_unreachable_api_as_failed(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = TelegramNotifier(
        TOKEN,
        (1,),
        base_url="http://127.0.0.1:9/bot",
        telemetry=telemetry,
        max_attempts=2,
        sleep=lambda _s: None,
    )
    notifier.notify(SIGNAL)
    assert notifier.close(10)
    assert count(telemetry, "crpbot_telegram_deliveries_total", result="failed") == 1
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("status", "body", "ok", "retry_in"),
    [
        (200, {"ok": True, "result": {}}, True, None),
        (429, rate_limited(3)[1], False, 3.0),
        (429, {"ok": False}, False, 1.0),
        (502, {}, False, 4.0),
        (400, bad_request()[1], False, None),
        (403, {"ok": False, "description": "Forbidden: bot was blocked"}, False, None),
    ],
)
def test_classify_send_retry_or_give_up(
    status: int, body: dict[str, object], ok: bool, retry_in: float | None
) -> None:
    attempt = classify(status, body, attempt=2)
    assert (attempt.ok, attempt.retry_in) == (ok, retry_in)


def test_send_pacer_keeps_one_message_per_second_per_chat() -> None:
    pacer = SendPacer()
    assert pacer.delay(1, 10.0) == 0
    pacer.sent(1, 10.0)
    assert pacer.delay(1, 10.25) == pytest.approx(0.75)
    assert pacer.delay(2, 10.25) == 0
    assert pacer.delay(1, 11.0) == 0


def test_send_pacer_keeps_thirty_messages_per_second_overall() -> None:
    pacer = SendPacer(global_per_second=30)
    for chat in range(30):
        pacer.sent(chat, 5.0 + chat / 100)
    assert pacer.delay(99, 5.5) == pytest.approx(0.5)
    assert pacer.delay(99, 5.995) == pytest.approx(0.005)
    assert pacer.delay(99, 6.3) == 0
