"""The `InferenceBackend` that asks a TorchServe server, pinned to one artifact version.

Raw windows go over HTTP to `/predictions/crpbot-lstm/<version>` and
`/predictions/crpbot-transformer/<version>` in the compact binary body (`crpbot.models.wire`:
float64 bytes behind a one-line JSON header; JSON-encoding them cost most of a request); the
server's handler scales them with the artifact's own scaler (crpbot_model_server.handler), so
the numbers equal `InProcessBackend`'s. The version pin matters: the scanner calibrates with
the metadata it holds, and a server answering from other weights would make that calibration
wrong without any error.

Failure handling, from the inside out:
- inputs are checked locally first (`check_inputs`): a wrong column order never leaves the
  process, and a 400 from the server (its own check) raises the same FeatureMismatchError;
- connection errors, timeouts, 429 and 5xx (503 when TorchServe's queue is full) are retried
  with exponential backoff (tenacity), then raise InferenceUnavailableError;
- every request carries `Authorization: Bearer <key>` (the handler refuses others with 401);
  a 401 or 403 is not retried: it raises InferenceUnavailableError naming the setting to fix;
- a batch goes in bodies of at most `max_body_bytes` (TorchServe answers 413 above its
  `max_request_size`), one after the other, each to both models;
- the two models are asked concurrently (the LSTM in the caller's thread, the Transformer in
  one helper thread), so a prediction costs one round trip, not two;
- a circuit breaker (pybreaker) counts failed predictions; after `breaker_failures` in a row it
  opens and every call fails at once with InferenceUnavailableError for `breaker_reset_s`,
  so a dead server costs a scan cycle nothing but a log line ("no prediction").

TorchServe is in limited maintenance upstream: everything server-specific stays in this
module, behind the `InferenceBackend` Protocol, so another server can replace it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pybreaker
import requests
from pydantic import SecretStr
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from crpbot.models.backend import (
    FeatureMismatchError,
    InferenceUnavailableError,
    Predictions,
    check_inputs,
)
from crpbot.models.metadata import ArtifactMetadata
from crpbot.models.wire import ITEM_BYTES, encode_windows

log = logging.getLogger(__name__)

# kind -> (TorchServe model name, answer key); the names crpbot_model_server.archive gives.
MODELS: dict[str, tuple[str, str]] = {
    "lstm": ("crpbot-lstm", "p_up"),
    "transformer": ("crpbot-transformer", "strength"),
}
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504, 507})
_REFUSED_STATUS = frozenset({401, 403})
# Any type but JSON or text: TorchServe then hands the handler the body's bytes untouched.
BINARY_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class TorchServePolicy:
    """Timeouts, retries and breaker thresholds; defaults fit a 2-minute scan cycle."""

    connect_timeout_s: float = 1.0
    read_timeout_s: float = 5.0
    attempts: int = 3
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 2.0
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0
    # TorchServe refuses a body over its `max_request_size` (6,553,500 bytes by default) with
    # 413; a batch is sent in chunks of at most this many bytes (one window of the production
    # shape, 32 bars x 44 features, is 11 KiB: 1,000 symbols are 11 MiB).
    max_body_bytes: int = 4 * 1024 * 1024


class _TransientError(Exception):
    """A failure worth retrying: the server may answer the same request next time."""


class _BreakerLog(pybreaker.CircuitBreakerListener):
    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        log.warning(
            "torchserve circuit breaker state change",
            extra={
                "breaker": cb.name,
                "from": getattr(old_state, "name", None),
                "to": new_state.name,
            },
        )


def _reason(response: requests.Response) -> str:
    """The handler's `error`, TorchServe's `message`, or the HTTP reason, whichever exists."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.reason or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("error") or body.get("message") or response.reason)
    return response.reason or f"HTTP {response.status_code}"


