"""`/pause` in a cluster: flip the TradingBot's `spec.suspend` through the Kubernetes API.

The operator owns the scanner CronJob and renders `suspend` from the TradingBot spec, so the
bot changes the spec (a JSON merge patch of one field) rather than the CronJob: the next
reconcile would undo a direct CronJob edit.
"""

from __future__ import annotations

from typing import Any, cast

from kubernetes import client

GROUP = "crpbot.io"
VERSION = "v1alpha1"
PLURAL = "tradingbots"


class KubernetesPauseControl:
    """`PauseControl` over one TradingBot; needs get and patch on `tradingbots`."""

    def __init__(self, api: client.CustomObjectsApi, namespace: str, name: str) -> None:
        self._api = api
        self._namespace = namespace
        self._name = name

    def is_paused(self) -> bool:
        bot = cast(
            dict[str, Any],
            self._api.get_namespaced_custom_object(
                GROUP, VERSION, self._namespace, PLURAL, self._name
            ),
        )
        return bool(bot.get("spec", {}).get("suspend", False))

    def set_paused(self, paused: bool) -> None:
        self._api.patch_namespaced_custom_object(
            GROUP,
            VERSION,
            self._namespace,
            PLURAL,
            self._name,
            {"spec": {"suspend": paused}},
        )


def in_cluster_api() -> client.CustomObjectsApi:
    """A client from the pod's service-account token (the Deployment must mount one)."""
    from kubernetes import config

    config.load_incluster_config()  # type: ignore[no-untyped-call]
    return client.CustomObjectsApi()


def pod_namespace(path: str = "/var/run/secrets/kubernetes.io/serviceaccount/namespace") -> str:
    """The namespace this pod runs in, as Kubernetes writes it next to the token."""
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()
