"""The user's whole path on the real node, once: `helm install` of the chart (the operator as
a pod from its own image, with its ServiceAccount and RBAC, and the chart's own PostgreSQL),
the minimal sample bot, then its children, asserting on what really ran (pods, probes, a Job's
end, rows in the chart's PostgreSQL; how it is installed: tests/k8s/node_chart.py).

The bot's own pods (risk guard, scanner Job, Telegram bot, the fetch-models init containers
of the model server and of the scanner) run the workers image, which has no torch (~1.3 GB);
the model server's TorchServe container runs the model-server image (torch with its CUDA
wheels from PyPI, ~6 GB; containerd holds it twice while importing it, so it is put on the
node only when the disk has that room). Both fetch-models copy the archives from a moto S3 on
the node's bridge address; the scanner reads its model's metadata from them and scores on the
model-server pod through its rendered Service, as its rendered `inference: torchserve` says.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError

from crpbot.db.engine import make_engine, session_factory
from crpbot.db.repos.scan_cycles import scan_cycles
from crpbot.db.repos.signals import recent_signals
from crpbot_model_server.archive import MODEL_NAMES
from crpbot_operator.render.common import MODEL_SERVER_METRICS_PORT
from tests.fixtures.artifacts import TinyArtifact, build_tiny_artifact
from tests.fixtures.moto_server import running_moto
from tests.fixtures.telegram_api import TOKEN, TelegramStandIn, running_stand_in
from tests.k8s.control_plane import REPO, ControlPlane, Kubectl
from tests.k8s.node_chart import installed_chart, store_bot_models
from tests.k8s.node_path import (
    WAIT_S,
    build_postgres_image,
    fetching_cronjob,
    fetching_deployment,
    get_json,
    import_onto_node,
    job_end,
    models_ready,
    offline_scan_job,
    pods_of,
    requests_served,
    scan_report,
    secret_value,
    url_by_pod_ip,
    wait_available,
    wait_for_conditions,
    wait_for_scheduled_pods,
    wait_rolled_out,
)
from tests.k8s.node_pods import FETCH, exit_code, finished, node_pod
from tests.k8s.node_pods import IMAGE_TAG as TAG
from tests.k8s.node_runtime import NODE_IP
from tests.k8s.node_services import make_volume_folder
from tests.k8s.real_node import RealNode, build_image

pytestmark = [pytest.mark.k8s, pytest.mark.realnode, pytest.mark.timeout(1800)]

WORKERS_IMAGE = f"crpbot/workers:{TAG}"
MODEL_SERVER_IMAGE = f"crpbot/model-server:{TAG}"
NAMESPACE = "crpbot-path"
RELEASE = "crpbot-node"
"""Not `crpbot`: the install-manifest tests leave `crpbot-operator` cluster objects that Helm
will not adopt; every cluster-scoped name of the chart derives from the release."""
SAMPLE = REPO / "manifests" / "samples" / "tradingbot-minimal.yaml"
BOT = "btc-observer"
POSTGRES = f"{RELEASE}-postgresql"  # the chart's StatefulSet, Service and Secret
POSTGRES_CLAIM = f"data-{POSTGRES}-0"  # its volumeClaimTemplate's claim for pod 0
POSTGRES_UID = 999  # the official image's postgres user, which the chart runs as
CHAT = 42


@pytest.fixture(scope="module")
def workers_on_node(real_node: RealNode) -> None:
    """The workers image (hack/build-images.sh: no torch, ~1.3 GB) in the node's containerd."""
    build_image("workers")
    import_onto_node(real_node, WORKERS_IMAGE)


@pytest.fixture(scope="module")
def model_server_on_node(real_node: RealNode) -> None:
    """The model-server image (hack/build-images.sh: torch with PyPI's CUDA wheels, ~6.1 GB)
    in the node's containerd; skips when the disk cannot hold it twice plus the margin."""
    build_image("model-server")
    import_onto_node(real_node, MODEL_SERVER_IMAGE)


@pytest.fixture(scope="module")
def postgres_on_node(real_node: RealNode) -> str:
    """The chart PostgreSQL's local stand-in image in the node's containerd; returns its name."""
    image = build_postgres_image()
    import_onto_node(real_node, image)
    return image


