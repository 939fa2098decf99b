"""Builders for tiny hand-made candle frames and signal tables (imported by the tests)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

Bar = tuple[float, float, float, float]


def make_candles(start: str, bars: Sequence[Bar], freq: str = "h") -> pd.DataFrame:
    """Candles from (open, high, low, close) tuples on a regular UTC index."""
    index = pd.date_range(pd.Timestamp(start, tz="UTC"), periods=len(bars), freq=freq, name="ts")
    frame = pd.DataFrame(list(bars), index=index, columns=["open", "high", "low", "close"])
    frame["volume"] = 1.0
    return frame


def make_signals(rows: Sequence[dict[str, object]], symbol: str = "TEST-USD") -> pd.DataFrame:
    """A signal table; each row needs ts, side, stop and may give target / expiry."""
    table = pd.DataFrame(
        [
            {
                "ts": pd.Timestamp(str(row["ts"]), tz="UTC"),
                "symbol": symbol,
                "side": row["side"],
                "entry": row.get("entry", np.nan),
                "stop": row["stop"],
                "target": row.get("target", np.nan),
                "expiry": pd.Timestamp(str(row["expiry"]), tz="UTC") if "expiry" in row else pd.NaT,
            }
            for row in rows
        ]
    )
    return table


def longs_on_two_symbols(
    ts: str, btc: tuple[float, float], eth: tuple[float, float]
) -> pd.DataFrame:
    """A long on BTC-USD and one on ETH-USD from the same bar, each given as (stop, target):
    how the shared account's tests put two positions on at once."""
    tables = [
        make_signals([{"ts": ts, "side": "long", "stop": stop, "target": target}], symbol)
        for symbol, (stop, target) in (("BTC-USD", btc), ("ETH-USD", eth))
    ]
    return pd.concat(tables, ignore_index=True)
