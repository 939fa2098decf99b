"""The only place that writes children to the Kubernetes API.

Server-side apply with one field manager makes every write idempotent and lets the API
server merge with fields other controllers own (replicas set by an autoscaler, defaults).
The path of each kind is fixed here rather than discovered, so no discovery round-trips
slow down a reconcile.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from concurrent.futures import Executor, wait
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from crpbot_operator.metrics import QUEUE_SECONDS

FIELD_MANAGER = "crpbot-operator"
APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
MERGE_CONTENT_TYPE = "application/merge-patch+json"

logger = logging.getLogger(__name__)

_PLURALS = {
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "PersistentVolumeClaim": "persistentvolumeclaims",
    "ServiceAccount": "serviceaccounts",
    "Service": "services",
    "Deployment": "deployments",
    "CronJob": "cronjobs",
    "PodDisruptionBudget": "poddisruptionbudgets",
    "NetworkPolicy": "networkpolicies",
    "Role": "roles",
    "RoleBinding": "rolebindings",
}


def object_path(api_version: str, kind: str, namespace: str, name: str | None = None) -> str:
    """REST path of a namespaced object (or of its collection when `name` is None)."""
    root = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    path = f"{root}/namespaces/{namespace}/{_PLURALS[kind]}"
    return path if name is None else f"{path}/{name}"


class Applier:
    """Server-side applies manifests through a kubernetes `ApiClient`.

    With a `pool`, `apply_all` sends its manifests in parallel: a reconcile then waits for
    one round trip instead of one per child, which is what bounds a burst of new bots.
    """

    def __init__(
        self,
        api: client.ApiClient,
        field_manager: str = FIELD_MANAGER,
        pool: Executor | None = None,
    ) -> None:
        self._api = api
        self.field_manager = field_manager
        self._pool = pool

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "application/json",
        decode: bool = True,
        **query: Any,
    ) -> Any:
        """One request; the reply is parsed only when `decode` (writes discard theirs, and
        parsing every applied object back is most of a reconcile's CPU)."""
        request = self._api.param_serialize(
            method,
            path,
            query_params=list(query.items()),
            header_params={"Content-Type": content_type, "Accept": "application/json"},
            body=body,
            auth_settings=["BearerToken"],
        )
        response = self._api.call_api(*request)
        response.read()  # type: ignore[no-untyped-call]
        kind = "object" if decode else "bytes"
        return self._api.response_deserialize(response, {"200": kind, "201": kind}).data

    def apply(self, manifest: dict[str, Any]) -> None:
        """Create or update `manifest` so it holds every field it sets (forcing conflicts)."""
        meta = manifest["metadata"]
        kind, api_version = manifest["kind"], manifest["apiVersion"]
        path = object_path(api_version, kind, meta["namespace"], meta["name"])
        self._call(
            "PATCH",
            path,
            manifest,
            content_type=APPLY_CONTENT_TYPE,
            decode=False,
            fieldManager=self.field_manager,
            force="true",
        )

    def apply_all(self, manifests: list[dict[str, Any]]) -> None:
        """Apply manifests that do not refer to one another; every one is attempted, and
        the first failure is raised once all have finished."""
        if self._pool is None or len(manifests) < 2:
            for manifest in manifests:
                self.apply(manifest)
            return
        queued = time.perf_counter()
        futures = [self._pool.submit(self._dequeued, queued, m) for m in manifests]
        wait(futures)
        for future in futures:
            future.result()

    def _dequeued(self, queued: float, manifest: dict[str, Any]) -> None:
        """Apply on a pool thread, counting how long the manifest waited for one."""
        QUEUE_SECONDS.observe(time.perf_counter() - queued)
        self.apply(manifest)

    def patch_status(
        self, api_version: str, plural: str, namespace: str, name: str, status: dict[str, Any]
    ) -> None:
        """Merge `status` into a custom resource's status subresource."""
        path = f"/apis/{api_version}/namespaces/{namespace}/{plural}/{name}/status"
        self._call("PATCH", path, {"status": status}, content_type=MERGE_CONTENT_TYPE, decode=False)

    def read_custom(
        self, api_version: str, plural: str, namespace: str, name: str
    ) -> dict[str, Any] | None:
        """A custom resource as stored now, or None when it does not exist."""
        path = f"/apis/{api_version}/namespaces/{namespace}/{plural}/{name}"
        try:
            result: dict[str, Any] = self._call("GET", path)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return result

    def ensure_token_secret(
        self, namespace: str, name: str, key: str, owner_refs: list[dict[str, Any]]
    ) -> bool:
        """Create the random token Secret once; an existing one is kept (callers hold it).

        Returns True when it was created now.
        """
        body = {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {"name": name, "namespace": namespace, "ownerReferences": owner_refs},
            "stringData": {key: secrets.token_urlsafe(32)},
        }
        try:
            self._call("POST", object_path("v1", "Secret", namespace), body, decode=False)
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise
        logger.info("created token secret", extra={"namespace": namespace, "secret": name})
        return True


def make_api_client(pool_size: int) -> client.ApiClient:
    """In a pod use the ServiceAccount; elsewhere the kubeconfig (`KUBECONFIG`).

    The pool matches the handler and apply threads, so parallel requests never queue on it.
    """
    configuration = client.Configuration()
    try:
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except config.ConfigException:
        # Read KUBECONFIG now: the client library only reads it once, at import time.
        path = (os.environ.get("KUBECONFIG") or "").split(os.pathsep)[0] or None
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=path, client_configuration=configuration
        )
    configuration.connection_pool_maxsize = pool_size
    return client.ApiClient(configuration)


def failure_text(exc: BaseException) -> str:
    """What went wrong, for a condition message: the API server's own message when it
    refused (its exception text is a multi-line dump of headers and body)."""
    if isinstance(exc, ApiException):
        try:
            detail = json.loads(exc.body or "{}").get("message")
        except (ValueError, AttributeError):
            detail = None
        return f"{exc.status} {exc.reason}: {detail or ''}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"
