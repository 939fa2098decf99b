"""The direction outcome of a scored bar: the label the models and the calibrator predict.

The models are trained on "close N bars after bar t > close of bar t" (ties count as not up;
`crpbot.models.dataset.targets`), and the calibrated probability is P(up) of that event
(docs/evaluation.md, "What the probability means"). To check or refit that probability the
SAME event is read back from the candles, for every scored bar: traded or not, approved or
not. Target-before-stop results of trades (`crpbot.learning.outcomes`) are trade results, not
this label; a 2-ATR target before a 1.5-ATR stop happens ~43% of the time on a random walk,
so refitting P(up) on them would pull every probability toward 0.43.

The horizon bar is counted in the candle series like the outcome tracker counts it
(`horizon_position`): N bars after the scored bar, so a weekend does not stretch it. When the
candles do not hold the scored bar itself, its stored close is the reference and the first bar
opening at or after the nominal expiry is the horizon bar; candles starting after the scored
bar cannot say which bar that is, so nothing is resolved from them. The horizon bar must have
closed by `now` (open + bar length <= now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import pandas as pd

from crpbot.learning.outcomes import Horizon, horizon_position


class ScoredBarLike(Horizon, Protocol):
    """What direction resolution needs; `crpbot.db.records.ScoredBarRecord` has it."""

    @property
    def close(self) -> float: ...


@dataclass(frozen=True, slots=True)
class DirectionOutcome:
    """Whether the close N bars later was above the scored bar's close, and when that was known
    (the horizon bar's close time)."""

    went_up: bool
    close_at_horizon: float
    resolved_ts: datetime


def resolve_direction(
    scored: ScoredBarLike, candles: pd.DataFrame, bar: timedelta, now: datetime
) -> DirectionOutcome | None:
    """The direction outcome from `candles` (the candle convention), or None while the
    horizon bar has not closed by `now` or the candles cannot place it."""
    index = pd.DatetimeIndex(candles.index)
    own = pd.Timestamp(scored.bar_ts)
    closes = candles["close"].to_numpy()
    if own in index:
        reference = float(closes[int(index.searchsorted(own))])
    elif len(index) and index[0] < own:
        reference = float(scored.close)
    else:
        return None
    at = horizon_position(scored, index, bar)
    if at >= len(index):
        return None
    closes_at = index[at] + pd.Timedelta(bar)
    if closes_at > pd.Timestamp(now):
        return None
    later = float(closes[at])
    return DirectionOutcome(later > reference, later, closes_at.to_pydatetime())
