"""The signal table: what any signal source (a model run, a baseline rule, a CSV) hands the engine.

Columns: `ts, symbol, side, entry, stop, target, expiry`.

- `ts`: when the signal is known. It maps to the bar whose open time is the last one ≤ `ts`
  (normally `ts` *is* a bar's open time and the signal was computed at that bar's close, as
  features are), and the position is entered at the NEXT bar's open. Nothing fills on the bar
  that produced the signal, so a replay cannot peek.
- `side`: `long` or `short`.
- `entry`: a reference price only (what the signal source saw, e.g. the close). It does not
  change the fill; it is kept so reports can show how far the fill landed from it. NaN is fine.
- `stop`: required; it sets the position size (risk ÷ stop distance) and the stop exit.
- `target`: optional (NaN = none).
- `expiry`: optional (NaT = none). A position still open on the first bar whose open time is
  ≥ `expiry` is closed at that bar's close; a signal whose expiry falls on or before its own
  bar never fills.

Naive timestamps are read as UTC. Validation lists every bad row at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.backtest.jit import compiled
from crpbot.candles.table import parse_timestamps
from crpbot.signals.columns import SIGNAL_COLUMNS as SIGNAL_COLUMNS

_REQUIRED: tuple[str, ...] = ("ts", "symbol", "side", "stop")
_SHOWN_ROWS = 5


class SignalTableError(ValueError):
    """The signal table cannot be replayed; the message names the bad rows."""


class SignalStatus(IntEnum):
    """What became of each signal. Overlaps are skipped, never queued: one position per symbol,
    and a signal arriving while that symbol has an open or pending position is dropped."""

    FILLED = 0
    SKIPPED_OVERLAP = 1
    SKIPPED_HALTED = 2
    SKIPPED_PRICE_PAST_LEVELS = 3
    SKIPPED_NO_NEXT_BAR = 4
    SKIPPED_BEFORE_DATA = 5
    SKIPPED_EXPIRED = 6


@dataclass(frozen=True)
class SignalArrays:
    """The table as the compiled loop wants it: sorted by bar, one plain array per field."""

    order: npt.NDArray[np.int64]
    bar: npt.NDArray[np.int64]
    symbol: npt.NDArray[np.int64]
    side: npt.NDArray[np.float64]
    stop: npt.NDArray[np.float64]
    target: npt.NDArray[np.float64]
    expiry_bar: npt.NDArray[np.int64]


def normalize_signals(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table with canonical dtypes (UTC times, float prices, lowercase sides)."""
    by_lower = {str(col).strip().lower(): col for col in table.columns}
    missing = [col for col in _REQUIRED if col not in by_lower]
    if missing:
        raise SignalTableError(f"signal table lacks column(s): {', '.join(missing)}")
    n = len(table)
    columns: dict[str, object] = {
        "ts": _times(table[by_lower["ts"]]),
        "symbol": _labels(table[by_lower["symbol"]], lower=False),
        "side": _labels(table[by_lower["side"]], lower=True),
    }
    for col in ("entry", "stop", "target"):
        columns[col] = _floats(table[by_lower[col]]) if col in by_lower else np.full(n, np.nan)
    no_expiry = pd.DatetimeIndex(np.full(n, np.iinfo(np.int64).min, dtype="M8[ns]"), tz="UTC")
    columns["expiry"] = _times(table[by_lower["expiry"]]) if "expiry" in by_lower else no_expiry
    out = pd.DataFrame(columns, index=pd.RangeIndex(n))
    _check(out)
    return out


def _floats(values: pd.Series) -> npt.NDArray[np.float64]:
    if values.dtype == np.float64:
        return values.to_numpy()
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _labels(values: pd.Series, lower: bool) -> npt.NDArray[np.object_]:
    """Stripped (and maybe lowercased) strings, cleaned once per distinct value: tables carry
    a handful of symbols and two sides, but may have millions of rows."""
    codes, uniques = pd.factorize(values.astype(str))
    cleaned = np.asarray([u.strip().lower() if lower else u.strip() for u in uniques], dtype=object)
    return cleaned[codes] if cleaned.size else np.asarray([], dtype=object)


