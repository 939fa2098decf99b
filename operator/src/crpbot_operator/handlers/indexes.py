"""In-memory views of bots and of their children's state, kept current by Kopf's watches.

Child events look their owner up here instead of asking the API server, which keeps drift
repair and status updates to at most one write each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import kopf
import pydantic

from crpbot_operator.activity import ACTIVITY_ANNOTATION
from crpbot_operator.reconcile import GROUP, PLURAL, VERSION, BotRef
from crpbot_operator.render.common import MANAGED_BY
from crpbot_operator.skill import SKILL_ANNOTATION
from crpbot_operator.status import CronJobState, DeploymentState

INSTANCE = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"
MANAGED = {"app.kubernetes.io/managed-by": MANAGED_BY}

BotKey = tuple[str, str]


@dataclass(frozen=True)
class BotEntry:
    bot: BotRef
    status: Mapping[str, Any] = field(default_factory=dict)
    deleting: bool = False
    skill_evidence: str | None = None
    activity: str | None = None


def entry_from_body(body: Mapping[str, Any]) -> BotEntry:
    """A bot as the status needs it; `pydantic.ValidationError` for an invalid spec."""
    bot = BotRef.from_body(body)
    meta = body.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    return BotEntry(
        bot=bot,
        status=dict(body.get("status") or {}),
        deleting=meta.get("deletionTimestamp") is not None,
        skill_evidence=annotations.get(SKILL_ANNOTATION),
        activity=annotations.get(ACTIVITY_ANNOTATION),
    )


@kopf.index(GROUP, VERSION, PLURAL)
def bot_index(body: kopf.Body, **_: Any) -> dict[BotKey, BotEntry]:
    try:
        entry = entry_from_body(body)
    except pydantic.ValidationError:
        return {}
    return {(entry.bot.namespace, entry.bot.name): entry}


@kopf.index("apps", "v1", "deployments", labels=MANAGED)
def deployment_index(
    namespace: str | None,
    labels: kopf.Labels,
    meta: kopf.Meta,
    spec: kopf.Spec,
    status: kopf.Status,
    **_: Any,
) -> dict[BotKey, tuple[str, DeploymentState]]:
    if namespace is None or INSTANCE not in labels or COMPONENT not in labels:
        return {}
    state = DeploymentState.from_body(spec, status, int(meta.get("generation") or 0))
    return {(namespace, labels[INSTANCE]): (labels[COMPONENT], state)}


@kopf.index("batch", "v1", "cronjobs", labels=MANAGED)
def cronjob_index(
    namespace: str | None, labels: kopf.Labels, spec: kopf.Spec, status: kopf.Status, **_: Any
) -> dict[BotKey, CronJobState]:
    if namespace is None or INSTANCE not in labels:
        return {}
    state = CronJobState(
        suspended=bool(spec.get("suspend")),
        last_schedule_time=status.get("lastScheduleTime"),
    )
    return {(namespace, labels[INSTANCE]): state}


def lookup_bot(index: kopf.Index[BotKey, BotEntry], key: BotKey) -> BotEntry | None:
    """The live (not being deleted) bot under `key`, if the operator has seen it."""
    entry = next(iter(index.get(key, [])), None)
    if entry is None or entry.deleting:
        return None
    return entry
