"""`KubernetesPauseControl` against a stand-in API server at the HTTP level."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from crpbot_workers.telegram.k8s_pause import KubernetesPauseControl

PATH = "/apis/crpbot.io/v1alpha1/namespaces/bots/tradingbots/alpha"


class _ApiServer(BaseHTTPRequestHandler):
    bot: dict[str, Any]
    patches: list[tuple[str, dict[str, Any]]]

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        if self.path != PATH:
            self._reply(404, {"kind": "Status", "code": 404, "reason": "NotFound"})
            return
        self._reply(200, self.bot)

    def do_PATCH(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.patches.append((self.headers["Content-Type"], body))
        self.bot["spec"].update(body.get("spec", {}))
        self._reply(200, self.bot)

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def api_server() -> Iterator[tuple[str, type[_ApiServer]]]:
    bot = {
        "apiVersion": "crpbot.io/v1alpha1",
        "kind": "TradingBot",
        "metadata": {"name": "alpha", "namespace": "bots"},
        "spec": {"symbols": ["BTC-USD"], "suspend": False},
    }
    handler = type("Api", (_ApiServer,), {"bot": bot, "patches": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


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
