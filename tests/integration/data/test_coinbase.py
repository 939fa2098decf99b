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
)
from crpbot.data.coinbase_errors import (
    CoinbaseAuthError,
    CoinbaseRequestError,
    CoinbaseUnavailableError,
)
from crpbot.data.coinbase_http import RetryPolicy
from tests.fixtures.coinbase_standin import Fault


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


def test_coinbase_client_honours_retry_after(standin, client_factory, sleeps):
    standin.faults.append(Fault(status=429, headers={"Retry-After": "2"}))
    start = t0(standin)
    frame = client_factory().fetch_candles("BTC-USD", "ONE_HOUR", start, start + timedelta(hours=4))
    assert len(frame) == 4
    assert sleeps == [2.0]
    assert [s.status for s in standin.candle_requests()] == [429, 200]


def test_coinbase_client_caps_huge_retry_after(standin, client_factory, sleeps):
    standin.faults.append(Fault(status=429, headers={"Retry-After": "3600"}))
    policy = RetryPolicy(attempts=3, max_retry_after=5.0, timeout=2.0)
    start = t0(standin)
    client_factory(policy=policy).fetch_candles(
        "BTC-USD", "ONE_HOUR", start, start + timedelta(hours=1)
    )
    assert sleeps == [5.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_coinbase_client_retries_5xx_then_succeeds(standin, client_factory, sleeps, status):
    standin.faults.extend([Fault(status=status), Fault(status=status)])
    start = t0(standin)
    frame = client_factory().fetch_candles("BTC-USD", "ONE_HOUR", start, start + timedelta(hours=4))
    assert len(frame) == 4
    assert [s.status for s in standin.candle_requests()] == [status, status, 200]
    assert len(sleeps) == 2


def test_coinbase_client_backoff_grows_exponentially_with_jitter(standin, client_factory, sleeps):
    standin.always = Fault(status=503)
    policy = RetryPolicy(attempts=4, backoff_initial=0.01, backoff_max=1.0, jitter=0.005)
    start = t0(standin)
    with pytest.raises(CoinbaseUnavailableError):
        client_factory(policy=policy).fetch_candles(
            "BTC-USD", "ONE_HOUR", start, start + timedelta(hours=1)
        )
    assert len(sleeps) == 3
    for n, wait in enumerate(sleeps):
        assert 0.01 * 2**n <= wait <= 0.01 * 2**n + 0.005


def test_coinbase_client_persistent_5xx_gives_up_clearly(standin, client_factory, fast_policy):
    standin.always = Fault(status=503)
    start = t0(standin)
    with pytest.raises(CoinbaseUnavailableError) as caught:
        client_factory().fetch_candles("BTC-USD", "ONE_HOUR", start, start + timedelta(hours=1))
    message = str(caught.value)
    assert f"after {fast_policy.attempts} attempts" in message
    assert "503" in message
    assert len(standin.candle_requests()) == fast_policy.attempts


def test_coinbase_client_slow_answer_times_out_then_retries(standin, client_factory):
    standin.faults.append(Fault(delay=0.6))
    policy = RetryPolicy(
        attempts=3, backoff_initial=0.001, backoff_max=0.002, jitter=0.0, timeout=0.2
    )
    start = t0(standin)
    frame = client_factory(policy=policy).fetch_candles(
        "BTC-USD", "ONE_HOUR", start, start + timedelta(hours=2)
    )
    assert len(frame) == 2


def test_coinbase_client_always_slow_reports_timeout(standin, client_factory):
    standin.always = Fault(delay=0.5)
    policy = RetryPolicy(
        attempts=2, backoff_initial=0.001, backoff_max=0.002, jitter=0.0, timeout=0.1
    )
    start = t0(standin)
    with pytest.raises(CoinbaseUnavailableError, match=r"timed out after 0\.1s"):
        client_factory(policy=policy).fetch_candles(
            "BTC-USD", "ONE_HOUR", start, start + timedelta(hours=1)
        )


def test_coinbase_client_other_4xx_fails_without_retry(standin, client_factory, sleeps):
    standin.faults.append(Fault(status=400))
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
