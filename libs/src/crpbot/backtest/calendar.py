"""Local calendar days (Europe/Prague for FTMO) for a million UTC bar times, fast.

FTMO's day starts at midnight Prague time, which is 23:00 UTC in winter (CET) and 22:00 UTC
in summer (CEST). Converting every bar with pandas' tz machinery costs more than the whole
backtest, so the UTC-offset changes of the zone are found once for the span (from the tz
database via pandas, at daily, then hourly, then minute resolution) and the compiled
`local_day_codes` walks the sorted bar times against that short table.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.backtest.jit import compiled

_NS_PER_DAY = 86_400 * 10**9
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
    start = (first_ns // _NS_PER_DAY - 1) * _NS_PER_DAY
    stop = (last_ns // _NS_PER_DAY + 2) * _NS_PER_DAY
    days = np.arange(start, stop, _NS_PER_DAY, dtype=np.int64)
    daily = _offsets(days, tz)
    transitions = []
    for day in days[:-1][daily[1:] != daily[:-1]]:
        hour = _first_change(int(day), _NS_PER_HOUR, 24, tz)
        transitions.append(_first_change(hour - _NS_PER_HOUR, _NS_PER_MINUTE, 60, tz))
    trans = np.asarray(transitions, dtype=np.int64)
    offsets = np.concatenate([daily[:1], _offsets(trans, tz)]) if trans.size else daily[:1]
    return trans, np.asarray(offsets, dtype=np.int64)


@compiled
def _day_codes(
    ts_ns: npt.NDArray[np.int64],
    trans: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    out = np.empty(ts_ns.shape[0], dtype=np.int64)
    k = 0
    for i in range(ts_ns.shape[0]):
        while k < trans.shape[0] and ts_ns[i] >= trans[k]:
            k += 1
        out[i] = (ts_ns[i] + offsets[k]) // _NS_PER_DAY
    return out


def local_day_codes(index: pd.DatetimeIndex, tz: str) -> npt.NDArray[np.int64]:
    """Local calendar day of each bar as days since 1970-01-01 (local), for sorted UTC bars."""
    ts_ns = np.asarray(index.as_unit("ns").asi8, dtype=np.int64)
    if ts_ns.size == 0:
        return ts_ns.copy()
    trans, offsets = offset_table(tz, int(ts_ns[0]), int(ts_ns[-1]))
    result: npt.NDArray[np.int64] = _day_codes(ts_ns, trans, offsets)
    return result
