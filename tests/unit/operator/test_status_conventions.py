"""Conditions follow the Kubernetes API conventions (`metav1.Condition`); the reconcile
outcome and the bot's own report (risk status, signals of 24 h) reach the status."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from crpbot_operator.activity import ACTIVITY_ANNOTATION, RISK_STATUSES, activity_status
from crpbot_operator.status import (
    CONDITION_TYPES,
    ChildrenState,
    ReconcileOutcome,
    compute_status,
    flipped,
    one_line,
)
from tests.unit.operator.status_states import (
    NEVER_RAN,
    T0,
    T1,
    children,
    conditions_by_type,
)

CHILDREN = children(cronjob=NEVER_RAN)
NO_CHILDREN = ChildrenState(deployments={}, cronjob=None)
CAMEL_CASE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
CONDITION_FIELDS = {"type", "status", "reason", "message", "lastTransitionTime"}
FAILED = ReconcileOutcome('403 Forbidden: configmaps "b" is forbidden: exceeded quota')


@pytest.mark.parametrize("children", [CHILDREN, NO_CHILDREN], ids=["up", "nothing"])
@pytest.mark.parametrize("reconciled", [ReconcileOutcome(), FAILED], ids=["applied", "failed"])
def test_compute_status_every_condition_has_the_metav1_fields(
    children: ChildrenState, reconciled: ReconcileOutcome
) -> None:
    status = compute_status(children, {}, T0, 7, reconciled=reconciled)
    conditions = status["conditions"]
    assert {c["type"] for c in conditions} == set(CONDITION_TYPES)
    for cond in conditions:
        assert set(cond) >= CONDITION_FIELDS, cond
        assert cond["observedGeneration"] == 7
        assert CAMEL_CASE.match(cond["reason"]), cond["reason"]
        assert cond["message"] and "\n" not in cond["message"]


def test_compute_status_failed_reconcile_is_a_false_condition_with_the_error() -> None:
    cond = conditions_by_type(compute_status(CHILDREN, {}, T0, 1, reconciled=FAILED))["Reconciled"]
    assert (cond["status"], cond["reason"]) == ("False", "ReconcileFailed")
    assert cond["message"].startswith("403 Forbidden")


def test_compute_status_reconcile_recovery_flips_and_moves_the_transition_time() -> None:
    failed = compute_status(CHILDREN, {}, T0, 1, reconciled=FAILED)
    applied = compute_status(CHILDREN, failed, T1, 2, reconciled=ReconcileOutcome())
    cond = conditions_by_type(applied)["Reconciled"]
    assert (cond["status"], cond["reason"]) == ("True", "Applied")
    assert cond["lastTransitionTime"] == "2026-11-25T08:05:00Z"
    assert "Reconciled" in {c["type"] for c in flipped(failed, applied)}


def test_compute_status_without_an_outcome_keeps_the_stored_reconciled_condition() -> None:
    """After a restart the operator has not reconciled yet: it must not erase the failure."""
    failed = compute_status(CHILDREN, {}, T0, 1, reconciled=FAILED)
    later = compute_status(CHILDREN, failed, T1, 1)
    assert conditions_by_type(later)["Reconciled"] == conditions_by_type(failed)["Reconciled"]
    assert "Reconciled" not in conditions_by_type(compute_status(CHILDREN, {}, T0, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("boom", "boom"),
        ("\n  (422)\nReason: Unprocessable", "(422)"),
        ("", ""),
        ("x" * 600, "x" * 511 + "…"),
    ],
)
def test_one_line_keeps_the_first_line_within_the_limit(text: str, expected: str) -> None:
    assert one_line(text) == expected


@pytest.mark.parametrize("risk", RISK_STATUSES)
def test_compute_status_copies_the_bots_report_into_the_printer_columns(risk: str) -> None:
    raw = json.dumps({"riskStatus": risk, "signals24h": 12})
    status = compute_status(CHILDREN, {}, T0, 1, activity=raw)
    assert (status["riskStatus"], status["signals24h"]) == (risk, 12)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, {}),
        ("", {}),
        ("not json", {}),
        ("[1, 2]", {}),
        ('{"riskStatus": "active"}', {"riskStatus": "active"}),
        ('{"signals24h": 0}', {"signals24h": 0}),
        ('{"riskStatus": "", "signals24h": -1}', {}),
        ('{"riskStatus": 3, "signals24h": true}', {}),
        ('{"signals24h": 2.5}', {}),
        (json.dumps({"riskStatus": "x" * 65}), {}),
    ],
)
def test_activity_status_fills_only_valid_fields(raw: str | None, expected: dict[str, Any]) -> None:
    assert activity_status(raw) == expected


def test_activity_annotation_is_the_key_the_bot_writes() -> None:
    from crpbot.risk.ftmo import FtmoStatus
    from crpbot.services.bot_service import RISK_UNAVAILABLE as UNAVAILABLE
    from crpbot_workers.telegram.skill_publish import ACTIVITY_ANNOTATION as WRITTEN

    assert WRITTEN == ACTIVITY_ANNOTATION
    assert set(RISK_STATUSES) == {*(s.value for s in FtmoStatus), UNAVAILABLE}