def _times(values: pd.Series) -> pd.DatetimeIndex:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(values).tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return pd.DatetimeIndex(values).tz_localize("UTC")
    text = values.astype(str).replace({"": "NaT", "nan": "NaT", "None": "NaT"})
    return parse_timestamps(text)


def _check(table: pd.DataFrame) -> None:
    side = table["side"].to_numpy()
    stop, target = table["stop"].to_numpy(), table["target"].to_numpy()
    sign = np.where(side == "long", 1.0, -1.0)
    has_target = ~np.isnan(target)
    problems = {
        "ts is missing or not a time": table["ts"].isna().to_numpy(),
        "side is not long|short": (side != "long") & (side != "short"),
        "stop is missing or not positive": ~(stop > 0),
        "target is not positive": has_target & ~(target > 0),
        "target is not beyond stop in the trade's direction": (
            has_target & (sign * (target - stop) <= 0)
        ),
    }
    lines = []
    for reason, mask in problems.items():
        rows = np.flatnonzero(mask)
        if rows.size:
            shown = ", ".join(str(r) for r in rows[:_SHOWN_ROWS])
            more = f" (+{rows.size - _SHOWN_ROWS} more)" if rows.size > _SHOWN_ROWS else ""
            lines.append(f"{reason} in row(s) {shown}{more}")
    if lines:
        raise SignalTableError("bad signal table: " + "; ".join(lines))


def signal_arrays(table: pd.DataFrame, index: pd.DatetimeIndex, symbols: list[str]) -> SignalArrays:
    """Map a normalized table onto bar positions of `index` and positions in `symbols`."""
    codes = pd.Index(symbols).get_indexer(pd.Index(table["symbol"]))
    if (codes < 0).any():
        unknown = sorted(set(table["symbol"][codes < 0]))
        raise SignalTableError(
            f"signals for symbol(s) without candles: {', '.join(unknown[:_SHOWN_ROWS])}"
        )
    stamps = _ns(index)
    bar = bars_at(stamps, _ns(table["ts"]))
    expiry_ns = _ns(table["expiry"])
    never = expiry_ns == np.iinfo(np.int64).min
    expiry_bar = np.searchsorted(stamps, expiry_ns, side="left")
    expiry_bar[never] = len(index) + 1
    order = np.argsort(bar, kind="stable")
    side = np.where(table["side"].to_numpy() == "long", 1.0, -1.0)
    return SignalArrays(
        order=order.astype(np.int64),
        bar=bar[order].astype(np.int64),
        symbol=codes[order].astype(np.int64),
        side=side[order],
        stop=table["stop"].to_numpy(dtype=np.float64)[order],
        target=table["target"].to_numpy(dtype=np.float64)[order],
        expiry_bar=expiry_bar[order].astype(np.int64),
    )


def bars_at(stamps: npt.NDArray[np.int64], keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Position of the last bar opening at or before each key (−1 before the first bar)."""
    if keys.size > 1 and bool(np.all(keys[1:] >= keys[:-1])):
        result: npt.NDArray[np.int64] = _gallop(stamps, keys)
        return result
    return np.searchsorted(stamps, keys, side="right").astype(np.int64) - 1


@compiled
def _gallop(stamps: npt.NDArray[np.int64], keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """`bars_at` for ascending keys: each search gallops forward from the previous answer, so
    a sorted table costs a walk through nearby memory instead of a cold binary search each."""
    n = stamps.shape[0]
    out = np.empty(keys.shape[0], dtype=np.int64)
    lo = 0
    for i in range(keys.shape[0]):
        key, step, hi = keys[i], 1, lo
        while hi < n and stamps[hi] <= key:
            lo, hi, step = hi, hi + step, step * 2
        found = lo + np.searchsorted(stamps[lo : min(hi, n)], key, side="right")
        out[i] = found - 1
        lo = max(found - 1, 0)
    return out


def _ns(values: pd.Series | pd.DatetimeIndex) -> npt.NDArray[np.int64]:
    """UTC nanoseconds; NaT becomes int64 min (pandas' own NaT encoding)."""
    stamps = pd.DatetimeIndex(values)
    if stamps.unit != "ns":
        stamps = stamps.as_unit("ns")
    return np.asarray(stamps.asi8, dtype=np.int64)
