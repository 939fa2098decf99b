"""The Parquet candle store filling its gaps from the Coinbase stand-in (a local HTTP server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crpbot.data.store import CandleStore


@pytest.fixture
def store(tmp_path) -> CandleStore:
    return CandleStore(tmp_path / "candles")


def test_candle_store_fetch_missing_is_incremental(store, standin, client_factory):
    client = client_factory()
    start = datetime.fromtimestamp(standin.data_start, tz=UTC)
    first = store.fetch_missing(client, "BTC-USD", "ONE_HOUR", start + timedelta(hours=700), start)
    assert first.added == 700 and first.report.gaps == ()
    calls = len(standin.candle_requests())

    again = store.fetch_missing(client, "BTC-USD", "ONE_HOUR", start + timedelta(hours=700))
    assert again.added == 0
    assert len(standin.candle_requests()) == calls, "nothing stored is fetched again"

    more = store.fetch_missing(client, "BTC-USD", "ONE_HOUR", start + timedelta(hours=710))
    assert more.added == 10 and more.report.rows == 710
    [latest] = standin.candle_requests()[calls:]
    assert int(latest.params["start"]) == standin.data_start + 700 * 3600


def test_candle_store_fetch_missing_reports_exchange_gaps(store, standin, client_factory):
    standin.missing.update({standin.data_start + 3600 * h for h in (3, 4)})
    start = datetime.fromtimestamp(standin.data_start, tz=UTC)
    update = store.fetch_missing(
        client_factory(), "BTC-USD", "ONE_HOUR", start + timedelta(hours=10), start
    )
    assert update.added == 8
    [gap] = update.report.gaps
    assert gap.bars == 2 and gap.first_missing == start + timedelta(hours=3)


def test_candle_store_fetch_missing_needs_start_when_empty(store, client_factory):
    with pytest.raises(ValueError, match="give a start"):
        store.fetch_missing(
            client_factory(), "BTC-USD", "ONE_HOUR", datetime(2024, 1, 2, tzinfo=UTC)
        )
