"""Operator-level failures reach Telegram: the bot, under its own ServiceAccount token, reads
its TradingBot's conditions from a real API server and tells every allowed chat, once.

No operator runs here, so nothing rewrites the status the test patches; the Telegram bot's
ServiceAccount, Role and RoleBinding are the operator's own rendering, applied as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from crpbot.notify.telegram import TelegramNotifier
from crpbot_operator.images import images_from_env
from crpbot_operator.reconcile import GROUP, PLURAL, VERSION
from crpbot_workers.telegram.condition_alerts import ConditionAlerts
from tests.fixtures.telegram_api import (
    TOKEN,
    TelegramStandIn,
)
from tests.k8s.control_plane import ControlPlane, Kubectl
from tests.k8s.operator_support import Cluster, api_client, bot_manifest

pytestmark = pytest.mark.k8s

BOT = "alpha"
CHATS = (4242, 5353)
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def _apply_telegram_access(kubectl: Kubectl, cluster: Cluster, namespace: str) -> None:
    """The operator's rendering of the Telegram bot's identity and Role, nothing else."""
    wanted = {(kind, f"{BOT}-telegram") for kind in ("ServiceAccount", "Role", "RoleBinding")}
    items = [
        child
        for child in cluster.rendering(namespace, BOT, images_from_env({}))
        if (child["kind"], child["metadata"]["name"]) in wanted
    ]
    assert len(items) == len(wanted)
    kubectl(
        "apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
    )


def _telegram_identity(control_plane: ControlPlane, kubectl: Kubectl, namespace: str) -> Path:
    """A kubeconfig holding a token of the Telegram bot's ServiceAccount, not an admin."""
    token = kubectl("create", "token", f"{BOT}-telegram", "-n", namespace).strip()
    config = json.loads(control_plane.kubeconfig.read_text())
    config["users"][0]["user"] = {"token": token}
    path = control_plane.workdir / f"{namespace}-{BOT}-telegram.kubeconfig"
    path.write_text(json.dumps(config))
    return path


@pytest.fixture
def cluster(kubeconfig: Path) -> Cluster:
    return Cluster(api_client(kubeconfig))


@pytest.fixture
def notifier(telegram_api: TelegramStandIn) -> Iterator[TelegramNotifier]:
    sender = TelegramNotifier(TOKEN, CHATS, base_url=telegram_api.base_url)
    yield sender
    sender.close(timeout_s=5.0)


@pytest.fixture
def alerts(
    control_plane: ControlPlane,
    kubectl: Kubectl,
    cluster: Cluster,
    namespace: str,
    notifier: TelegramNotifier,
) -> ConditionAlerts:
    """The bot's condition poller as `crpbot telegram serve` runs it in the cluster."""
    kubectl("apply", "-f", "-", stdin=json.dumps(bot_manifest(BOT, namespace)))
    _apply_telegram_access(kubectl, cluster, namespace)
    own = client.CustomObjectsApi(api_client(_telegram_identity(control_plane, kubectl, namespace)))
    return ConditionAlerts(own, namespace, BOT, notifier, clock=lambda: NOW)


def _set_ready(cluster: Cluster, namespace: str, ready: bool) -> None:
    """Write Ready as the operator would, flipped an hour ago (past the watch's grace)."""
    condition: dict[str, Any] = {
        "type": "Ready",
        "status": "True" if ready else "False",
        "reason": "AllChildrenReady" if ready else "NotReady",
        "message": "every child is ready" if ready else "waiting for: RiskGuardReady=Unavailable",
        "lastTransitionTime": (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "observedGeneration": 1,
    }
    cluster.custom.patch_namespaced_custom_object_status(
        GROUP, VERSION, namespace, PLURAL, BOT, {"status": {"conditions": [condition]}}
    )


def _delivered(telegram_api: TelegramStandIn, notifier: TelegramNotifier) -> list[tuple[int, str]]:
    assert notifier.flush(timeout_s=10.0)
    return [(m["chat_id"], m["text"]) for m in telegram_api.state.sent]


def test_condition_alerts_tell_every_chat_once_of_a_failure_and_of_its_recovery(
    cluster: Cluster,
    namespace: str,
    alerts: ConditionAlerts,
    notifier: TelegramNotifier,
    telegram_api: TelegramStandIn,
) -> None:
    assert alerts.poll() == (), "a bot without status is not failing"
    _set_ready(cluster, namespace, ready=False)

    (failure,) = alerts.poll()
    assert alerts.poll() == (), "the same failure is told once"
    sent = _delivered(telegram_api, notifier)
    assert sorted(chat for chat, _ in sent) == sorted(CHATS)
    assert all(text.startswith("*Failure in bot*\nBot: `alpha`") for _, text in sent)
    assert "RiskGuardReady\\=Unavailable" in sent[0][1]
    assert failure.summary == "Ready False (NotReady): waiting for: RiskGuardReady=Unavailable"

    _set_ready(cluster, namespace, ready=True)
    (recovered,) = alerts.poll()
    assert recovered.recovered
    assert alerts.poll() == ()
    after = _delivered(telegram_api, notifier)[len(CHATS) :]
    assert sorted(chat for chat, _ in after) == sorted(CHATS)
    assert all(text.startswith("*Recovered: bot*") for _, text in after)
