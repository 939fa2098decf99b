"""The bundled real bars: located inside `backtesting`, normalised to the candle convention."""

from __future__ import annotations

import pandas as pd
import pytest

from crpbot.candles.source import CANDLE_COLUMNS
from crpbot.candles.validate import validate_candles
from crpbot.data.bundled import bundled_datasets, bundled_names, load_bundled

EXPECTED = {
    "EURUSD": ("ONE_HOUR", 5000, "2017-04-19 09:00", "2018-02-07 15:00"),
    "GOOG": ("ONE_DAY", 2148, "2004-08-19", "2013-03-01"),
    "BTCUSD": (None, 156, "2012-01-31", "2024-12-31"),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_load_bundled_follows_candle_convention(name: str) -> None:
    candles = load_bundled(name)
    granularity, rows, first, last = EXPECTED[name]
    assert list(candles.columns) == list(CANDLE_COLUMNS)
    assert all(str(dtype) == "float64" for dtype in candles.dtypes)
    assert candles.index.name == "ts"
    assert str(candles.index.tz) == "UTC"
    assert candles.index.is_monotonic_increasing and candles.index.is_unique
    assert len(candles) == rows
    assert candles.index[0] == pd.Timestamp(first, tz="UTC")
    assert candles.index[-1] == pd.Timestamp(last, tz="UTC")
    assert validate_candles(candles, granularity).rows == rows


def test_load_bundled_defaults_to_eurusd_with_real_first_bar() -> None:
    first = load_bundled().iloc[0]
    assert first.to_dict() == pytest.approx(
        {"open": 1.0716, "high": 1.0722, "low": 1.07083, "close": 1.07219, "volume": 1413.0}
    )


def test_load_bundled_accepts_any_case() -> None:
    assert load_bundled(" goog ").equals(load_bundled("GOOG"))


def test_load_bundled_returns_independent_copies() -> None:
    first = load_bundled("EURUSD")
    first.loc[first.index[0], "close"] = -1.0
    assert load_bundled("EURUSD").iloc[0]["close"] == pytest.approx(1.07219)


@pytest.mark.parametrize("name", ["", "ETHUSD", "EURUSD.csv", "../EURUSD"])
def test_load_bundled_rejects_unknown_names(name: str) -> None:
    with pytest.raises(ValueError, match="unknown bundled dataset"):
        load_bundled(name)


def test_bundled_datasets_describe_each_file() -> None:
    datasets = {d.name: d for d in bundled_datasets()}
    assert list(datasets) == bundled_names()
    for name, (granularity, rows, first, last) in EXPECTED.items():
        dataset = datasets[name]
        assert dataset.granularity == granularity
        assert dataset.rows == rows
        assert dataset.first == pd.Timestamp(first, tz="UTC")
        assert dataset.last == pd.Timestamp(last, tz="UTC")
        assert "backtesting" in dataset.source
