"""The Coinbase candle client against the local stand-in: auth, paging, retries, timeouts."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

import jwt
import pandas as pd
import pytest
import requests

from crpbot.candles.granularity import granularity_seconds
from crpbot.data.coinbase import (
    MAX_CANDLES_PER_REQUEST,
    CoinbaseClient,
    candles_from_payload,
    plan_pages,
)
from crpbot.data.coinbase_auth import CoinbaseCredentials, build_request_jwt
from crpbot.data.coinbase_errors import (
    CoinbaseAuthError,
    CoinbaseError,
    CoinbaseRequestError,
    CoinbaseUnavailableError,
)
from crpbot.data.coinbase_http import RetryPolicy, parse_retry_after


def t0(standin) -> datetime:
    return datetime.fromtimestamp(standin.data_start, tz=UTC)


def test_coinbase_client_signed_request_accepted(standin, client_factory, credentials):
    start = t0(standin)
    frame = client_factory(credentials).fetch_candles(
        "BTC-USD", "ONE_HOUR", start, start + timedelta(hours=10)
    )
    assert len(frame) == 10
    [seen] = standin.candle_requests()
    assert seen.path == "/api/v3/brokerage/products/BTC-USD/candles"
    assert seen.status == 200
    assert seen.authorization.startswith("Bearer ")


def test_coinbase_client_wrong_key_raises_auth_error(
    standin, client_factory, wrong_credentials, sleeps
):
    start = t0(standin)
    with pytest.raises(CoinbaseAuthError) as caught:
        client_factory(wrong_credentials).fetch_candles(
            "BTC-USD", "ONE_HOUR", start, start + timedelta(hours=3)
        )
    message = str(caught.value)
    assert "401" in message
    assert "\n" not in message
    assert "PRIVATE KEY" not in message and wrong_credentials.private_key_pem[40:60] not in message
    assert len(standin.candle_requests()) == 1, "a rejected key must not be retried"
    assert sleeps == []


def test_coinbase_client_without_credentials_uses_public_endpoint(standin, client_factory):
    start = t0(standin)
    frame = client_factory().fetch_candles("ETH-USD", "ONE_HOUR", start, start + timedelta(hours=5))
    assert len(frame) == 5
    [seen] = standin.candle_requests()
    assert seen.path == "/api/v3/brokerage/market/products/ETH-USD/candles"
    assert seen.authorization is None


@pytest.mark.parametrize(
    ("granularity", "bars"),
    [("ONE_MINUTE", 1000), ("FIVE_MINUTE", 2100), ("ONE_HOUR", 2000), ("ONE_HOUR", 350)],
)
def test_coinbase_client_paginates_without_gaps_or_duplicates(
    standin, client_factory, credentials, granularity, bars
):
    step = granularity_seconds(granularity)
    start = t0(standin)
    end = start + timedelta(seconds=step * bars)
    frame = client_factory(credentials).fetch_candles("BTC-USD", granularity, start, end)

    expected = pd.date_range(start, end, freq=f"{step}s", inclusive="left", name="ts")
    pd.testing.assert_index_equal(frame.index, expected)
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert (frame.dtypes == "float64").all()
    requests_made = standin.candle_requests()
    assert len(requests_made) >= -(-bars // MAX_CANDLES_PER_REQUEST)
    for seen in requests_made:
        slots = (int(seen.params["end"]) - int(seen.params["start"])) // step + 1
        assert slots <= MAX_CANDLES_PER_REQUEST
        assert seen.status == 200


def test_coinbase_client_range_beyond_data_returns_only_existing_bars(standin, client_factory):
    start = t0(standin) - timedelta(hours=5)
    frame = client_factory().fetch_candles("BTC-USD", "ONE_HOUR", start, start + timedelta(hours=8))
    assert frame.index[0] == t0(standin)
    assert len(frame) == 3


def test_coinbase_client_honours_retry_after(standin, standin_module, client_factory, sleeps):
    standin.faults.append(standin_module.Fault(status=429, headers={"Retry-After": "2"}))
    start = t0(standin)
    frame = client_factory().fetch_candles("BTC-USD", "ONE_HOUR", start, start + timedelta(hours=4))
    assert len(frame) == 4
    assert sleeps == [2.0]
    assert [s.status for s in standin.candle_requests()] == [429, 200]


def test_coinbase_client_caps_huge_retry_after(standin, standin_module, client_factory, sleeps):
    standin.faults.append(standin_module.Fault(status=429, headers={"Retry-After": "3600"}))
    policy = RetryPolicy(attempts=3, max_retry_after=5.0, timeout=2.0)
    start = t0(standin)
    client_factory(policy=policy).fetch_candles(
        "BTC-USD", "ONE_HOUR", start, start + timedelta(hours=1)
    )
    assert sleeps == [5.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_coinbase_client_retries_5xx_then_succeeds(
    standin, standin_module, client_factory, sleeps, status
):
    standin.faults.extend(
        [standin_module.Fault(status=status), standin_module.Fault(status=status)]
    )
    start = t0(standin)
    frame = client_factory().fetch_candles("BTC-USD", "ONE_HOUR", start, start + timedelta(hours=4))
    assert len(frame) == 4
    assert [s.status for s in standin.candle_requests()] == [status, status, 200]
    assert len(sleeps) == 2


def test_coinbase_client_backoff_grows_exponentially_with_jitter(
    standin, standin_module, client_factory, sleeps
):
    standin.always = standin_module.Fault(status=503)
    policy = RetryPolicy(attempts=4, backoff_initial=0.01, backoff_max=1.0, jitter=0.005)
    start = t0(standin)
    with pytest.raises(CoinbaseUnavailableError):
        client_factory(policy=policy).fetch_candles(
            "BTC-USD", "ONE_HOUR", start, start + timedelta(hours=1)
        )
    assert len(sleeps) == 3
    for n, wait in enumerate(sleeps):
        assert 0.01 * 2**n <= wait <= 0.01 * 2**n + 0.005


def test_coinbase_client_persistent_5xx_gives_up_clearly(
    standin, standin_module, client_factory, fast_policy
):
    standin.always = standin_module.Fault(status=503)
    start = t0(standin)
    with pytest.raises(CoinbaseUnavailableError) as caught:
        client_factory().fetch_candles("BTC-USD", "ONE_HOUR", start, start + timedelta(hours=1))
    message = str(caught.value)
    assert f"after {fast_policy.attempts} attempts" in message
    assert "503" in message
    assert len(standin.candle_requests()) == fast_policy.attempts


def test_coinbase_client_slow_answer_times_out_then_retries(
    standin, standin_module, client_factory
):
    standin.faults.append(standin_module.Fault(delay=0.6))
    policy = RetryPolicy(
        attempts=3, backoff_initial=0.001, backoff_max=0.002, jitter=0.0, timeout=0.2
    )
    start = t0(standin)
    frame = client_factory(policy=policy).fetch_candles(
        "BTC-USD", "ONE_HOUR", start, start + timedelta(hours=2)
    )
    assert len(frame) == 2


def test_coinbase_client_always_slow_reports_timeout(standin, standin_module, client_factory):
    standin.always = standin_module.Fault(delay=0.5)
    policy = RetryPolicy(
        attempts=2, backoff_initial=0.001, backoff_max=0.002, jitter=0.0, timeout=0.1
    )
    start = t0(standin)
    with pytest.raises(CoinbaseUnavailableError, match=r"timed out after 0\.1s"):
        client_factory(policy=policy).fetch_candles(
            "BTC-USD", "ONE_HOUR", start, start + timedelta(hours=1)
        )


def test_coinbase_client_other_4xx_fails_without_retry(
    standin, standin_module, client_factory, sleeps
):
    standin.faults.append(standin_module.Fault(status=400))
    start = t0(standin)
    with pytest.raises(CoinbaseRequestError, match="HTTP 400"):
        client_factory().fetch_candles("BTC-USD", "ONE_HOUR", start, start + timedelta(hours=1))
    assert sleeps == []


def test_coinbase_standin_rejects_more_than_350_candles(standin, client_factory):
    start = standin.data_start
    response = requests.get(
        f"{standin.base_url}/api/v3/brokerage/market/products/BTC-USD/candles",
        params={"start": start, "end": start + 350 * 3600, "granularity": "ONE_HOUR"},
        timeout=2,
    )
    assert response.status_code == 400


@pytest.mark.parametrize("symbol", ["btc-usd", "BTCUSD", "BTC-USD/../x", ""])
def test_coinbase_client_rejects_malformed_symbol(client_factory, symbol):
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="product id"):
        client_factory().fetch_candles(symbol, "ONE_HOUR", start, start + timedelta(hours=1))


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


def test_coinbase_client_paces_pages_under_public_rate_limit(standin, fast_policy):
    """On a clock that only sleeping moves, every page after the first waits one full
    interval (10 requests/s public), and the pages sent are that many interval apart."""
    now = [0.0]
    sent: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    def clock() -> float:
        return now[0]

    client = CoinbaseClient(base_url=standin.base_url, policy=fast_policy, sleep=sleep, clock=clock)
    client.on_page = lambda done, total: sent.append(now[0])
    start = t0(standin)
    client.fetch_candles("BTC-USD", "ONE_HOUR", start, start + timedelta(hours=1400))
    assert len(standin.candle_requests()) == 5
    assert [round(b - a, 9) for a, b in itertools.pairwise(sent)] == [0.1] * 4


def test_coinbase_client_reports_page_progress(standin, client_factory):
    client = client_factory()
    pages: list[tuple[int, int]] = []
    client.on_page = lambda done, total: pages.append((done, total))
    start = t0(standin)
    client.fetch_candles("BTC-USD", "ONE_HOUR", start, start + timedelta(hours=1000))
    assert pages == [(1, 3), (2, 3), (3, 3)]


def _token(ec_key, key_name, uri, nbf_offset=0, lifetime=120, kid=None):
    now = int(time.time()) + nbf_offset
    claims = {"sub": key_name, "iss": "cdp", "nbf": now, "exp": now + lifetime, "uri": uri}
    headers = {"kid": kid or key_name, "nonce": "abc123"}
    return jwt.encode(claims, ec_key, algorithm="ES256", headers=headers)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"uri": "GET api.coinbase.com/api/v3/brokerage/products/BTC-USD/candles"}, "uri"),
        ({"nbf_offset": -600}, "ExpiredSignature"),
        ({"kid": "organizations/other/apiKeys/x"}, "kid"),
        ({"lifetime": 600}, "lifetime"),
    ],
)
def test_coinbase_standin_rejects_tokens_coinbase_would_reject(standin, ec_key, change, reason):
    path = "/api/v3/brokerage/products/BTC-USD/candles"
    host = standin.base_url.removeprefix("http://")
    uri = change.pop("uri", f"GET {host}{path}")
    token = _token(ec_key, standin.key_name, uri, **change)
    start = standin.data_start
    response = requests.get(
        standin.base_url + path,
        params={"start": start, "end": start + 3600, "granularity": "ONE_HOUR"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=2,
    )
    assert response.status_code == 401
    assert reason in response.json()["message"]
