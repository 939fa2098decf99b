"""`TelegramNotifier` against the Bot API stand-in: fan-out, 429 retry, failures counted,
and `close` draining what was queued."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from crpbot.notify.markdown import format_alert
from crpbot.notify.telegram import TelegramNotifier, retry_delay
from crpbot.telemetry.metrics import Telemetry
from tests.fixtures.alerts import FAILURE, RISK, SIGNAL
from tests.fixtures.telegram_api import (
    TOKEN,
    TelegramStandIn,
    bad_request,
    rate_limited,
    server_error,
)
from tests.fixtures.telemetry import count

CHATS = (1001, -2002)


class Sleeps(list[float]):
    """Records the waits the notifier asks for instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def notifier(
    telegram_api: TelegramStandIn, telemetry: Telemetry, sleeps: Sleeps
) -> Iterator[TelegramNotifier]:
    instance = TelegramNotifier(
        TOKEN,
        CHATS,
        base_url=telegram_api.base_url,
        telemetry=telemetry,
        max_attempts=3,
        sleep=sleeps,
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
    sleeps: Sleeps,
) -> None:
    telegram_api.state.fail_next_sends(rate_limited(7))
    notifier.notify(FAILURE)
    assert notifier.flush(5)
    assert sleeps == [7.0]
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
        sleep=Sleeps(),
    )
    notifier.notify(SIGNAL)
    assert notifier.close(10)
    assert count(telemetry, "crpbot_telegram_deliveries_total", result="failed") == 1
    assert TOKEN not in caplog.text


def test_telegram_notifier_close_drains_the_queue_and_a_later_alert_still_goes(
    telegram_api: TelegramStandIn, telemetry: Telemetry
) -> None:
    notifier = TelegramNotifier(TOKEN, CHATS, base_url=telegram_api.base_url, telemetry=telemetry)
    for _ in range(3):
        notifier.notify(SIGNAL)
    assert notifier.close(10)
    assert len(telegram_api.state.sent) == 6
    notifier.notify(RISK)
    assert notifier.close(10)
    assert [m["text"] for m in telegram_api.state.sent[6:]] == [format_alert(RISK)] * 2
    assert notifier.undelivered == 0


def test_telegram_notifier_close_gives_up_waiting_at_its_timeout(
    telegram_api: TelegramStandIn, telemetry: Telemetry
) -> None:
    telegram_api.state.fail_next_sends(rate_limited(30))
    notifier = TelegramNotifier(TOKEN, (1,), base_url=telegram_api.base_url, telemetry=telemetry)
    notifier.notify(SIGNAL)
    assert notifier.close(0.5) is False
    assert telegram_api.state.sent == []


@pytest.mark.parametrize(
    ("error", "attempt", "wait"),
    [
        (RetryAfter(3), 0, 3.0),
        (RetryAfter(timedelta(seconds=4)), 0, 4.0),
        (NetworkError("Internal Server Error"), 2, 4.0),
        (NetworkError("Bad Gateway"), 9, 30.0),
        (TimedOut(), 0, 1.0),
        (BadRequest("Bad Request: chat not found"), 0, None),
        (Forbidden("Forbidden: bot was blocked by the user"), 0, None),
        (InvalidToken("Unauthorized"), 0, None),
        (ChatMigrated(-1001), 0, None),
        (TelegramError("anything else"), 0, None),
    ],
)
def test_retry_delay_waits_out_429_backs_off_on_network_errors_gives_up_on_the_rest(
    error: TelegramError, attempt: int, wait: float | None
) -> None:
    assert retry_delay(error, attempt) == wait
