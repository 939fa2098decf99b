"""The condition poller survives an API server it cannot reach: counted, retried, no alert.

The happy path runs against a real API server in tests/k8s/test_condition_alerts.py.
"""

from __future__ import annotations

import asyncio

from kubernetes import client

from crpbot.notify.base import LogNotifier
from crpbot.telemetry.metrics import Telemetry
from crpbot_workers.telegram.condition_alerts import ConditionAlerts, poll_forever
from tests.fixtures.ports import free_port


def _unreachable_api() -> client.CustomObjectsApi:
    configuration = client.Configuration()
    configuration.host = f"http://127.0.0.1:{free_port()}"
    configuration.retries = False
    return client.CustomObjectsApi(client.ApiClient(configuration))


def _errors(telemetry: Telemetry) -> float:
    assert telemetry.registry is not None
    value = telemetry.registry.get_sample_value("crpbot_errors_total", {"component": "telegram"})
    return value or 0.0


async def test_poll_forever_counts_an_unreachable_api_server_and_keeps_polling(
    telemetry: Telemetry,
) -> None:
    alerts = ConditionAlerts(_unreachable_api(), "ns", "alpha", LogNotifier())
    task = asyncio.create_task(poll_forever(alerts, interval_s=0.01, telemetry=telemetry))
    try:
        async with asyncio.timeout(10):
            while _errors(telemetry) < 2:
                await asyncio.sleep(0.01)
        assert not task.done(), "a failed poll must not end the loop"
    finally:
        task.cancel()


def test_condition_alert_defaults_are_the_documented_settings() -> None:
    """The classes' defaults and the settings users tune must not drift apart."""
    from datetime import timedelta

    from crpbot.config.settings import NotifySettings
    from crpbot.notify.condition_watch import DEFAULT_GRACE
    from crpbot_workers.telegram.condition_alerts import POLL_INTERVAL_S

    defaults = NotifySettings()
    assert timedelta(seconds=defaults.condition_grace_seconds) == DEFAULT_GRACE
    assert defaults.condition_poll_seconds == POLL_INTERVAL_S
