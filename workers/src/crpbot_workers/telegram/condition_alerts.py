"""Operator-level failures reach Telegram: the bot reads its own TradingBot's conditions.

The operator may not read Secrets, so it cannot send to Telegram itself; it records what
fails in the TradingBot's `status.conditions`. The Telegram bot holds the token and a Role
with `get` on that one TradingBot (nothing to list or watch), so it polls: one GET every
`POLL_INTERVAL_S` seconds, whose transitions `ConditionWatch` turns into alerts for every
allow-listed chat. A GET that fails is counted (`crpbot_errors_total{component="telegram"}`)
and logged; the next poll tries again with the memory intact.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from crpbot.clock import utcnow
from crpbot.notify.alerts import FailureAlert
from crpbot.notify.base import Notifier
from crpbot.notify.condition_watch import ConditionWatch
from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot_workers.telegram.k8s_pause import GROUP, PLURAL, VERSION

log = logging.getLogger(__name__)

# Seconds between two reads of the TradingBot: well inside the watch's five-minute grace,
# and one small GET per bot per half minute is nothing to the API server.
POLL_INTERVAL_S = 30.0


class ConditionAlerts:
    """One TradingBot's condition transitions, read through `api` and sent to `notifier`."""

    def __init__(
        self,
        api: client.CustomObjectsApi,
        namespace: str,
        name: str,
        notifier: Notifier,
        *,
        watch: ConditionWatch | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._api = api
        self._namespace = namespace
        self._name = name
        self._notifier = notifier
        self._watch = watch or ConditionWatch(name)
        self._clock = clock

    def poll(self) -> tuple[FailureAlert, ...]:
        """Read the TradingBot once and hand each new alert to the notifier."""
        body = cast(
            dict[str, Any],
            self._api.get_namespaced_custom_object(
                GROUP, VERSION, self._namespace, PLURAL, self._name
            ),
        )
        alerts = self._watch.observe(body, self._clock())
        for alert in alerts:
            self._notifier.notify(alert)
        return alerts


async def poll_forever(
    alerts: ConditionAlerts,
    interval_s: float = POLL_INTERVAL_S,
    telemetry: Telemetry | None = None,
) -> None:
    """Poll until cancelled; an unreadable TradingBot is counted and retried next time."""
    counts = telemetry or get_telemetry()
    while True:
        try:
            await asyncio.to_thread(alerts.poll)
        except (ApiException, HTTPError, OSError) as exc:
            counts.count_error("telegram")
            log.warning(
                "TradingBot conditions unreadable",
                extra={"error": type(exc).__name__, "status": getattr(exc, "status", None)},
            )
        await asyncio.sleep(interval_s)
