"""TorchServeBackend's failure handling, without TorchServe.

A closed port gives real connection errors. Answers TorchServe gives only under load (503
when its queue is full) or when misdeployed (another version's weights) come from a small
scripted HTTP server on 127.0.0.1; the real server is exercised in
tests/integration/model_server/.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest
from pydantic import SecretStr

from crpbot.models.backend import FeatureMismatchError, InferenceUnavailableError
from crpbot.models.metadata import ArtifactMetadata
from crpbot.models.torchserve import TorchServeBackend, TorchServePolicy
from crpbot.models.versions import read_metadata
from crpbot.models.wire import decode_windows
from tests.fixtures.artifacts import TinyArtifact, build_tiny_artifact
from tests.fixtures.http_standin import QuietHandler, serving
from tests.fixtures.ports import free_port

FAST = TorchServePolicy(
    connect_timeout_s=0.5,
    read_timeout_s=1.0,
    attempts=2,
    backoff_initial_s=0.01,
    backoff_max_s=0.02,
    breaker_failures=3,
    breaker_reset_s=60.0,
)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> TinyArtifact:
    return build_tiny_artifact(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def meta(artifact: TinyArtifact) -> ArtifactMetadata:
    return read_metadata(artifact.model_dir / artifact.version)


Answer = tuple[int, dict[str, object]]


class _Script:
    """Status and body per request to each model, in order; the last one repeats.

    The backend asks both models concurrently, so answers are kept per model (the path's
    `/predictions/<model>/...`) and request paths are recorded in arrival order.
    """

    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = {}
        self.paths: list[str] = []
        self.requests: list[tuple[str, bytes]] = []  # (Content-Type, body)
        self.authorizations: list[str | None] = []
        self.delay_s = 0.0
        self.echo = False  # answer each window's first value, so order and count show
        self._lock = threading.Lock()

    def both(self, answers: list[Answer]) -> None:
        """The same answers from both models."""
        self.answers = {"crpbot-lstm": answers, "crpbot-transformer": answers}

    def predict(self, version: str, rows: int) -> None:
        """Both models answer `rows` predictions of `version` (P(up) 0.5, strength 1.0)."""
        self.answers = {
            "crpbot-lstm": [(200, {"p_up": [0.5] * rows, "model_version": version})],
            "crpbot-transformer": [(200, {"strength": [1.0] * rows, "model_version": version})],
        }

    def answer(self, path: str) -> Answer:
        """Record `path` and pick its model's next answer."""
        model = path.split("/")[2]
        with self._lock:
            self.paths.append(path)
            count = sum(1 for seen in self.paths if seen.split("/")[2] == model)
        answers = self.answers[model]
        return answers[min(count, len(answers)) - 1]


@pytest.fixture
def scripted() -> Iterator[tuple[str, _Script]]:
    script = _Script()

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            sent = self.rfile.read(int(self.headers["Content-Length"]))
            script.requests.append((self.headers["Content-Type"], sent))
            script.authorizations.append(self.headers.get("Authorization"))
            echo = (200, _echo(self.path, sent)) if script.echo else None
            status, body = echo or script.answer(self.path)
            time.sleep(script.delay_s)
            self.send_json(status, body)

    with serving(Handler) as port:
        yield f"http://127.0.0.1:{port}", script


def _echo(path: str, sent: bytes) -> dict[str, object]:
    """The model's answer as each window's first value: a chunk's answers show which windows
    it carried, in which order."""
    windows, _ = decode_windows(sent)
    key = "p_up" if "crpbot-lstm" in path else "strength"
    return {key: windows[:, 0, 0].tolist(), "model_version": path.split("/")[3]}


def _closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_backend_checks_features_before_any_request(
    artifact: TinyArtifact, meta: ArtifactMetadata, scripted: tuple[str, _Script]
) -> None:
    url, script = scripted
    names = list(artifact.samples.feature_names)
    backend = TorchServeBackend(url, meta, FAST)
    with pytest.raises(FeatureMismatchError, match="order differs at position 0"):
        backend.predict(artifact.samples.x[:2], [names[1], names[0], *names[2:]])
    assert script.paths == []


