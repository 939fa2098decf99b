"""Writing a bot's computed status and announcing condition flips as Kubernetes Events."""

from __future__ import annotations

import datetime
from typing import Any, cast

import kopf

from crpbot_operator.apply import Applier
from crpbot_operator.handlers.indexes import BotEntry, BotKey
from crpbot_operator.reconcile import API_VERSION, PLURAL
from crpbot_operator.status import (
    CronJobState,
    DeploymentState,
    collect_children,
    compute_status,
    flipped,
    status_changed,
)


def sync_status(
    applier: Applier,
    entry: BotEntry,
    deployment_index: kopf.Index[BotKey, tuple[str, DeploymentState]],
    cronjob_index: kopf.Index[BotKey, CronJobState],
) -> bool:
    """Patch the bot's status when the children say something new; True if it patched."""
    bot = entry.bot
    key = (bot.namespace, bot.name)
    children = collect_children(deployment_index.get(key, []), cronjob_index.get(key, []))
    now = datetime.datetime.now(datetime.UTC)
    new = compute_status(children, entry.status, now, bot.generation)
    if not status_changed(entry.status, new):
        return False
    applier.patch_status(API_VERSION, PLURAL, bot.namespace, bot.name, new)
    owner = cast(kopf.Body, bot.owner_body())
    for cond in flipped(entry.status, new):
        post = kopf.info if cond["status"] == "True" else kopf.warn
        message: Any = f"{cond['type']} is {cond['status']}: {cond['message']}"
        post(owner, reason=cond["type"], message=message)
    return True
