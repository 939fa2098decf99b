"""The local candle store: one Parquet file per (symbol, granularity) under a data directory.

Parquet files rather than the database because candles are append-mostly columnar series read
whole by features and backtests; the database keeps signals and decisions. Every write
validates the complete result first and then replaces the file atomically (temp file in the
same directory + fsync + `os.replace`), so a malformed batch or a crash mid-write leaves the
previous file exactly as it was. Stored bars are never overwritten: a new bar that disagrees
with a stored one is rejected, naming the row.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from crpbot.candles.granularity import granularity_delta, granularity_seconds
from crpbot.candles.source import CANDLE_COLUMNS, CandleSource, empty_candles
from crpbot.candles.validate import (
    CandleReport,
    CandleValidationError,
    RowProblem,
    validate_candles,
)
from crpbot.data.csv_file import read_candles_csv

logger = logging.getLogger(__name__)

_SAFE_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class StoreUpdate:
    """Outcome of one write: bars added, bars now stored, and the stored series' report."""

    symbol: str
    granularity: str
    added: int
    report: CandleReport


@dataclass(frozen=True)
class TimeRange:
    """Half-open [start, end) of bar open times."""

    start: pd.Timestamp
    end: pd.Timestamp


def missing_ranges(
    first: pd.Timestamp | None,
    last: pd.Timestamp | None,
    step: pd.Timedelta,
    start: pd.Timestamp | None,
    until: pd.Timestamp,
) -> list[TimeRange]:
    """What to fetch so the store covers [start, until): before the first stored bar (when
    `start` asks for earlier history) and after the last one. Interior gaps are not refetched:
    they are usually real (exchange downtime) and are reported instead."""
    if first is None or last is None:
        if start is None:
            raise ValueError("nothing stored yet for this series: give a start time")
        return [TimeRange(start, until)] if start < until else []
    ranges = []
    if start is not None and start < first:
        ranges.append(TimeRange(start, min(first, until)))
    after = last + step if start is None else max(last + step, start)
    if after < until:
        ranges.append(TimeRange(after, until))
    return ranges


class CandleStore:
    """Candle series on local disk, written only through validation."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)

    def path_for(self, symbol: str, granularity: str) -> Path:
        """File of one series; symbols are checked so they cannot escape the data dir."""
        if not _SAFE_SYMBOL.match(symbol):
            raise ValueError(f"symbol {symbol!r} is not a plain product id like BTC-USD")
        granularity_seconds(granularity)
        return self.data_dir / f"{symbol}_{granularity}.parquet"

    def load(self, symbol: str, granularity: str) -> pd.DataFrame:
        """The stored series (empty when none), validated so a damaged file is noticed."""
        path = self.path_for(symbol, granularity)
        if not path.exists():
            return empty_candles()
        frame = pd.read_parquet(path)
        validate_candles(frame, granularity, source=str(path))
        return frame

    def describe(self, symbol: str, granularity: str) -> CandleReport:
        """Rows, first/last bar and gaps of the stored series."""
        return validate_candles(self.load(symbol, granularity), granularity)

    def merge(
        self, symbol: str, granularity: str, candles: pd.DataFrame, source: str = "new candles"
    ) -> StoreUpdate:
        """Add `candles` to the stored series; identical repeats are skipped, conflicts refused."""
        validate_candles(candles, granularity, source=source)
        stored = self.load(symbol, granularity)
        _refuse_conflicts(stored, candles, source)
        fresh = candles.loc[~candles.index.isin(stored.index), list(CANDLE_COLUMNS)]
        if fresh.empty:
            report = validate_candles(stored, granularity)
            return StoreUpdate(symbol, granularity, 0, report)
        combined = pd.concat([stored, fresh]).sort_index()
        combined.index.name = "ts"
        report = validate_candles(combined, granularity, source=f"{symbol} {granularity}")
        self._write(self.path_for(symbol, granularity), combined)
        logger.info(
            "candles_stored",
            extra={"symbol": symbol, "granularity": granularity, "added": len(fresh)},
        )
        return StoreUpdate(symbol, granularity, len(fresh), report)

    def import_file(self, path: Path, symbol: str, granularity: str) -> StoreUpdate:
        """Merge a user's CSV or Parquet candle file; any bad row rejects the whole file."""
        path = Path(path)
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = read_candles_csv(path)
        return self.merge(symbol, granularity, frame, source=str(path))

    def fetch_missing(
        self,
        source: CandleSource,
        symbol: str,
        granularity: str,
        until: datetime,
        start: datetime | None = None,
    ) -> StoreUpdate:
        """Fetch only bars not yet stored up to `until` (exclusive) and store them.

        Idempotent: a second call with the same arguments fetches nothing. Pass `until` no later
        than the end of the last closed bar (`granularity.closed_bars_end`) so a still-forming
        candle is never frozen into the store.
        """
        stored = self.load(symbol, granularity)
        first = stored.index[0] if len(stored) else None
        last = stored.index[-1] if len(stored) else None
        ranges = missing_ranges(
            first,
            last,
            pd.Timedelta(granularity_delta(granularity)),
            pd.Timestamp(start) if start is not None else None,
            pd.Timestamp(until),
        )
        if not ranges:
            return StoreUpdate(symbol, granularity, 0, validate_candles(stored, granularity))
        batches = [
            source.fetch_candles(
                symbol, granularity, r.start.to_pydatetime(), r.end.to_pydatetime()
            )
            for r in ranges
        ]
        return self.merge(symbol, granularity, pd.concat(batches), source=f"fetched {symbol}")

    def _write(self, path: Path, frame: pd.DataFrame) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                frame.to_parquet(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


def _refuse_conflicts(stored: pd.DataFrame, candles: pd.DataFrame, source: str) -> None:
    """Bars already stored may be repeated only with identical values."""
    shared = candles.index.isin(stored.index)
    if not shared.any():
        return
    mine = candles.loc[shared, list(CANDLE_COLUMNS)].to_numpy(dtype="float64")
    theirs = stored.loc[candles.index[shared], list(CANDLE_COLUMNS)].to_numpy(dtype="float64")
    differs = ~np.isclose(mine, theirs, rtol=1e-12, atol=0.0).all(axis=1)
    rows = np.flatnonzero(shared)[differs]
    if rows.size:
        problems = [
            RowProblem(int(i) + 1, candles.index[i].isoformat(), "differs from the stored bar")
            for i in rows
        ]
        raise CandleValidationError(f"invalid {source}", problems)