def test_backend_retries_a_full_queue_then_answers(
    artifact: TinyArtifact, meta: ArtifactMetadata, scripted: tuple[str, _Script]
) -> None:
    url, script = scripted
    v = meta.model_version
    script.answers = {
        "crpbot-lstm": [
            (503, {"code": 503, "message": "Model crpbot-lstm has no worker to serve inference"}),
            (200, {"p_up": [0.6, 0.4], "model_version": v}),
        ],
        "crpbot-transformer": [(200, {"strength": [1.5, 0.5], "model_version": v})],
    }
    got = TorchServeBackend(url, meta, FAST).predict(
        artifact.samples.x[:2], artifact.samples.feature_names
    )
    np.testing.assert_array_equal(got.p_up, [0.6, 0.4])
    np.testing.assert_array_equal(got.strength, [1.5, 0.5])
    assert sorted(script.paths) == [
        f"/predictions/crpbot-lstm/{v}",
        f"/predictions/crpbot-lstm/{v}",
        f"/predictions/crpbot-transformer/{v}",
    ]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, {"p_up": [0.5, 0.5], "model_version": "other"}, "answered version other"),
        (200, {"p_up": [0.5], "model_version": "{v}"}, r"with \(1,\) values"),
        (200, {"nothing": 1}, "unreadable answer"),
        (404, {"message": "Model not found"}, "is not served at"),
        (500, {"message": "Prediction failed"}, "unavailable after 2 attempts"),
    ],
)
def test_backend_turns_bad_answers_into_unavailable(
    artifact: TinyArtifact,
    meta: ArtifactMetadata,
    scripted: tuple[str, _Script],
    status: int,
    body: dict[str, object],
    message: str,
) -> None:
    url, script = scripted
    if body.get("model_version") == "{v}":
        body = {**body, "model_version": meta.model_version}
    script.both([(status, body)])
    with pytest.raises(InferenceUnavailableError, match=message):
        TorchServeBackend(url, meta, FAST).predict(
            artifact.samples.x[:2], artifact.samples.feature_names
        )


def test_backend_passes_a_server_side_400_on_as_feature_mismatch(
    artifact: TinyArtifact, meta: ArtifactMetadata, scripted: tuple[str, _Script]
) -> None:
    url, script = scripted
    script.both([(400, {"error": "features do not match model x: missing ['a']"})])
    backend = TorchServeBackend(url, meta, FAST)
    for _ in range(FAST.breaker_failures + 1):
        with pytest.raises(FeatureMismatchError, match="missing"):
            backend.predict(artifact.samples.x[:1], artifact.samples.feature_names)
    assert backend.breaker_state == "closed"


def test_backend_breaker_opens_after_the_threshold_and_fails_fast(
    artifact: TinyArtifact, meta: ArtifactMetadata
) -> None:
    backend = TorchServeBackend(_closed_url(), meta, FAST)
    windows, names = artifact.samples.x[:1], artifact.samples.feature_names
    for _ in range(FAST.breaker_failures - 1):
        with pytest.raises(InferenceUnavailableError, match="after 2 attempts: ConnectionError"):
            backend.predict(windows, names)
    assert backend.breaker_state == "closed"
    with pytest.raises(InferenceUnavailableError, match="circuit open"):
        backend.predict(windows, names)
    assert backend.breaker_state == "open"
    started = time.perf_counter()
    with pytest.raises(InferenceUnavailableError, match="circuit open"):
        backend.predict(windows, names)
    assert time.perf_counter() - started < 0.05


def test_backend_breaker_closes_again_once_the_server_answers(
    artifact: TinyArtifact, meta: ArtifactMetadata, scripted: tuple[str, _Script]
) -> None:
    url, script = scripted
    v = meta.model_version
    script.both([(500, {})])
    policy = TorchServePolicy(
        attempts=1, backoff_initial_s=0.01, breaker_failures=2, breaker_reset_s=0.2
    )
    backend = TorchServeBackend(url, meta, policy)
    windows, names = artifact.samples.x[:1], artifact.samples.feature_names
    for _ in range(2):
        with pytest.raises(InferenceUnavailableError):
            backend.predict(windows, names)
    assert backend.breaker_state == "open"
    script.predict(v, 1)
    script.paths.clear()
    time.sleep(0.25)
    got = backend.predict(windows, names)
    assert got.p_up.tolist() == [0.5]
    assert backend.breaker_state == "closed"


