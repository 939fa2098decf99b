"""Status computation from fixture states of the children (pure, clock passed in)."""

from __future__ import annotations

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
from tests.unit.operator.status_states import (
    DOWN,
    SCHEDULED,
    T0,
    T1,
    UP,
    children,
    conditions_by_type,
)

# Every replica available, one not yet on the new template / the rollout not yet complete.
HALF_UPDATED = DeploymentState(desired=2, available=2, updated=1, rolled_out=True)
ROLLING_OUT = DeploymentState(desired=1, available=1, updated=1, rolled_out=False)


def test_compute_status_all_up_is_ready() -> None:
    status = compute_status(children(), {}, T0, generation=3)
    conds = conditions_by_type(status)
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
        (children({"model-server": DOWN}), "ModelServerReady", "Unavailable"),
        (children({"risk-guard": DOWN}), "RiskGuardReady", "Unavailable"),
        (
            ChildrenState(deployments={"model-server": UP, "telegram": UP}, cronjob=SCHEDULED),
            "RiskGuardReady",
            "Missing",
        ),
        (children(cronjob=None), "ScannerScheduled", "Missing"),
        (
            children(cronjob=CronJobState(suspended=True, last_schedule_time=None)),
            "ScannerScheduled",
            "Suspended",
        ),
        (children({"risk-guard": HALF_UPDATED}), "RiskGuardReady", "Unavailable"),
        (children({"model-server": ROLLING_OUT}), "ModelServerReady", "RollingOut"),
    ],
)
def test_compute_status_any_failing_child_blocks_ready(
    children: ChildrenState, failing: str, reason: str
) -> None:
    conds = conditions_by_type(compute_status(children, {}, T0, generation=1))
    assert conds[failing]["status"] == "False"
    assert conds[failing]["reason"] == reason
    assert conds["Ready"]["status"] == "False"
    assert failing in conds["Ready"]["message"]


def test_compute_status_telegram_down_is_published_and_blocks_ready() -> None:
    conds = conditions_by_type(compute_status(children({"telegram": DOWN}), {}, T0, 1))
    assert conds["Ready"]["status"] == "False"
    assert "TelegramReady" in conds["Ready"]["message"]
    assert (conds["TelegramReady"]["status"], conds["TelegramReady"]["reason"]) == (
        "False",
        "Unavailable",
    )
    assert conds["ModelServerReady"]["status"] == "True"


def test_compute_status_zero_replica_deployment_counts_as_ready() -> None:
    idle = DeploymentState(desired=0, available=0, updated=0, rolled_out=True)
    conds = conditions_by_type(compute_status(children({"telegram": idle}), {}, T0, 1))
    assert conds["Ready"]["status"] == "True"


def test_compute_status_keeps_transition_time_until_a_flip() -> None:
    first = compute_status(children({"risk-guard": DOWN}), {}, T0, 1)
    same = compute_status(children({"risk-guard": DOWN}), first, T1, 1)
    assert same == first
    assert not status_changed(first, same)
    later = compute_status(children(), first, T1, 1)
    conds = conditions_by_type(later)
    assert conds["RiskGuardReady"]["lastTransitionTime"] == "2026-11-25T08:05:00Z"
    assert conds["ModelServerReady"]["lastTransitionTime"] == "2026-11-25T08:00:00Z"
    assert status_changed(first, later)
    assert {c["type"] for c in flipped(first, later)} == {"Ready", "RiskGuardReady"}


def test_status_changed_ignores_fields_it_does_not_compute() -> None:
    new = compute_status(children(), {}, T0, 1)
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
    collected = collect_children([("risk-guard", UP)], [SCHEDULED])
    assert collected.deployments == {"risk-guard": UP}
    assert collected.cronjob == SCHEDULED
    assert collect_children([], []).cronjob is None


def test_flipped_reports_a_new_bot_only_for_conditions_already_true() -> None:
    first = compute_status(children({"risk-guard": DOWN}), {}, T0, 1)
    assert {c["type"] for c in flipped({}, first)} == {
        "ModelServerReady",
        "TelegramReady",
        "ScannerScheduled",
    }


def test_compute_status_without_database_is_never_ready() -> None:
    """Every child up, but state on pod scratch space: the bot must not look healthy."""
    conds = conditions_by_type(compute_status(children(), {}, T0, 1, has_database=False))
    ready = conds["Ready"]
    assert (ready["status"], ready["reason"]) == ("False", "NoDatabase")
    assert "spec.database" in ready["message"]
    assert conds["RiskGuardReady"]["status"] == "True"
