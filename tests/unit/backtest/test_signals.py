"""Signal-table validation and its mapping onto bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crpbot.backtest.signals import (
    SignalTableError,
    bars_at,
    normalize_signals,
    signal_arrays,
)


def _table(**overrides: object) -> pd.DataFrame:
    row: dict[str, object] = {
        "ts": "2024-01-10T08:00:00Z",
        "symbol": " BTC-USD ",
        "side": "Long",
        "stop": 95.0,
        "target": 110.0,
    }
    row.update(overrides)
    return pd.DataFrame([row])


def test_signals_normalize_trims_labels_and_reads_naive_times_as_utc() -> None:
    table = normalize_signals(_table(ts="2024-01-10 08:00"))
    assert table["symbol"].iloc[0] == "BTC-USD"
    assert table["side"].iloc[0] == "long"
    assert table["ts"].iloc[0] == pd.Timestamp("2024-01-10T08:00", tz="UTC")
    assert pd.isna(table["expiry"].iloc[0])
    assert np.isnan(table["entry"].iloc[0])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"side": "buy"}, "side is not long|short"),
        ({"stop": -1.0}, "stop is missing or not positive"),
        ({"stop": "x"}, "stop is missing or not positive"),
        ({"target": 90.0}, "target is not beyond stop in the trade's direction"),
        ({"side": "short"}, "target is not beyond stop in the trade's direction"),
        ({"ts": "yesterday"}, "ts is missing or not a time"),
    ],
)
def test_signals_reject_bad_rows_by_number(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(SignalTableError, match="row\\(s\\) 0"):
        normalize_signals(_table(**overrides))
    with pytest.raises(SignalTableError) as info:
        normalize_signals(_table(**overrides))
    assert message in str(info.value)


def test_signals_missing_column_is_named() -> None:
    with pytest.raises(SignalTableError, match="lacks column\\(s\\): stop"):
        normalize_signals(_table().drop(columns=["stop"]))


def test_signal_arrays_map_times_onto_bars_and_sort() -> None:
    index = pd.date_range("2024-01-10T08:00", periods=4, freq="h", tz="UTC")
    table = normalize_signals(
        pd.concat(
            [
                _table(ts="2024-01-10T10:30:00Z", expiry="2024-01-10T10:30:00Z"),
                _table(ts="2024-01-10T07:00:00Z"),
                _table(ts="2024-01-10T08:00:00Z"),
            ]
        )
    )
    arrays = signal_arrays(table, index, ["BTC-USD"])
    assert arrays.bar.tolist() == [-1, 0, 2]  # before the data, on a bar, inside a bar
    assert arrays.order.tolist() == [1, 2, 0]
    assert arrays.expiry_bar.tolist() == [len(index) + 1, len(index) + 1, 3]


def test_signal_arrays_reject_symbols_without_candles() -> None:
    index = pd.date_range("2024-01-10T08:00", periods=2, freq="h", tz="UTC")
    with pytest.raises(SignalTableError, match="without candles: BTC-USD"):
        signal_arrays(normalize_signals(_table()), index, ["ETH-USD"])


@pytest.mark.parametrize("ordered", [True, False])
def test_bars_at_matches_numpy_searchsorted(ordered: bool) -> None:
    rng = np.random.default_rng(7)
    stamps = np.unique(rng.integers(0, 10**6, 5_000)).astype(np.int64)
    keys = rng.integers(-10, 10**6 + 10, 2_000).astype(np.int64)
    keys = np.concatenate([keys, stamps[:3], stamps[-3:]])
    if ordered:
        keys = np.sort(keys)
    expected = np.searchsorted(stamps, keys, side="right") - 1
    assert (bars_at(stamps, keys) == expected).all()
