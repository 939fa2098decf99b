"""TradingBot lifecycle: render, adopt, apply (the periodic safety net is `resync`).

Deletion has no handler and no finalizer: the children carry owner references, so the
garbage collector removes them with the bot, even while the operator is down.
"""

from __future__ import annotations

from typing import Any

import kopf
import pydantic

from crpbot_operator.reconcile import GROUP, PLURAL, VERSION, BotRef, apply_bot


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
    applied = apply_bot(memo.applier, bot, memo.images, memo.telemetry)
    patch.status["observedGeneration"] = bot.generation
    message = f"{reason}: applied {len(applied)} children"
    kopf.event(body, type="Normal", reason="Reconciled", message=message)


@kopf.on.event(GROUP, VERSION, PLURAL)
def forget_deleted(
    event: kopf.RawEvent, name: str, namespace: str | None, memo: kopf.Memo, **_: Any
) -> None:
    """A bot re-created under the same name must not inherit the old one's status memory."""
    if event.get("type") == "DELETED" and namespace is not None:
        memo.status_writer.forget((namespace, name))
