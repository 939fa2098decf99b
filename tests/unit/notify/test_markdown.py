"""MarkdownV2 escaping matches python-telegram-bot's, and each alert kind reads right."""

from __future__ import annotations

import re

import pytest

from crpbot.notify.alerts import Alert
from crpbot.notify.markdown import format_alert, format_plain, render
from tests.fixtures.alerts import DAILY, FAILURE, RISK, SIGNAL

RESERVED = "_*[]()~`>#+-=|{}.!"


def test_render_leaves_no_reserved_character_bare() -> None:
    text = render(RESERVED + "\\", ((RESERVED, "BTC-USD 64,250.50 rate_limit"),))
    bare = re.search(r"(?<!\\)[_\[\]()~>#+\-=|{}.!]", text.replace("\\\\", ""))
    assert bare is None


@pytest.mark.parametrize(
    ("alert", "expected"),
    [
        (
            SIGNAL,
            [
                r"*Signal: LONG BTC\-USD \(high\)*",
                r"Entry: `64,250\.50`",
                r"Stop: `63,900\.00`",
                r"Confidence: `73\.4%`",
                r"Bar: `2026\-03\-02 14:00 UTC`",
            ],
        ),
        (
            RISK,
            [
                r"*Risk: account ftmo\-1 HALTED for the day*",
                r"Equity: `94,900\.00`",
                r"Daily floor: `95,000\.00`",
                r"Detail: `daily\_loss\_floor`",
            ],
        ),
        (
            DAILY,
            [
                r"*Daily report 2026\-03\-01 \(local\)*",
                r"Approved / rejected: `7 / 5`",
                r"Won / lost / expired: `4 / 2 / 1`",
                r"Win rate: `66\.7%`",
            ],
        ),
        (
            FAILURE,
            [r"*Failure in operator*", r"Bot: `b1`", r"What: `cannot create CronJob \(403\)`"],
        ),
    ],
    ids=["signal", "risk", "daily", "failure"],
)
def test_format_alert_lines(alert: Alert, expected: list[str]) -> None:
    lines = format_alert(alert).split("\n")
    for line in expected:
        assert line in lines


def test_format_alert_breach_is_worded_apart_from_a_halt() -> None:
    from dataclasses import replace

    text = format_alert(replace(RISK, status="breached_total", detail=""))
    assert "BREACHED total loss" in text and "Detail" not in text


def test_format_alert_small_prices_keep_significant_digits() -> None:
    from dataclasses import replace

    text = format_alert(replace(SIGNAL, symbol="SHIB-USD", entry=0.00001234, stop=0.0000119))
    assert r"Entry: `1\.234e\-05`" in text


def test_format_plain_has_no_markup() -> None:
    assert format_plain(SIGNAL).startswith("Signal: LONG BTC-USD (high) | Entry: 64,250.50")
    assert "\\" not in format_plain(RISK)
