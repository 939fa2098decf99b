from __future__ import annotations

import math

import numpy as np
import pytest

from crpbot.confidence.metrics import block_indices, bootstrap_metrics
from crpbot.evaluation.paired import PAIRED_METRICS, paired_differences

N = 400


def _truth_probabilities(y: np.ndarray, on_truth: np.ndarray) -> np.ndarray:
    """P(up) that puts `on_truth` on whatever happened."""
    return np.where(y == 1.0, on_truth, 1.0 - on_truth)


@pytest.fixture
def y() -> np.ndarray:
    return (np.random.default_rng(1).random(N) < 0.55).astype(np.float64)


@pytest.fixture
def rows() -> np.ndarray:
    return block_indices(N, 20, 300, seed=4)


def test_paired_log_loss_difference_is_exact_when_it_is_the_same_on_every_sample(
    y: np.ndarray, rows: np.ndarray
) -> None:
    """Each sample's loss differs by ln 1.25, so every resample's difference is −ln 1.25,
    although each source's own log loss swings from resample to resample."""
    baseline_on_truth = np.random.default_rng(2).choice([0.52, 0.6], N)
    baseline = _truth_probabilities(y, baseline_on_truth)
    model = _truth_probabilities(y, 1.25 * baseline_on_truth)
    diff = paired_differences(model, baseline, y, rows)["log_loss"]
    assert diff.value == pytest.approx(-math.log(1.25))
    assert diff.low == pytest.approx(-math.log(1.25))
    assert diff.high == pytest.approx(-math.log(1.25))
    alone = bootstrap_metrics(baseline, y, block=20, n_boot=300, seed=4)["log_loss"]
    assert alone.high - alone.low > 0.005


def test_paired_accuracy_and_brier_of_always_right_against_always_wrong(
    y: np.ndarray, rows: np.ndarray
) -> None:
    model = _truth_probabilities(y, np.full(N, 0.8))
    baseline = _truth_probabilities(y, np.full(N, 0.3))
    diffs = paired_differences(model, baseline, y, rows)
    assert set(diffs) == set(PAIRED_METRICS)
    assert (diffs["accuracy"].value, diffs["accuracy"].low, diffs["accuracy"].high) == (1, 1, 1)
    brier = 0.2**2 - 0.7**2
    assert diffs["brier"].value == pytest.approx(brier)
    assert diffs["brier"].low == pytest.approx(brier)
    assert diffs["brier"].high == pytest.approx(brier)


def test_paired_difference_of_a_source_with_itself_is_zero(y: np.ndarray, rows: np.ndarray) -> None:
    p = np.random.default_rng(5).uniform(0.2, 0.8, N)
    for estimate in paired_differences(p, p, y, rows).values():
        assert (estimate.value, estimate.low, estimate.high) == (0.0, 0.0, 0.0)


def test_paired_interval_is_narrower_than_the_unpaired_spread(
    y: np.ndarray, rows: np.ndarray
) -> None:
    """A model that shifts a noisy baseline a little: the pairing removes the shared noise."""
    rng = np.random.default_rng(6)
    baseline = np.clip(0.55 + rng.normal(0, 0.15, N), 0.05, 0.95)
    model = np.clip(baseline + np.where(y == 1.0, 0.02, -0.02), 0.05, 0.95)
    diff = paired_differences(model, baseline, y, rows)["log_loss"]
    ours = bootstrap_metrics(model, y, block=20, n_boot=300, seed=4)["log_loss"]
    assert diff.high < 0
    assert diff.high - diff.low < (ours.high - ours.low) / 3
