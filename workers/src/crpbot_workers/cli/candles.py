"""The one way commands read a `--candles`/`--data` argument: `bundled:NAME` or a CSV path."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

BUNDLED_PREFIX = "bundled:"


def load_candles(source: str) -> tuple[pd.DataFrame, str]:
    """Candles from `bundled:NAME` or a candle CSV, and the symbol they are for.

    pandas loads here, on first use, so commands that never read candles start fast.
    """
    from crpbot.data.bundled import load_bundled
    from crpbot.data.csv_file import read_candles_csv

    if source.lower().startswith(BUNDLED_PREFIX):
        name = source[len(BUNDLED_PREFIX) :]
        return load_bundled(name), name.upper()
    path = Path(source)
    return read_candles_csv(path), path.stem.upper()
