"""A scoring model whose calibrator follows the learning loop's adopted refits.

The scanner reads `model.metadata` at every scoring call (`crpbot.scan.ports`), so
wrapping its model in `RecalibratedModel` is all it takes for a refit stored by
`LearningService.refit` to apply from the next cycle on, in every scanner sharing the
database. Without an adopted refit for the artifact's model version the artifact's own
calibrator stays in use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session, sessionmaker

from crpbot.models.backend import Predictions
from crpbot.models.metadata import ArtifactMetadata
from crpbot.scan.ports import ScoringModel
from crpbot.services.learning import active_calibrator


class RecalibratedModel:
    """`model` with the newest adopted calibrator of its model version (a `ScoringModel`)."""

    def __init__(self, model: ScoringModel, session_factory: sessionmaker[Session]) -> None:
        self._model = model
        self._sessions = session_factory

    @property
    def metadata(self) -> ArtifactMetadata:
        """The wrapped metadata, its calibrator replaced by the active refit if there is one."""
        base = self._model.metadata
        with self._sessions() as session:
            calibrator = active_calibrator(session, base.model_version)
        return base if calibrator is None else replace(base, calibrator=calibrator)

    def predict(
        self, windows: npt.NDArray[np.floating], feature_names: Sequence[str]
    ) -> Predictions:
        """The wrapped model's predictions (calibration happens after, from `metadata`)."""
        return self._model.predict(windows, feature_names)
