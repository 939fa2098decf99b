"""Real bars for the feature tests: the bundled EUR/USD hours and GOOG days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crpbot.data.bundled import load_bundled


@pytest.fixture(scope="session")
def eurusd() -> pd.DataFrame:
    return load_bundled("EURUSD")


@pytest.fixture(scope="session")
def goog() -> pd.DataFrame:
    return load_bundled("GOOG")


def synthetic_candles(rows: int, seed: int = 7, flat_every: int = 0) -> pd.DataFrame:
    """A random walk in the candle convention; every `flat_every`-th bar repeats the previous
    bar exactly, so its typical price is unchanged (the case pandas-ta's own MFI gets wrong)."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, rows)))
    open_ = np.r_[close[0], close[:-1]]
    spread = np.abs(rng.normal(0, 0.005, rows)) * close
    frame = pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) + spread,
            "low": np.minimum(open_, close) - spread,
            "close": close,
            "volume": rng.uniform(10, 1000, rows).round(),
        },
        index=pd.date_range("2024-01-01", periods=rows, freq="h", tz="UTC", name="ts"),
    )
    if flat_every:
        for i in range(flat_every, rows, flat_every):
            frame.iloc[i, :4] = frame.iloc[i - 1, :4].to_numpy()
    return frame
