"""Pattern statistics: bucket counts, fixed feature buckets, Wilson intervals, causal features."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crpbot.data.bundled import load_bundled
from crpbot.learning.outcomes import RESULTS, Result
from crpbot.learning.patterns import (
    BucketCount,
    Observation,
    buckets_of,
    count_patterns,
    features_at,
    rank_bucket,
    rsi_bucket,
    signal_features,
    summarize,
    wilson_interval,
)
from tests.unit.learning.builders import T0


def _obs(
    result: Result, *, hour: int = 14, tier: str = "high", rsi: float | None = None
) -> Observation:
    return Observation("BTC-USD", tier, "long", T0 + timedelta(hours=hour), result, rsi, None)


def test_count_patterns_counts_expired_but_decides_only_wins_and_losses() -> None:
    counts = count_patterns([_obs("won"), _obs("lost"), _obs("expired"), _obs("won", tier="low")])
    by_key = {(c.dimension, c.bucket): c for c in counts}
    assert by_key[("tier", "high")] == BucketCount("tier", "high", 1, 1, 3)
    assert by_key[("tier", "low")] == BucketCount("tier", "low", 1, 0, 1)
    assert by_key[("symbol", "BTC-USD")] == BucketCount("symbol", "BTC-USD", 2, 1, 4)
    assert by_key[("hour", "14")].count == 4
    assert not any(c.dimension in ("rsi", "atr_pct") for c in counts)


def test_buckets_of_hour_is_zero_padded_utc_and_features_optional() -> None:
    keys = dict(
        buckets_of(
            Observation("ETH-USD", "low", "short", T0 + timedelta(hours=7), "won", 72.0, 0.1)
        )
    )
    assert keys == {
        "symbol": "ETH-USD",
        "tier": "low",
        "side": "short",
        "hour": "07",
        "rsi": ">=60",
        "atr_pct": "low",
    }


@pytest.mark.parametrize(
    ("rsi", "bucket"),
    [(0.0, "<40"), (39.99, "<40"), (40.0, "40-60"), (59.9, "40-60"), (60.0, ">=60")],
)
def test_rsi_bucket_edges(rsi: float, bucket: str) -> None:
    assert rsi_bucket(rsi) == bucket


@pytest.mark.parametrize(
    ("rank", "bucket"),
    [(0.0, "low"), (1 / 3, "low"), (0.5, "mid"), (2 / 3, "mid"), (0.7, "high"), (1.0, "high")],
)
def test_rank_bucket_edges(rank: float, bucket: str) -> None:
    assert rank_bucket(rank) == bucket


def test_summarize_no_decided_signal_has_no_rate() -> None:
    (row,) = summarize([BucketCount("tier", "high", 0, 0, 3)])
    assert (row.win_rate, row.low, row.high) == (None, None, None)


def test_wilson_interval_matches_the_textbook_value() -> None:
    low, high = wilson_interval(8, 10)
    assert (low, high) == pytest.approx((0.4902, 0.9433), abs=1e-4)


@settings(max_examples=200, deadline=None)
@given(results=st.lists(st.sampled_from(RESULTS), min_size=1, max_size=60))
def test_summarize_win_rate_inside_its_interval_inside_unit(results: list[Result]) -> None:
    for row in summarize(count_patterns(_obs(r) for r in results)):
        assert row.wins + row.losses <= row.count
        if row.win_rate is None:
            assert row.wins + row.losses == 0
            continue
        assert row.low is not None and row.high is not None
        assert 0.0 <= row.low <= row.win_rate <= row.high <= 1.0


@pytest.fixture(scope="module")
def eurusd() -> pd.DataFrame:
    return load_bundled("EURUSD").iloc[:1500]


def test_signal_features_are_causal(eurusd: pd.DataFrame) -> None:
    full = signal_features(eurusd)
    prefix = signal_features(eurusd.iloc[:900])
    pd.testing.assert_frame_equal(full.iloc[:900], prefix)


def test_signal_features_ranges(eurusd: pd.DataFrame) -> None:
    features = signal_features(eurusd).dropna()
    assert len(features) > 1000
    assert features["rsi"].between(0, 100).all()
    assert features["atr_pct_rank"].between(0, 1).all()
    assert features["atr_pct_rank"].std() > 0.2


def test_features_at_missing_or_warming_bar_is_none(eurusd: pd.DataFrame) -> None:
    features = signal_features(eurusd)
    assert features_at(features, eurusd.index[5].to_pydatetime()) == (None, None)
    assert features_at(features, T0 - timedelta(days=3650)) == (None, None)
    rsi, rank = features_at(features, eurusd.index[800].to_pydatetime())
    assert rsi is not None and rank is not None and np.isfinite([rsi, rank]).all()