def test_backend_answers_an_empty_batch_without_a_request(
    artifact: TinyArtifact, meta: ArtifactMetadata, scripted: tuple[str, _Script]
) -> None:
    url, script = scripted
    got = TorchServeBackend(url, meta, FAST).predict(
        artifact.samples.x[:0], artifact.samples.feature_names
    )
    assert (got.p_up.shape, got.strength.shape) == ((0,), (0,))
    assert got.model_version == meta.model_version
    assert script.paths == []


def test_backend_asks_both_models_at_once(
    artifact: TinyArtifact, meta: ArtifactMetadata, scripted: tuple[str, _Script]
) -> None:
    url, script = scripted
    script.predict(meta.model_version, 1)
    script.delay_s = 0.4
    backend = TorchServeBackend(url, meta, FAST)
    started = time.perf_counter()
    got = backend.predict(artifact.samples.x[:1], artifact.samples.feature_names)
    assert time.perf_counter() - started < 0.7  # one after the other would take 0.8 s
    assert (got.p_up.tolist(), got.strength.tolist()) == ([0.5], [1.0])


def test_backend_sends_the_windows_exactly_in_the_binary_body(
    artifact: TinyArtifact, meta: ArtifactMetadata, scripted: tuple[str, _Script]
) -> None:
    url, script = scripted
    script.predict(meta.model_version, 2)
    windows = artifact.samples.x[:2].astype(np.float64) * np.pi  # digits float32 would lose
    TorchServeBackend(url, meta, FAST).predict(windows, artifact.samples.feature_names)
    assert [content_type for content_type, _ in script.requests] == ["application/octet-stream"] * 2
    for _, sent in script.requests:
        got, names = decode_windows(sent)
        np.testing.assert_array_equal(got, windows)
        assert names == list(artifact.samples.feature_names)


def test_backend_sends_its_key_as_a_bearer_token_to_both_models(
    artifact: TinyArtifact, meta: ArtifactMetadata, scripted: tuple[str, _Script]
) -> None:
    url, script = scripted
    script.predict(meta.model_version, 1)
    backend = TorchServeBackend(url, meta, FAST, key=SecretStr("s3cret-key-0123456789"))
    backend.predict(artifact.samples.x[:1], artifact.samples.feature_names)
    assert script.authorizations == ["Bearer s3cret-key-0123456789"] * 2


@pytest.mark.parametrize(
    ("status", "key", "sent"),
    [(401, SecretStr("wrong-key-0123456789"), "a wrong key"), (403, None, "no key")],
)
def test_backend_fails_closed_at_once_when_the_server_refuses_the_key(
    artifact: TinyArtifact,
    meta: ArtifactMetadata,
    scripted: tuple[str, _Script],
    status: int,
    key: SecretStr | None,
    sent: str,
) -> None:
    url, script = scripted
    script.both([(status, {"error": "missing or wrong bearer key"})])
    backend = TorchServeBackend(url, meta, FAST, key=key)
    expected = f"HTTP {status}, {sent}.*CRPBOT_TORCHSERVE_KEY"
    with pytest.raises(InferenceUnavailableError, match=expected) as refused:
        backend.predict(artifact.samples.x[:1], artifact.samples.feature_names)
    assert "wrong-key" not in str(refused.value)
    # A refused key is never retried: no model is asked twice. The backend may fail closed on
    # the first refusal before the other model's request has even arrived, so one or two.
    asked = [path.split("/")[2] for path in script.paths]
    assert asked and len(asked) == len(set(asked)), asked


def test_backend_sends_a_batch_in_bodies_under_its_cap_and_keeps_the_order(
    artifact: TinyArtifact, meta: ArtifactMetadata, scripted: tuple[str, _Script]
) -> None:
    """TorchServe answers 413 to a body over its max_request_size (6.5 MB by default), which
    1,000 symbols of production windows exceed: the batch goes in chunks under the cap."""
    url, script = scripted
    script.echo = True
    windows = artifact.samples.x[:50].astype(np.float64)
    windows[:, 0, 0] = np.arange(50)
    cap = 7 * windows[0].nbytes + 2_000  # the header line and 7 windows fit, 8 do not
    backend = TorchServeBackend(url, meta, replace(FAST, max_body_bytes=cap))
    got = backend.predict(windows, artifact.samples.feature_names)

    assert got.p_up.tolist() == got.strength.tolist() == list(range(50))
    assert len(script.requests) == 2 * 8  # ceil(50 / 7) chunks, both models
    assert max(len(sent) for _, sent in script.requests) <= cap