@pytest.fixture(scope="module")
def released(
    real_node: RealNode,
    control_plane: ControlPlane,
    kubectl: Kubectl,
    postgres_on_node: str,
    volume_folders: dict[str, Path],
) -> Iterator[str]:
    """The chart, with its PostgreSQL, installed in a namespace pinned to the real node, the
    volumes of the scanner's and PostgreSQL's claims ready; yields the namespace. Everything is
    removed afterwards."""
    with installed_chart(
        control_plane, kubectl, NAMESPACE, RELEASE, postgres_on_node, volume_folders
    ):
        yield NAMESPACE


@pytest.fixture(scope="module")
def volume_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Claim -> the host folder of its hostPath volume, owned by the user of the claim's pod
    (hostPath ignores fsGroup): the scanner's (10001) and the chart PostgreSQL's (999)."""
    root = tmp_path_factory.mktemp("volumes")
    return {
        f"{BOT}-scanner-data": make_volume_folder(root / "scanner-data"),
        POSTGRES_CLAIM: make_volume_folder(root / "postgresql", uid=POSTGRES_UID),
    }


@pytest.fixture(scope="module")
def chart_database(released: str, kubectl: Kubectl) -> str:
    """The URL of the database in the `crpbot-database` Secret the chart's PostgreSQL wrote,
    pointed at its pod's bridge address (the host reaches it; the Service name resolves only
    through cluster DNS), once the StatefulSet is ready."""
    wait_rolled_out(kubectl, released, f"statefulset/{POSTGRES}")
    (pod,) = pods_of(kubectl, released, "app.kubernetes.io/component=postgresql")
    return url_by_pod_ip(secret_value(kubectl, released, "crpbot-database", "url"), pod)


def test_path_operator_runs_as_a_pod_with_its_service_account(
    released: str, real_node: RealNode, kubectl: Kubectl
) -> None:
    fullname = RELEASE  # the chart's fullname: a release name holding "crpbot" is kept as is
    wait_available(kubectl, released, f"{fullname}-operator")

    (pod,) = pods_of(kubectl, released, "app.kubernetes.io/component=operator")

    assert pod["spec"]["nodeName"] == real_node.name
    assert pod["spec"]["serviceAccountName"] == fullname
    assert pod["status"]["containerStatuses"][0]["image"].endswith(f"crpbot/operator:{TAG}")


def test_path_chart_postgresql_runs_on_the_node_with_its_volume_and_password(
    released: str,
    real_node: RealNode,
    kubectl: Kubectl,
    postgres_on_node: str,
    volume_folders: dict[str, Path],
    chart_database: str,
) -> None:
    (pod,) = pods_of(kubectl, released, "app.kubernetes.io/component=postgresql")
    url = make_url(chart_database)

    # Its StatefulSet's pod, on the node from the image the values named, initialised its data
    # on the claim's host folder...
    assert pod["spec"]["nodeName"] == real_node.name
    assert pod["status"]["containerStatuses"][0]["image"].endswith(postgres_on_node)
    assert (volume_folders[POSTGRES_CLAIM] / "pgdata" / "PG_VERSION").is_file()
    # ...and takes the Secret's user and password from outside the pod (scram), not others.
    engine = make_engine(chart_database)
    with engine.connect() as connection:
        assert connection.execute(text("select current_user")).scalar() == url.username
    wrong = make_engine(url.set(password="not-the-password").render_as_string(hide_password=False))
    with pytest.raises(OperationalError, match="password authentication failed"):
        wrong.connect().close()


def test_path_operator_pod_creates_the_sample_bots_children(
    released: str, real_node: RealNode, kubectl: Kubectl
) -> None:
    kubectl("apply", "-n", released, "-f", str(SAMPLE))

    deadline = time.monotonic() + WAIT_S
    names: set[str] = set()
    wanted = {f"{BOT}-risk-guard", f"{BOT}-scanner", f"{BOT}-scanner-data", f"{BOT}-risk-token"}
    while time.monotonic() < deadline and not wanted <= names:
        listed = kubectl("get", "deployments,cronjobs,pvc,secrets", "-n", released, "-o", "name")
        names = {line.split("/", 1)[1] for line in listed.split()}
        time.sleep(2)

    # Made by the operator's pod, through the API with its ServiceAccount token and RBAC.
    assert wanted <= names, sorted(names)
    claim = get_json(kubectl, "pvc", f"{BOT}-scanner-data", "-n", released)
    assert (claim["status"].get("phase"), claim["spec"].get("volumeName")) == (
        "Bound",
        f"{released}-{BOT}-scanner-data",
    )
    # The children's pods land on the real node (the namespace is pinned to it).
    guard_pods = wait_for_scheduled_pods(kubectl, released, f"app.kubernetes.io/instance={BOT}")
    assert {pod["spec"].get("nodeName") for pod in guard_pods} == {real_node.name}
    # ...and the operator pod reports on them in the bot's status.
    conditions = wait_for_conditions(kubectl, released, BOT)
    assert {"Ready", "RiskGuardReady", "ScannerScheduled"} <= set(conditions)


def test_path_risk_guard_serves_readyz_by_its_service_name(
    released: str, workers_on_node: None, real_node: RealNode, kubectl: Kubectl
) -> None:
    # Pods that met the image's absence before the import retry at once, not after backoff.
    kubectl("delete", "pods", "-n", released, "-l", f"app.kubernetes.io/instance={BOT}")
    wait_available(kubectl, released, f"{BOT}-risk-guard")
    url = f"http://{BOT}-risk-guard.{released}.svc:8000/readyz"
    kubectl(
        "apply",
        "-n",
        released,
        "-f",
        "-",
        stdin=json.dumps(node_pod("readyz", ["-c", FETCH, url], command=["python"])),
    )

    done = finished(kubectl, real_node, released, "readyz")

    logs = kubectl("logs", "-n", released, "readyz")
    assert exit_code(done) == 0, logs
    assert logs.startswith("200 ")


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> TinyArtifact:
    """The test's model artifact, archived for the S3 store and the node's TorchServe."""
    return build_tiny_artifact(tmp_path_factory.mktemp("node-models"), bars=600, window=8)


@pytest.fixture(scope="module")
def node_s3(real_node: RealNode, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto S3 server on the node's bridge address, where the init containers reach it."""
    with running_moto(tmp_path_factory.mktemp("node-moto") / "moto.log", host=NODE_IP) as url:
        yield url


