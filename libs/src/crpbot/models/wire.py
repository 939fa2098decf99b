"""The compact request body between `TorchServeBackend` and the model server's handler: raw
float64 windows behind a one-line JSON header, written and read here so the two ends cannot
drift apart.

JSON-encoding the windows dominated a TorchServe request's cost (docs/model-server.md).
TorchServe hands a body of any Content-Type other than JSON or text to the handler as
untouched bytes, so the format needs nothing from the server but `decode_windows`:

    crpbot-windows/f64le\\n
    {"feature_names": [...], "shape": [n, window, features]}\\n
    n * window * features little-endian float64 values, C order

float64, not float32: the scaler standardises raw values in float64 before the model's
float32 cast, so float32 on the wire would round raw prices first and move the answers away
from `InProcessBackend`'s. The names and shape are checked afterwards exactly like a JSON
body's (`crpbot.models.inference.check_inputs`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

MAGIC = b"crpbot-windows/f64le\n"
ITEM_BYTES = 8


def encode_windows(windows: npt.NDArray[np.floating], feature_names: Sequence[str]) -> bytes:
    """The compact body: magic line, JSON header line, little-endian float64 windows."""
    values = np.ascontiguousarray(windows, dtype="<f8")
    header = json.dumps({"feature_names": list(feature_names), "shape": list(values.shape)})
    return MAGIC + header.encode("utf-8") + b"\n" + values.tobytes()


class MalformedBodyError(ValueError):
    """A binary body that cannot be read as sent."""


def _header(raw: bytes) -> tuple[list[str], tuple[int, ...]]:
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedBodyError(f"binary body header is not JSON: {exc}") from exc
    if not isinstance(header, dict):
        raise MalformedBodyError(
            'binary body header must be {"feature_names": [...], "shape": [...]}'
        )
    names = header.get("feature_names")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise MalformedBodyError("feature_names must be a list of strings")
    shape = header.get("shape")
    if (
        not isinstance(shape, list)
        or len(shape) != 3
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
    ):
        raise MalformedBodyError("shape must be [n, window, features] of non-negative integers")
    return names, tuple(shape)


def decode_windows(body: bytes) -> tuple[npt.NDArray[np.float64], list[str]]:
    """The windows and feature names of a binary body that starts with `MAGIC`."""
    end = body.find(b"\n", len(MAGIC))
    if not body.startswith(MAGIC) or end < 0:
        raise MalformedBodyError(
            "binary body must start with the magic line and a JSON header line"
        )
    names, shape = _header(body[len(MAGIC) : end])
    payload = memoryview(body)[end + 1 :]
    expected = math.prod(shape) * ITEM_BYTES
    if len(payload) != expected:
        raise MalformedBodyError(
            f"binary body holds {len(payload)} bytes of windows; "
            f"shape {list(shape)} needs {expected}"
        )
    windows = np.frombuffer(payload, dtype="<f8").reshape(shape).astype(np.float64)
    return windows, names
