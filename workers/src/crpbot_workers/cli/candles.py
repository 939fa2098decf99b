"""The one way commands read a `--candles`/`--data` argument: `bundled:NAME` or a CSV path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crpbot.data.bundled import load_bundled
from crpbot.data.csv import read_candles_csv

BUNDLED_PREFIX = "bundled:"


def load_candles(source: str) -> tuple[pd.DataFrame, str]:
    """Candles from `bundled:NAME` or a candle CSV, and the symbol they are for."""
    if source.lower().startswith(BUNDLED_PREFIX):
        name = source[len(BUNDLED_PREFIX) :]
        return load_bundled(name), name.upper()
    path = Path(source)
    return read_candles_csv(path), path.stem.upper()