@pytest.fixture(scope="module")
def models_in_store(
    released: str,
    kubectl: Kubectl,
    node_s3: str,
    tiny_models: TinyArtifact,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, bytes]:
    """The tiny artifact's archives in the S3 store, and the bot's `spec.models` naming them
    (endpoint and the Secret with its keys); returns archive name -> bytes."""
    folder = tmp_path_factory.mktemp("archives")
    return store_bot_models(kubectl, released, BOT, node_s3, tiny_models, folder)


@pytest.fixture(scope="module")
def model_server_pod(
    released: str,
    workers_on_node: None,
    model_server_on_node: None,
    models_in_store: dict[str, bytes],
    kubectl: Kubectl,
) -> dict[str, Any]:
    """The model server's pod of the bot's `spec.models` (its Deployment rolled out: fetch-models
    done, TorchServe answering /ping), once both models have a worker READY."""
    name = f"{BOT}-model-server"
    fetching_deployment(kubectl, released, name)
    # Pods that met the image's absence before the import retry at once, not after backoff.
    selector = f"app.kubernetes.io/instance={BOT},app.kubernetes.io/component=model-server"
    kubectl("delete", "pods", "-n", released, "-l", selector, "--wait=false")
    wait_rolled_out(kubectl, released, f"deployment/{name}")
    (pod,) = [
        pod
        for pod in pods_of(kubectl, released, selector)
        if not pod["metadata"].get("deletionTimestamp")
    ]
    return pod


def test_path_model_server_pod_loads_the_archives_its_fetch_models_copied(
    released: str,
    real_node: RealNode,
    kubectl: Kubectl,
    tiny_models: TinyArtifact,
    model_server_pod: dict[str, Any],
) -> None:
    described = models_ready(kubectl, released, model_server_pod["metadata"]["name"])

    assert model_server_pod["spec"]["nodeName"] == real_node.name
    (server,) = model_server_pod["status"]["containerStatuses"]
    assert server["image"].endswith(MODEL_SERVER_IMAGE)
    assert server["ready"]
    # TorchServe loaded both archives from its model store (`load_models=all`), the version
    # the bot's spec named.
    assert {
        name: (model["modelUrl"], model["modelVersion"]) for name, model in described.items()
    } == {name: (f"{name}.mar", tiny_models.version) for name in MODEL_NAMES.values()}


