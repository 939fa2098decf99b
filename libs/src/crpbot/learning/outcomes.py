"""How a stored signal ended, read from the candles that came after it.

The rules follow the backtest engine (`crpbot.backtest.fills`), so a tracked outcome and a
backtested trade of the same signal agree:

- Only bars that OPEN after the signal's bar count (the signal was computed at its bar's close),
  and only bars already closed at `now` (open + bar length <= now): nothing still forming.
- Each bar checks the stop before the target. A bar that reaches both is a loss: one bar's
  open/high/low/close cannot tell which came first, so the worse is assumed. A bar that opens
  beyond a level exits at its open (a gap fills there, not at the level).
- Neither level touched by the N-th bar after the signal bar: the signal expires at that
  bar's close, marked to market (the R multiple may be any sign). N is the label's horizon
  in bars (`horizon_bars`): the stored `expiry` is the nominal time N bar lengths after the
  signal bar (`crpbot.signals.from_models`), and the bars are COUNTED in the candle series, so
  a weekend or a missing bar does not stretch the holding time past the label's horizon.
  Candles that do not reach back to the signal bar cannot be counted; then the first bar
  opening at or after `expiry` closes the signal.
- Nothing decided yet (no touch, expiry bar not closed yet): the signal stays open (`None`).

Prices are measured from the signal's own `entry` (the price it was published with), because
in observation mode no order exists whose fill could be used instead. `exit_ts` is the close
time of the deciding bar: the earliest moment anyone could know the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

import numpy as np
import pandas as pd

Result = Literal["won", "lost", "expired"]
RESULTS: tuple[Result, ...] = ("won", "lost", "expired")


class Horizon(Protocol):
    """A scored bar's time and the nominal open time of the bar its label reads."""

    @property
    def bar_ts(self) -> datetime: ...
    @property
    def expiry(self) -> datetime: ...


class TrackedSignal(Horizon, Protocol):
    """What resolution needs of a signal; `crpbot.db.records.SignalRecord` has it."""

    @property
    def side(self) -> str: ...
    @property
    def entry(self) -> float: ...
    @property
    def stop(self) -> float: ...
    @property
    def target(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Resolution:
    """The end of a signal; `r_multiple` is the move in units of |entry - stop|."""

    result: Result
    exit_price: float
    exit_ts: datetime
    r_multiple: float


def _direction(signal: TrackedSignal) -> float:
    """+1 long, -1 short; the stop must sit on the losing side and the target on the winning."""
    sign = {"long": 1.0, "short": -1.0}.get(signal.side)
    if sign is None:
        raise ValueError(f"side must be long or short, not {signal.side!r}")
    if not sign * (signal.entry - signal.stop) > 0 or not sign * (signal.target - signal.entry) > 0:
        raise ValueError(
            f"{signal.side} signal needs stop and target on either side of entry "
            f"(entry {signal.entry}, stop {signal.stop}, target {signal.target})"
        )
    return sign


def _touch(
    sign: float, stop: float, target: float, bar: tuple[float, float, float]
) -> tuple[Result | None, float]:
    """Stop first, then target, on one bar (open, high, low); gaps fill at the open."""
    open_, high, low = bar
    worst, best = (low, high) if sign > 0 else (high, low)
    if sign * (worst - stop) <= 0:
        return "lost", stop if sign * (open_ - stop) > 0 else open_
    if sign * (best - target) >= 0:
        return "won", target if sign * (target - open_) > 0 else open_
    return None, 0.0


def horizon_bars(signal: Horizon, bar: timedelta) -> int:
    """How many bars after its own bar the signal lives: its stored expiry read back as a bar
    count (at least one)."""
    span = pd.Timestamp(signal.expiry) - pd.Timestamp(signal.bar_ts)
    return max(1, -(-span // pd.Timedelta(bar)))


def horizon_position(signal: Horizon, index: pd.DatetimeIndex, bar: timedelta) -> int:
    """Position in `index` of the bar whose close ends the signal (see the module docstring)."""
    own = pd.Timestamp(signal.bar_ts)
    if own in index:
        return int(index.searchsorted(own, side="left")) + horizon_bars(signal, bar)
    return int(index.searchsorted(pd.Timestamp(signal.expiry), side="left"))


def resolve_signal(
    signal: TrackedSignal, candles: pd.DataFrame, bar: timedelta, now: datetime
) -> Resolution | None:
    """The signal's outcome from `candles` (the candle convention), or None while still open."""
    sign = _direction(signal)
    risk = abs(signal.entry - signal.stop)
    index = pd.DatetimeIndex(candles.index)
    first = int(index.searchsorted(pd.Timestamp(signal.bar_ts), side="right"))
    last = int(index.searchsorted(pd.Timestamp(now) - pd.Timedelta(bar), side="right"))
    if first >= last:
        return None
    opens = index[first:last]
    o, h, low, c = (
        np.asarray(candles[name].to_numpy()[first:last], dtype=np.float64)
        for name in ("open", "high", "low", "close")
    )
    expiry_at = horizon_position(signal, index, bar)
    for j in range(last - first):
        closes_at = (opens[j] + pd.Timedelta(bar)).to_pydatetime()
        result, price = _touch(sign, signal.stop, signal.target, (o[j], h[j], low[j]))
        if result is None and first + j >= expiry_at:
            result, price = "expired", float(c[j])
        if result is not None:
            r_multiple = sign * (price - signal.entry) / risk
            return Resolution(result, float(price), closes_at, float(r_multiple))
    return None
