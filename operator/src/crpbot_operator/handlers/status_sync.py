"""Writing a bot's computed status and announcing condition flips as Kubernetes Events.

A new bot's children report progress in bursts (each Deployment and ReplicaSet updates its
status several times), and each event runs on one of Kopf's few handler threads. Per bot,
one thread at a time computes and patches; an event arriving meanwhile only marks the bot
for one more pass and returns at once, so a burst costs one or two patches and never parks
handler threads the bots' own reconciles are waiting for. The last status written is
remembered, so a pass never stores an older view over a newer one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import kopf

from crpbot_operator.apply import Applier
from crpbot_operator.handlers.indexes import BotEntry, BotKey
from crpbot_operator.reconcile import API_VERSION, PLURAL
from crpbot_operator.status import (
    CronJobState,
    DeploymentState,
    ReconcileOutcome,
    collect_children,
    compute_status,
    flipped,
    status_changed,
)

# The operator's image installs only its own dependencies (not the `crpbot` library and its
# `crpbot.clock`), so its wall clock is spelled here; tests pass their own.
WALL_CLOCK: Callable[[], datetime] = partial(datetime.now, UTC)

# (namespace, name, status) -> None: merges `status` into the bot's status subresource.
StatusPatch = Callable[[str, str, dict[str, Any]], None]


def status_patch(applier: Applier) -> StatusPatch:
    def patch(namespace: str, name: str, status: dict[str, Any]) -> None:
        applier.patch_status(API_VERSION, PLURAL, namespace, name, status)

    return patch


class StatusWriter:
    """Coalesces status updates per bot and remembers what it wrote last."""

    def __init__(self, patch: StatusPatch, clock: Callable[[], datetime] = WALL_CLOCK) -> None:
        self._patch = patch
        self._clock = clock
        self._guard = threading.Lock()
        self._running: set[BotKey] = set()
        self._pending: dict[BotKey, BotEntry] = {}
        self._written: dict[BotKey, Mapping[str, Any]] = {}
        self._reconciled: dict[BotKey, ReconcileOutcome] = {}

    def forget(self, key: BotKey) -> None:
        with self._guard:
            self._pending.pop(key, None)
            self._written.pop(key, None)
            self._reconciled.pop(key, None)

    def reconciled(self, key: BotKey, outcome: ReconcileOutcome) -> None:
        """Remember how the bot's last reconcile ended, for its `Reconciled` condition."""
        with self._guard:
            self._reconciled[key] = outcome

    def sync(
        self,
        entry: BotEntry,
        deployment_index: kopf.Index[BotKey, tuple[str, DeploymentState]],
        cronjob_index: kopf.Index[BotKey, CronJobState],
    ) -> bool:
        """Patch the bot's status when the children say something new; True if this call
        patched. While another thread syncs the same bot, only queue one more pass."""
        key = (entry.bot.namespace, entry.bot.name)
        with self._guard:
            if key in self._running:
                self._pending[key] = entry
                return False
            self._running.add(key)
        patched = False
        try:
            current: BotEntry | None = entry
            while current is not None:
                patched = self._sync_once(current, deployment_index, cronjob_index) or patched
                with self._guard:
                    current = self._pending.pop(key, None)
        finally:
            with self._guard:
                self._running.discard(key)
                self._pending.pop(key, None)
        return patched

    def _sync_once(
        self,
        entry: BotEntry,
        deployment_index: kopf.Index[BotKey, tuple[str, DeploymentState]],
        cronjob_index: kopf.Index[BotKey, CronJobState],
    ) -> bool:
        bot = entry.bot
        key = (bot.namespace, bot.name)
        previous = self._written.get(key, entry.status)
        children = collect_children(deployment_index.get(key, []), cronjob_index.get(key, []))
        now = self._clock()
        has_database = bot.spec.database is not None
        with self._guard:
            reconciled = self._reconciled.get(key)
        new = compute_status(
            children,
            previous,
            now,
            bot.generation,
            has_database,
            entry.skill_evidence,
            entry.activity,
            reconciled,
        )
        if not status_changed(previous, new):
            return False
        self._patch(bot.namespace, bot.name, new)
        self._written[key] = {**previous, **new}
        owner = cast(kopf.Body, bot.owner_body())
        for cond in flipped(previous, new):
            kind = "Normal" if cond["status"] == "True" else "Warning"
            message = f"{cond['type']} is {cond['status']}: {cond['message']}"
            kopf.event(owner, type=kind, reason=cond["type"], message=message)
        return True
