"""Local calendar days (Europe/Prague for FTMO) for a million UTC bar times, fast.

FTMO's day starts at midnight Prague time, which is 23:00 UTC in winter (CET) and 22:00 UTC
in summer (CEST). Converting every bar with pandas' tz machinery costs more than the whole
backtest, so the UTC-offset changes of the zone are found once for the span (from the tz
database via pandas, at daily, then hourly, then minute resolution) and the compiled loop
asks `local_day` only when a bar reaches the next local midnight.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.backtest.jit import compiled

Ints = npt.NDArray[np.int64]

NS_PER_DAY = 86_400 * 10**9
_NS_PER_HOUR = 3_600 * 10**9
_NS_PER_MINUTE = 60 * 10**9


def _offsets(instants_ns: npt.NDArray[np.int64], tz: str) -> npt.NDArray[np.int64]:
    utc = pd.DatetimeIndex(instants_ns.astype("datetime64[ns]"), tz="UTC")
    wall = utc.tz_convert(tz).tz_localize(None)
    return np.asarray(wall.asi8 - utc.asi8, dtype=np.int64)


def _first_change(start_ns: int, step_ns: int, count: int, tz: str) -> int:
    """First instant (at `step_ns` resolution) in (start, start + count·step] whose offset
    differs from the offset at `start_ns`."""
    probes = start_ns + step_ns * np.arange(count + 1, dtype=np.int64)
    offsets = _offsets(probes, tz)
    changed = np.flatnonzero(offsets != offsets[0])
    return int(probes[changed[0]])


@lru_cache(maxsize=32)
def offset_table(
    tz: str, first_ns: int, last_ns: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(transition instants, offsets): offset[i] holds from transition[i−1] up to transition[i];
    offsets has one more entry than transitions."""
    start = (first_ns // NS_PER_DAY - 1) * NS_PER_DAY
    stop = (last_ns // NS_PER_DAY + 2) * NS_PER_DAY
    days = np.arange(start, stop, NS_PER_DAY, dtype=np.int64)
    daily = _offsets(days, tz)
    transitions = []
    for day in days[:-1][daily[1:] != daily[:-1]]:
        hour = _first_change(int(day), _NS_PER_HOUR, 24, tz)
        transitions.append(_first_change(hour - _NS_PER_HOUR, _NS_PER_MINUTE, 60, tz))
    trans = np.asarray(transitions, dtype=np.int64)
    offsets = np.concatenate([daily[:1], _offsets(trans, tz)]) if trans.size else daily[:1]
    return trans, np.asarray(offsets, dtype=np.int64)


@compiled
def _offset_at(ts_ns: int, trans: Ints, offsets: Ints) -> int:
    return int(offsets[np.searchsorted(trans, ts_ns, side="right")])


@compiled
def local_day(ts_ns: int, trans: Ints, offsets: Ints) -> tuple[int, int]:
    """The local day of a UTC instant (days since 1970-01-01, local) and the UTC instant at
    which the next local day starts (offset re-read there, in case DST changes in between)."""
    day = (ts_ns + _offset_at(ts_ns, trans, offsets)) // NS_PER_DAY
    guess = (day + 1) * NS_PER_DAY - _offset_at(ts_ns, trans, offsets)
    return day, (day + 1) * NS_PER_DAY - _offset_at(guess, trans, offsets)


def day_clock(index: pd.DatetimeIndex, tz: str) -> tuple[Ints, Ints, Ints, int]:
    """What the compiled loop needs to find local days by itself: bar times in UTC ns, the
    zone's offset table over their span, and an upper bound on the number of local days."""
    stamps = index if index.unit == "ns" else index.as_unit("ns")
    ts_ns = np.asarray(stamps.asi8, dtype=np.int64)
    if ts_ns.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return ts_ns, empty, np.zeros(1, dtype=np.int64), 0
    trans, offsets = offset_table(tz, int(ts_ns[0]), int(ts_ns[-1]))
    return ts_ns, trans, offsets, int((ts_ns[-1] - ts_ns[0]) // NS_PER_DAY) + 2
