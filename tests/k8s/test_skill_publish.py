"""The skill gate and the activity report reach the TradingBot: the Telegram bot, under its
own ServiceAccount token, writes them as annotations on a real API server, and the operator's
status computation turns what is stored into the SkillDemonstrated condition and the
`riskStatus`/`signals24h` printer columns."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from kubernetes import client

from crpbot.services.bot_service import RISK_UNAVAILABLE, BotActivity
from crpbot.skill.gate import EVIDENCE_ANNOTATION, GateDecision, GateRules, skill_gates
from crpbot_operator.activity import ACTIVITY_ANNOTATION
from crpbot_operator.reconcile import GROUP, PLURAL, VERSION
from crpbot_operator.skill import SKILL_ANNOTATION
from crpbot_operator.status import ChildrenState, compute_status
from crpbot_workers.telegram.skill_publish import ActivityPublisher, SkillPublisher
from tests.fixtures.skill_outcomes import T0, outcomes
from tests.k8s.control_plane import REPO, ControlPlane, Kubectl
from tests.k8s.operator_support import Cluster, api_client, bot_manifest
from tests.k8s.test_condition_alerts import BOT, _apply_telegram_access, _telegram_identity

pytestmark = pytest.mark.k8s

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=60)


@pytest.fixture
def cluster(kubeconfig: Any) -> Cluster:
    return Cluster(api_client(kubeconfig))


@pytest.fixture(autouse=True)
def pause_policy(kubectl: Kubectl) -> None:
    """Every install ships the admission policy that narrows the bot's identity to pausing:
    the publishers must work under it, as they do in a cluster."""
    kubectl("apply", "-f", str(REPO / "manifests" / "rbac" / "telegram-pause-policy.yaml"))


def _stored(cluster: Cluster, namespace: str) -> dict[str, Any]:
    return cast(
        dict[str, Any],
        cluster.custom.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, BOT),
    )


def test_skill_publisher_writes_once_per_change_and_the_operator_reads_it(
    control_plane: ControlPlane, kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    kubectl("apply", "-f", "-", stdin=json.dumps(bot_manifest(BOT, namespace)))
    _apply_telegram_access(kubectl, cluster, namespace)
    own = client.CustomObjectsApi(api_client(_telegram_identity(control_plane, kubectl, namespace)))
    evidence = [outcomes("high", 3, 2)]

    def gates() -> tuple[GateDecision, ...]:
        return skill_gates(evidence[0], LATER, GateRules(100, 0.0))

    publisher = SkillPublisher(own, namespace, BOT, gates)
    assert publisher.publish() and not publisher.publish(), "an unchanged gate is not rewritten"
    body = _stored(cluster, namespace)
    raw = body["metadata"]["annotations"][SKILL_ANNOTATION]
    assert EVIDENCE_ANNOTATION == SKILL_ANNOTATION
    assert [t["tier"] for t in json.loads(raw)["tiers"]] == ["high", "medium", "low"]

    status = compute_status(ChildrenState({}, None), {}, NOW, 1, skill_evidence=raw)
    (closed,) = [c for c in status["conditions"] if c["type"] == "SkillDemonstrated"]
    assert (closed["status"], closed["reason"]) == ("False", "TooFewResolved")
    assert closed["message"].startswith("high tier UNPROVEN: n 5 (needs 100)")

    evidence[0] = outcomes("high", 70, 30)
    assert publisher.publish()
    raw = _stored(cluster, namespace)["metadata"]["annotations"][SKILL_ANNOTATION]
    status = compute_status(ChildrenState({}, None), status, NOW, 1, skill_evidence=raw)
    (opened,) = [c for c in status["conditions"] if c["type"] == "SkillDemonstrated"]
    assert (opened["status"], opened["reason"]) == ("True", "Demonstrated")


def test_activity_publisher_fills_the_status_columns_under_the_bots_own_identity(
    control_plane: ControlPlane, kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    """The bot's Role suffices to publish its risk status and signal count; the operator's
    status computation turns the stored annotation into `riskStatus` and `signals24h`."""
    kubectl("apply", "-f", "-", stdin=json.dumps(bot_manifest(BOT, namespace)))
    _apply_telegram_access(kubectl, cluster, namespace)
    own = client.CustomObjectsApi(api_client(_telegram_identity(control_plane, kubectl, namespace)))
    report = [BotActivity("active", 2)]
    publisher = ActivityPublisher(own, namespace, BOT, lambda: report[0])
    assert publisher.publish() and not publisher.publish(), "an unchanged report is not rewritten"
    report[0] = BotActivity(RISK_UNAVAILABLE, 3)
    assert publisher.publish()
    raw = _stored(cluster, namespace)["metadata"]["annotations"][ACTIVITY_ANNOTATION]
    status = compute_status(ChildrenState({}, None), {}, NOW, 1, activity=raw)
    assert (status["riskStatus"], status["signals24h"]) == ("unavailable", 3)
