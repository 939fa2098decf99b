"""`crpbot scan --once` announcing a guard outage through the Bot API stand-in."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from crpbot_workers.cli import app
from tests.fixtures.ports import free_port
from tests.fixtures.scan_env import scan_once_args
from tests.fixtures.telegram_api import TOKEN, TelegramStandIn

runner = CliRunner()


def test_scan_once_announces_a_guard_outage_once_across_runs_then_its_end(
    scan_settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    telegram_api: TelegramStandIn,
) -> None:
    monkeypatch.setenv("CRPBOT_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("CRPBOT_TELEGRAM__ALLOWED_CHATS", "[1001, -2002]")
    monkeypatch.setenv("CRPBOT_TELEGRAM__BASE_URL", telegram_api.base_url)
    monkeypatch.setenv("CRPBOT_RISK__GUARD_URL", f"http://127.0.0.1:{free_port()}")
    for _ in range(2):
        down = runner.invoke(app, scan_once_args("--json"))
        assert down.exit_code == 0, down.output
        (row,) = json.loads(down.stdout)["symbols"]
        assert row["outcome"] == "risk_unavailable"
    monkeypatch.delenv("CRPBOT_RISK__GUARD_URL")
    back = runner.invoke(app, scan_once_args("--json"))
    assert back.exit_code == 0, back.output

    sent = telegram_api.state.sent
    titles = [(m["chat_id"], m["text"].split("\n")[0]) for m in sent]
    signal = titles[2][1]
    assert signal.startswith("*UNPROVEN signal: ") and "EURUSD" in signal
    assert titles == [
        (1001, r"*Failure in risk\_guard*"),
        (-2002, r"*Failure in risk\_guard*"),
        (1001, signal),
        (-2002, signal),
        (1001, r"*Recovered: risk\_guard*"),
        (-2002, r"*Recovered: risk\_guard*"),
    ]
