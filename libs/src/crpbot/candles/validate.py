"""Candle validation: every rule the candle convention promises, checked before data is used
or stored, plus a report of missing bars.

Bad rows are never dropped or repaired here: a silently "fixed" candle would poison features
and backtests without anyone knowing. The caller gets every broken row at once, by number and
timestamp, so a user can fix a file in one pass. Row numbers count data rows from 1 (a CSV's
header is not a row), so row N is line N + 1 of a CSV file with a header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.candles.granularity import granularity_seconds
from crpbot.candles.source import CANDLE_COLUMNS

_SHOWN_PROBLEMS = 10


@dataclass(frozen=True)
class RowProblem:
    """One row that breaks one rule."""

    row: int
    ts: str
    rule: str


class CandleValidationError(ValueError):
    """Candles that break the convention; `problems` lists every offending row."""

    def __init__(self, summary: str, problems: Sequence[RowProblem] = ()) -> None:
        self.summary = summary
        self.problems = tuple(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        if not self.problems:
            return self.summary
        shown = "; ".join(
            f"row {p.row} ({p.ts}): {p.rule}" for p in self.problems[:_SHOWN_PROBLEMS]
        )
        hidden = len(self.problems) - _SHOWN_PROBLEMS
        more = f"; and {hidden} more" if hidden > 0 else ""
        return f"{self.summary}: {len(self.problems)} bad row(s): {shown}{more}"


@dataclass(frozen=True)
class Gap:
    """A run of missing bars: open times of the first and last missing bar."""

    first_missing: pd.Timestamp
    last_missing: pd.Timestamp
    bars: int


@dataclass(frozen=True)
class CandleReport:
    """What a valid candle frame holds; gaps only when the granularity is known."""

    rows: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    gaps: tuple[Gap, ...]

    @property
    def missing_bars(self) -> int:
        """Total bars absent between first and last."""
        return sum(gap.bars for gap in self.gaps)


def validate_candles(
    frame: pd.DataFrame, granularity: str | None = None, source: str = "candles"
) -> CandleReport:
    """Check `frame` against the convention; raise `CandleValidationError` naming bad rows."""
    _check_structure(frame, source)
    index = pd.DatetimeIndex(frame.index)
    step = granularity_seconds(granularity) if granularity is not None else None
    problems = [
        *_value_problems(frame, index),
        *_order_problems(index),
        *(_alignment_problems(index, step, granularity) if step and granularity else []),
    ]
    if problems:
        problems.sort(key=lambda p: p.row)
        raise CandleValidationError(f"invalid {source}", problems)
    gaps = find_gaps(index, step) if step else ()
    first = index[0] if len(index) else None
    last = index[-1] if len(index) else None
    return CandleReport(rows=len(index), first=first, last=last, gaps=gaps)


def _check_structure(frame: pd.DataFrame, source: str) -> None:
    missing = [col for col in CANDLE_COLUMNS if col not in frame.columns]
    if missing:
        raise CandleValidationError(f"invalid {source}: missing column(s) {', '.join(missing)}")
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise CandleValidationError(f"invalid {source}: index is not timestamps")
    tz = frame.index.tz
    if tz is None:
        raise CandleValidationError(f"invalid {source}: timestamps have no timezone (UTC required)")
    if str(tz) != "UTC":
        raise CandleValidationError(f"invalid {source}: timestamps are in {tz}, not UTC")
    non_numeric = [c for c in CANDLE_COLUMNS if not pd.api.types.is_numeric_dtype(frame[c])]
    if non_numeric:
        raise CandleValidationError(
            f"invalid {source}: non-numeric column(s) {', '.join(non_numeric)}"
        )


def _rows(mask: npt.NDArray[np.bool_], index: pd.DatetimeIndex, rule: str) -> list[RowProblem]:
    return [RowProblem(int(i) + 1, _label(index[i]), rule) for i in np.flatnonzero(mask)]


def _label(ts: pd.Timestamp) -> str:
    return "NaT" if pd.isna(ts) else ts.isoformat()


def _value_problems(frame: pd.DataFrame, index: pd.DatetimeIndex) -> list[RowProblem]:
    values = {col: frame[col].to_numpy(dtype="float64") for col in CANDLE_COLUMNS}
    problems = _rows(np.asarray(index.isna()), index, "missing timestamp")
    finite = np.ones(len(index), dtype=bool)
    for col, column in values.items():
        problems += _rows(~np.isfinite(column), index, f"{col} is NaN or infinite")
        finite &= np.isfinite(column)
    low, high = values["low"], values["high"]
    body_low = np.minimum(values["open"], values["close"])
    body_high = np.maximum(values["open"], values["close"])
    with np.errstate(invalid="ignore"):
        inconsistent = ((low > body_low) | (high < body_high) | (low > high)) & finite
        negative = values["volume"] < 0
    problems += _rows(inconsistent, index, "OHLC inconsistent (need low <= open, close <= high)")
    problems += _rows(negative, index, "volume is negative")
    return problems


def _order_problems(index: pd.DatetimeIndex) -> list[RowProblem]:
    duplicated = np.asarray(index.duplicated(keep="first")) & ~np.asarray(index.isna())
    stamps = index.asi8
    backwards = np.zeros(len(index), dtype=bool)
    if len(index) > 1:
        backwards[1:] = stamps[1:] < stamps[:-1]
    backwards &= ~duplicated & ~np.asarray(index.isna())
    return _rows(duplicated, index, "duplicate timestamp") + _rows(
        backwards, index, "out of order (earlier than the row before)"
    )


def _alignment_problems(index: pd.DatetimeIndex, step: int, granularity: str) -> list[RowProblem]:
    seconds = index.asi8 // 1_000_000_000
    misaligned = (seconds % step != 0) & ~np.asarray(index.isna())
    return _rows(misaligned, index, f"not the open time of a {granularity} bar")


def find_gaps(index: pd.DatetimeIndex, step: int) -> tuple[Gap, ...]:
    """Runs of bars missing between consecutive timestamps of a sorted index."""
    if len(index) < 2:
        return ()
    delta = pd.Timedelta(seconds=step)
    diffs = np.diff(index.asi8) // 1_000_000_000
    gaps = []
    for i in np.flatnonzero(diffs > step):
        bars = int(diffs[i] // step) - 1
        if bars > 0:
            first = index[i] + delta
            gaps.append(Gap(first, first + delta * (bars - 1), bars))
    return tuple(gaps)
