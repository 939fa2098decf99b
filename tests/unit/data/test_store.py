"""The Parquet candle store: incremental, idempotent, deduplicated, and never loses data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.resources import files

import pandas as pd
import pytest

from crpbot.candles.source import FrameSource
from crpbot.candles.validate import CandleValidationError
from crpbot.data.csv_file import read_candles_csv
from crpbot.data.store import CandleStore, TimeRange, missing_ranges


@pytest.fixture
def store(tmp_path) -> CandleStore:
    return CandleStore(tmp_path / "candles")


def snapshot(store: CandleStore) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(store.data_dir.iterdir())}


def test_candle_store_round_trips_the_convention(store, make_candles):
    frame = make_candles(30)
    update = store.merge("BTC-USD", "ONE_HOUR", frame)
    assert update.added == 30 and update.report.rows == 30
    loaded = store.load("BTC-USD", "ONE_HOUR")
    pd.testing.assert_frame_equal(loaded, frame, check_freq=False)
    assert store.path_for("BTC-USD", "ONE_HOUR").name == "BTC-USD_ONE_HOUR.parquet"


def test_candle_store_merge_is_idempotent_and_deduplicates(store, make_candles):
    store.merge("BTC-USD", "ONE_HOUR", make_candles(20))
    before = snapshot(store)
    assert store.merge("BTC-USD", "ONE_HOUR", make_candles(20)).added == 0
    assert snapshot(store) == before
    update = store.merge("BTC-USD", "ONE_HOUR", make_candles(30).iloc[10:])
    assert update.added == 10
    loaded = store.load("BTC-USD", "ONE_HOUR")
    assert len(loaded) == 30 and loaded.index.is_unique and loaded.index.is_monotonic_increasing


def test_candle_store_refuses_to_overwrite_a_stored_bar(store, make_candles):
    store.merge("BTC-USD", "ONE_HOUR", make_candles(10))
    before = snapshot(store)
    changed = make_candles(12).iloc[8:]
    changed.iloc[1, changed.columns.get_loc("close")] += 0.5
    with pytest.raises(CandleValidationError) as caught:
        store.merge("BTC-USD", "ONE_HOUR", changed)
    [problem] = caught.value.problems
    assert problem.row == 2 and problem.rule == "differs from the stored bar"
    assert snapshot(store) == before


def test_candle_store_malformed_file_names_rows_and_keeps_store(store, make_candles, tmp_path):
    store.merge("BTC-USD", "ONE_HOUR", make_candles(5))
    before = snapshot(store)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ts,open,high,low,close,volume\n"
        "2024-01-01T05:00:00Z,105,107,103,106,10\n"
        "2024-01-01T06:00:00Z,106,100,104,105,10\n"
        "2024-01-01T07:00:00Z,107,109,105,,10\n"
        "2024-01-01T08:00:00Z,108,110,106,109,-3\n"
    )
    with pytest.raises(CandleValidationError) as caught:
        store.import_file(bad, "BTC-USD", "ONE_HOUR")
    message = str(caught.value)
    assert "bad.csv" in message
    assert "row 2 (2024-01-01T06:00:00+00:00): OHLC inconsistent" in message
    assert "row 3 (2024-01-01T07:00:00+00:00): close is NaN" in message
    assert "row 4 (2024-01-01T08:00:00+00:00): volume is negative" in message
    assert snapshot(store) == before
    assert len(store.load("BTC-USD", "ONE_HOUR")) == 5


def test_candle_store_imports_good_csv(store, tmp_path, make_candles):
    path = tmp_path / "good.csv"
    make_candles(12).to_csv(path)
    update = store.import_file(path, "ETH-USD", "ONE_HOUR")
    assert update.added == 12


def test_candle_store_crash_during_write_keeps_previous_file(store, make_candles, monkeypatch):
    store.merge("BTC-USD", "ONE_HOUR", make_candles(10))
    before = snapshot(store)

    def crash(self, handle, *args, **kwargs):
        handle.write(b"PAR1 half written")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crash)
    with pytest.raises(OSError, match="disk full"):
        store.merge("BTC-USD", "ONE_HOUR", make_candles(20))
    monkeypatch.undo()
    assert snapshot(store) == before, "no temp file left behind and the old file intact"
    assert len(store.load("BTC-USD", "ONE_HOUR")) == 10


def test_candle_store_detects_damaged_stored_file(store, make_candles):
    bad = make_candles(4)
    bad.iloc[2, bad.columns.get_loc("low")] = 1e9
    path = store.path_for("BTC-USD", "ONE_HOUR")
    path.parent.mkdir(parents=True)
    bad.to_parquet(path)
    with pytest.raises(CandleValidationError, match="row 3"):
        store.load("BTC-USD", "ONE_HOUR")


@pytest.mark.parametrize("symbol", ["../etc", "a/b", ".hidden", ""])
def test_candle_store_rejects_path_like_symbols(store, symbol):
    with pytest.raises(ValueError, match="symbol"):
        store.path_for(symbol, "ONE_HOUR")


class BadSource:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def fetch_candles(self, symbol, granularity, start, end):
        return self.frame


def test_candle_store_bad_fetched_batch_stores_nothing(store, make_candles):
    store.merge("BTC-USD", "ONE_HOUR", make_candles(5))
    before = snapshot(store)
    batch = make_candles(10).iloc[5:]
    batch.iloc[2, batch.columns.get_loc("volume")] = -1
    with pytest.raises(CandleValidationError, match="volume is negative"):
        store.fetch_missing(
            BadSource(batch), "BTC-USD", "ONE_HOUR", datetime(2024, 1, 2, tzinfo=UTC)
        )
    assert snapshot(store) == before


H = pd.Timedelta(hours=1)
T = pd.Timestamp("2024-01-01", tz="UTC")


@pytest.mark.parametrize(
    ("first", "last", "start", "until", "expected"),
    [
        (None, None, T, T + 5 * H, [TimeRange(T, T + 5 * H)]),
        (None, None, T + 5 * H, T, []),
        (T, T + 9 * H, None, T + 20 * H, [TimeRange(T + 10 * H, T + 20 * H)]),
        (T, T + 9 * H, None, T + 10 * H, []),
        (T, T + 9 * H, T + 2 * H, T + 12 * H, [TimeRange(T + 10 * H, T + 12 * H)]),
        (
            T + 5 * H,
            T + 9 * H,
            T,
            T + 12 * H,
            [TimeRange(T, T + 5 * H), TimeRange(T + 10 * H, T + 12 * H)],
        ),
        (T, T + 9 * H, T + 15 * H, T + 20 * H, [TimeRange(T + 15 * H, T + 20 * H)]),
    ],
)
def test_missing_ranges_only_asks_for_unstored_bars(first, last, start, until, expected):
    assert missing_ranges(first, last, H, start, until) == expected


def test_candle_store_fetch_missing_from_bundled_frame_source(store):
    bars = read_candles_csv(files("backtesting") / "test" / "EURUSD.csv")
    source = FrameSource(bars, "ONE_HOUR")
    middle = bars.index[2500].to_pydatetime()
    first = store.fetch_missing(source, "EURUSD", "ONE_HOUR", middle, bars.index[0].to_pydatetime())
    assert first.added == 2500
    rest = store.fetch_missing(
        source, "EURUSD", "ONE_HOUR", bars.index[-1].to_pydatetime() + timedelta(hours=1)
    )
    assert rest.added == 2500 and rest.report.rows == 5000
    assert rest.report.missing_bars > 0, "weekend gaps in FX data are reported, not filled"
    with pytest.raises(ValueError, match="holds ONE_HOUR bars"):
        source.fetch_candles("EURUSD", "ONE_DAY", middle, middle)
