"""The skill gate reaches the TradingBot: the Telegram bot, under its own ServiceAccount
token, writes the gates as the `crpbot.io/skill-gate` annotation on a real API server, and the
operator's status computation turns what is stored into the SkillDemonstrated condition."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from kubernetes import client

from crpbot.skill.gate import EVIDENCE_ANNOTATION, GateDecision, GateRules, skill_gates
from crpbot_operator.reconcile import GROUP, PLURAL, VERSION
from crpbot_operator.skill import SKILL_ANNOTATION
from crpbot_operator.status import ChildrenState, compute_status
from crpbot_workers.telegram.skill_publish import SkillPublisher
from tests.fixtures.skill_outcomes import T0, outcomes
from tests.k8s.control_plane import ControlPlane, Kubectl
from tests.k8s.operator_support import Cluster, api_client, bot_manifest
from tests.k8s.test_condition_alerts import BOT, _apply_telegram_access, _telegram_identity

pytestmark = pytest.mark.k8s

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=60)


@pytest.fixture
def cluster(kubeconfig: Any) -> Cluster:
    return Cluster(api_client(kubeconfig))


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
