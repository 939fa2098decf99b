"""Per-feature standardisation, fitted on training bars only.

Statistics computed over the whole series would leak the test period's level and spread into
training, so the scaler is fitted on the feature rows a fold trains on and stored in the
artifact's metadata, where inference reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_MIN_STD = 1e-8


@dataclass(frozen=True)
class Standardizer:
    """Mean and standard deviation per feature, in model feature order."""

    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def fit(cls, rows: npt.NDArray[np.floating]) -> Standardizer:
        """Fit on rows [N, F] (or windows [N, W, F], flattened); constant columns get std 1."""
        flat = np.asarray(rows, dtype=np.float64).reshape(-1, rows.shape[-1])
        if flat.shape[0] == 0:
            raise ValueError("cannot fit a scaler on zero rows")
        std = flat.std(axis=0)
        std[std < _MIN_STD] = 1.0
        return cls(
            mean=tuple(float(v) for v in flat.mean(axis=0)), std=tuple(float(v) for v in std)
        )

    def transform(self, values: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
        """Standardise along the last axis (features); shape is kept."""
        if values.shape[-1] != len(self.mean):
            raise ValueError(f"scaler has {len(self.mean)} features, input has {values.shape[-1]}")
        mean = np.asarray(self.mean, dtype=np.float64)
        std = np.asarray(self.std, dtype=np.float64)
        return ((np.asarray(values, dtype=np.float64) - mean) / std).astype(np.float32)
