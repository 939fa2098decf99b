"""The SkillDemonstrated condition from the evidence the bot writes on its TradingBot."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from crpbot.skill.gate import GateRules, evidence_record, skill_gates
from crpbot_operator.skill import skill_condition
from crpbot_operator.status import compute_status
from tests.fixtures.skill_outcomes import T0, outcomes
from tests.unit.operator.status_states import NEVER_RAN, children

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=60)
CHILDREN = children(cronjob=NEVER_RAN)


def _evidence(resolved: list, min_resolved: int = 100) -> str:  # type: ignore[type-arg]
    gates = skill_gates(resolved, LATER, GateRules(min_resolved, 0.0))
    return json.dumps(evidence_record(gates))


def _skill(status: dict) -> dict:  # type: ignore[type-arg]
    (cond,) = [c for c in status["conditions"] if c["type"] == "SkillDemonstrated"]
    return cond  # type: ignore[no-any-return]


def test_skill_condition_closed_names_the_nearest_tier_and_its_numbers() -> None:
    raw = _evidence(outcomes("high", 3, 2) + outcomes("medium", 20, 30))
    status, reason, message = skill_condition(raw)
    assert (status, reason) == (False, "TooFewResolved")
    assert message.startswith("high tier UNPROVEN: n 5 (needs 100), expectancy")
    assert "medium tier UNPROVEN: n 50 (needs 100), expectancy -0.07 R after costs, 95% [" in (
        message
    )
    assert "low tier UNPROVEN: no resolved signals yet (needs 100)" in message


def test_skill_condition_interval_through_zero() -> None:
    status, reason, _ = skill_condition(_evidence(outcomes("medium", 43, 57)))
    assert (status, reason) == (False, "ExpectancyNotAboveZero")


def test_skill_condition_open_when_any_tier_is_proven() -> None:
    status, reason, message = skill_condition(_evidence(outcomes("high", 70, 30)))
    assert (status, reason) == (True, "Demonstrated")
    assert message.startswith("high tier proven: n 100 (needs 100), expectancy +0.63 R")


@pytest.mark.parametrize("raw", [None, "", "not json", "[]", '{"tiers": []}', '{"tiers": [1]}'])
def test_skill_condition_without_readable_evidence_is_closed(raw: str | None) -> None:
    status, reason, message = skill_condition(raw)
    assert (status, reason) == (False, "NoEvidence")
    assert "every signal is unproven" in message


def test_compute_status_publishes_the_gate_in_the_condition_style() -> None:
    raw = _evidence(outcomes("high", 70, 30))
    first = compute_status(CHILDREN, {}, NOW, generation=4, skill_evidence=raw)
    cond = _skill(first)
    assert (cond["status"], cond["reason"], cond["observedGeneration"]) == (
        "True",
        "Demonstrated",
        4,
    )
    assert cond["lastTransitionTime"] == "2026-11-25T08:00:00Z"
    later = compute_status(CHILDREN, first, NOW + timedelta(hours=1), 4, skill_evidence=raw)
    assert _skill(later)["lastTransitionTime"] == "2026-11-25T08:00:00Z"
    closed = compute_status(CHILDREN, later, NOW + timedelta(hours=2), 4, skill_evidence=None)
    assert (_skill(closed)["status"], _skill(closed)["lastTransitionTime"]) == (
        "False",
        "2026-11-25T10:00:00Z",
    )
