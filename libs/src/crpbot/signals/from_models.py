"""Turn calibrated model outputs into a signal table the backtest engine replays.

One row per bar whose calibrated confidence (probability the favoured side is right) reaches
`min_confidence`: long when P(up) >= 0.5, short otherwise. Stops and targets sit in ATR
multiples from the signal bar's close, and the signal expires once the model's horizon has
passed, because the prediction says nothing beyond it. `ts` is the bar the prediction was
made at (its close was known), so the engine enters on the next bar's open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.backtest.signals import SIGNAL_COLUMNS
from crpbot.confidence.ensemble import side_confidence
from crpbot.confidence.tiers import TierThresholds, tiers_for

FloatArray = npt.NDArray[np.float64]
_ONE_HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class SignalRules:
    """Confidence gate, stop/target distances in ATRs, holding limit in bars after entry."""

    min_confidence: float = 0.55
    stop_atr: float = 1.5
    target_atr: float = 2.0
    expiry_bars: int = 4
    bar: pd.Timedelta = _ONE_HOUR

    def __post_init__(self) -> None:
        if self.stop_atr <= 0 or self.target_atr <= 0 or self.expiry_bars < 1:
            raise ValueError("stop_atr, target_atr must be positive and expiry_bars >= 1")


def signals_from_predictions(
    ts: pd.DatetimeIndex,
    close: FloatArray,
    atr: FloatArray,
    p_up: FloatArray,
    symbol: str,
    rules: SignalRules | None = None,
    thresholds: TierThresholds | None = None,
) -> pd.DataFrame:
    """Signal table (SIGNAL_COLUMNS plus `confidence` and `tier`) from per-bar P(up)."""
    r = rules or SignalRules()
    side, confidence = side_confidence(np.asarray(p_up, dtype=np.float64))
    close_v = np.asarray(close, dtype=np.float64)
    atr_v = np.asarray(atr, dtype=np.float64)
    keep = (confidence >= r.min_confidence) & (atr_v > 0) & (close_v > 0)
    sign = np.where(side == "long", 1.0, -1.0)[keep]
    entry, distance = close_v[keep], atr_v[keep]
    stamps = pd.DatetimeIndex(ts)[keep]
    table = pd.DataFrame(
        {
            "ts": stamps,
            "symbol": symbol,
            "side": side[keep],
            "entry": entry,
            "stop": entry - sign * r.stop_atr * distance,
            "target": entry + sign * r.target_atr * distance,
            "expiry": stamps + r.bar * (r.expiry_bars + 1),
            "confidence": confidence[keep],
            "tier": tiers_for(confidence[keep], thresholds or TierThresholds()),
        }
    )
    kept = table.loc[table["stop"] > 0, [*SIGNAL_COLUMNS, "confidence", "tier"]]
    return kept.reset_index(drop=True)
