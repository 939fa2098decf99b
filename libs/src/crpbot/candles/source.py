"""The one interface every candle provider satisfies, and the empty frame they share.

Callers (store, CLI, demo) depend on this Protocol, not on Coinbase, so the bundled CSV loader
and test doubles plug in the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import pandas as pd

CANDLE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")


class CandleSource(Protocol):
    """Anything that can return candles for a symbol over a half-open time range."""

    def fetch_candles(
        self, symbol: str, granularity: str, start: datetime, end: datetime
    ) -> pd.DataFrame:
        """Bars with open time in [start, end), in the candle DataFrame convention."""
        ...


def empty_candles() -> pd.DataFrame:
    """A zero-row frame with the convention's index and dtypes, so concatenation keeps types."""
    index = pd.DatetimeIndex([], tz="UTC", name="ts")
    return pd.DataFrame(
        {col: pd.Series([], dtype="float64") for col in CANDLE_COLUMNS}, index=index
    )


class FrameSource:
    """A `CandleSource` over candles already in memory (the bundled data, a loaded file), so
    offline runs and tests go through the same store path as a live exchange."""

    def __init__(self, candles: pd.DataFrame, granularity: str) -> None:
        self._candles = candles
        self._granularity = granularity

    def fetch_candles(
        self, symbol: str, granularity: str, start: datetime, end: datetime
    ) -> pd.DataFrame:
        """The held bars in [start, end); a different granularity is an error, not a resample."""
        if granularity != self._granularity:
            raise ValueError(f"this source holds {self._granularity} bars, not {granularity}")
        index = self._candles.index
        in_range = (index >= pd.Timestamp(start)) & (index < pd.Timestamp(end))
        return self._candles.loc[in_range, list(CANDLE_COLUMNS)]
