"""Turn calibrated model outputs into a signal table the backtest engine replays.

One row per bar whose calibrated confidence (probability the favoured side is right) reaches
`min_confidence`: long when P(up) >= 0.5, short otherwise. Stops and targets sit in ATR
multiples from the signal bar's close. `ts` is the bar the prediction was made at (its close
was known), so the engine enters on the next bar's open.

Expiry is the label's horizon counted in BARS: the model predicts "close N bars after the
signal bar > close of the signal bar", so a position entered at bar i+1's open is closed at
bar i+N's close, the bar whose close the label reads, and never later. The backtest closes a
position at the first bar opening at or after `expiry`, so the expiry is bar i+N's open time.
Given the candle series (`bars`), that is read off the series itself, so a weekend or a
missing bar does not stretch the holding time; without it (the live scanner knows no future
bar) the expiry is the nominal time N bar lengths later, which the outcome tracker reads back
as a bar count (`crpbot.learning.outcomes.horizon_bars`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.confidence.ensemble import side_confidence
from crpbot.confidence.tiers import Tier, TierThresholds, tiers_for
from crpbot.signals.columns import SIGNAL_COLUMNS

FloatArray = npt.NDArray[np.float64]
_ONE_HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class SignalRules:
    """Confidence gate, stop/target distances in ATRs, and the label's horizon in bars: the
    position closes at the close of the `expiry_bars`-th bar after the signal bar."""

    min_confidence: float = 0.55
    stop_atr: float = 1.5
    target_atr: float = 2.0
    expiry_bars: int = 4
    bar: pd.Timedelta = _ONE_HOUR

    def __post_init__(self) -> None:
        if self.stop_atr <= 0 or self.target_atr <= 0 or self.expiry_bars < 1:
            raise ValueError("stop_atr, target_atr must be positive and expiry_bars >= 1")


@dataclass(frozen=True)
class SignalLevels:
    """The rule applied to every bar at once, one entry per input bar: whether it gives a
    signal (`passed`), and the side, levels, confidence and tier it would carry."""

    passed: npt.NDArray[np.bool_]
    side: npt.NDArray[np.str_]
    entry: FloatArray
    stop: FloatArray
    target: FloatArray
    confidence: FloatArray
    tier: list[Tier]


def signal_levels(
    close: FloatArray,
    atr: FloatArray,
    p_up: FloatArray,
    rules: SignalRules,
    thresholds: TierThresholds,
) -> SignalLevels:
    """The gate, stops and targets on arrays: the one definition `signals_from_predictions`
    (the backtest's table) and the scanner's batch of newest bars (one bar per symbol, where
    a DataFrame per symbol cost more than the features) both apply."""
    side, confidence = side_confidence(np.asarray(p_up, dtype=np.float64))
    entry = np.asarray(close, dtype=np.float64)
    distance = np.asarray(atr, dtype=np.float64)
    sign = np.where(side == "long", 1.0, -1.0)
    with np.errstate(invalid="ignore", over="ignore"):  # bars without a valid ATR: dropped
        stop = entry - sign * rules.stop_atr * distance
        target = entry + sign * rules.target_atr * distance
    passed = (confidence >= rules.min_confidence) & (distance > 0) & (entry > 0) & (stop > 0)
    return SignalLevels(
        passed=passed,
        side=side,
        entry=entry,
        stop=stop,
        target=target,
        confidence=confidence,
        tier=tiers_for(confidence, thresholds),
    )


def signals_from_predictions(
    ts: pd.DatetimeIndex,
    close: FloatArray,
    atr: FloatArray,
    p_up: FloatArray,
    symbol: str,
    rules: SignalRules | None = None,
    thresholds: TierThresholds | None = None,
    bars: pd.DatetimeIndex | None = None,
) -> pd.DataFrame:
    """Signal table (SIGNAL_COLUMNS plus `confidence` and `tier`) from per-bar P(up).

    `bars` is the candle index the predictions were made on (each `ts` is one of its bars);
    with it the expiry lands exactly `expiry_bars` bars later in that series.
    """
    r = rules or SignalRules()
    levels = signal_levels(close, atr, p_up, r, thresholds or TierThresholds())
    keep = levels.passed
    stamps = pd.DatetimeIndex(ts)[keep]
    table = pd.DataFrame(
        {
            "ts": stamps,
            "symbol": symbol,
            "side": levels.side[keep],
            "entry": levels.entry[keep],
            "stop": levels.stop[keep],
            "target": levels.target[keep],
            "expiry": horizon_expiry(stamps, r, bars),
            "confidence": levels.confidence[keep],
            "tier": [t for t, k in zip(levels.tier, keep, strict=True) if k],
        }
    )
    return table.loc[:, [*SIGNAL_COLUMNS, "confidence", "tier"]]


def horizon_expiry(
    stamps: pd.DatetimeIndex, rules: SignalRules, bars: pd.DatetimeIndex | None
) -> pd.DatetimeIndex:
    """Open time of the bar `rules.expiry_bars` bars after each stamp: read off `bars` where
    the series reaches that far, else the nominal time (stamp + N bar lengths)."""
    nominal = stamps + rules.bar * rules.expiry_bars
    if bars is None or len(stamps) == 0:
        return pd.DatetimeIndex(nominal)
    series = pd.DatetimeIndex(bars)
    at = series.get_indexer(stamps)
    if (at < 0).any():
        raise ValueError("every signal time must be a bar of the candle series given as `bars`")
    ahead = at + rules.expiry_bars
    inside = ahead < len(series)
    exact = series[np.minimum(ahead, len(series) - 1)].tz_convert(stamps.tz)
    return pd.DatetimeIndex(exact.where(inside, nominal))
