"""Candles, signals and scored bars for the learning tests (shared by the service and backend
tests)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import numpy as np
import pandas as pd

from crpbot.db.records import ScoredBarRecord, SignalRecord
from crpbot.db.vocabulary import Side, Tier

HOUR = timedelta(hours=1)
T0 = datetime(2024, 3, 1, 0, 0, tzinfo=UTC)

Bar = tuple[float, float, float, float]


@dataclass(frozen=True)
class Sig:
    """A TrackedSignal without the database."""

    side: str
    entry: float
    stop: float
    target: float
    expiry: datetime
    bar_ts: datetime


def make_candles(bars: Sequence[Bar], start: datetime = T0) -> pd.DataFrame:
    """Hourly candles from (open, high, low, close) tuples, first bar opening at `start`."""
    index = pd.DatetimeIndex([start + i * HOUR for i in range(len(bars))], name="ts")
    frame = pd.DataFrame(list(bars), columns=["open", "high", "low", "close"], index=index)
    frame["volume"] = 1.0
    return frame.astype("float64")


def random_walk(n: int, seed: int, start: datetime = T0, vol: float = 0.004) -> pd.DataFrame:
    """Hourly candles of a geometric random walk whose bars join open to previous close."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, vol, n)))
    open_ = np.concatenate([[100.0], close[:-1]])
    wick = np.abs(rng.normal(0.0, vol / 2, (2, n))) * close
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    return make_candles(list(zip(open_, high, low, close, strict=True)), start)


def long_signal(bar: int, entry: float = 100.0, *, expiry_bars: int = 4) -> Sig:
    """Long at `entry`, stop 1 below, target 2 above, expiring `expiry_bars` bars later."""
    bar_ts = T0 + bar * HOUR
    return Sig("long", entry, entry - 1.0, entry + 2.0, bar_ts + expiry_bars * HOUR, bar_ts)


def stored_signal(
    bar: int,
    candles: pd.DataFrame,
    *,
    symbol: str = "BTC-USD",
    side: str = "long",
    score: float = 0.6,
    tier: str = "medium",
    model_version: str = "v1",
    expiry_bars: int = 4,
) -> SignalRecord:
    """A signal as the scanner stores it, at bar `bar` of `candles`: stop 1, target 2 away."""
    bar_ts = candles.index[bar].to_pydatetime()
    entry = float(candles["close"].iloc[bar])
    sign = 1.0 if side == "long" else -1.0
    return SignalRecord(
        bot="test",
        symbol=symbol,
        bar_ts=bar_ts,
        model_version=model_version,
        side=cast(Side, side),
        entry=entry,
        stop=entry - sign * 1.0,
        target=entry + sign * 2.0,
        expiry=bar_ts + expiry_bars * HOUR,
        p_up=score,
        strength=1.0,
        score=score,
        confidence=max(score, 1 - score),
        tier=cast(Tier, tier),
        status="approved",
        created_at=bar_ts + HOUR,
    )


def scored_bar(
    bar: int,
    candles: pd.DataFrame,
    *,
    score: float = 0.6,
    symbol: str = "BTC-USD",
    model_version: str = "v1",
    horizon: int = 4,
) -> ScoredBarRecord:
    """A bar as the scanner stores every scored bar, at bar `bar` of `candles` (calibrated
    P(up) equal to the score: the identity)."""
    bar_ts = candles.index[bar].to_pydatetime()
    return ScoredBarRecord(
        bot="test",
        symbol=symbol,
        bar_ts=bar_ts,
        model_version=model_version,
        close=float(candles["close"].iloc[bar]),
        expiry=bar_ts + horizon * HOUR,
        score=score,
        p_up=score,
        p_cal=score,
        created_at=bar_ts + HOUR,
    )