def test_path_scanner_job_scores_on_torchserve_and_stores_its_signal_and_cycle(
    released: str,
    workers_on_node: None,
    tiny_models: TinyArtifact,
    models_in_store: dict[str, bytes],
    model_server_pod: dict[str, Any],
    kubectl: Kubectl,
    chart_database: str,
) -> None:
    wait_available(kubectl, released, f"{BOT}-risk-guard")
    cronjob = fetching_cronjob(kubectl, released, BOT)
    job = offline_scan_job(cronjob, "scan-now")
    kubectl("apply", "-n", released, "-f", "-", stdin=json.dumps(job))

    end, finished_job = job_end(kubectl, released, "scan-now")

    logs = kubectl.plane.kubectl("logs", "-n", released, "job/scan-now").stdout
    assert end == "Complete", f"{json.dumps(finished_job['status'])}\n{logs[-3000:]}"
    report = scan_report(logs)
    (row,) = report["symbols"]
    assert row["outcome"] == "approved", logs[-3000:]
    with session_factory(make_engine(chart_database))() as session:
        (stored,) = recent_signals(session, bot=BOT)
        cycles = scan_cycles(session, bot=BOT)
    # The signal the guard approved by Service name, and the cycle, are rows in the chart's
    # PostgreSQL (the bot's pods reached it through the Secret and the Service);
    # the scores came from the model-server pod through its Service (TorchServe's own
    # request counts), for the version of the archives the pod's fetch-models copied from S3.
    assert (stored.id, stored.status) == (row["signal_id"], "approved")
    assert stored.model_version == tiny_models.version
    # Other runs of the bot may have left cycles in the same database (its CronJob ran every
    # 2 minutes until the models came, then `store_bot_models` suspended it); this Job's
    # cycle starts at its `--now`.
    ours = [c for c in cycles if c.started_at == datetime.fromisoformat(report["now"])]
    assert [(c.symbols_ok, c.symbols_failed, c.signals) for c in ours] == [(1, 0, 1)]
    metrics = f"http://{model_server_pod['status']['podIP']}:{MODEL_SERVER_METRICS_PORT}"
    served = {name: requests_served(metrics, name) for name in MODEL_NAMES.values()}
    assert all(count > 0 for count in served.values()), served


@pytest.fixture(scope="module")
def node_telegram(real_node: RealNode) -> Iterator[TelegramStandIn]:
    """The Bot API stand-in on the node's bridge address, where the bot's pod reaches it."""
    with running_stand_in(host=NODE_IP) as stand_in:
        yield stand_in


def test_path_telegram_bot_answers_a_command_through_the_bot_api_stand_in(
    released: str,
    workers_on_node: None,
    kubectl: Kubectl,
    node_telegram: TelegramStandIn,
) -> None:
    kubectl("create", "secret", "generic", "tg", "-n", released, f"--from-literal=token={TOKEN}")
    telegram = {
        "secretRef": {"name": "tg", "key": "token"},
        "allowedChats": [CHAT],
        "apiBaseUrl": node_telegram.base_url,
    }
    patch = json.dumps({"spec": {"telegram": telegram}})
    kubectl("patch", "tradingbot", BOT, "-n", released, "--type=merge", "-p", patch)
    wait_available(kubectl, released, f"{BOT}-telegram")

    node_telegram.state.push_command(CHAT, "/help")

    (sent,) = node_telegram.state.wait_sent(1, timeout_s=WAIT_S)
    assert sent["chat_id"] == CHAT
    assert "/status" in sent["text"]
    # The pod registered its commands with the stand-in the spec named, not api.telegram.org.
    assert {"getMe", "setMyCommands", "getUpdates", "sendMessage"} <= set(node_telegram.state.calls)


def test_path_fetch_models_copies_archives_from_the_s3_endpoint_with_secret_keys(
    released: str,
    real_node: RealNode,
    kubectl: Kubectl,
    models_in_store: dict[str, bytes],
    model_server_pod: dict[str, Any],
) -> None:
    pod = model_server_pod

    logs = kubectl.plane.kubectl(
        "logs", "-n", released, pod["metadata"]["name"], "-c", "fetch-models"
    ).stdout
    (status,) = pod["status"]["initContainerStatuses"]
    assert status["state"]["terminated"]["exitCode"] == 0, logs[-3000:]
    # The archives are in the pod's model store (its emptyDir, on the node's disk), byte for
    # byte: the torchserve container loaded them from there.
    store = (
        real_node.log.parent
        / "kubelet-root"
        / "pods"
        / pod["metadata"]["uid"]
        / "volumes"
        / "kubernetes.io~empty-dir"
        / "model-store"
    )
    assert {path.name: path.read_bytes() for path in store.iterdir()} == models_in_store
