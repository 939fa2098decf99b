"""How the scanner asks for predictions, whatever serves the models.

`InferenceBackend` is the seam: `InProcessBackend` runs the artifact's torch models in this
process (local mode); a TorchServe client implements the same Protocol in the cluster. Inputs
are raw (unscaled) feature windows; each backend applies the artifact's own scaler, and
refuses windows whose feature names, order or shape differ from what the models were trained
on, because a silently reordered column gives confident nonsense.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from crpbot.models.artifacts import load_artifact
from crpbot.models.metadata import ArtifactMetadata
from crpbot.models.train import predict

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


class InProcessBackend:
    """Loads an artifact once and predicts in this process on CPU."""

    def __init__(self, model_dir: Path, version: str | None = None) -> None:
        self._artifact = load_artifact(model_dir, version)

    @property
    def metadata(self) -> ArtifactMetadata:
        """The loaded artifact's metadata (features, window, calibrator...)."""
        return self._artifact.metadata

    def predict(
        self, windows: npt.NDArray[np.floating], feature_names: Sequence[str]
    ) -> Predictions:
        """Check the inputs against the metadata, scale them, run both models."""
        meta = self._artifact.metadata
        check_inputs(windows, feature_names, meta)
        p_up, strength = predict(self._artifact.models, windows)
        return Predictions(p_up=p_up, strength=strength, model_version=meta.model_version)
