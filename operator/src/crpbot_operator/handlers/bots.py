"""TradingBot lifecycle: render, adopt, apply; a slow timer re-applies as a safety net.

Deletion has no handler: the children carry owner references, so the garbage collector
removes them with the bot.
"""

from __future__ import annotations

from typing import Any, cast

import kopf
import pydantic

from crpbot_operator.handlers.indexes import BotEntry, BotKey
from crpbot_operator.reconcile import GROUP, PLURAL, VERSION, BotRef, apply_bot
from crpbot_operator.status import CronJobState, DeploymentState

RESYNC_SECONDS = 60.0


def _bot(body: kopf.Body) -> BotRef:
    try:
        return BotRef.from_body(body)
    except pydantic.ValidationError as exc:
        raise kopf.PermanentError(f"spec is not a valid TradingBot: {exc}") from exc


@kopf.on.resume(GROUP, VERSION, PLURAL)
@kopf.on.create(GROUP, VERSION, PLURAL)
@kopf.on.update(GROUP, VERSION, PLURAL)
def reconcile(body: kopf.Body, patch: kopf.Patch, memo: kopf.Memo, reason: str, **_: Any) -> None:
    bot = _bot(body)
    applied = apply_bot(memo.applier, bot, memo.images)
    patch.status["observedGeneration"] = bot.generation
    kopf.info(body, reason="Reconciled", message=f"{reason}: applied {len(applied)} children")


def resync(
    body: kopf.Body,
    status: kopf.Status,
    memo: kopf.Memo,
    deployment_index: kopf.Index[BotKey, tuple[str, DeploymentState]],
    cronjob_index: kopf.Index[BotKey, CronJobState],
    **_: Any,
) -> None:
    """Catch whatever a missed watch event left behind (children and status alike)."""
    bot = _bot(body)
    apply_bot(memo.applier, bot, memo.images)
    memo.status_writer.sync(BotEntry(bot, dict(status)), deployment_index, cronjob_index)


# Kopf's callback protocols do not list index kwargs, hence the cast to Any.
kopf.timer(GROUP, VERSION, PLURAL, interval=RESYNC_SECONDS, initial_delay=RESYNC_SECONDS)(
    cast(Any, resync)
)


@kopf.on.event(GROUP, VERSION, PLURAL)
def forget_deleted(
    event: kopf.RawEvent, name: str, namespace: str | None, memo: kopf.Memo, **_: Any
) -> None:
    """A bot re-created under the same name must not inherit the old one's status memory."""
    if event.get("type") == "DELETED" and namespace is not None:
        memo.status_writer.forget((namespace, name))
