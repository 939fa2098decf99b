"""A TradingBot condition is announced once when it has failed for a while, once when it heals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crpbot.notify.condition_watch import (
    DEFAULT_GRACE,
    ConditionWatch,
    judge,
    read_conditions,
)
from crpbot.notify.markdown import format_alert, format_plain

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
LONG_AGO = T0 - timedelta(hours=1)


def _cond(kind: str, status: str, since: datetime = LONG_AGO, **extra: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": status,
        "reason": extra.get("reason", "Unavailable" if status == "False" else "Available"),
        "message": extra.get("message", "0/1 replicas available"),
        "lastTransitionTime": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _bot(*conditions: dict[str, Any], suspend: bool = False) -> dict[str, Any]:
    return {"spec": {"suspend": suspend}, "status": {"conditions": list(conditions)}}


def _seen(statuses: list[str | None]) -> list[str | None]:
    """What one watch announces for ModelServerReady over successive polls (None: absent)."""
    watch = ConditionWatch("b1")
    out: list[str | None] = []
    for i, status in enumerate(statuses):
        body = _bot() if status is None else _bot(_cond("ModelServerReady", status))
        alerts = watch.observe(body, T0 + timedelta(minutes=i))
        assert len(alerts) <= 1
        out.append(None if not alerts else ("recovered" if alerts[0].recovered else "down"))
    return out


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["True", "True"], [None, None]),
        (["False", "False", "False"], ["down", None, None]),
        (["False", "True", "True"], ["down", "recovered", None]),
        (["True", "False", "True"], [None, "down", "recovered"]),
        (["False", "True", "False", "True"], ["down", "recovered", "down", "recovered"]),
        (["False", None, "False", "True"], ["down", None, None, "recovered"]),
        (["Unknown", "False", "Unknown", "True"], [None, "down", None, "recovered"]),
    ],
    ids=[
        "healthy",
        "first-sight-false-once",
        "recovered",
        "fails-then-heals",
        "flapping",
        "missing-keeps-memory",
        "unknown-ignored",
    ],
)
def test_condition_watch_alerts_on_transitions_only(
    statuses: list[str | None], expected: list[str | None]
) -> None:
    assert _seen(statuses) == expected


def test_condition_watch_ignores_condition_types_it_does_not_know() -> None:
    body = _bot(_cond("TelegramReady", "False"), _cond("SomethingNew", "False"))
    assert ConditionWatch("b1").observe(body, T0) == ()


def test_condition_watch_keeps_conditions_apart() -> None:
    watch = ConditionWatch("b1")
    both = watch.observe(
        _bot(_cond("ModelServerReady", "False"), _cond("RiskGuardReady", "False")), T0
    )
    assert [a.component for a in both] == ["model-server", "risk-guard"]
    healed = watch.observe(
        _bot(_cond("ModelServerReady", "False"), _cond("RiskGuardReady", "True")), T0
    )
    assert [(a.component, a.recovered) for a in healed] == [("risk-guard", True)]


@pytest.mark.parametrize(
    ("failing_for", "announced"),
    [
        (DEFAULT_GRACE - timedelta(seconds=1), False),
        (DEFAULT_GRACE, True),
    ],
    ids=["within-grace", "grace-over"],
)
def test_judge_waits_out_the_grace_before_announcing(
    failing_for: timedelta, announced: bool
) -> None:
    conditions = read_conditions(_bot(_cond("Ready", "False", since=T0 - failing_for))["status"])
    verdict = judge(frozenset(), conditions, bot="b1", paused=False, now=T0)
    assert bool(verdict.alerts) is announced
    assert verdict.announced == (frozenset({"Ready"}) if announced else frozenset())


def test_judge_never_announces_a_blip_that_heals_within_grace() -> None:
    watch = ConditionWatch("b1")
    assert watch.observe(_bot(_cond("Ready", "False", since=T0)), T0 + timedelta(minutes=1)) == ()
    healed = _bot(_cond("Ready", "True", since=T0 + timedelta(minutes=2)))
    assert watch.observe(healed, T0 + timedelta(minutes=2)) == ()


def test_judge_without_transition_time_announces_at_once() -> None:
    raw = _cond("RiskGuardReady", "False")
    del raw["lastTransitionTime"]
    verdict = judge(
        frozenset(), read_conditions({"conditions": [raw]}), bot="b1", paused=False, now=T0
    )
    assert [(a.component, a.ts) for a in verdict.alerts] == [("risk-guard", T0)]


def test_condition_watch_a_paused_bot_is_not_failing_for_its_suspended_scanner() -> None:
    watch = ConditionWatch("b1")
    suspended = (
        _cond(
            "Ready", "False", reason="NotReady", message="waiting for: ScannerScheduled=Suspended"
        ),
        _cond("ScannerScheduled", "False", reason="Suspended", message="spec.suspend is true"),
        _cond("ModelServerReady", "False"),
    )
    alerts = watch.observe(_bot(*suspended, suspend=True), T0)
    assert [a.component for a in alerts] == ["model-server"], "only the real failure"
    resumed = watch.observe(_bot(_cond("Ready", "True"), _cond("ScannerScheduled", "True")), T0)
    assert resumed == (), "nothing was announced about the pause, so nothing recovers"


def test_condition_alert_reads_with_reason_message_and_transition_time() -> None:
    watch = ConditionWatch("b1")
    down_since = T0 - timedelta(minutes=7)
    (down,) = watch.observe(_bot(_cond("ModelServerReady", "False", since=down_since)), T0)
    (up,) = watch.observe(
        _bot(_cond("ModelServerReady", "True", since=T0, message="1/1 replicas available")), T0
    )
    assert (down.bot, down.ts, down.recovered, up.ts, up.recovered) == (
        "b1",
        down_since,
        False,
        T0,
        True,
    )
    assert format_alert(down).split("\n")[:2] == [r"*Failure in model\-server*", r"Bot: `b1`"]
    assert "What: ModelServerReady False (Unavailable): 0/1 replicas available" in format_plain(
        down
    )
    assert format_alert(up).startswith(r"*Recovered: model\-server*")
    assert "ModelServerReady True again (Available): 1/1 replicas available" in format_plain(up)
    assert "Time: 2026-03-02 13:53 UTC" in format_plain(down)


def test_condition_watch_announces_a_failed_reconcile_and_its_repair() -> None:
    """The operator could not apply the bot's spec (its children drift from it): operators
    hear of it once it has lasted, and again when a reconcile succeeds."""
    watch = ConditionWatch("b1")
    failed = _cond(
        "Reconciled",
        "False",
        reason="ReconcileFailed",
        message='configmaps "b1-config" is forbidden: field is immutable',
    )
    (down,) = watch.observe(_bot(failed), T0)
    (up,) = watch.observe(_bot(_cond("Reconciled", "True", since=T0, reason="Applied")), T0)
    assert (down.component, down.recovered, up.component, up.recovered) == (
        "operator",
        False,
        "operator",
        True,
    )
    assert "Reconciled False (ReconcileFailed): configmaps" in format_plain(down)


def test_condition_watch_judges_reconcile_failures_of_a_paused_bot() -> None:
    """Pausing suspends the scanner on purpose, never the operator's applies."""
    failed = _cond("Reconciled", "False", reason="ReconcileFailed")
    alerts = ConditionWatch("b1").observe(_bot(failed, suspend=True), T0)
    assert [a.component for a in alerts] == ["operator"]
