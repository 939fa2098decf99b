from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crpbot.evaluation.baselines import BASELINES
from crpbot.evaluation.evaluate import (
    MODEL_SOURCES,
    EvaluationResult,
    EvaluationSettings,
    FoldMismatchError,
    evaluate_predictions,
)
from crpbot.evaluation.report import ReportContext, write_report
from crpbot.models.dataset import WindowSet
from crpbot.models.splits import Fold

SETTINGS = EvaluationSettings(n_boot=60)


def _predictions(samples: WindowSet, folds: list[Fold]) -> pd.DataFrame:
    rng = np.random.default_rng(9)
    parts = []
    for fold in folds:
        for part, rows in (("calib", fold.calib), ("test", fold.test)):
            p = rng.uniform(0.3, 0.7, rows.size)
            parts.append(
                pd.DataFrame(
                    {
                        "end": samples.ends[rows],
                        "fold": fold.number,
                        "part": part,
                        "direction": samples.direction[rows],
                        "p_up": p,
                        "score": p,
                        "p_cal": p,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def predictions(samples: WindowSet, folds: list[Fold]) -> pd.DataFrame:
    return _predictions(samples, folds)


@pytest.fixture
def result(
    predictions: pd.DataFrame, samples: WindowSet, folds: list[Fold], close: np.ndarray
) -> EvaluationResult:
    return evaluate_predictions(predictions, samples, folds, close, 2, SETTINGS)


def test_evaluate_predictions_scores_models_and_baselines_on_test_rows(
    result: EvaluationResult, predictions: pd.DataFrame, folds: list[Fold]
) -> None:
    assert set(result.metrics) == set(MODEL_SOURCES) | set(BASELINES)
    assert result.n_test == sum(f.test.size for f in folds)
    assert result.n_test == int((predictions["part"] == "test").sum())


def test_evaluate_predictions_rejects_other_folds(
    predictions: pd.DataFrame, samples: WindowSet, folds: list[Fold], close: np.ndarray
) -> None:
    one_short = predictions.drop(index=predictions.index[predictions["part"] == "test"][:1])
    with pytest.raises(FoldMismatchError):
        evaluate_predictions(one_short, samples, folds, close, 2, SETTINGS)


def test_write_report_has_table_plots_and_ece(result: EvaluationResult, tmp_path: Path) -> None:
    context = ReportContext("v1", "synthetic", 4, 2, 3, ("platt",) * 3, "crpbot evaluate")
    path = write_report(result, context, SETTINGS, tmp_path)
    text = path.read_text()
    assert "ECE before calibration" in text and "moving-block bootstrap" in text
    assert "| logistic |" in text and "| random |" in text
    assert (tmp_path / "reliability.png").is_file() and (tmp_path / "metrics.png").is_file()
    paired = text.split("minus each baseline (paired)")[1]
    for baseline in BASELINES:
        assert f"| {baseline} |" in paired


def test_evaluate_predictions_pairs_the_model_with_every_baseline(
    result: EvaluationResult,
) -> None:
    assert set(result.paired) == set(BASELINES)
    model = result.metrics["model (calibrated)"]
    for baseline, diffs in result.paired.items():
        expected = model["log_loss"].value - result.metrics[baseline]["log_loss"].value
        assert diffs["log_loss"].value == pytest.approx(expected)
        assert diffs["log_loss"].low <= diffs["log_loss"].value <= diffs["log_loss"].high
