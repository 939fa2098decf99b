"""A small window set with folds, for the evaluation tests (no training needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crpbot.models.dataset import WindowSet
from crpbot.models.splits import Fold, SplitConfig, walk_forward_splits

N = 600


@pytest.fixture
def close() -> np.ndarray:
    rng = np.random.default_rng(5)
    return 100 * np.exp(np.cumsum(rng.normal(0, 0.01, N + 10)))


@pytest.fixture
def samples(close: np.ndarray) -> WindowSet:
    rng = np.random.default_rng(6)
    ends = np.arange(5, N + 5, dtype=np.int64)
    x = rng.normal(0, 1, (N, 4, 3)).astype(np.float32)
    direction = (close[ends + 2] > close[ends]).astype(np.float64)
    x[:, -1, 0] += direction.astype(np.float32)
    return WindowSet(
        x=x,
        direction=direction,
        strength=np.abs(rng.normal(1, 0.3, N)),
        ends=ends,
        ts=pd.date_range("2024-01-01", periods=N + 10, freq="h", tz="UTC")[ends],
        feature_names=("a", "b", "ATRr_14_rel"),
    )


@pytest.fixture
def folds(samples: WindowSet) -> list[Fold]:
    return walk_forward_splits(samples.ends, SplitConfig(n_folds=3, purge=6))
