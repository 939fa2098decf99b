"""Writing a bot's computed status and announcing condition flips as Kubernetes Events.

Child events for one bot are handled in parallel threads, each reading the indexes at its
own moment; a per-bot lock makes compute-and-patch atomic, and the last status written is
remembered, so a slower thread can never store an older view over a newer one.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Mapping
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


class StatusWriter:
    """Serialises status updates per bot and remembers what it wrote last."""

    def __init__(self, applier: Applier) -> None:
        self._applier = applier
        self._guard = threading.Lock()
        self._locks: dict[BotKey, threading.Lock] = {}
        self._written: dict[BotKey, Mapping[str, Any]] = {}

    def _lock(self, key: BotKey) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def forget(self, key: BotKey) -> None:
        with self._guard:
            self._locks.pop(key, None)
            self._written.pop(key, None)

    def sync(
        self,
        entry: BotEntry,
        deployment_index: kopf.Index[BotKey, tuple[str, DeploymentState]],
        cronjob_index: kopf.Index[BotKey, CronJobState],
    ) -> bool:
        """Patch the bot's status when the children say something new; True if it patched."""
        bot = entry.bot
        key = (bot.namespace, bot.name)
        with self._lock(key):
            previous = self._written.get(key, entry.status)
            children = collect_children(deployment_index.get(key, []), cronjob_index.get(key, []))
            now = datetime.datetime.now(datetime.UTC)
            new = compute_status(children, previous, now, bot.generation)
            if not status_changed(previous, new):
                return False
            self._applier.patch_status(API_VERSION, PLURAL, bot.namespace, bot.name, new)
            self._written[key] = {**previous, **new}
        owner = cast(kopf.Body, bot.owner_body())
        for cond in flipped(previous, new):
            kind = "Normal" if cond["status"] == "True" else "Warning"
            message = f"{cond['type']} is {cond['status']}: {cond['message']}"
            kopf.event(owner, type=kind, reason=cond["type"], message=message)
        return True
