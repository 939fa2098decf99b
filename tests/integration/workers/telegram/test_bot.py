"""Every command end to end: stand-in Bot API → python-telegram-bot → BotService → SQLite."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot.services.bot_service import BotService, RiskUnavailableError
from crpbot.services.pause import StoredPauseFlag
from crpbot.telemetry.metrics import Telemetry
from crpbot.telemetry.readiness import Readiness
from crpbot_workers.telegram.bot import build_application, may_change_state, register_commands
from crpbot_workers.telegram.serve import file_url
from tests.fixtures.ports import free_port
from tests.fixtures.telegram_api import TOKEN, TelegramStandIn, bad_request, rate_limited
from tests.fixtures.telemetry import count
from tests.integration.workers.telegram.conftest import ALLOWED, GROUP, MEMBER, STRANGER, RunningBot


async def _settled(telemetry: Telemetry, series: str, expected: float, **labels: str) -> float:
    """The count once the handler finished (the reply lands before the handler returns)."""
    for _ in range(50):
        if count(telemetry, series, **labels) == expected:
            break
        await asyncio.sleep(0.05)
    return count(telemetry, series, **labels)


@pytest.mark.parametrize(
    ("command", "fragments"),
    [
        ("/start", [r"*crpbot demo*", r"/signals \[n\]"]),
        ("/help", [r"/pause: `stop scanning \(admins\)`"]),
        (
            "/status",
            [
                r"*Bot demo: active*",
                "Mode: `observe`",
                "Risk: `active`",
                r"Last scan: `2026\-03\-02 14:00 UTC \(4\.2s\)`",
                r"Skill gate high: `high tier UNPROVEN: n 2 \(needs 100\), expectancy \+0\.95 R",
                r"Skill gate low: `low tier UNPROVEN: no resolved signals yet \(needs 100\)`",
            ],
        ),
        (
            "/signals",
            [
                r"*Last 3 signals*",
                r"2026\-03\-02 16:00 UTC BTC\-USD long low conf 61\.0% rejected",
                r"2026\-03\-02 15:00 UTC ETH\-USD long high conf 70\.0% approved",
            ],
        ),
        ("/signals 1", [r"*Last 1 signals*"]),
        (
            "/risk",
            [
                "*Risk demo: active*",
                r"Equity: `98,000\.00`",
                r"Daily floor: `95,000\.00`",
                r"Daily headroom: `3,000\.00`",
                r"Total floor: `90,000\.00`",
                r"Total headroom: `8,000\.00`",
            ],
        ),
        (
            "/stats",
            [
                "*Stats, last 30 days*",
                "Signals: `3`",
                "Approved / rejected: `2 / 1`",
                r"high tier: `n 2 \(won 1, lost 1, expired 0\), win rate 50\.0% vs break\-even "
                r"35\.0%, expectancy \+0\.95 R after costs, 95% \[\+0\.95, \+0\.95\]; "
                r"confidence 72\.0%`",
            ],
        ),
        ("/health", ["*Ready*", "database: `up`"]),
    ],
)
async def test_bot_answers_command(
    running_bot: RunningBot, command: str, fragments: list[str]
) -> None:
    reply = await running_bot.ask(command)
    assert reply["chat_id"] == ALLOWED
    assert reply["parse_mode"] == "MarkdownV2"
    for fragment in fragments:
        assert fragment in str(reply["text"]).split("\n") or fragment in str(reply["text"])


async def test_bot_pause_and_resume_flip_the_stored_flag(
    running_bot: RunningBot, service: BotService, telemetry: Telemetry
) -> None:
    assert "*Bot demo paused*" in str((await running_bot.ask("/pause"))["text"])
    assert service.status().paused
    assert await _settled(telemetry, "crpbot_bot_active", 0, bot="demo") == 0
    assert r"paused \(already\)" in str((await running_bot.ask("/pause"))["text"])
    assert "*Bot demo: paused*" in str((await running_bot.ask("/status"))["text"])
    assert "*Bot demo resumed*" in str((await running_bot.ask("/resume"))["text"])
    assert not service.status().paused
    assert await _settled(telemetry, "crpbot_bot_active", 1, bot="demo") == 1


@pytest.mark.parametrize("command", ["/pause", "/resume"])
async def test_bot_refuses_a_state_change_from_a_group_member_not_on_the_admin_list(
    running_bot: RunningBot,
    service: BotService,
    caplog: pytest.LogCaptureFixture,
    command: str,
) -> None:
    if command == "/resume":
        service.pause()
    paused_before = service.status().paused
    reply = await running_bot.ask(command, chat_id=GROUP, user_id=MEMBER)
    assert reply["chat_id"] == GROUP
    assert str(reply["text"]).startswith(r"*Not allowed: " + command)
    assert f"user {MEMBER} is not in telegram\\.admin\\_users" in str(reply["text"])
    assert service.status().paused is paused_before
    refused = [r for r in caplog.records if getattr(r, "user_id", None) == MEMBER]
    assert [(r.levelname, getattr(r, "chat_id", None)) for r in refused] == [("WARNING", GROUP)]


async def test_bot_pauses_for_an_admin_in_a_group(
    running_bot: RunningBot, service: BotService
) -> None:
    reply = await running_bot.ask("/pause", chat_id=GROUP, user_id=ALLOWED)
    assert "*Bot demo paused*" in str(reply["text"])
    assert service.status().paused


async def test_bot_read_only_commands_answer_every_group_member(running_bot: RunningBot) -> None:
    reply = await running_bot.ask("/status", chat_id=GROUP, user_id=MEMBER)
    assert "*Bot demo: active*" in str(reply["text"])


async def test_bot_gives_a_chat_outside_the_allow_list_nothing_even_from_an_admin(
    running_bot: RunningBot, service: BotService
) -> None:
    running_bot.api.state.push_command(STRANGER, "/pause", user_id=ALLOWED)
    await running_bot.ask("/help")  # updates run in order: the strangers' ran first
    assert [m["chat_id"] for m in running_bot.api.state.sent] == [ALLOWED]
    assert not service.status().paused


@pytest.mark.parametrize(
    ("user_id", "admins", "allowed"),
    [(1, {1, 2}, True), (3, {1, 2}, False), (None, {1}, False), (1, set(), False)],
)
def test_may_change_state_only_for_a_known_admin(
    user_id: int | None, admins: set[int], allowed: bool
) -> None:
    assert may_change_state(user_id, admins) is allowed


async def test_bot_health_lists_a_failing_dependency(
    running_bot: RunningBot, readiness: Readiness
) -> None:
    readiness.set("risk_guard", False)
    text = str((await running_bot.ask("/health"))["text"])
    assert "*NOT ready*" in text and "risk\\_guard: `DOWN check returned false`" in text


async def test_bot_signals_rejects_a_bad_count(running_bot: RunningBot) -> None:
    reply = await running_bot.ask("/signals lots")
    assert str(reply["text"]).startswith("*Usage: /signals")


async def test_bot_ignores_chats_outside_the_allow_list(
    running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    running_bot.api.state.push_command(STRANGER, "/status")
    running_bot.api.state.push_command(STRANGER, "hello, my secret is hunter-two")
    reply = await running_bot.ask("/help")  # updates run in order: the strangers' ran first
    assert [m["chat_id"] for m in running_bot.api.state.sent] == [ALLOWED]
    assert reply["chat_id"] == ALLOWED
    stranger_logs = [r for r in caplog.records if getattr(r, "chat_id", None) == STRANGER]
    assert len(stranger_logs) == 2
    assert "hunter-two" not in caplog.text
    assert TOKEN not in caplog.text


async def test_bot_reply_waits_out_429_and_counts_it(
    running_bot: RunningBot, telemetry: Telemetry
) -> None:
    running_bot.api.state.fail_next_sends(rate_limited(1))
    reply = await running_bot.ask("/help")
    assert "*crpbot demo*" in str(reply["text"])
    assert count(telemetry, "crpbot_telegram_deliveries_total", result="retried") == 1
    assert await _settled(telemetry, "crpbot_telegram_deliveries_total", 1, result="ok") == 1


async def test_bot_reply_failure_is_counted_as_a_telegram_error(
    running_bot: RunningBot, telemetry: Telemetry
) -> None:
    running_bot.api.state.fail_next_sends(bad_request("Bad Request: can't parse entities"))
    reply = await running_bot.ask("/help")
    assert "internal error" in str(reply["text"])
    assert count(telemetry, "crpbot_telegram_deliveries_total", result="failed") == 1
    assert await _settled(telemetry, "crpbot_errors_total", 1, component="telegram") == 1


def test_bot_service_without_a_risk_guard_reports_it_unavailable(
    sessions: sessionmaker[Session], readiness: Readiness, telemetry: Telemetry
) -> None:
    service = BotService(
        sessions,
        bot="demo",
        mode="observe",
        account="demo",
        pause=StoredPauseFlag(sessions, "demo"),
        risk=None,
        readiness=readiness,
        telemetry=telemetry,
    )
    with pytest.raises(RiskUnavailableError, match="no risk guard"):
        service.risk_state()
    status = service.status()
    assert status.risk_status is None and status.last_scan is None and status.active
    assert service.recent_signals(0) == [] and service.stats().signals == 0


async def test_register_commands_sets_the_menu_clients_show(
    service: BotService, telegram_api: TelegramStandIn
) -> None:
    app = build_application(
        TOKEN,
        service,
        [ALLOWED],
        base_url=telegram_api.base_url,
        base_file_url=file_url(telegram_api.base_url),
    )
    async with app:
        assert await register_commands(app)
    commands = telegram_api.state.commands
    assert [c["command"] for c in commands] == [
        "status",
        "signals",
        "risk",
        "stats",
        "pause",
        "resume",
        "health",
        "help",
    ]
    assert commands[4]["description"] == "stop scanning (admins)"


async def test_register_commands_failing_does_not_stop_the_bot(service: BotService) -> None:
    dead = f"http://127.0.0.1:{free_port()}/bot"
    app = build_application(TOKEN, service, [ALLOWED], base_url=dead, base_file_url=dead)
    assert not await register_commands(app)
