"""The TradingBot's status, computed from what its children really report.

Pure: the caller passes the children's observed state, the previous conditions and the
clock, so transitions keep their `lastTransitionTime` and the result can be compared with
the stored status to decide whether a patch is needed at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crpbot_operator.activity import activity_status
from crpbot_operator.render.common import (
    COMPONENT_MODEL_SERVER,
    COMPONENT_RISK_GUARD,
    COMPONENT_TELEGRAM,
)
from crpbot_operator.skill import SKILL_DEMONSTRATED, skill_condition

READY = "Ready"
MODEL_SERVER_READY = "ModelServerReady"
RISK_GUARD_READY = "RiskGuardReady"
TELEGRAM_READY = "TelegramReady"
SCANNER_SCHEDULED = "ScannerScheduled"
RECONCILED = "Reconciled"
RECONCILE_FAILED = "ReconcileFailed"
CONDITION_TYPES = (
    READY,
    MODEL_SERVER_READY,
    RISK_GUARD_READY,
    TELEGRAM_READY,
    SCANNER_SCHEDULED,
    SKILL_DEMONSTRATED,
    RECONCILED,
)
# A condition message is for `kubectl describe`: one line, short enough to read there.
MAX_MESSAGE = 512


@dataclass(frozen=True)
class DeploymentState:
    """What a Deployment reports: asked-for replicas and how many are rolled out and up."""

    desired: int
    available: int
    updated: int
    rolled_out: bool

    @classmethod
    def from_body(
        cls, spec: Mapping[str, Any], status: Mapping[str, Any], generation: int
    ) -> DeploymentState:
        return cls(
            desired=int(spec.get("replicas", 1)),
            available=int(status.get("availableReplicas") or 0),
            updated=int(status.get("updatedReplicas") or 0),
            rolled_out=int(status.get("observedGeneration") or 0) >= generation,
        )

    @property
    def ready(self) -> bool:
        return self.rolled_out and min(self.available, self.updated) >= self.desired


@dataclass(frozen=True)
class CronJobState:
    suspended: bool
    last_schedule_time: str | None


@dataclass(frozen=True)
class ChildrenState:
    """The observed children of one bot, deployments keyed by component."""

    deployments: Mapping[str, DeploymentState]
    cronjob: CronJobState | None


@dataclass(frozen=True)
class Condition:
    type: str
    status: bool
    reason: str
    message: str


def _deployment_condition(kind: str, component: str, children: ChildrenState) -> Condition:
    state = children.deployments.get(component)
    if state is None:
        return Condition(kind, False, "Missing", f"{component} Deployment does not exist")
    detail = f"{state.available}/{state.desired} replicas available"
    if state.ready:
        return Condition(kind, True, "Available", detail)
    return Condition(kind, False, "Unavailable" if state.rolled_out else "RollingOut", detail)


def _scanner_condition(children: ChildrenState) -> Condition:
    cronjob = children.cronjob
    if cronjob is None:
        return Condition(SCANNER_SCHEDULED, False, "Missing", "scanner CronJob does not exist")
    if cronjob.suspended:
        return Condition(SCANNER_SCHEDULED, False, "Suspended", "spec.suspend is true")
    last = cronjob.last_schedule_time or "never"
    return Condition(SCANNER_SCHEDULED, True, "Scheduled", f"last scheduled: {last}")


@dataclass(frozen=True)
class ReconcileOutcome:
    """How the last reconcile of a bot ended: `error` is what it raised, None on success."""

    error: str | None = None


NO_DATABASE = Condition(
    READY,
    False,
    "NoDatabase",
    "spec.database is not set: each pod keeps signals and risk state on its own scratch "
    "space and forgets them when it ends; name the database URL Secret in spec.database",
)


def evaluate(
    children: ChildrenState, has_database: bool = True, skill_evidence: str | None = None
) -> list[Condition]:
    """Every condition; Ready needs every workload available, the scanner scheduled and a
    database (the CRD requires one, but a bot stored before that rule may lack it).
    SkillDemonstrated (`crpbot_operator.skill`) says whether the signals are proven; it
    never holds Ready back, since observation is how the evidence is gathered."""
    model_server = _deployment_condition(MODEL_SERVER_READY, COMPONENT_MODEL_SERVER, children)
    risk_guard = _deployment_condition(RISK_GUARD_READY, COMPONENT_RISK_GUARD, children)
    telegram = _deployment_condition(TELEGRAM_READY, COMPONENT_TELEGRAM, children)
    scanner = _scanner_condition(children)
    blocking = [c for c in (model_server, risk_guard, telegram, scanner) if not c.status]
    if not has_database:
        ready = NO_DATABASE
    elif blocking:
        reasons = ", ".join(f"{c.type}={c.reason}" for c in blocking)
        ready = Condition(READY, False, "NotReady", f"waiting for: {reasons}")
    else:
        ready = Condition(READY, True, "AllChildrenReady", "every child is ready")
    skill = Condition(SKILL_DEMONSTRATED, *skill_condition(skill_evidence))
    return [ready, model_server, risk_guard, telegram, scanner, skill]


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """The first non-empty line of `text`, cut to `limit` characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def reconcile_condition(error: str | None) -> Condition:
    """`Reconciled`: False with the error's first line while the last reconcile raised."""
    if error is None:
        return Condition(RECONCILED, True, "Applied", "every child was applied from the spec")
    return Condition(RECONCILED, False, RECONCILE_FAILED, one_line(error) or "unknown error")


