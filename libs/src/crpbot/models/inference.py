"""The in-process inference backend: the artifact's torch models run in this process on CPU
(local mode and the model server's handler). The seam it implements, and the checks every
backend shares, live in torch-free `crpbot.models.backend`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from crpbot.models.artifacts import load_artifact
from crpbot.models.backend import Predictions, check_inputs
from crpbot.models.metadata import ArtifactMetadata
from crpbot.models.train import predict


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