class TorchServeBackend:
    """Predictions from TorchServe for the artifact `metadata` describes."""

    def __init__(
        self,
        base_url: str,
        metadata: ArtifactMetadata,
        policy: TorchServePolicy | None = None,
        session: requests.Session | None = None,
        key: SecretStr | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"Content-Type": BINARY_CONTENT_TYPE}
        if key is not None:
            self._headers["Authorization"] = f"Bearer {key.get_secret_value()}"
        self._meta = metadata
        self._policy = policy or TorchServePolicy()
        self._session = session or requests.Session()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="torchserve")
        self._breaker = pybreaker.CircuitBreaker(
            fail_max=self._policy.breaker_failures,
            reset_timeout=self._policy.breaker_reset_s,
            exclude=[FeatureMismatchError],
            listeners=[_BreakerLog()],
            name=f"torchserve {self._base}",
        )

    @property
    def metadata(self) -> ArtifactMetadata:
        """The artifact the server must be serving (features, window, calibrator)."""
        return self._meta

    @property
    def breaker_state(self) -> str:
        """closed, open or half-open: whether calls currently reach the server."""
        return str(self._breaker.current_state)

    def predict(
        self, windows: npt.NDArray[np.floating], feature_names: Sequence[str]
    ) -> Predictions:
        """Check locally, then ask both models; raises InferenceUnavailableError on failure.

        An empty batch (too few bars for one window) is answered here, empty, like
        `InProcessBackend`: TorchServe reads `[]` as a wrongly shaped batch and would turn
        "not enough history" into a feature mismatch.
        """
        check_inputs(windows, feature_names, self._meta)
        if windows.shape[0] == 0:
            empty = np.empty(0, dtype=np.float64)
            return Predictions(p_up=empty, strength=empty, model_version=self._meta.model_version)
        try:
            p_up, strength = self._breaker.call(self._ask_in_chunks, windows, feature_names)
        except pybreaker.CircuitBreakerError as exc:
            raise InferenceUnavailableError(
                f"TorchServe at {self._base} keeps failing; circuit open, "
                f"next try in up to {self._policy.breaker_reset_s:g}s"
            ) from exc
        return Predictions(p_up=p_up, strength=strength, model_version=self._meta.model_version)

    def _ask_in_chunks(
        self, windows: npt.NDArray[np.floating], feature_names: Sequence[str]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The batch in bodies under `max_body_bytes`, in order; one failed chunk fails the
        batch (and counts once for the breaker)."""
        per_window = max(1, math.prod(windows.shape[1:]) * ITEM_BYTES)
        # The magic and JSON header lines, with room for the row count's digits.
        header = len(encode_windows(windows[:0], feature_names)) + 16
        size = max(1, (self._policy.max_body_bytes - header) // per_window)
        answers = []
        for start in range(0, int(windows.shape[0]), size):
            chunk = windows[start : start + size]
            answers.append(self._ask_both(encode_windows(chunk, feature_names), len(chunk)))
        return (
            np.concatenate([p_up for p_up, _ in answers]),
            np.concatenate([strength for _, strength in answers]),
        )

    def _ask_both(
        self, body: bytes, n: int
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Both models at once, so a prediction waits for the slower request, not the sum.

        The Transformer goes to a helper thread, the LSTM runs here: when both fail, the
        LSTM's error is the one raised, and the breaker counts one failed prediction.
        """
        strength = self._pool.submit(self._ask, "transformer", body, n)
        p_up = self._ask("lstm", body, n)
        return p_up, strength.result()

    def _url(self, kind: str) -> str:
        return f"{self._base}/predictions/{MODELS[kind][0]}/{self._meta.model_version}"

    def _ask(self, kind: str, body: bytes, n: int) -> npt.NDArray[np.float64]:
        """One model, with retries on transient failures; the answer checked for shape."""
        policy = self._policy
        retrying = Retrying(
            stop=stop_after_attempt(policy.attempts),
            wait=wait_exponential(multiplier=policy.backoff_initial_s, max=policy.backoff_max_s),
            retry=retry_if_exception_type(_TransientError),
            reraise=True,
        )
        try:
            response: requests.Response = retrying(self._post, kind, body)
        except _TransientError as exc:
            raise InferenceUnavailableError(
                f"TorchServe {MODELS[kind][0]} unavailable after {policy.attempts} attempts: {exc}"
            ) from exc
        return self._values(kind, response, n)

    def _post(self, kind: str, body: bytes) -> requests.Response:
        timeout = (self._policy.connect_timeout_s, self._policy.read_timeout_s)
        try:
            response = self._session.post(
                self._url(kind),
                data=body,
                headers=self._headers,
                timeout=timeout,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _TransientError(type(exc).__name__) from exc
        if response.status_code in _RETRY_STATUS:
            raise _TransientError(f"HTTP {response.status_code}: {_reason(response)}")
        return response

    def _values(self, kind: str, response: requests.Response, n: int) -> npt.NDArray[np.float64]:
        name, key = MODELS[kind]
        if response.status_code == 400:
            raise FeatureMismatchError(_reason(response))
        if response.status_code in _REFUSED_STATUS:
            sent = "a wrong key" if "Authorization" in self._headers else "no key"
            raise InferenceUnavailableError(
                f"{name} at {self._base} refused the request (HTTP {response.status_code}, "
                f"{sent}): set CRPBOT_TORCHSERVE_KEY to the model server's key"
            )
        if response.status_code == 404:
            raise InferenceUnavailableError(
                f"{name} version {self._meta.model_version} is not served at {self._base}"
            )
        if response.status_code != 200:
            raise InferenceUnavailableError(
                f"{name} answered HTTP {response.status_code}: {_reason(response)}"
            )
        try:
            answer = response.json()
            values = np.asarray(answer[key], dtype=np.float64)
            version = answer["model_version"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InferenceUnavailableError(f"{name} sent an unreadable answer: {exc}") from exc
        if version != self._meta.model_version or values.shape != (n,):
            raise InferenceUnavailableError(
                f"{name} answered version {version} with {values.shape} values; "
                f"expected {self._meta.model_version} with ({n},)"
            )
        return values
