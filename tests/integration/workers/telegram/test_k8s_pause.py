"""`KubernetesPauseControl` against a stand-in API server at the HTTP level."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from crpbot_workers.telegram.k8s_pause import KubernetesPauseControl
from tests.fixtures.http_standin import QuietHandler, serving

PATH = "/apis/crpbot.io/v1alpha1/namespaces/bots/tradingbots/alpha"


class _ApiServer(QuietHandler):
    bot: dict[str, Any]
    patches: list[tuple[str, dict[str, Any]]]

    def do_GET(self) -> None:
        if self.path != PATH:
            self.send_json(404, {"kind": "Status", "code": 404, "reason": "NotFound"})
            return
        self.send_json(200, self.bot)

    def do_PATCH(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.patches.append((self.headers["Content-Type"], body))
        self.bot["spec"].update(body.get("spec", {}))
        self.send_json(200, self.bot)


@pytest.fixture
def api_server() -> Iterator[tuple[str, type[_ApiServer]]]:
    bot = {
        "apiVersion": "crpbot.io/v1alpha1",
        "kind": "TradingBot",
        "metadata": {"name": "alpha", "namespace": "bots"},
        "spec": {"symbols": ["BTC-USD"], "suspend": False},
    }
    handler = type("Api", (_ApiServer,), {"bot": bot, "patches": []})
    with serving(handler) as port:
        yield f"http://127.0.0.1:{port}", handler


def _api(host: str) -> client.CustomObjectsApi:
    configuration = client.Configuration(host=host)
    return client.CustomObjectsApi(client.ApiClient(configuration))


def test_k8s_pause_merge_patches_spec_suspend_only(
    api_server: tuple[str, type[_ApiServer]],
) -> None:
    host, handler = api_server
    control = KubernetesPauseControl(_api(host), "bots", "alpha")
    assert not control.is_paused()
    control.set_paused(True)
    assert control.is_paused()
    content_type, body = handler.patches[0]
    assert content_type == "application/merge-patch+json"
    assert body == {"spec": {"suspend": True}}
    assert handler.bot["spec"]["symbols"] == ["BTC-USD"]
    control.set_paused(False)
    assert not control.is_paused()


def test_k8s_pause_unknown_bot_raises(api_server: tuple[str, type[_ApiServer]]) -> None:
    host, _ = api_server
    with pytest.raises(ApiException):
        KubernetesPauseControl(_api(host), "bots", "missing").is_paused()
