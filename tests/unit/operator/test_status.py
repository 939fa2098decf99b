"""Status computation from fixture states of the children (pure, clock passed in)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from crpbot_operator.status import (
    ChildrenState,
    CronJobState,
    DeploymentState,
    collect_children,
    compute_status,
    flipped,
    status_changed,
)

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 25, 8, 5, tzinfo=UTC)
UP = DeploymentState(desired=1, available=1, updated=1, rolled_out=True)
DOWN = DeploymentState(desired=1, available=0, updated=1, rolled_out=True)
SCHEDULED = CronJobState(suspended=False, last_schedule_time="2026-11-25T07:58:00Z")


def _children(**overrides: Any) -> ChildrenState:
    deployments = {"model-server": UP, "risk-guard": UP, "telegram": UP}
    deployments.update(overrides.pop("deployments", {}))
    return ChildrenState(deployments=deployments, cronjob=overrides.pop("cronjob", SCHEDULED))


def _conditions(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in status["conditions"]}


def test_compute_status_all_up_is_ready() -> None:
    status = compute_status(_children(), {}, T0, generation=3)
    conds = _conditions(status)
    assert {k: v["status"] for k, v in conds.items()} == {
        "Ready": "True",
        "ModelServerReady": "True",
        "RiskGuardReady": "True",
        "TelegramReady": "True",
        "ScannerScheduled": "True",
        "SkillDemonstrated": "False",
    }
    assert conds["SkillDemonstrated"]["reason"] == "NoEvidence"
    assert all(c["observedGeneration"] == 3 for c in conds.values())
    assert all(c["lastTransitionTime"] == "2026-11-25T08:00:00Z" for c in conds.values())
    assert status["lastScheduleTime"] == "2026-11-25T07:58:00Z"


@pytest.mark.parametrize(
    ("children", "failing", "reason"),
    [
        (_children(deployments={"model-server": DOWN}), "ModelServerReady", "Unavailable"),
        (_children(deployments={"risk-guard": DOWN}), "RiskGuardReady", "Unavailable"),
        (
            ChildrenState(deployments={"model-server": UP, "telegram": UP}, cronjob=SCHEDULED),
            "RiskGuardReady",
            "Missing",
        ),
        (_children(cronjob=None), "ScannerScheduled", "Missing"),
        (
            _children(cronjob=CronJobState(suspended=True, last_schedule_time=None)),
            "ScannerScheduled",
            "Suspended",
        ),
        (
            _children(
                deployments={
                    "risk-guard": DeploymentState(
                        desired=2, available=2, updated=1, rolled_out=True
                    )
                }
            ),
            "RiskGuardReady",
            "Unavailable",
        ),
        (
            _children(
                deployments={
                    "model-server": DeploymentState(
                        desired=1, available=1, updated=1, rolled_out=False
                    )
                }
            ),
            "ModelServerReady",
            "RollingOut",
        ),
    ],
)
def test_compute_status_any_failing_child_blocks_ready(
    children: ChildrenState, failing: str, reason: str
) -> None:
    conds = _conditions(compute_status(children, {}, T0, generation=1))
    assert conds[failing]["status"] == "False"
    assert conds[failing]["reason"] == reason
    assert conds["Ready"]["status"] == "False"
    assert failing in conds["Ready"]["message"]


def test_compute_status_telegram_down_is_published_and_blocks_ready() -> None:
    conds = _conditions(compute_status(_children(deployments={"telegram": DOWN}), {}, T0, 1))
    assert conds["Ready"]["status"] == "False"
    assert "TelegramReady" in conds["Ready"]["message"]
    assert (conds["TelegramReady"]["status"], conds["TelegramReady"]["reason"]) == (
        "False",
        "Unavailable",
    )
    assert conds["ModelServerReady"]["status"] == "True"


def test_compute_status_zero_replica_deployment_counts_as_ready() -> None:
    idle = DeploymentState(desired=0, available=0, updated=0, rolled_out=True)
    conds = _conditions(compute_status(_children(deployments={"telegram": idle}), {}, T0, 1))
    assert conds["Ready"]["status"] == "True"


def test_compute_status_keeps_transition_time_until_a_flip() -> None:
    first = compute_status(_children(deployments={"risk-guard": DOWN}), {}, T0, 1)
    same = compute_status(_children(deployments={"risk-guard": DOWN}), first, T1, 1)
    assert same == first
    assert not status_changed(first, same)
    later = compute_status(_children(), first, T1, 1)
    conds = _conditions(later)
    assert conds["RiskGuardReady"]["lastTransitionTime"] == "2026-11-25T08:05:00Z"
    assert conds["ModelServerReady"]["lastTransitionTime"] == "2026-11-25T08:00:00Z"
    assert status_changed(first, later)
    assert {c["type"] for c in flipped(first, later)} == {"Ready", "RiskGuardReady"}


def test_status_changed_ignores_fields_it_does_not_compute() -> None:
    new = compute_status(_children(), {}, T0, 1)
    stored = {**new, "observedGeneration": 1, "signals24h": 4}
    assert not status_changed(stored, new)


def test_deployment_state_from_body_reads_the_api_shape() -> None:
    state = DeploymentState.from_body(
        {"replicas": 2},
        {"availableReplicas": 2, "updatedReplicas": 2, "observedGeneration": 4},
        generation=4,
    )
    assert state.ready
    assert not DeploymentState.from_body({"replicas": 2}, {}, generation=1).ready


def test_collect_children_takes_the_indexed_values() -> None:
    children = collect_children([("risk-guard", UP)], [SCHEDULED])
    assert children.deployments == {"risk-guard": UP}
    assert children.cronjob == SCHEDULED
    assert collect_children([], []).cronjob is None


def test_flipped_reports_a_new_bot_only_for_conditions_already_true() -> None:
    first = compute_status(_children(deployments={"risk-guard": DOWN}), {}, T0, 1)
    assert {c["type"] for c in flipped({}, first)} == {
        "ModelServerReady",
        "TelegramReady",
        "ScannerScheduled",
    }


def test_compute_status_without_database_is_never_ready() -> None:
    """Every child up, but state on pod scratch space: the bot must not look healthy."""
    conds = _conditions(compute_status(_children(), {}, T0, 1, has_database=False))
    ready = conds["Ready"]
    assert (ready["status"], ready["reason"]) == ("False", "NoDatabase")
    assert "spec.database" in ready["message"]
    assert conds["RiskGuardReady"]["status"] == "True"
