"""`crpbot telegram serve` as a process: a refused token stops it without printing the token.

python-telegram-bot names a refused token in full in its exception ("The token `…` was
rejected by the server"), and nothing catches that exception: Python's default hook used to
print it raw on stderr, the pod's log. Uncaught exceptions now go through the redacting log.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.ports import free_port
from tests.fixtures.telegram_api import TelegramStandIn

WRONG_TOKEN = "654321:refused-T0ken-xyz"
"""Not the stand-in's token, and too short for the token-shaped mask: only registration and
the redacting hook can keep it out."""
RISK_TOKEN = "risk!T0ken%value"


def test_telegram_serve_with_a_refused_token_exits_without_printing_any_secret(
    telegram_api: TelegramStandIn, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "CRPBOT_TELEGRAM_TOKEN": WRONG_TOKEN,
        "CRPBOT_RISK_TOKEN": RISK_TOKEN,
        "CRPBOT_TELEGRAM__BASE_URL": telegram_api.base_url,
        "CRPBOT_TELEGRAM__ALLOWED_CHATS": "[1]",
        "CRPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    env.pop("CRPBOT_CONFIG_FILE", None)
    crpbot = str(Path(sys.executable).parent / "crpbot")
    serve = ["telegram", "serve", "--pause", "db", "--port", str(free_port())]
    result = subprocess.run(
        [crpbot, "--log-level", "INFO", *serve],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "InvalidToken" in output and "[REDACTED]" in output
    assert "refused-T0ken" not in output
    assert "T0ken%value" not in output
