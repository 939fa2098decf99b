"""Watches on the children: restore drifted or deleted ones, and refresh the owner's status.

Only objects labelled `managed-by=crpbot-operator` are watched, and `on.event` is used
rather than `on.update`/`on.delete`, so Kopf never writes its own annotations or finalizers
onto the children.
"""

from __future__ import annotations

from typing import Any, cast

import kopf

from crpbot_operator.handlers.indexes import (
    INSTANCE,
    MANAGED,
    BotEntry,
    BotKey,
    lookup_bot,
)
from crpbot_operator.metrics import DRIFT_REPAIRS, timed
from crpbot_operator.reconcile import repair_child
from crpbot_operator.status import CronJobState, DeploymentState

STATEFUL_KINDS = (("apps", "v1", "deployments"), ("batch", "v1", "cronjobs"))
PLAIN_KINDS = (
    ("", "v1", "configmaps"),
    ("", "v1", "services"),
    ("", "v1", "serviceaccounts"),
    ("", "v1", "persistentvolumeclaims"),
    ("policy", "v1", "poddisruptionbudgets"),
    ("networking.k8s.io", "v1", "networkpolicies"),
    ("rbac.authorization.k8s.io", "v1", "roles"),
    ("rbac.authorization.k8s.io", "v1", "rolebindings"),
)


def _owned_by(body: kopf.Body, entry: BotEntry) -> bool:
    refs = body.get("metadata", {}).get("ownerReferences") or []
    return any(ref.get("uid") == entry.bot.uid for ref in refs)


def _repair(event: kopf.RawEvent, body: kopf.Body, memo: kopf.Memo, entry: BotEntry) -> None:
    deleted = event.get("type") == "DELETED"
    if not deleted and not _owned_by(body, entry):
        return
    actual = None if deleted else body
    kind, name = body["kind"], body.metadata.name
    if repair_child(memo.applier, entry.bot, memo.images, kind, name, actual, memo.telemetry):
        DRIFT_REPAIRS.labels(kind).inc()
        message = f"{kind} {name} was {'deleted' if deleted else 'changed'}"
        kopf.event(
            cast(kopf.Body, entry.bot.owner_body()),
            type="Normal",
            reason="DriftRepaired",
            message=f"{message}; restored",
        )


def _entry(
    bot_index: kopf.Index[BotKey, BotEntry], namespace: str | None, labels: kopf.Labels
) -> BotEntry | None:
    instance = labels.get(INSTANCE)
    if instance is None or namespace is None:
        return None
    return lookup_bot(bot_index, (namespace, instance))


def on_stateful_child(
    event: kopf.RawEvent,
    body: kopf.Body,
    namespace: str | None,
    labels: kopf.Labels,
    memo: kopf.Memo,
    bot_index: kopf.Index[BotKey, BotEntry],
    deployment_index: kopf.Index[BotKey, tuple[str, DeploymentState]],
    cronjob_index: kopf.Index[BotKey, CronJobState],
    **_: Any,
) -> None:
    entry = _entry(bot_index, namespace, labels)
    if entry is None:
        return
    with timed("child"):
        _repair(event, body, memo, entry)
        memo.status_writer.sync(entry, deployment_index, cronjob_index)


def on_plain_child(
    event: kopf.RawEvent,
    body: kopf.Body,
    namespace: str | None,
    labels: kopf.Labels,
    memo: kopf.Memo,
    bot_index: kopf.Index[BotKey, BotEntry],
    **_: Any,
) -> None:
    entry = _entry(bot_index, namespace, labels)
    if entry is not None:
        with timed("child"):
            _repair(event, body, memo, entry)


# Kopf's callback protocols do not list index kwargs, hence the casts to Any.
for _group, _version, _plural in STATEFUL_KINDS:
    kopf.on.event(_group, _version, _plural, labels=MANAGED, id=f"stateful-{_plural}")(
        cast(Any, on_stateful_child)
    )
for _group, _version, _plural in PLAIN_KINDS:
    kopf.on.event(_group, _version, _plural, labels=MANAGED, id=f"plain-{_plural}")(
        cast(Any, on_plain_child)
    )
