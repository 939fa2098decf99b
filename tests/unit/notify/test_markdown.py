"""MarkdownV2 escaping matches python-telegram-bot's, and each alert kind reads right."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from crpbot.notify.alerts import Alert
from crpbot.notify.markdown import UNPROVEN_NOTE, format_alert, format_plain, render
from crpbot.skill.gate import GateRules, skill_gate, skill_gates
from tests.fixtures.alerts import DAILY, FAILURE, RISK, SIGNAL
from tests.fixtures.skill_outcomes import T0, outcomes

LATER = T0 + timedelta(days=60)

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
                r"*UNPROVEN signal: LONG BTC\-USD \(high\)*",
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
    text = format_alert(replace(RISK, status="breached_total", detail=""))
    assert "BREACHED total loss" in text and "Detail" not in text


def test_format_alert_small_prices_keep_significant_digits() -> None:
    text = format_alert(replace(SIGNAL, symbol="SHIB-USD", entry=0.00001234, stop=0.0000119))
    assert r"Entry: `1\.234e\-05`" in text


def test_format_plain_has_no_markup() -> None:
    assert format_plain(SIGNAL).startswith("UNPROVEN signal: LONG BTC-USD (high) | Warning: ")
    assert "\\" not in format_plain(RISK)


def test_format_alert_closed_gate_says_unproven_with_the_numbers() -> None:
    gate = skill_gate(outcomes("high", 10, 14), "high", LATER, GateRules(100, 0.0))
    plain = format_plain(replace(SIGNAL, gate=gate))
    assert plain.startswith("UNPROVEN signal: LONG BTC-USD (high) | Warning: this signal is")
    assert (
        "Skill gate: high tier UNPROVEN: n 24 (needs 100), expectancy -0.03 R after costs, "
        "95% [-0.52, +0.47], win rate 41.7% vs break-even 42.9%"
    ) in plain


def test_format_alert_unread_gate_says_unproven() -> None:
    plain = format_plain(SIGNAL)
    assert "Warning: " + UNPROVEN_NOTE in plain and "Skill gate: gate not read" in plain


def test_format_alert_open_gate_drops_the_warning() -> None:
    gate = skill_gate(outcomes("high", 70, 30), "high", LATER, GateRules(100, 0.0))
    plain = format_plain(replace(SIGNAL, gate=gate))
    assert plain.startswith("Signal: LONG BTC-USD (high) | Skill gate: high tier proven: n 100")
    assert "UNPROVEN" not in plain and "Warning" not in plain


def test_format_alert_daily_report_shows_every_gate() -> None:
    gates = skill_gates(outcomes("high", 3, 2), LATER)
    plain = format_plain(replace(DAILY, gates=gates))
    for tier in ("high", "medium", "low"):
        assert f"Skill gate {tier}: {tier} tier UNPROVEN" in plain
