"""What `kubectl get/describe tradingbot` tells a user, against a real API server with the
operator in-process: every condition in `metav1.Condition`'s shape, TelegramReady, the
Risk and Signals 24h columns from the bot's own report, and a failed reconcile as a
condition and an Event."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kopf.testing import KopfRunner

from crpbot_operator.activity import ACTIVITY_ANNOTATION
from crpbot_operator.images import images_from_env
from crpbot_operator.render import render_children
from crpbot_operator.spec import parse_spec
from tests.k8s.control_plane import Kubectl
from tests.k8s.operator_support import (
    Cluster,
    apply_bot,
    bot_events,
    bot_manifest,
    kopf_operator,
    wait_for,
)

pytestmark = [
    pytest.mark.k8s,
    pytest.mark.skipif(
        not os.environ.get("KUBEBUILDER_ASSETS"),
        reason="needs control-plane binaries: KUBEBUILDER_ASSETS=$(hack/build-control-plane.sh)",
    ),
]
CAMEL_CASE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
METAV1_CONDITION = {"type", "status", "reason", "message", "lastTransitionTime"}


@pytest.fixture(scope="module")
def operator(kubeconfig: Path) -> Iterator[KopfRunner]:
    """A failed reconcile is retried after a second here, not Kopf's default minute."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CRPBOT_RECONCILE_RETRY_SECONDS", "1")
        with kopf_operator(kubeconfig) as runner:
            yield runner


@pytest.fixture
def namespace(bot_namespace: str) -> str:
    return bot_namespace


def test_operator_conditions_have_every_metav1_field_and_telegram_ready(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    """Until the operator's watch has seen the Deployment it just applied, TelegramReady
    says `Missing` (the status comes from what the operator observes): the test waits for
    the observed one, as a user would see it a moment later."""
    apply_bot(kubectl, namespace, "shape")
    wait_for(lambda: cluster.condition(namespace, "shape", "Reconciled"), 30, "Reconciled")

    def observed_telegram() -> dict[str, Any] | None:
        cond = cluster.condition(namespace, "shape", "TelegramReady")
        return cond if cond is not None and cond["reason"] != "Missing" else None

    telegram = wait_for(observed_telegram, 30, "TelegramReady from the Deployment")
    assert telegram["reason"] in ("Available", "Unavailable", "RollingOut")
    bot = cluster.get_bot(namespace, "shape")
    conditions = bot["status"]["conditions"]
    assert {c["type"] for c in conditions} >= {
        "Ready",
        "ModelServerReady",
        "RiskGuardReady",
        "TelegramReady",
        "ScannerScheduled",
        "SkillDemonstrated",
        "Reconciled",
    }
    for cond in conditions:
        assert set(cond) >= METAV1_CONDITION, cond
        assert cond["observedGeneration"] == bot["metadata"]["generation"], cond
        assert CAMEL_CASE.match(cond["reason"]), cond
    reconciled = cluster.condition(namespace, "shape", "Reconciled")
    assert reconciled is not None and (reconciled["status"], reconciled["reason"]) == (
        "True",
        "Applied",
    )


def test_operator_fills_the_risk_and_signals_columns_from_the_bots_report(
    kubectl: Kubectl, cluster: Cluster, namespace: str
) -> None:
    """The annotation the Telegram bot writes reaches `kubectl get`'s printer columns."""
    apply_bot(kubectl, namespace, "cols")
    wait_for(lambda: cluster.condition(namespace, "cols", "Ready"), 30, "a status")
    report = json.dumps({"riskStatus": "halted_daily", "signals24h": 7})
    kubectl("annotate", "-n", namespace, "tradingbot", "cols", f"{ACTIVITY_ANNOTATION}={report}")

    def columns() -> list[str] | None:
        out = kubectl("get", "tradingbot", "cols", "-n", namespace, "--no-headers")
        fields = out.split()
        return fields if "halted_daily" in fields else None

    fields = wait_for(columns, 30, "Risk column filled")
    header = kubectl("get", "tradingbot", "cols", "-n", namespace).splitlines()[0]
    assert re.search(r"RISK\s+SIGNALS 24H", header), header
    assert fields[fields.index("halted_daily") + 1] == "7"


@pytest.fixture
def squatted(cluster: Cluster, namespace: str) -> str:
    """An immutable ConfigMap under the name the bot "refused" renders for its own: the API
    server refuses the operator's apply (an immutable ConfigMap's data cannot change)."""
    spec = parse_spec(bot_manifest("refused", namespace)["spec"])
    children = render_children("refused", namespace, spec, images_from_env({}))
    (name,) = [c["metadata"]["name"] for c in children if c["kind"] == "ConfigMap"]
    body = {"metadata": {"name": name}, "data": {"squatter": "yes"}, "immutable": True}
    cluster.core.create_namespaced_config_map(namespace, body)
    return name


def test_operator_reports_a_failed_reconcile_and_its_recovery(
    kubectl: Kubectl, cluster: Cluster, namespace: str, squatted: str
) -> None:
    """The API server refuses the bot's ConfigMap: the condition says so in one line with a
    Warning Event; once the squatter is removed, the operator's retry (the configured delay,
    not Kopf's minute) turns the condition True with a new transition time."""
    apply_bot(kubectl, namespace, "refused")

    def reconciled(status: str, generation: int = 1) -> dict[str, Any] | None:
        cond = cluster.condition(namespace, "refused", "Reconciled")
        if cond is None or cond["status"] != status:
            return None
        return cond if cond["observedGeneration"] >= generation else None

    failed = wait_for(lambda: reconciled("False"), 30, "Reconciled=False")
    assert failed["reason"] == "ReconcileFailed"
    assert failed["message"].startswith("422 Unprocessable Entity"), failed["message"]
    assert "immutable" in failed["message"] and "\n" not in failed["message"]
    warnings = wait_for(
        lambda: [
            e
            for e in bot_events(kubectl, namespace, "involvedObject.name=refused")
            if e["reason"] == "ReconcileFailed"
        ],
        30,
        "a ReconcileFailed Event",
    )
    assert warnings[0]["type"] == "Warning" and "immutable" in warnings[0]["message"]

    kubectl("delete", "configmap", squatted, "-n", namespace)
    apply_bot(kubectl, namespace, "refused", schedule="*/7 * * * *")
    # The retry of generation 1 may succeed before the operator sees generation 2: wait for
    # the condition that speaks of the new generation.
    recovered = wait_for(lambda: reconciled("True", 2), 30, "Reconciled=True at generation 2")
    assert recovered["reason"] == "Applied"
    assert recovered["lastTransitionTime"] >= failed["lastTransitionTime"]
