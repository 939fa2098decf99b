"""`crpbot backtest` end to end on the bundled bars, and its one-line failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crpbot_workers.cli import app

runner = CliRunner()


def test_backtest_json_on_bundled_data_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["backtest", "--json", "--risk-per-trade", "0.002", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["bars"] == 5000
    assert payload["metrics"]["n_trades"] == payload["signals"]["filled"] > 50
    assert payload["ftmo"]["status"] in {"passed", "failed", "not_passed"}
    names = {Path(p).name for p in payload["files"]}
    expected = {
        "trades.csv",
        "equity.csv",
        "days.csv",
        "signals.csv",
        "metrics.json",
        "equity.png",
        "drawdown.png",
        "report.md",
    }
    assert names == expected
    assert all((out / name).stat().st_size > 0 for name in expected)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## FTMO (challenge)" in report
    assert "| always long |" in report and "random side (200 seeds" in report


def test_backtest_defaults_to_the_instruments_costs_and_shows_baselines() -> None:
    result = runner.invoke(app, ["backtest", "--json", "--random-seeds", "12"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["config"]["fee"] + payload["config"]["slippage"] == pytest.approx(0.8e-4)
    assert payload["config"]["costs"].startswith("costs 0.80 bp/side")
    baselines = payload["baselines"]
    assert baselines["random_side"]["seeds"] == 12
    assert baselines["always_long"]["trades"] > 0
    excess = baselines["always_long"]["excess"]
    assert excess["low"] <= excess["value"] <= excess["high"]


def test_backtest_costs_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRPBOT_COSTS__FX__FEE_BP", "2")
    monkeypatch.setenv("CRPBOT_COSTS__FX__HALF_SPREAD_BP", "1")
    result = runner.invoke(app, ["backtest", "--json", "--random-seeds", "0"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["config"]["fee"] == pytest.approx(2e-4)
    assert payload["config"]["slippage"] == pytest.approx(1e-4)
    assert "baselines" not in payload


def test_backtest_text_states_costs_beside_the_baselines() -> None:
    result = runner.invoke(app, ["backtest", "--fee", "0.0001", "--random-seeds", "5"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "after costs 1.50 bp/side = fee 1.00 bp + half-spread 0.50 bp" in text
    assert "always long:" in text and "random side (5 seeds" in text


def test_backtest_replays_a_signal_csv(tmp_path: Path) -> None:
    signals = tmp_path / "signals.csv"
    signals.write_text(
        "ts,symbol,side,entry,stop,target,expiry\n"
        "2017-05-02T10:00:00Z,EURUSD,long,,1.0800,1.1200,\n"
        "2017-05-02T11:00:00Z,EURUSD,short,,1.1200,1.0800,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["backtest", "--signals", str(signals), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["signals"]["filled"] == 1
    assert payload["signals"]["skipped_overlap"] == 1
    assert "baselines" not in payload
    assert "baselines skipped" in " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--phase", "final"], "--phase must be challenge or verification"),
        (["--risk-per-trade", "1.5"], "risk_per_trade must be in (0, 1)"),
        (["--signals", "/nonexistent/signals.csv"], "signal file not found"),
        (["--candles", "bundled:NOPE"], "unknown bundled dataset"),
    ],
)
def test_backtest_bad_input_exits_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["backtest", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_backtest_bad_signal_table_names_the_rows(tmp_path: Path) -> None:
    signals = tmp_path / "bad.csv"
    signals.write_text("ts,symbol,side,stop\n2017-05-02T10:00:00Z,EURUSD,up,1.08\n", "utf-8")
    result = runner.invoke(app, ["backtest", "--signals", str(signals)])
    assert result.exit_code == 2
    assert "side is not long|short in row(s) 0" in result.output
