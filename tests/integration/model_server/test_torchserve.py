"""crpbot on a real TorchServe: inference, parity with in-process, errors, scaling, stop.

Tests run in file order on one module-scoped server; the last one stops it.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import requests
from pydantic import SecretStr

from crpbot.config import Settings
from crpbot.data.bundled import load_bundled
from crpbot.models.backend import InferenceUnavailableError
from crpbot.models.inference import InProcessBackend
from crpbot.models.scoring import score_candles
from crpbot.models.torchserve import BINARY_CONTENT_TYPE, TorchServeBackend, TorchServePolicy
from crpbot.models.wire import encode_windows
from crpbot_model_server.auth import REFUSED
from tests.fixtures.torchserve import SERVER_KEY
from tests.integration.model_server.conftest import Served

pytestmark = [pytest.mark.torchserve, pytest.mark.slow]


def _body(served: Served, rows: slice, names: list[str] | None = None) -> dict[str, object]:
    samples = served.artifact.samples
    return {
        "feature_names": names if names is not None else list(samples.feature_names),
        "windows": samples.x[rows].astype(np.float64).tolist(),
    }


def _backend(served: Served, policy: TorchServePolicy | None = None) -> TorchServeBackend:
    """A backend holding the server's key, as the scanner's wiring builds it."""
    return TorchServeBackend(
        served.server.inference_url, served.metadata, policy, key=SecretStr(served.server.key)
    )


def test_torchserve_pings_healthy_with_both_models_registered(served: Served) -> None:
    ping = requests.get(f"{served.server.inference_url}/ping", timeout=5)
    assert ping.status_code == 200
    assert ping.json() == {"status": "Healthy"}
    listed = requests.get(f"{served.server.management_url}/models", timeout=5).json()
    assert {m["modelName"] for m in listed["models"]} == {"crpbot-lstm", "crpbot-transformer"}


@pytest.mark.parametrize("name", ["crpbot-lstm", "crpbot-transformer"])
def test_torchserve_takes_batching_and_version_from_the_archive(served: Served, name: str) -> None:
    (described,) = served.server.describe(name)
    assert described["modelVersion"] == served.artifact.version
    assert (described["batchSize"], described["maxBatchDelay"]) == (8, 5)
    assert [w["status"] for w in described["workers"]] == ["READY"]


@pytest.mark.parametrize(
    ("name", "key"), [("crpbot-lstm", "p_up"), ("crpbot-transformer", "strength")]
)
def test_torchserve_answers_each_model_with_its_version(
    served: Served, name: str, key: str
) -> None:
    url = f"{served.server.inference_url}/predictions/{name}/{served.artifact.version}"
    answer = requests.post(
        url, json=_body(served, slice(0, 3)), headers=served.server.auth_headers(), timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["model_version"] == served.artifact.version
    assert len(answer.json()[key]) == 3


@pytest.mark.parametrize("rows", [slice(0, 1), slice(0, 64), slice(100, 392)])
def test_torchserve_backend_matches_in_process_within_1e6(served: Served, rows: slice) -> None:
    samples = served.artifact.samples
    windows = samples.x[rows]
    local = InProcessBackend(served.artifact.model_dir).predict(windows, samples.feature_names)
    remote = _backend(served).predict(windows, samples.feature_names)
    np.testing.assert_allclose(remote.p_up, local.p_up, rtol=0, atol=1e-6)
    np.testing.assert_allclose(remote.strength, local.strength, rtol=0, atol=1e-6)
    assert remote.model_version == local.model_version == served.artifact.version


def test_torchserve_parity_holds_when_requests_are_batched_together(served: Served) -> None:
    samples = served.artifact.samples
    local = InProcessBackend(served.artifact.model_dir).predict(samples.x, samples.feature_names)
    backend = _backend(served)
    starts = list(range(0, 96, 4))
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda s: backend.predict(samples.x[s : s + 4], samples.feature_names), starts)
        )
    for start, answer in zip(starts, answers, strict=True):
        np.testing.assert_allclose(answer.p_up, local.p_up[start : start + 4], rtol=0, atol=1e-6)
        np.testing.assert_allclose(
            answer.strength, local.strength[start : start + 4], rtol=0, atol=1e-6
        )


def _post(
    served: Served, binary: bool, names: list[str], auth: dict[str, str] | None = None
) -> requests.Response:
    """Two windows to the LSTM, as the backend's binary body or as the JSON one.

    `auth`: the request's Authorization header (default: the server's key).
    """
    url = f"{served.server.inference_url}/predictions/crpbot-lstm/{served.artifact.version}"
    headers = served.server.auth_headers() if auth is None else auth
    if not binary:
        body = _body(served, slice(0, 2), names)
        return requests.post(url, json=body, headers=headers, timeout=10)
    data = encode_windows(served.artifact.samples.x[:2], names)
    headers = {**headers, "Content-Type": BINARY_CONTENT_TYPE}
    return requests.post(url, data=data, headers=headers, timeout=10)


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
def test_torchserve_rejects_reordered_features_with_400_and_the_reason(
    served: Served, binary: bool
) -> None:
    names = list(served.artifact.samples.feature_names)
    swapped = [names[0], names[2], names[1], *names[3:]]
    answer = _post(served, binary, swapped)
    assert answer.status_code == 400
    reason = (
        f"features do not match model {served.artifact.version}: order differs at position 1: "
        f"got {names[2]}, want {names[1]}"
    )
    assert answer.reason == reason
    assert answer.json()["error"] == reason


def test_torchserve_rejects_a_truncated_binary_body_with_400(served: Served) -> None:
    names = list(served.artifact.samples.feature_names)
    url = f"{served.server.inference_url}/predictions/crpbot-lstm/{served.artifact.version}"
    body = encode_windows(served.artifact.samples.x[:2], names)[:-100]
    headers = {**served.server.auth_headers(), "Content-Type": BINARY_CONTENT_TYPE}
    answer = requests.post(url, data=body, headers=headers, timeout=10)
    assert answer.status_code == 400
    assert "binary body holds" in answer.json()["error"]


def test_scanner_wiring_scores_candles_through_torchserve_like_in_process(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crpbot_workers.scanner.wiring import make_backend

    candles = load_bundled("EURUSD").iloc[-300:]
    base = {"model_dir": served.artifact.model_dir}
    remote = make_backend(
        Settings(
            **base,
            inference="torchserve",
            torchserve_url=served.server.inference_url,
            torchserve_key=SecretStr(served.server.key),
        )
    )
    local = make_backend(Settings(**base, inference="inprocess"))
    got = score_candles(candles, remote, remote.metadata)
    want = score_candles(candles, local, local.metadata)
    assert len(got) > 50
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
@pytest.mark.parametrize(
    "auth",
    [
        {},
        {"Authorization": "Bearer wrong-key-0123456789abcdef"},
        {"Authorization": f"Basic {SERVER_KEY}"},
    ],
    ids=["no-header", "wrong-key", "other-scheme"],
)
def test_torchserve_refuses_inference_without_the_key_with_401(
    served: Served, binary: bool, auth: dict[str, str]
) -> None:
    answer = _post(served, binary, list(served.artifact.samples.feature_names), auth)
    assert answer.status_code == 401
    assert answer.json() == {"error": REFUSED}
    assert answer.reason == REFUSED
    assert served.artifact.version not in answer.text


def test_torchserve_answers_the_right_key_in_any_header_case(served: Served) -> None:
    names = list(served.artifact.samples.feature_names)
    answer = _post(served, True, names, {"authorization": f"bearer {served.server.key}"})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["p_up"]) == 2


def test_torchserve_backend_with_a_wrong_key_fails_closed_at_once(served: Served) -> None:
    samples = served.artifact.samples
    backend = TorchServeBackend(
        served.server.inference_url, served.metadata, key=SecretStr("wrong-key-0123456789abcdef")
    )
    with pytest.raises(InferenceUnavailableError, match=r"HTTP 401, a wrong key"):
        backend.predict(samples.x[:2], samples.feature_names)


# TorchServe's default max_request_size: it answers 413 to a bigger body.
TORCHSERVE_MAX_REQUEST_BYTES = 6_553_500


def test_torchserve_backend_scores_a_batch_over_the_servers_request_cap(served: Served) -> None:
    """A whole universe in one batch (1,000 symbols of production windows are 11 MiB) is more
    than TorchServe takes in one body: the backend sends it in chunks, answers in order."""
    samples = served.artifact.samples
    count = TORCHSERVE_MAX_REQUEST_BYTES // samples.x[0].astype(np.float64).nbytes + 100
    windows = np.resize(samples.x, (count, *samples.x.shape[1:]))
    local = InProcessBackend(served.artifact.model_dir).predict(windows, samples.feature_names)
    remote = _backend(served).predict(windows, samples.feature_names)
    assert len(encode_windows(windows, samples.feature_names)) > TORCHSERVE_MAX_REQUEST_BYTES
    np.testing.assert_allclose(remote.p_up, local.p_up, rtol=0, atol=1e-6)
    np.testing.assert_allclose(remote.strength, local.strength, rtol=0, atol=1e-6)


def test_torchserve_scales_workers_through_the_management_api(served: Served) -> None:
    served.server.scale("crpbot-lstm", 2)
    (described,) = served.server.describe("crpbot-lstm")
    assert described["minWorkers"] == 2
    assert [w["status"] for w in described["workers"]] == ["READY", "READY"]
    assert len({w["pid"] for w in described["workers"]}) == 2
    served.server.scale("crpbot-lstm", 1)
    (described,) = served.server.describe("crpbot-lstm")
    assert len(described["workers"]) == 1


def test_torchserve_stops_cleanly_and_the_backend_breaker_then_fails_fast(served: Served) -> None:
    samples = served.artifact.samples
    policy = TorchServePolicy(attempts=2, backoff_initial_s=0.01, breaker_failures=3)
    backend = _backend(served, policy)
    assert backend.predict(samples.x[:2], samples.feature_names).p_up.shape == (2,)
    process = served.server.process
    assert process is not None
    served.server.stop()
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)
    for _ in range(policy.breaker_failures - 1):
        with pytest.raises(InferenceUnavailableError, match="after 2 attempts"):
            backend.predict(samples.x[:2], samples.feature_names)
    with pytest.raises(InferenceUnavailableError, match="circuit open"):
        backend.predict(samples.x[:2], samples.feature_names)
    started = time.perf_counter()
    with pytest.raises(InferenceUnavailableError, match="circuit open"):
        backend.predict(samples.x[:2], samples.feature_names)
    assert time.perf_counter() - started < 0.05
    assert backend.breaker_state == "open"
