"""Pattern statistics: how often resolved signals won, by what they looked like when published.

Dimensions: symbol, tier, side, hour of day (UTC hour of the signal bar's open time), RSI
bucket and ATR% bucket. The win rate counts decided signals only (won / (won + lost));
expired ones are counted in `count` but decide nothing, as in `PatternStatRecord.win_rate`.
Its interval is Wilson's score interval (scipy), which stays inside [0, 1] and is honest for
the small counts most buckets have.

Feature buckets are FIXED labels, never data-driven cut points, so counts added one outcome
at a time (the tracker adds deltas) stay comparable forever:

- `rsi`: RSI(14) at the signal bar, `<40`, `40-60` or `>=60` (roughly terciles on hourly bars).
- `atr_pct`: where ATR(14)% (NATR) at the signal bar ranks among the same symbol's last
  `ATR_RANK_WINDOW` bars (itself included): `low`, `mid` or `high` third. A rank, not a
  level, because ATR% differs by an order of magnitude between symbols (EURUSD, BTC-USD).

Both are computed causally with TA-Lib (a value at bar t uses bars <= t only) because stored
signals do not carry their feature values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import talib
from scipy.stats import binomtest

from crpbot.learning.outcomes import Result

ATR_RANK_WINDOW = 500
_ATR_RANK_MIN_BARS = 50
_RSI_CUTS = (40.0, 60.0)
DIMENSIONS: tuple[str, ...] = ("symbol", "tier", "side", "hour", "rsi", "atr_pct")


@dataclass(frozen=True, slots=True)
class Observation:
    """One resolved signal as the statistics see it; missing features are None."""

    symbol: str
    tier: str
    side: str
    bar_ts: datetime
    result: Result
    rsi: float | None = None
    atr_pct_rank: float | None = None


@dataclass(frozen=True, slots=True)
class BucketCount:
    """Counts of one (dimension, bucket); addable, so trackers can send deltas."""

    dimension: str
    bucket: str
    wins: int
    losses: int
    count: int


@dataclass(frozen=True, slots=True)
class PatternSummary:
    """A bucket with its win rate and 95% Wilson interval (None before any decided signal)."""

    dimension: str
    bucket: str
    wins: int
    losses: int
    count: int
    win_rate: float | None
    low: float | None
    high: float | None


def rsi_bucket(rsi: float) -> str:
    """Fixed RSI label: `<40`, `40-60` or `>=60`."""
    low, high = _RSI_CUTS
    if rsi < low:
        return "<40"
    return "40-60" if rsi < high else ">=60"


def rank_bucket(rank: float) -> str:
    """Third of a percentile rank in [0, 1]: `low`, `mid` or `high`."""
    if rank <= 1 / 3:
        return "low"
    return "mid" if rank <= 2 / 3 else "high"


def buckets_of(observation: Observation) -> list[tuple[str, str]]:
    """Every (dimension, bucket) one resolved signal belongs to."""
    keys = [
        ("symbol", observation.symbol),
        ("tier", observation.tier),
        ("side", observation.side),
        ("hour", f"{observation.bar_ts.hour:02d}"),
    ]
    if observation.rsi is not None:
        keys.append(("rsi", rsi_bucket(observation.rsi)))
    if observation.atr_pct_rank is not None:
        keys.append(("atr_pct", rank_bucket(observation.atr_pct_rank)))
    return keys


def count_patterns(observations: Iterable[Observation]) -> list[BucketCount]:
    """Counts per bucket, sorted by dimension then bucket."""
    wins: Counter[tuple[str, str]] = Counter()
    losses: Counter[tuple[str, str]] = Counter()
    counts: Counter[tuple[str, str]] = Counter()
    for observation in observations:
        for key in buckets_of(observation):
            counts[key] += 1
            wins[key] += observation.result == "won"
            losses[key] += observation.result == "lost"
    return [
        BucketCount(dim, bucket, wins[(dim, bucket)], losses[(dim, bucket)], n)
        for (dim, bucket), n in sorted(counts.items())
    ]


def wilson_interval(wins: int, decided: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a win rate; needs at least one decided signal."""
    if decided <= 0 or not 0 <= wins <= decided:
        raise ValueError("need 0 <= wins <= decided and decided > 0")
    ci = binomtest(wins, decided).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def summarize(counts: Sequence[BucketCount], confidence: float = 0.95) -> list[PatternSummary]:
    """Win rate and interval of each bucket, in the order given."""
    rows = []
    for c in counts:
        decided = c.wins + c.losses
        rate = c.wins / decided if decided else None
        low, high = wilson_interval(c.wins, decided, confidence) if decided else (None, None)
        rows.append(
            PatternSummary(c.dimension, c.bucket, c.wins, c.losses, c.count, rate, low, high)
        )
    return rows


def signal_features(candles: pd.DataFrame) -> pd.DataFrame:
    """Causal `rsi` and `atr_pct_rank` per bar of one symbol's candles (NaN while warming up)."""
    high, low, close = (
        candles[name].to_numpy(dtype=np.float64) for name in ("high", "low", "close")
    )
    natr = pd.Series(talib.NATR(high, low, close, timeperiod=14), index=candles.index)
    rank = natr.rolling(ATR_RANK_WINDOW, min_periods=_ATR_RANK_MIN_BARS).rank(pct=True)
    return pd.DataFrame(
        {"rsi": talib.RSI(close, timeperiod=14), "atr_pct_rank": rank}, index=candles.index
    )


def features_at(features: pd.DataFrame, ts: datetime) -> tuple[float | None, float | None]:
    """RSI and ATR% rank at bar `ts` (None when the bar is missing or still warming up)."""
    stamp = pd.Timestamp(ts)
    if stamp not in features.index:
        return None, None
    row = features.loc[stamp]
    return _finite(row["rsi"]), _finite(row["atr_pct_rank"])


def _finite(value: object) -> float | None:
    number = float(value) if isinstance(value, int | float | np.floating) else float("nan")
    return number if np.isfinite(number) else None
