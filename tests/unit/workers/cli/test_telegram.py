"""`crpbot telegram serve` refuses bad input with one line, never echoing the token."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from crpbot_workers.cli import app

runner = CliRunner()
TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"CRPBOT_TELEGRAM__ALLOWED_CHATS": "[1]"}, [], "set CRPBOT_TELEGRAM_TOKEN"),
        ({"CRPBOT_TELEGRAM_TOKEN": TOKEN}, [], "allowed_chats is empty"),
        (
            {"CRPBOT_TELEGRAM_TOKEN": TOKEN, "CRPBOT_TELEGRAM__ALLOWED_CHATS": "[1]"},
            ["--pause", "sideways"],
            "--pause must be auto, db or kubernetes",
        ),
    ],
)
def test_telegram_serve_refuses_bad_input_in_one_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], args: list[str], message: str
) -> None:
    monkeypatch.delenv("CRPBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("CRPBOT_TELEGRAM__ALLOWED_CHATS", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = runner.invoke(app, ["telegram", "serve", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert "AAHdqTcv" not in result.output
