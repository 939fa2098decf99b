"""What the bot knows of itself, published on its own TradingBot for the operator.

The operator holds no database or risk-guard credentials, so it cannot decide the skill gate,
ask the guard its status or count signals; the Telegram bot can, and its Role already lets it
patch its own TradingBot. Every poll it writes each record as JSON into its annotation, only
when the record changed: the skill gates into `crpbot.io/skill-gate` (the operator turns that
into the `SkillDemonstrated` condition) and the risk status and signals of the last 24 h into
`crpbot.io/activity` (the `Risk` and `Signals 24h` columns of `kubectl get tradingbots`). The
records carry no timestamp, so an unchanged one is never re-written.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from sqlalchemy.exc import SQLAlchemyError
from urllib3.exceptions import HTTPError

from crpbot.services.bot_service import BotActivity
from crpbot.skill.gate import EVIDENCE_ANNOTATION, GateDecision, evidence_record
from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot_workers.telegram.k8s_pause import GROUP, PLURAL, VERSION

ACTIVITY_ANNOTATION = "crpbot.io/activity"
"""The operator's `crpbot_operator.activity.ACTIVITY_ANNOTATION` reads the same key."""

log = logging.getLogger(__name__)


class AnnotationPublisher:
    """Writes one record as one annotation of a TradingBot when it differs from the last."""

    def __init__(
        self,
        api: client.CustomObjectsApi,
        namespace: str,
        name: str,
        annotation: str,
        record: Callable[[], Mapping[str, Any]],
    ) -> None:
        self._api = api
        self._namespace = namespace
        self._name = name
        self._annotation = annotation
        self._record = record
        self._written: str | None = None

    def publish(self) -> bool:
        """True when this call patched the TradingBot."""
        value = json.dumps(self._record(), sort_keys=True)
        if value == self._written:
            return False
        patch = {"metadata": {"annotations": {self._annotation: value}}}
        self._api.patch_namespaced_custom_object(
            GROUP, VERSION, self._namespace, PLURAL, self._name, patch
        )
        self._written = value
        log.info("published", extra={"bot": self._name, "annotation": self._annotation})
        return True


class SkillPublisher(AnnotationPublisher):
    """The skill gate of every tier (`crpbot.skill.gate.evidence_record`)."""

    def __init__(
        self,
        api: client.CustomObjectsApi,
        namespace: str,
        name: str,
        gates: Callable[[], Sequence[GateDecision]],
    ) -> None:
        super().__init__(
            api, namespace, name, EVIDENCE_ANNOTATION, lambda: evidence_record(gates())
        )


def activity_record(activity: BotActivity) -> dict[str, Any]:
    """The printer columns' figures, under the status field names the operator copies."""
    return {"riskStatus": activity.risk_status, "signals24h": activity.signals_24h}


class ActivityPublisher(AnnotationPublisher):
    """The guard's status and the signals of the last 24 h (`BotService.activity`)."""

    def __init__(
        self,
        api: client.CustomObjectsApi,
        namespace: str,
        name: str,
        activity: Callable[[], BotActivity],
    ) -> None:
        super().__init__(
            api, namespace, name, ACTIVITY_ANNOTATION, lambda: activity_record(activity())
        )


async def publish_forever(
    publishers: Sequence[AnnotationPublisher],
    interval_s: float,
    telemetry: Telemetry | None = None,
) -> None:
    """Publish until cancelled; a failed read or write is counted and retried next time, and
    never keeps the other records from being published."""
    counts = telemetry or get_telemetry()
    while True:
        for publisher in publishers:
            try:
                await asyncio.to_thread(publisher.publish)
            except (ApiException, HTTPError, OSError, SQLAlchemyError) as exc:
                counts.count_error("telegram")
                log.warning("record not published", extra={"error": type(exc).__name__})
        await asyncio.sleep(interval_s)
