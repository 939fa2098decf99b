"""Map a candle table (CSV text already read) onto the candle convention, without judging it.

Two layouts are accepted: our own `ts,open,high,low,close,volume` and the backtesting-package
style (`,Open,High,Low,Close,Volume` with an unnamed timestamp index). Timestamps may be ISO
strings (naive ones are taken as UTC; offsets are converted to UTC) or unix seconds. Cells
that do not parse become NaN/NaT rather than errors, so `validate_candles` can name every bad
row at once; this loader never sorts, drops or fills.
"""

from __future__ import annotations

import pandas as pd

from crpbot.candles.source import CANDLE_COLUMNS
from crpbot.candles.validate import CandleValidationError

_TIME_COLUMNS = ("ts", "timestamp", "time", "date", "datetime", "unnamed: 0", "")


def candles_from_table(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """Map a string table with either header style onto the convention's columns and index."""
    by_lower = {str(col).strip().lower(): col for col in raw.columns}
    time_key = next((key for key in _TIME_COLUMNS if key in by_lower), None)
    missing = [col for col in CANDLE_COLUMNS if col not in by_lower]
    if time_key is None or missing:
        wanted = "ts," + ",".join(CANDLE_COLUMNS)
        absent = ", ".join(missing) if missing else "a timestamp column"
        raise CandleValidationError(f"{source}: expected columns {wanted}; missing {absent}")
    index = pd.DatetimeIndex(parse_timestamps(raw[by_lower[time_key]]), name="ts")
    data = {
        col: pd.to_numeric(raw[by_lower[col]].str.strip(), errors="coerce").astype("float64")
        for col in CANDLE_COLUMNS
    }
    return pd.DataFrame({col: values.to_numpy() for col, values in data.items()}, index=index)


def parse_timestamps(values: pd.Series) -> pd.DatetimeIndex:
    """ISO strings or unix seconds to UTC; anything unparseable becomes NaT."""
    text = values.astype(str).str.strip()
    numeric = pd.to_numeric(text, errors="coerce")
    if len(text) and numeric.notna().all():
        return pd.DatetimeIndex(pd.to_datetime(numeric, unit="s", utc=True))
    parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    return pd.DatetimeIndex(parsed)
