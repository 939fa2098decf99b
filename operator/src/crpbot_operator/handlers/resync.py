"""A slow safety net: every known bot's children are re-applied every few minutes.

Kopf's watches resume from their last resource version, so events are lost only when a
stream must relist (its version expired): a child deleted in that gap would stay gone.
A Kopf timer would cover it, but Kopf puts a finalizer on every object a timer serves, and a
bot could then not be deleted while the operator is down. Deletion must stay pure
owner-reference garbage collection, so this runs as an operator-level task instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Mapping
from typing import Any

import kopf
import pydantic
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from crpbot_operator.handlers.indexes import BotEntry, BotKey
from crpbot_operator.reconcile import resync_bot

RESYNC_ENV = "CRPBOT_RESYNC_SECONDS"
RESYNC_SECONDS = 300.0

logger = logging.getLogger(__name__)


def resync_interval(env: Mapping[str, str]) -> float:
    """Seconds between sweeps; the variable exists so tests need not wait five minutes."""
    value = float(env.get(RESYNC_ENV) or RESYNC_SECONDS)
    if value <= 0:
        raise ValueError(f"{RESYNC_ENV} must be positive, not {value}")
    return value


def sweep(memo: kopf.Memo, keys: list[BotKey]) -> int:
    """Resync each bot in turn (one bot's failure does not stop the rest); how many applied."""
    applied = 0
    for namespace, name in keys:
        try:
            applied += resync_bot(memo.applier, namespace, name, memo.images, memo.telemetry)
        except (ApiException, HTTPError, pydantic.ValidationError) as exc:
            logger.warning(
                "resync failed", extra={"namespace": namespace, "bot": name, "error": str(exc)}
            )
    return applied


async def _resync_forever(
    memo: kopf.Memo, bot_index: kopf.Index[BotKey, BotEntry], interval: float
) -> None:
    while True:
        await asyncio.sleep(interval)
        applied = await asyncio.to_thread(sweep, memo, list(bot_index))
        logger.debug("resync sweep done", extra={"bots": applied})


@kopf.on.startup()
async def start_resync(memo: kopf.Memo, **kwargs: Any) -> None:
    bot_index: kopf.Index[BotKey, BotEntry] = kwargs["bot_index"]
    interval = resync_interval(os.environ)
    memo.resync_task = asyncio.create_task(
        _resync_forever(memo, bot_index, interval), name="crpbot-resync"
    )


@kopf.on.cleanup()
async def stop_resync(memo: kopf.Memo, **_: Any) -> None:
    task: asyncio.Task[None] | None = memo.get("resync_task")
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
