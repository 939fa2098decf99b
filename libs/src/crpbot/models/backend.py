"""How the scanner asks for predictions, whatever serves the models.

`InferenceBackend` is the seam: `crpbot.models.inference.InProcessBackend` runs the artifact's
torch models in this process (local mode); `crpbot.models.torchserve` asks a TorchServe server
(the cluster). Inputs are raw (unscaled) feature windows; each backend applies the artifact's
own scaler, and refuses windows whose feature names, order or shape differ from what the
models were trained on, because a silently reordered column gives confident nonsense. This
module loads no torch, so a process that only talks to a model server never pays for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from crpbot.models.metadata import ArtifactMetadata

FloatArray = npt.NDArray[np.float64]


class FeatureMismatchError(ValueError):
    """The windows do not match the features, order or window length the models expect."""


class InferenceUnavailableError(RuntimeError):
    """No predictions right now (model server down, overloaded or serving other weights).

    Remote backends raise it; a scanner treats it as "no prediction" for this cycle.
    """


@dataclass(frozen=True)
class Predictions:
    """Per window: P(up) from the LSTM, trend strength (ATR units) from the Transformer."""

    p_up: FloatArray
    strength: FloatArray
    model_version: str


class InferenceBackend(Protocol):
    """Anything that turns feature windows into predictions."""

    def predict(
        self, windows: npt.NDArray[np.floating], feature_names: Sequence[str]
    ) -> Predictions: ...


def check_inputs(
    windows: npt.NDArray[np.floating], feature_names: Sequence[str], meta: ArtifactMetadata
) -> None:
    """Raise FeatureMismatchError naming the first difference from the metadata."""
    expected = list(meta.feature_names)
    given = list(feature_names)
    if given != expected:
        missing = [n for n in expected if n not in given]
        extra = [n for n in given if n not in expected]
        if missing or extra:
            detail = f"missing {missing[:5]}, unexpected {extra[:5]}"
        else:
            first = next(i for i, (a, b) in enumerate(zip(given, expected, strict=True)) if a != b)
            detail = (
                f"order differs at position {first}: got {given[first]}, want {expected[first]}"
            )
        raise FeatureMismatchError(f"features do not match model {meta.model_version}: {detail}")
    if windows.ndim != 3 or windows.shape[1:] != (meta.window, len(expected)):
        raise FeatureMismatchError(
            f"windows must have shape [batch, {meta.window}, {len(expected)}], got {windows.shape}"
        )
