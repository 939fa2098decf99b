"""`crpbot backtest --sweep`: ranked rows on the bundled bars, files, one-line grid errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crpbot_workers.cli import app

runner = CliRunner()


def test_backtest_sweep_json_ranks_every_set_and_writes_files(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = ["backtest", "--json", "--sweep", "stop=1,2", "--sweep", "target=2,3"]
    result = runner.invoke(app, [*args, "--rank", "max_drawdown", "--out", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["bars"] == 5000 and payload["sets"] == 4
    assert payload["costs"].startswith("fee 0.30 bp/side, slippage 0.50 bp/fill")
    drawdowns = [row["max_drawdown"] for row in payload["rows"]]
    assert drawdowns == sorted(drawdowns)
    assert {(r["stop_atr"], r["target_atr"]) for r in payload["rows"]} == {
        (1.0, 2.0), (1.0, 3.0), (2.0, 2.0), (2.0, 3.0)
    }  # fmt: skip
    assert len(json.loads((out / "sweep.json").read_text(encoding="utf-8"))) == 4
    assert (out / "sweep.csv").read_text(encoding="utf-8").startswith("stop_atr,target_atr")


def test_backtest_sweep_threshold_uses_the_signals_confidence(tmp_path: Path) -> None:
    from crpbot.backtest.baseline_signals import sma_crossover_signals
    from crpbot.data.bundled import load_bundled

    signals = sma_crossover_signals(load_bundled("EURUSD"), "EURUSD")
    signals["confidence"] = [0.5 + 0.4 * (i % 2) for i in range(len(signals))]
    path = tmp_path / "signals.csv"
    signals.to_csv(path, index=False)
    grid = tmp_path / "grid.yaml"
    grid.write_text("threshold: [0, 0.8]\n", encoding="utf-8")
    args = ["backtest", "--json", "--signals", str(path), "--sweep-file", str(grid)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    by_threshold = {r["threshold"]: r["signals"] for r in json.loads(result.stdout)["rows"]}
    assert by_threshold == {0.0: len(signals), 0.8: len(signals) // 2}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sweep", "stop=1,x"], "values must be numbers"),
        (["--sweep", "speed=1"], "unknown sweep axis"),
        (["--sweep", "threshold=0.6"], "needs a `confidence` column"),
        (["--sweep", "stop=1", "--rank", "luck"], "--rank must be one of"),
        (["--sweep-file", "/nonexistent/grid.yaml"], "cannot read grid file"),
        (["--sweep", "stop=1", "--sweep-file", "g.yaml"], "not both"),
    ],
)
def test_backtest_sweep_bad_grid_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["backtest", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
