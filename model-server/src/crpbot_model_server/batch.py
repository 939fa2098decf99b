"""One TorchServe batch of prediction requests, parsed and checked, and its answers split back.

TorchServe hands a handler several clients' requests at once (dynamic batching). Each request
is checked on its own against the artifact's metadata, so one client sending a reordered
feature list gets its own 400 while the others in the same batch still get predictions. The
valid windows are stacked into one array so the model runs once per batch.

Request body, either form: JSON `{"feature_names": [...], "windows": [[[...]]]}`, or the
compact binary body `crpbot.models.torchserve` sends (`crpbot.models.wire`), with
raw (unscaled) windows `[n, window, features]` in the order `feature_names` gives, which must
equal the artifact's order. Answer per request: `{"<output>": [...], "model_version": "..."}`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from crpbot.models.backend import FeatureMismatchError, check_inputs
from crpbot.models.metadata import ArtifactMetadata
from crpbot.models.wire import MAGIC, MalformedBodyError, decode_windows

FloatArray = npt.NDArray[np.float64]


class RequestError(ValueError):
    """A request that cannot be answered as sent (the client's fault: HTTP 400)."""


@dataclass(frozen=True)
class WindowBatch:
    """Valid windows of a batch stacked in request order; rejected requests with reasons.

    `denied` are the requests refused for their credentials (HTTP 401), a subset of `errors`;
    every other error is the client's malformed input (HTTP 400).
    """

    windows: FloatArray
    counts: tuple[int, ...]
    errors: Mapping[int, str]
    denied: frozenset[int] = frozenset()


def _json_body(value: object) -> object:
    """JSON arrives decoded (Content-Type application/json) or as bytes or text."""
    if isinstance(value, bytes | bytearray):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RequestError(f"body is neither the binary form nor JSON: {exc}") from exc
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise RequestError(f"body is not JSON: {exc.msg}") from exc
    return value


def parse_request(row: Mapping[str, object]) -> tuple[FloatArray, list[str]]:
    """The windows and feature names of one request, or RequestError saying what is wrong.

    TorchServe passes the payload as `body` or `data`; bytes starting with the binary magic
    line are the compact body, anything else is read as JSON.
    """
    value = row.get("body", row.get("data"))
    if isinstance(value, bytes | bytearray) and value.startswith(MAGIC):
        try:
            return decode_windows(bytes(value))
        except MalformedBodyError as exc:
            raise RequestError(str(exc)) from exc
    body = _json_body(value)
    if not isinstance(body, Mapping):
        raise RequestError('body must be a JSON object {"feature_names": [...], "windows": [...]}')
    names = body.get("feature_names")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise RequestError("feature_names must be a list of strings")
    if "windows" not in body:
        raise RequestError("windows is missing")
    try:
        windows = np.asarray(body["windows"], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise RequestError(f"windows must be a numeric array [n, window, features]: {exc}") from exc
    return windows, names


def collect(
    rows: Sequence[Mapping[str, object]],
    meta: ArtifactMetadata,
    denied: Collection[int] = (),
    denied_reason: str = "unauthorized",
) -> WindowBatch:
    """Parse and check every request of a batch against the artifact's features and window.

    A `denied` request's body is never parsed: an unauthenticated client costs no decoding.
    """
    parts: list[FloatArray] = []
    counts: list[int] = []
    errors: dict[int, str] = {}
    for index, row in enumerate(rows):
        if index in denied:
            errors[index] = denied_reason
            counts.append(0)
            continue
        try:
            windows, names = parse_request(row)
            check_inputs(windows, names, meta)
        except (RequestError, FeatureMismatchError) as exc:
            errors[index] = str(exc)
            counts.append(0)
            continue
        parts.append(windows)
        counts.append(int(windows.shape[0]))
    shape = (0, meta.window, len(meta.feature_names))
    stacked = np.concatenate(parts) if parts else np.empty(shape, dtype=np.float64)
    return WindowBatch(
        windows=stacked, counts=tuple(counts), errors=errors, denied=frozenset(denied)
    )


def split_outputs(
    values: FloatArray, batch: WindowBatch, output: str, model_version: str
) -> list[dict[str, object]]:
    """One answer per request, in request order; rejected requests get `{"error": reason}`.

    A denied request learns nothing about the model, not even its version.
    """
    answers: list[dict[str, object]] = []
    start = 0
    for index, count in enumerate(batch.counts):
        if index in batch.denied:
            answers.append({"error": batch.errors[index]})
            continue
        if index in batch.errors:
            answers.append({"error": batch.errors[index], "model_version": model_version})
            continue
        chunk = values[start : start + count]
        start += count
        answers.append({output: [float(v) for v in chunk], "model_version": model_version})
    return answers
