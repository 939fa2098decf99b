"""TradingBot lifecycle: render, adopt, apply (the periodic safety net is `resync`).

Deletion has no handler and no finalizer: the children carry owner references, so the
garbage collector removes them with the bot, even while the operator is down.
"""

from __future__ import annotations

from typing import Any, cast

import kopf
import pydantic

from crpbot_operator.apply import failure_text
from crpbot_operator.handlers.indexes import BotEntry, BotKey, entry_from_body, lookup_bot
from crpbot_operator.lag import KOPF_MANAGER, measures, reconcile_lag
from crpbot_operator.metrics import RECONCILE_LAG, RECONCILES, timed
from crpbot_operator.reconcile import GROUP, PLURAL, VERSION, BotRef, apply_bot
from crpbot_operator.status import (
    RECONCILE_FAILED,
    CronJobState,
    DeploymentState,
    ReconcileOutcome,
    one_line,
)


def _bot(body: kopf.Body) -> BotRef:
    try:
        return BotRef.from_body(body)
    except pydantic.ValidationError as exc:
        raise kopf.PermanentError(f"spec is not a valid TradingBot: {exc}") from exc


def _observe_lag(body: kopf.Body, memo: kopf.Memo, reason: str, retry: int) -> None:
    if not measures(reason, retry):
        return
    own = (memo.applier.field_manager, KOPF_MANAGER)
    meta = body.metadata
    lag = reconcile_lag(meta.get("managedFields"), meta.creation_timestamp, own, memo.clock())
    if lag is not None:
        RECONCILE_LAG.observe(lag)


def reconcile(
    body: kopf.Body,
    patch: kopf.Patch,
    memo: kopf.Memo,
    reason: str,
    retry: int,
    deployment_index: kopf.Index[BotKey, tuple[str, DeploymentState]],
    cronjob_index: kopf.Index[BotKey, CronJobState],
    **_: Any,
) -> None:
    """Apply the children; the outcome becomes the `Reconciled` condition either way, and a
    failure is raised on for Kopf to retry with backoff. The lag is observed before any
    work, so a slow or failing apply does not lengthen what the user waited for."""
    _observe_lag(body, memo, reason, retry)
    bot = _bot(body)
    key = (bot.namespace, bot.name)
    writer = memo.status_writer
    try:
        with timed("reconcile"):
            applied = apply_bot(memo.applier, bot, memo.images, memo.telemetry)
    except Exception as exc:
        RECONCILES.labels("failed").inc()
        failure = failure_text(exc)
        writer.reconciled(key, ReconcileOutcome(failure))
        writer.sync(entry_from_body(body), deployment_index, cronjob_index)
        kopf.event(body, type="Warning", reason=RECONCILE_FAILED, message=one_line(failure))
        raise
    RECONCILES.labels("applied").inc()
    writer.reconciled(key, ReconcileOutcome())
    writer.sync(entry_from_body(body), deployment_index, cronjob_index)
    patch.status["observedGeneration"] = bot.generation
    message = f"{reason}: applied {len(applied)} children"
    kopf.event(body, type="Normal", reason="Reconciled", message=message)


# Kopf's callback protocols do not list index kwargs, hence the cast to Any.
_reconcile = cast(Any, reconcile)
for _register in (kopf.on.resume, kopf.on.create, kopf.on.update):
    _register(GROUP, VERSION, PLURAL, id="reconcile")(_reconcile)


def on_bot_event(
    event: kopf.RawEvent,
    name: str,
    namespace: str | None,
    memo: kopf.Memo,
    bot_index: kopf.Index[BotKey, BotEntry],
    deployment_index: kopf.Index[BotKey, tuple[str, DeploymentState]],
    cronjob_index: kopf.Index[BotKey, CronJobState],
    **_: Any,
) -> None:
    """A bot re-created under the same name must not inherit the old one's status memory;
    any other change of the bot (the skill evidence the Telegram bot writes in its
    annotations among them) recomputes the status, which is patched only if it changed."""
    if namespace is None:
        return
    if event.get("type") == "DELETED":
        memo.status_writer.forget((namespace, name))
        return
    entry = lookup_bot(bot_index, (namespace, name))
    if entry is not None:
        with timed("status"):
            memo.status_writer.sync(entry, deployment_index, cronjob_index)


# Kopf's callback protocols do not list index kwargs, hence the cast to Any.
kopf.on.event(GROUP, VERSION, PLURAL, id="forget_deleted")(cast(Any, on_bot_event))
