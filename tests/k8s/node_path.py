"""kubectl, Helm, image and TorchServe helpers of the user's path on the real node
(tests/k8s/test_real_node_path.py): waits with the events in the failure message, a Job's end,
a Secret's value once the operator made it, the scan report in a pod's log, local images put
into the node's containerd."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from sqlalchemy import make_url

from crpbot.storage.s3 import ObjectStore
from crpbot_model_server.archive import MODEL_NAMES
from tests.k8s.control_plane import REPO, ControlPlane, Kubectl
from tests.k8s.node_pods import IMAGE_TAG as TAG
from tests.k8s.real_node import RealNode

WAIT_S = 600.0
SCAN_NOW = "2018-01-22T12:00Z"
"""The close of the 11:00 bar of a Monday in the bundled EUR/USD data (as tests/unit's scan)."""
MODELS_BUCKET = "crpbot-models"
MODELS_PREFIX = "prod"
# moto takes any keys, but boto3 signs nothing without them: a fetch without the Secret's
# keys in its env fails with NoCredentialsError.
S3_KEYS = {"AWS_ACCESS_KEY_ID": "node-test-key", "AWS_SECRET_ACCESS_KEY": "node-test-secret"}
DISK_MARGIN = 4 * 2**30  # left free for everything else on the machine
# An import holds the layers twice: as content (docker save's uncompressed tars) and unpacked.
IMPORT_FACTOR = 2
OFFLINE_SCAN_ENV = {
    "CRPBOT_RISK__MIN_CONFIDENCE": "0.5",
    "CRPBOT_CONFIDENCE__HIGH": "0.5",
    "CRPBOT_CONFIDENCE__MEDIUM": "0.5",
}


def helm_run(helm: Path, plane: ControlPlane, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(helm), "--kubeconfig", str(plane.kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def helm_ok(binary: Path, plane: ControlPlane, *args: str) -> str:
    done = helm_run(binary, plane, *args)
    assert done.returncode == 0, f"helm {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def get_json(kubectl: Kubectl, *args: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(kubectl("get", *args, "-o", "json"))
    return loaded


def state(kubectl: Kubectl, namespace: str) -> str:
    """The namespace's pods and events, for a failed wait's message."""
    pods = kubectl("get", "pods", "-n", namespace, "-o", "wide")
    events = kubectl("get", "events", "-n", namespace, "--sort-by=.lastTimestamp")
    return f"{pods}\n{events}"


def wait_available(kubectl: Kubectl, namespace: str, deployment: str) -> None:
    done = kubectl.plane.kubectl(
        "wait",
        "-n",
        namespace,
        "--for=condition=Available",
        f"deployment/{deployment}",
        f"--timeout={int(WAIT_S)}s",
        timeout=WAIT_S + 30,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"{deployment} not Available: {done.stderr}\n{state(kubectl, namespace)}"
        )


def pods_of(kubectl: Kubectl, namespace: str, selector: str) -> list[dict[str, Any]]:
    found = get_json(kubectl, "pods", "-n", namespace, "-l", selector)
    items: list[dict[str, Any]] = found["items"]
    return items


def wait_for_scheduled_pods(
    kubectl: Kubectl, namespace: str, selector: str
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        pods = pods_of(kubectl, namespace, selector)
        if pods and all(pod["spec"].get("nodeName") for pod in pods):
            return pods
        time.sleep(2)
    pods_now = kubectl("get", "pods", "-n", namespace)
    raise AssertionError(f"no scheduled pods for {selector}:\n{pods_now}")


def job_end(kubectl: Kubectl, namespace: str, name: str) -> tuple[str, dict[str, Any]]:
    """("Complete" | "Failed", the Job) once it ended."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        job = get_json(kubectl, "job", name, "-n", namespace)
        for condition in job["status"].get("conditions") or []:
            if condition["type"] in ("Complete", "Failed") and condition["status"] == "True":
                return condition["type"], job
        time.sleep(2)
    raise AssertionError(f"job {name} did not end in {WAIT_S}s\n{state(kubectl, namespace)}")


def requests_served(metrics_url: str, model: str) -> float:
    """TorchServe's own count of inference requests to `model` (its Prometheus metrics)."""
    with urllib.request.urlopen(f"{metrics_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    pattern = rf'^ts_inference_requests_total{{[^}}]*model_name="{model}"[^}}]*}} (\S+)$'
    return sum(float(m.group(1)) for m in re.finditer(pattern, text, re.MULTILINE))


def scan_report(logs: str) -> dict[str, Any]:
    """The `--json` report of the cycle (indented, over several lines: its first line is a
    lone `{`) among the pod's JSON log lines (one per line, some with a `symbols` list of
    their own; both are in its log)."""
    decoder = json.JSONDecoder()
    offset = 0
    for line in logs.splitlines(keepends=True):
        if line.strip() == "{":
            try:
                found, _ = decoder.raw_decode(logs, offset)
            except json.JSONDecodeError:
                found = None
            if isinstance(found, dict) and "symbols" in found:
                return found
        offset += len(line)
    raise AssertionError(f"no scan report in the pod's log:\n{logs[-3000:]}")


def secret_value(kubectl: Kubectl, namespace: str, name: str, key: str) -> str:
    """A Secret's value once it exists (the operator makes the bot's keys)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        done = kubectl.plane.kubectl("get", "secret", name, "-n", namespace, "-o", "json")
        if done.returncode == 0:
            return base64.b64decode(json.loads(done.stdout)["data"][key]).decode()
        time.sleep(2)
    raise AssertionError(f"no Secret {name} in {namespace} after {WAIT_S}s")


def image_values(component: str, image: str) -> list[str]:
    """Chart values naming a local image as containerd stores it (docker.io/<repo>:<tag>);
    `image` is `<repo>` (tagged with the session's tag) or `<repo>:<tag>`."""
    repository, _, tag = image.partition(":")
    return [
        f"--set={component}.registry=docker.io",
        f"--set={component}.repository={repository}",
        f"--set={component}.tag={tag or TAG}",
    ]


def import_onto_node(node: RealNode, image: str) -> None:
    """A Docker engine image in the node's containerd, kept there between sessions (an
    unchanged image is not imported again). An earlier build under the same name is removed
    first: nothing can use it once the name moves, and the model-server image would hold
    twice its ~12 GB there. An import that fails half-way (ENOSPC while unpacking) has
    already registered the image, whose content and snapshots only a removal frees, so it is
    removed then. Skips, with the figures, when the import would leave less than DISK_MARGIN
    free."""
    if node.runtime.holds(image):
        return
    node.runtime.remove_image(image)
    needed = docker_image_bytes(image) * IMPORT_FACTOR + DISK_MARGIN
    free = shutil.disk_usage(node.runtime.root).free
    if free < needed:
        pytest.skip(
            f"{image} needs {needed / 2**30:.1f} GiB free in containerd's root "
            f"({node.runtime.root}), {free / 2**30:.1f} GiB are"
        )
    try:
        node.runtime.import_docker_image(image)
    except BaseException:
        node.runtime.remove_image(image)
        raise


def build_postgres_image() -> str:
    """hack/build-postgres-image.sh (cached by its inputs' hash): the local stand-in for the
    chart's PostgreSQL image; returns its name."""
    built = subprocess.run(
        [str(REPO / "hack" / "build-postgres-image.sh")],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert built.returncode == 0, f"build-postgres-image.sh failed:\n{built.stderr[-4000:]}"
    return built.stdout.split()[-1]


def wait_rolled_out(kubectl: Kubectl, namespace: str, workload: str) -> None:
    """`kubectl rollout status` of `workload` (`statefulset/NAME`, `deployment/NAME`): its
    newest template's pods all Ready."""
    done = kubectl.plane.kubectl(
        "rollout",
        "status",
        workload,
        "-n",
        namespace,
        f"--timeout={int(WAIT_S)}s",
        timeout=WAIT_S + 30,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"{workload} not rolled out: {done.stderr}\n{state(kubectl, namespace)}"
        )


def url_by_pod_ip(url: str, pod: dict[str, Any]) -> str:
    """A database URL of the cluster (a Service name) pointed at the pod's bridge address,
    which the host reaches."""
    return make_url(url).set(host=pod["status"]["podIP"]).render_as_string(hide_password=False)


def docker_image_bytes(image: str) -> int:
    done = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Size}}", image],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip())


def upload_archives(endpoint: str, archives: list[Path], version: str) -> dict[str, bytes]:
    """The archives under the bot's storageUri layout (`<prefix>/<model>/<version>/<file>`);
    returns name -> bytes."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"],
    )
    store = ObjectStore(MODELS_BUCKET, client=client)
    store.ensure_bucket()
    uploaded = {}
    for kind, name in MODEL_NAMES.items():
        (path,) = [archive for archive in archives if archive.name == f"{name}.mar"]
        store.upload_file(path, f"{MODELS_PREFIX}/{kind}/{version}/{path.name}")
        uploaded[path.name] = path.read_bytes()
    return uploaded


def offline_scan_job(cronjob: dict[str, Any], name: str) -> dict[str, Any]:
    """A Job from the bot's CronJob template, as `kubectl create job --from` makes it, with
    offline inputs: bundled candles at a fixed bar (no exchange can be reached) and every bar
    gated in. The rest is as rendered: inference `torchserve` on the model-server Service with
    the bot's key, the model's metadata from what the rendered fetch-models copies into the
    rendered `model_dir`, the guard, its token and the database by Service name and Secret."""
    template = json.loads(json.dumps(cronjob["spec"]["jobTemplate"]))
    pod = template["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    container["args"] = ["--data", "bundled:EURUSD", "--now", SCAN_NOW, "--json"]
    container["env"] = [
        *container["env"],
        *({"name": key, "value": value} for key, value in OFFLINE_SCAN_ENV.items()),
    ]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": template["metadata"]["labels"]},
        "spec": template["spec"],
    }


def wait_for_conditions(kubectl: Kubectl, namespace: str, bot: str) -> dict[str, str]:
    deadline = time.monotonic() + WAIT_S
    conditions: dict[str, str] = {}
    while time.monotonic() < deadline and "Ready" not in conditions:
        body = get_json(kubectl, "tradingbot", bot, "-n", namespace)
        found = (body.get("status") or {}).get("conditions") or []
        conditions = {c["type"]: c["status"] for c in found}
        time.sleep(2)
    return conditions


def fetching_cronjob(kubectl: Kubectl, namespace: str, bot: str) -> dict[str, Any]:
    """The scanner's CronJob once the operator rendered the spec's archives into it."""
    return _fetching(kubectl, namespace, "cronjob", f"{bot}-scanner", ("jobTemplate", "spec"))


def fetching_deployment(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    """A Deployment once the operator rendered the spec's archives into its pods."""
    return _fetching(kubectl, namespace, "deployment", name, ())


def _fetching(
    kubectl: Kubectl, namespace: str, kind: str, name: str, to_template: tuple[str, ...]
) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        workload = get_json(kubectl, kind, name, "-n", namespace)
        spec = workload["spec"]
        for key in to_template:
            spec = spec[key]
        if spec["template"]["spec"].get("initContainers"):
            return workload
        time.sleep(2)
    raise AssertionError(f"{kind} {name} got no fetch-models in {WAIT_S}s")


def models_ready(kubectl: Kubectl, namespace: str, pod: str) -> dict[str, dict[str, Any]]:
    """Model name -> TorchServe's management description, once each has a worker READY.

    The management API listens on the pod's loopback only (rendered so): asked from inside
    the torchserve container with its own Python."""
    script = (
        "import json, sys, urllib.request\n"
        "print(json.dumps({n: json.load(urllib.request.urlopen("
        "'http://127.0.0.1:8081/models/' + n, timeout=5))[0] for n in sys.argv[1:]}))"
    )
    deadline = time.monotonic() + WAIT_S
    described: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        done = kubectl.plane.kubectl(
            "exec",
            "-n",
            namespace,
            pod,
            "-c",
            "torchserve",
            "--",
            "python",
            "-c",
            script,
            *MODEL_NAMES.values(),
        )
        if done.returncode == 0:
            described = json.loads(done.stdout)
            if all(
                any(worker.get("status") == "READY" for worker in model.get("workers", []))
                for model in described.values()
            ):
                return described
        time.sleep(2)
    logs = kubectl.plane.kubectl("logs", "-n", namespace, pod, "-c", "torchserve").stdout
    raise AssertionError(f"models not READY in {pod}: {described}\n{logs[-3000:]}")
