"""`crpbot train` then `crpbot evaluate` end to end on a slice of the bundled real bars."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from crpbot.backtest.signals import normalize_signals
from crpbot.data.bundled import load_bundled
from crpbot.data.csv_file import read_candles_csv
from crpbot.models.inference import InProcessBackend
from crpbot.models.scoring import score_candles
from crpbot.models.versions import read_predictions
from crpbot_workers.cli import app

runner = CliRunner()
TINY = ["--window", "8", "--horizon", "2", "--epochs", "1", "--folds", "2", "--seed", "3"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("models")
    csv = root / "eurusd.csv"
    load_bundled("EURUSD").iloc[:1500].to_csv(csv)
    result = runner.invoke(
        app, ["train", "--data", str(csv), "--model-dir", str(root / "m"), *TINY, "--json"]
    )
    assert result.exit_code == 0, result.output
    return root, json.loads(result.stdout)


def test_train_writes_an_artifact_with_out_of_sample_metrics(
    trained: tuple[Path, dict[str, object]],
) -> None:
    root, summary = trained
    folder = root / "m" / str(summary["model_version"])
    assert (folder / "metadata.json").is_file()
    assert summary["folds"] == 2
    metrics = summary["metrics"]
    assert isinstance(metrics, dict) and 0 <= metrics["test_auc"] <= 1


def test_evaluate_writes_report_and_replayable_signals(
    trained: tuple[Path, dict[str, object]],
) -> None:
    root, _ = trained
    out = root / "eval"
    result = runner.invoke(
        app,
        ["evaluate", "--model-dir", str(root / "m"), "--out", str(out), "--n-boot", "50", "--json"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"majority", "momentum_sign", "logistic", "random"} <= set(payload["metrics"])
    assert set(payload["paired"]) == {"majority", "momentum_sign", "logistic", "random"}
    assert set(payload["paired"]["majority"]) == {"log_loss", "brier", "accuracy"}
    report = (out / "report.md").read_text()
    assert "ECE before calibration" in report
    assert f"--out {out}" in report
    normalize_signals(pd.read_csv(out / "signals.csv"))


def test_score_candles_reproduces_the_last_fold_test_predictions(
    trained: tuple[Path, dict[str, object]],
) -> None:
    root, summary = trained
    model_dir = root / "m"
    backend = InProcessBackend(model_dir)
    candles = read_candles_csv(root / "eurusd.csv")
    scored = score_candles(candles, backend, backend.metadata)
    stored = read_predictions(model_dir / str(summary["model_version"]))
    last = stored[(stored["part"] == "test") & (stored["fold"] == stored["fold"].max())]
    again = scored.loc[pd.DatetimeIndex(last["ts"])]
    np.testing.assert_allclose(again["p_up"], last["p_up"], rtol=1e-6)
    np.testing.assert_allclose(again["p_cal"], last["p_cal"], rtol=1e-6)
    assert scored.index[-1] == candles.index[-1]


def test_evaluate_without_models_fails_with_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", "--model-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "crpbot train" in result.output
    assert "Traceback" not in result.output


def test_train_rejects_unknown_bundled_data(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--data", "bundled:NOPE", "--model-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
