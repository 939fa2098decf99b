"""Real market data that ships inside the installed `backtesting` package.

The demo and the tests need real bars offline, and redistributing market data in our own
repository is something we would rather not do. `backtesting` (a dependency anyway, as a
benchmark peer) carries three small CSVs in `backtesting/test/`; they are located at run time
from the package's import spec, so nothing is copied and the package's own files are the
source. The package is found, not imported: importing it loads its plotting stack (bokeh),
seconds of CPU in every `crpbot scan --data bundled:...` process that never plots.

The timestamps in those files are naive; they are read as UTC (for EUR/USD the vendor's
clock is not documented, so "UTC" is a convention, not a fact). BTCUSD bars are stamped on the
last day of each month, as the file has them, not on the month's open.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import pandas as pd

from crpbot.candles.table import candles_from_table
from crpbot.candles.validate import CandleValidationError, validate_candles

_PACKAGE = "backtesting"


@dataclass(frozen=True)
class _Spec:
    granularity: str | None
    bar: str
    source: str


_SPECS: dict[str, _Spec] = {
    "EURUSD": _Spec(
        "ONE_HOUR",
        "1 hour",
        "EUR/USD spot FX, real hourly bars 2017-04-19..2018-02-07 (weekends closed), "
        "shipped by the backtesting package as backtesting/test/EURUSD.csv",
    ),
    "GOOG": _Spec(
        "ONE_DAY",
        "1 day",
        "Alphabet (GOOG) stock, real daily bars 2004-08-19..2013-03-01 (trading days), "
        "shipped by the backtesting package as backtesting/test/GOOG.csv",
    ),
    "BTCUSD": _Spec(
        None,
        "1 month",
        "Bitcoin in USD, real monthly bars 2012-01..2024-12 stamped on the month's last day, "
        "shipped by the backtesting package as backtesting/test/BTCUSD.csv",
    ),
}


@dataclass(frozen=True)
class BundledDataset:
    """One bundled series. `granularity` is a Coinbase granularity name, or None when the bar
    length has none (calendar months); `bar` says the length in words either way."""

    name: str
    granularity: str | None
    bar: str
    rows: int
    first: pd.Timestamp
    last: pd.Timestamp
    source: str


def bundled_names() -> list[str]:
    """Names `load_bundled` accepts, in a stable order."""
    return list(_SPECS)


def load_bundled(name: str = "EURUSD") -> pd.DataFrame:
    """Bundled bars in the candle convention (UTC `ts` index, float OHLCV), validated.

    Returns a fresh copy each call: callers may mutate it without affecting one another.
    """
    return _load(_spec_name(name)).copy()


def bundled_datasets() -> list[BundledDataset]:
    """What each bundled series holds, measured from the files themselves."""
    datasets = []
    for name, spec in _SPECS.items():
        frame = _load(name)
        datasets.append(
            BundledDataset(
                name=name,
                granularity=spec.granularity,
                bar=spec.bar,
                rows=len(frame),
                first=frame.index[0],
                last=frame.index[-1],
                source=spec.source,
            )
        )
    return datasets


def _spec_name(name: str) -> str:
    key = name.strip().upper()
    if key not in _SPECS:
        known = ", ".join(_SPECS)
        raise ValueError(f"unknown bundled dataset {name!r}; choose one of {known}")
    return key


def _data_dir() -> Path:
    """`backtesting/test/` of the installed package, without running the package's code."""
    spec = find_spec(_PACKAGE)
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise CandleValidationError("the backtesting package (bundled datasets) is not installed")
    return Path(next(iter(locations))) / "test"


@cache
def _load(name: str) -> pd.DataFrame:
    resource = _data_dir() / f"{name}.csv"
    try:
        with resource.open("r", encoding="utf-8") as handle:
            raw = pd.read_csv(handle, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise CandleValidationError(
            f"bundled dataset {name} not found in the installed backtesting package"
        ) from None
    candles = candles_from_table(raw, source=f"bundled:{name}")
    validate_candles(candles, _SPECS[name].granularity, source=f"bundled:{name}")
    return candles
