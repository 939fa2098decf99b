"""Helpers the operator's cluster tests and benchmark share: clients, waits, the operator.

Everything goes through the real API server the `tests/k8s` fixtures start; nothing here
fakes Kubernetes.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from kopf.testing import KopfRunner
from kubernetes import client, config
from kubernetes.config import kube_config

from crpbot_operator.images import Images
from crpbot_operator.reconcile import API_VERSION, GROUP, KIND, PLURAL, VERSION, BotRef
from crpbot_operator.reconcile import desired_children as operator_rendering
from tests.fixtures.processes import stop_process
from tests.k8s.control_plane import ControlPlane, Kubectl

REPO = Path(__file__).resolve().parents[2]

# (apiVersion, kind, list call on the typed API, typed API class); list items carry neither
# apiVersion nor kind, so they are filled in from here.
CHILD_LISTERS: tuple[tuple[str, str, str, Any], ...] = (
    ("v1", "ConfigMap", "list_namespaced_config_map", client.CoreV1Api),
    ("v1", "ServiceAccount", "list_namespaced_service_account", client.CoreV1Api),
    ("v1", "Service", "list_namespaced_service", client.CoreV1Api),
    (
        "v1",
        "PersistentVolumeClaim",
        "list_namespaced_persistent_volume_claim",
        client.CoreV1Api,
    ),
    ("apps/v1", "Deployment", "list_namespaced_deployment", client.AppsV1Api),
    ("batch/v1", "CronJob", "list_namespaced_cron_job", client.BatchV1Api),
    (
        "policy/v1",
        "PodDisruptionBudget",
        "list_namespaced_pod_disruption_budget",
        client.PolicyV1Api,
    ),
    (
        "networking.k8s.io/v1",
        "NetworkPolicy",
        "list_namespaced_network_policy",
        client.NetworkingV1Api,
    ),
    ("rbac.authorization.k8s.io/v1", "Role", "list_namespaced_role", client.RbacAuthorizationV1Api),
    (
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        "list_namespaced_role_binding",
        client.RbacAuthorizationV1Api,
    ),
)
EXPECTED_CHILDREN = 16
DATABASE = {"secretRef": {"name": "crpbot-database", "key": "url"}}


def api_client(kubeconfig: Path | str) -> client.ApiClient:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    configuration.connection_pool_maxsize = 16
    return client.ApiClient(configuration)


def wait_for[T](
    check: Callable[[], T | None], timeout_s: float, what: str, every: float = 0.1
) -> T:
    """Poll `check` until it returns something truthy; fail with `what` after the timeout."""
    deadline = time.monotonic() + timeout_s
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what} (last: {last!r})")


def bot_manifest(name: str, namespace: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"symbols": ["BTC-USD"], "database": DATABASE, **spec},
    }


def apply_bot(kubectl: Kubectl, namespace: str, name: str, **spec: Any) -> None:
    """Create or change a bot the way a user does: `kubectl apply` of its manifest."""
    kubectl("apply", "-f", "-", stdin=json.dumps(bot_manifest(name, namespace, **spec)))


def bot_events(kubectl: Kubectl, namespace: str, selector: str) -> list[dict[str, Any]]:
    """Events about TradingBots in the namespace matching a field selector such as
    `involvedObject.name=alpha` or `reason=DriftRepaired`."""
    fields = f"involvedObject.kind=TradingBot,{selector}"
    out = kubectl("get", "events", "-n", namespace, "--field-selector", fields, "-o", "json")
    items: list[dict[str, Any]] = json.loads(out)["items"]
    return items


def apply_bot_with_children(
    kubectl: Kubectl, cluster: Cluster, namespace: str, name: str, **spec: Any
) -> dict[tuple[str, str], dict[str, Any]]:
    """`apply_bot`, then every child of the bot once the operator has made them all."""
    apply_bot(kubectl, namespace, name, **spec)
    return cluster.wait_for_children(namespace, name)


class Cluster:
    """Typed views over the API server, as plain dicts in the API's own camelCase."""

    def __init__(self, api: client.ApiClient) -> None:
        self.api = api
        self.custom = client.CustomObjectsApi(api)
        self.core = client.CoreV1Api(api)

    def plain(self, obj: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.api.sanitize_for_serialization(obj)
        return result

    def create_namespace(self, name: str) -> None:
        self.core.create_namespace({"metadata": {"name": name}})

    def create_bot(self, manifest: dict[str, Any]) -> dict[str, Any]:
        ns = manifest["metadata"]["namespace"]
        result: dict[str, Any] = self.custom.create_namespaced_custom_object(
            GROUP, VERSION, ns, PLURAL, manifest
        )
        return result

    def get_bot(self, namespace: str, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.custom.get_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, name
        )
        return result

    def patch_bot(self, namespace: str, name: str, spec: dict[str, Any]) -> None:
        self.custom.patch_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, name, {"spec": spec}
        )

    def children(self, namespace: str, bot: str) -> dict[tuple[str, str], dict[str, Any]]:
        """Every object labelled as this bot's child, keyed by (kind, name)."""
        selector = f"app.kubernetes.io/instance={bot},app.kubernetes.io/managed-by=crpbot-operator"
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for api_version, kind, lister, api_class in CHILD_LISTERS:
            items = getattr(api_class(self.api), lister)(namespace, label_selector=selector).items
            for item in items:
                body = self.plain(item)
                body.update(apiVersion=api_version, kind=kind)
                found[(kind, body["metadata"]["name"])] = body
        return found

    def condition(self, namespace: str, bot: str, kind: str) -> dict[str, Any] | None:
        conditions = (self.get_bot(namespace, bot).get("status") or {}).get("conditions") or []
        return next((c for c in conditions if c.get("type") == kind), None)

    def is_ready(self, namespace: str, bot: str) -> bool:
        ready = self.condition(namespace, bot, "Ready")
        return ready is not None and ready["status"] == "True"

    def rendering(self, namespace: str, bot: str, images: Images) -> list[dict[str, Any]]:
        """What the operator should have applied for the bot as it is stored now."""
        return operator_rendering(BotRef.from_body(self.get_bot(namespace, bot)), images)

    def wait_for_children(
        self, namespace: str, bot: str, timeout_s: float = 30, every: float = 0.1
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """All EXPECTED_CHILDREN of the bot, as soon as the operator has made every one."""

        def complete() -> dict[tuple[str, str], dict[str, Any]] | None:
            found = self.children(namespace, bot)
            return found if len(found) == EXPECTED_CHILDREN else None

        return wait_for(complete, timeout_s, f"{EXPECTED_CHILDREN} children of {bot}", every)


@contextmanager
def kopf_operator(kubeconfig: Path) -> Iterator[KopfRunner]:
    """The operator in this process on every namespace, with its built-in image defaults;
    it must stop cleanly."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KUBECONFIG", str(kubeconfig))
        # The client library resolved its default kubeconfig path when it was imported.
        env.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(kubeconfig))
        for name in ("CRPBOT_IMAGE_WORKERS", "CRPBOT_IMAGE_MODEL_SERVER"):
            env.delenv(name, raising=False)
        args = ["run", "-m", "crpbot_operator.handlers", "--all-namespaces", "--standalone"]
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            with KopfRunner(args, timeout=60) as runner:
                yield runner
        finally:
            # Kopf's `run` adds a root handler on the stream click's runner lends it, which is
            # closed once the run ends: the next module's operator would log into it
            # ("--- Logging error --- I/O operation on closed file").
            root.handlers[:] = handlers
            root.setLevel(level)
    assert runner.exit_code == 0, runner.output
    assert runner.exception is None


def start_operator(
    kubeconfig: Path | str, log_path: Path, env: dict[str, str], verbose: bool = True
) -> subprocess.Popen[bytes]:
    """`python -m crpbot_operator` as a separate process, the way a Deployment runs it."""
    full_env = {**os.environ, **env, "KUBECONFIG": str(kubeconfig)}
    flags = ["--standalone", "--verbose"] if verbose else ["--standalone"]
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "crpbot_operator", *flags],
            cwd=REPO,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_operator(process: subprocess.Popen[bytes]) -> None:
    stop_process(process, grace_s=20)


class OperatorProcess:
    """At most one operator process at a time, each start logging to its own file, so a
    test can stop the operator, change the cluster behind its back and start it again."""

    def __init__(self, kubeconfig: Path, logs: Path) -> None:
        self._kubeconfig = kubeconfig
        self._logs = logs
        self._starts = 0
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        self.stop()
        self._starts += 1
        log = self._logs / f"operator-{self._starts}.log"
        self._process = start_operator(self._kubeconfig, log, env, verbose=False)

    def stop(self) -> None:
        if self._process is not None:
            stop_operator(self._process)
            self._process = None


def token_kubeconfig(
    control_plane: ControlPlane, kubectl: Kubectl, account: str, namespace: str
) -> Path:
    """A kubeconfig holding a token of `account`, not an admin identity."""
    token = kubectl("create", "token", account, "-n", namespace).strip()
    config = json.loads(control_plane.kubeconfig.read_text())
    config["users"][0]["user"] = {"token": token}
    path = control_plane.workdir / f"{namespace}-{account}.kubeconfig"
    path.write_text(json.dumps(config))
    return path


def rbac_refusals(operator_log: Path) -> list[str]:
    """Log lines where RBAC refused the operator: the authorizer's `is forbidden: User "..."`
    and the escalation check's `is forbidden: user "..." is attempting to grant`.

    Other 403s are not about RBAC: a namespace left terminating by an earlier test refuses
    new objects to anyone.
    """
    return [
        line
        for line in operator_log.read_text().splitlines()
        if 'is forbidden: user "' in line.lower()
    ]
