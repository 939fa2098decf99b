"""The Coinbase client's pure parts: request JWTs, credentials, paging plans, payload parsing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import jwt
import pandas as pd
import pytest

from crpbot.candles.granularity import granularity_seconds
from crpbot.data.coinbase import (
    MAX_CANDLES_PER_REQUEST,
    candles_from_payload,
    plan_pages,
)
from crpbot.data.coinbase_auth import CoinbaseCredentials, build_request_jwt
from crpbot.data.coinbase_errors import (
    CoinbaseAuthError,
    CoinbaseError,
)
from crpbot.data.coinbase_http import parse_retry_after


def test_coinbase_jwt_has_documented_claims_and_header(credentials, ec_key):
    path = "/api/v3/brokerage/products/BTC-USD/candles"
    token = build_request_jwt(credentials, "GET", "api.coinbase.com", path)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, ec_key.public_key(), algorithms=["ES256"], issuer="cdp")
    assert header["alg"] == "ES256"
    assert header["kid"] == credentials.key_name and len(header["nonce"]) >= 16
    assert claims["sub"] == credentials.key_name
    assert claims["uri"] == f"GET api.coinbase.com{path}"
    assert claims["exp"] - claims["nbf"] == 120
    other = build_request_jwt(credentials, "GET", "api.coinbase.com", path)
    assert jwt.get_unverified_header(other)["nonce"] != header["nonce"]


@pytest.mark.parametrize(
    "secret",
    ["", "not a key", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"],
)
def test_coinbase_credentials_reject_bad_secret_without_echoing_it(secret):
    with pytest.raises(CoinbaseAuthError) as caught:
        CoinbaseCredentials("organizations/o/apiKeys/k", secret)
    assert "AAAA" not in str(caught.value) and "not a key" not in str(caught.value)


def test_coinbase_credentials_accept_escaped_newlines_and_hide_secret(credentials):
    escaped = credentials.private_key_pem.replace("\n", "\\n")
    same = CoinbaseCredentials(credentials.key_name, escaped)
    assert "PRIVATE" not in repr(same)
    token = build_request_jwt(same, "GET", "h", "/p")
    assert token.count(".") == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        ("0.5", 0.5),
        ("-3", 0.0),
        ("Wed, 25 Nov 2026 08:00:30 GMT", 30.0),
        ("garbage", None),
        (None, None),
    ],
)
def test_parse_retry_after_reads_seconds_and_dates(value, expected):
    now = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)
    assert parse_retry_after(value, now) == expected


@pytest.mark.parametrize(
    ("granularity", "hours"),
    [("ONE_HOUR", 1), ("ONE_HOUR", 349), ("ONE_HOUR", 5000), ("ONE_DAY", 24)],
)
def test_plan_pages_covers_range_within_limit(granularity, hours):
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = start + timedelta(hours=hours)
    windows = plan_pages(start, end, granularity)
    step = granularity_seconds(granularity)
    assert windows[0].start == int(start.timestamp())
    assert windows[-1].end == int(end.timestamp())
    for left, right in itertools.pairwise(windows):
        assert right.start == left.end
    assert all((w.end - w.start) // step + 1 <= MAX_CANDLES_PER_REQUEST for w in windows)


def test_plan_pages_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_pages(datetime(2024, 1, 1), datetime(2024, 1, 2), "ONE_HOUR")


def test_candles_from_payload_normalises_newest_first_strings():
    payload = {
        "candles": [
            {
                "start": "1700003600",
                "low": "1",
                "high": "4",
                "open": "2",
                "close": "3",
                "volume": "9",
            },
            {
                "start": "1700000000",
                "low": "1",
                "high": "5",
                "open": "2",
                "close": "3",
                "volume": "8",
            },
        ]
    }
    frame = candles_from_payload(payload)
    assert frame.index.tz is not None and str(frame.index.tz) == "UTC"
    assert frame.index.name == "ts"
    assert list(frame["volume"]) == [8.0, 9.0]
    assert frame.index[0] == pd.Timestamp(1_700_000_000, unit="s", tz="UTC")


@pytest.mark.parametrize("payload", [{}, {"candles": [{"start": "x"}]}, {"candles": "no"}])
def test_candles_from_payload_rejects_malformed(payload):
    with pytest.raises(CoinbaseError, match="candle"):
        candles_from_payload(payload)
