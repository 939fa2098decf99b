"""Small synthetic feature frames and tiny training settings for the model tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from crpbot.models.dataset import ATR_FEATURE, WindowSet, build_windows
from crpbot.models.train_config import TrainConfig

WARMUP = 5


def feature_frame(rows: int = 400, seed: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    """Three features (one is ATR/close) with a NaN warm-up, and a random-walk close."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-01", periods=rows, freq="h", tz="UTC", name="ts")
    close = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, rows))), index=index)
    frame = pd.DataFrame(
        {
            "ret_1": np.log(close).diff().to_numpy(),
            "noise": rng.normal(0, 1, rows),
            ATR_FEATURE: np.abs(rng.normal(0.01, 0.002, rows)),
        },
        index=index,
    )
    frame.iloc[:WARMUP] = np.nan
    return frame, close


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture
def tiny_config() -> TrainConfig:
    return TrainConfig(window=6, horizon=2, epochs=2, batch_size=32, hidden=8, patience=2)


@pytest.fixture
def samples(tiny_config: TrainConfig) -> WindowSet:
    frame, close = feature_frame()
    return build_windows(frame, close, tiny_config.window, tiny_config.horizon)