def _previous_by_type(previous: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(c.get("type")): c for c in previous}


def as_conditions(
    conditions: Iterable[Condition],
    previous: Iterable[Mapping[str, Any]],
    now: datetime,
    generation: int,
) -> list[dict[str, Any]]:
    """API-shaped conditions; a transition time only moves when the status flips."""
    before = _previous_by_type(previous)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for cond in conditions:
        status = "True" if cond.status else "False"
        old = before.get(cond.type)
        unchanged = old is not None and old.get("status") == status
        out.append(
            {
                "type": cond.type,
                "status": status,
                "reason": cond.reason,
                "message": cond.message,
                "observedGeneration": generation,
                "lastTransitionTime": old.get("lastTransitionTime") if unchanged and old else stamp,
            }
        )
    return out


def compute_status(
    children: ChildrenState,
    previous: Mapping[str, Any],
    now: datetime,
    generation: int,
    has_database: bool = True,
    skill_evidence: str | None = None,
    activity: str | None = None,
    reconciled: ReconcileOutcome | None = None,
) -> dict[str, Any]:
    """The status subtree to store: conditions, the scanner's last schedule time and what
    the bot reported of itself (`crpbot_operator.activity`).

    `reconciled` is this process's last reconcile of the bot; None when it has not
    reconciled the bot yet, which keeps the stored `Reconciled` condition (after a restart,
    until the resume handler has run)."""
    before = previous.get("conditions") or []
    evaluated = evaluate(children, has_database, skill_evidence)
    if reconciled is not None:
        evaluated.append(reconcile_condition(reconciled.error))
    conditions = as_conditions(evaluated, before, now, generation)
    if reconciled is None:
        conditions.extend(c for c in before if c.get("type") == RECONCILED)
    status: dict[str, Any] = {"conditions": conditions, **activity_status(activity)}
    if children.cronjob is not None and children.cronjob.last_schedule_time:
        status["lastScheduleTime"] = children.cronjob.last_schedule_time
    return status


def status_changed(previous: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """True when storing `new` would change anything the status already says."""
    return any(previous.get(key) != value for key, value in new.items())


def flipped(previous: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The conditions whose status differs from before; they deserve a Kubernetes Event.

    A condition seen for the first time counts only when True: a bot that was just created
    is not failing, and a burst of warnings for every new bot would bury the real ones.
    """
    before = _previous_by_type(previous.get("conditions") or [])
    return [
        cond
        for cond in new.get("conditions") or []
        if before.get(cond["type"], {}).get("status", "False") != cond["status"]
    ]


def collect_children(
    deployments: Iterable[tuple[str, DeploymentState]], cronjobs: Iterable[CronJobState]
) -> ChildrenState:
    """Gather one bot's indexed children; a second CronJob (never rendered) is ignored."""
    return ChildrenState(deployments=dict(deployments), cronjob=next(iter(cronjobs), None))
