"""The bot's skill evidence, published on its own TradingBot for the operator.

The operator cannot read the database, so it cannot decide the skill gate; the Telegram bot
can, and its Role already lets it patch its own TradingBot. Every poll it decides each tier's
gate from the stored outcomes and, only when the figures changed, writes them as JSON into the
annotation `crpbot.io/skill-gate`; the operator turns that into the `SkillDemonstrated`
condition. The record carries no timestamp, so an unchanged gate is never re-written.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from sqlalchemy.exc import SQLAlchemyError
from urllib3.exceptions import HTTPError

from crpbot.skill.gate import EVIDENCE_ANNOTATION, GateDecision, evidence_record
from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot_workers.telegram.k8s_pause import GROUP, PLURAL, VERSION

log = logging.getLogger(__name__)


class SkillPublisher:
    """Writes the gates' record on one TradingBot when it differs from the last one written."""

    def __init__(
        self,
        api: client.CustomObjectsApi,
        namespace: str,
        name: str,
        gates: Callable[[], Sequence[GateDecision]],
    ) -> None:
        self._api = api
        self._namespace = namespace
        self._name = name
        self._gates = gates
        self._written: str | None = None

    def publish(self) -> bool:
        """True when this call patched the TradingBot."""
        value = json.dumps(evidence_record(self._gates()), sort_keys=True)
        if value == self._written:
            return False
        patch = {"metadata": {"annotations": {EVIDENCE_ANNOTATION: value}}}
        self._api.patch_namespaced_custom_object(
            GROUP, VERSION, self._namespace, PLURAL, self._name, patch
        )
        self._written = value
        log.info("skill gate published", extra={"bot": self._name})
        return True


async def publish_forever(
    publisher: SkillPublisher, interval_s: float, telemetry: Telemetry | None = None
) -> None:
    """Publish until cancelled; a failed read or write is counted and retried next time."""
    counts = telemetry or get_telemetry()
    while True:
        try:
            await asyncio.to_thread(publisher.publish)
        except (ApiException, HTTPError, OSError, SQLAlchemyError) as exc:
            counts.count_error("telegram")
            log.warning("skill gate not published", extra={"error": type(exc).__name__})
        await asyncio.sleep(interval_s)
