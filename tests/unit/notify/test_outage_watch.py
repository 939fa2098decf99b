"""An outage is announced once when it starts and once when it ends, per component."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crpbot.notify.alerts import FailureAlert
from crpbot.notify.markdown import format_alert, format_plain
from crpbot.notify.outage_watch import OutageWatch

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _what(alert: FailureAlert | None) -> tuple[str, bool] | None:
    """An alert as (component, recovered), None for no alert."""
    return None if alert is None else (alert.component, alert.recovered)


def _seen(watch: OutageWatch, component: str, states: list[bool]) -> list[str | None]:
    alerts = [
        watch.observe(component, ok, T0 + timedelta(minutes=2 * i)) for i, ok in enumerate(states)
    ]
    return [None if a is None else ("recovered" if a.recovered else "down") for a in alerts]


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([True, True], [None, None]),
        ([True, False, False, False], [None, "down", None, None]),
        ([False, False, True, True], ["down", None, "recovered", None]),
        ([False, True, False, True], ["down", "recovered", "down", "recovered"]),
    ],
    ids=["healthy", "down-once", "down-then-recovered", "flapping"],
)
def test_outage_watch_alerts_on_transitions_only(
    states: list[bool], expected: list[str | None]
) -> None:
    assert _seen(OutageWatch("b1"), "risk_guard", states) == expected


def test_outage_watch_keeps_components_apart() -> None:
    watch = OutageWatch("b1")
    assert _what(watch.observe("risk_guard", False, T0)) == ("risk_guard", False)
    assert _what(watch.observe("database", False, T0)) == ("database", False)
    assert watch.observe("risk_guard", False, T0) is None
    assert _what(watch.observe("database", True, T0)) == ("database", True)


def test_outage_alert_says_what_fails_closed_and_reads_as_recovered_after() -> None:
    watch = OutageWatch("b1")
    down = watch.observe("risk_guard", False, T0)
    up = watch.observe("risk_guard", True, T0 + timedelta(minutes=4))
    assert down is not None and up is not None
    assert (down.bot, down.ts, down.recovered, up.recovered) == ("b1", T0, False, True)
    assert format_alert(down).split("\n")[:2] == [r"*Failure in risk\_guard*", r"Bot: `b1`"]
    assert "no signal is approved" in format_plain(down)
    assert format_alert(up).startswith(r"*Recovered: risk\_guard*")
    assert "Time: 2026-03-02 14:04 UTC" in format_plain(up)


def test_outage_watch_with_a_file_remembers_across_processes(tmp_path: Path) -> None:
    memory = tmp_path / "state" / "outages.json"
    assert _what(OutageWatch("b1", memory).observe("risk_guard", False, T0)) == (
        "risk_guard",
        False,
    )
    assert OutageWatch("b1", memory).observe("risk_guard", False, T0) is None, "same outage"
    recovered = OutageWatch("b1", memory).observe("risk_guard", True, T0)
    assert _what(recovered) == ("risk_guard", True)
    assert OutageWatch("b1", memory).observe("risk_guard", True, T0) is None


def test_outage_watch_unreadable_file_starts_with_no_outage(tmp_path: Path) -> None:
    memory = tmp_path / "outages.json"
    memory.write_text("{torn", encoding="utf-8")
    assert _what(OutageWatch("b1", memory).observe("database", False, T0)) == ("database", False)
    assert OutageWatch("b1", memory).observe("database", False, T0) is None
