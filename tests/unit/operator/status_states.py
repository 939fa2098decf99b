"""Children states and clock instants the status tests build their cases from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from crpbot_operator.status import ChildrenState, CronJobState, DeploymentState

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 25, 8, 5, tzinfo=UTC)
UP = DeploymentState(desired=1, available=1, updated=1, rolled_out=True)
DOWN = DeploymentState(desired=1, available=0, updated=1, rolled_out=True)
SCHEDULED = CronJobState(suspended=False, last_schedule_time="2026-11-25T07:58:00Z")
NEVER_RAN = CronJobState(suspended=False, last_schedule_time=None)


def children(
    deployments: Mapping[str, DeploymentState] | None = None,
    cronjob: CronJobState | None = SCHEDULED,
) -> ChildrenState:
    """Every Deployment up but those in `deployments`, and the CronJob given (None: missing)."""
    states = {"model-server": UP, "risk-guard": UP, "telegram": UP, **(deployments or {})}
    return ChildrenState(deployments=states, cronjob=cronjob)


def conditions_by_type(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in status["conditions"]}
