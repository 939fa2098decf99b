"""`crpbot data fetch|import|show` end to end against the local Coinbase stand-in."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner

from crpbot_workers.cli import app
from tests.fixtures.coinbase_standin import DATA_START, KEY_NAME, ec_key, pem_of, standin

__all__ = ["ec_key", "standin"]

runner = CliRunner()
HOUR = 3600


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("CRPBOT_COINBASE_API_KEY", "CRPBOT_COINBASE_API_SECRET", "CRPBOT_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRPBOT_DATA_DIR", str(tmp_path / "store"))


def fetch(standin, *extra: str):
    args = ["data", "fetch", "--symbol", "BTC-USD", "--granularity", "ONE_HOUR"]
    return runner.invoke(app, [*args, "--base-url", standin.base_url, *extra])


def test_data_fetch_public_then_incremental_then_show(standin):
    first = fetch(
        standin, "--start", str(DATA_START), "--end", str(DATA_START + 500 * HOUR), "--json"
    )
    assert first.exit_code == 0, first.output
    payload = json.loads(first.stdout)
    assert payload["added"] == 500 and payload["rows"] == 500 and payload["gaps"] == []
    assert payload["first"] == "2023-11-14T22:00:00+00:00"
    assert all("/market/" in seen.path for seen in standin.candle_requests())

    again = fetch(standin, "--end", str(DATA_START + 520 * HOUR), "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["added"] == 20

    shown = runner.invoke(app, ["data", "show", "--symbol", "BTC-USD", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["rows"] == 520


def test_data_fetch_signs_with_env_credentials(standin, ec_key, monkeypatch):
    monkeypatch.setenv("CRPBOT_COINBASE_API_KEY", KEY_NAME)
    monkeypatch.setenv("CRPBOT_COINBASE_API_SECRET", pem_of(ec_key))
    result = fetch(standin, "--start", str(DATA_START), "--end", str(DATA_START + 10 * HOUR))
    assert result.exit_code == 0, result.output
    assert "+10 bars" in result.stdout
    [seen] = standin.candle_requests()
    assert seen.path == "/api/v3/brokerage/products/BTC-USD/candles" and seen.status == 200


def test_data_fetch_wrong_key_is_one_line_without_secret(standin, monkeypatch):
    secret = pem_of(ec.generate_private_key(ec.SECP256R1()))
    monkeypatch.setenv("CRPBOT_COINBASE_API_KEY", KEY_NAME)
    monkeypatch.setenv("CRPBOT_COINBASE_API_SECRET", secret)
    result = fetch(standin, "--start", str(DATA_START), "--end", str(DATA_START + 10 * HOUR))
    assert result.exit_code == 2
    assert "rejected the API credentials (HTTP 401)" in result.output
    assert "Traceback" not in result.output
    assert secret.splitlines()[1] not in result.output


def test_data_fetch_shows_gaps(standin):
    standin.missing.update({DATA_START + 5 * HOUR, DATA_START + 6 * HOUR})
    result = fetch(standin, "--start", str(DATA_START), "--end", str(DATA_START + 24 * HOUR))
    assert result.exit_code == 0, result.output
    assert "+22 bars" in result.stdout and "1 gap(s) / 2 missing bars" in result.stdout
    shown = runner.invoke(app, ["data", "show", "--symbol", "BTC-USD"])
    assert "gap: 2023-11-15 03:00:00+00:00" in shown.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--end", str(DATA_START + HOUR)], "give a start time"),
        (["--start", "yesterday-ish"], "is not a date/time"),
        (["--start", str(DATA_START), "--granularity", "ONE_WEEK"], "unknown granularity"),
    ],
)
def test_data_fetch_bad_input_exits_with_one_line(standin, extra, message):
    result = fetch(standin, *extra)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_data_fetch_half_configured_credentials_refused(standin, monkeypatch):
    monkeypatch.setenv("CRPBOT_COINBASE_API_KEY", KEY_NAME)
    result = fetch(standin, "--start", str(DATA_START))
    assert result.exit_code == 2
    assert "set both" in result.output


def test_data_import_malformed_file_names_rows_and_keeps_store(standin, tmp_path):
    assert (
        fetch(standin, "--start", str(DATA_START), "--end", str(DATA_START + 5 * HOUR)).exit_code
        == 0
    )
    store_file = tmp_path / "store" / "BTC-USD_ONE_HOUR.parquet"
    before = store_file.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ts,open,high,low,close,volume\n"
        "2023-11-15T03:00:00Z,1,2,0.5,1.5,1\n"
        "2023-11-15T04:00:00Z,1,0.2,0.5,1.5,1\n"
    )
    result = runner.invoke(app, ["data", "import", "--input", str(bad), "--symbol", "BTC-USD"])
    assert result.exit_code == 2
    assert "row 2 (2023-11-15T04:00:00+00:00): OHLC inconsistent" in result.output
    assert store_file.read_bytes() == before


def test_data_import_good_file(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("ts,open,high,low,close,volume\n2024-01-01T00:00Z,1,2,0.5,1.5,1\n")
    result = runner.invoke(
        app, ["data", "import", "--input", str(good), "--symbol", "ETH-USD", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 1


def test_data_show_missing_series(tmp_path):
    result = runner.invoke(app, ["data", "show", "--symbol", "SOL-USD"])
    assert result.exit_code == 2
    assert "no candles stored for SOL-USD ONE_HOUR" in result.output
