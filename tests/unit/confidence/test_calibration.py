from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from sklearn.metrics import log_loss

from crpbot.confidence.calibration import (
    ISOTONIC_FLOOR,
    METHODS,
    Method,
    choose_calibrator,
    fit_calibrator,
)
from crpbot.confidence.reliability import expected_calibration_error
from tests.unit.confidence.conftest import overconfident

Sample = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


@pytest.mark.parametrize("method", METHODS)
def test_fit_calibrator_improves_ece_on_held_out_data(
    miscalibrated: Sample, method: Method
) -> None:
    scores, outcomes = miscalibrated
    held_scores, held_outcomes = overconfident(4000, seed=12)
    calibrator = fit_calibrator(scores, outcomes, method)
    before = expected_calibration_error(held_scores, held_outcomes)
    after = expected_calibration_error(calibrator.apply(held_scores), held_outcomes)
    assert before > 0.08
    assert after < before / 2


def test_platt_recovers_the_shrink_factor(miscalibrated: Sample) -> None:
    a, _ = fit_calibrator(*miscalibrated, "platt").params
    assert a == pytest.approx(1 / 3, abs=0.08)


def test_isotonic_output_stays_inside_the_floor(miscalibrated: Sample) -> None:
    calibrator = fit_calibrator(*miscalibrated, "isotonic")
    p = calibrator.apply(np.array([0.0, 0.5, 1.0]))
    assert p.min() >= ISOTONIC_FLOOR and p.max() <= 1 - ISOTONIC_FLOOR
    assert np.all(np.diff(p) >= 0)


def test_choose_calibrator_picks_lower_validation_log_loss(miscalibrated: Sample) -> None:
    choice = choose_calibrator(*miscalibrated)
    losses = choice.val_log_loss
    assert set(losses) == {"raw", "platt", "isotonic"}
    assert choice.calibrator.method == min(METHODS, key=lambda m: losses[m])
    assert losses[choice.calibrator.method] < losses["raw"]


def test_choose_calibrator_refits_on_the_whole_slice(miscalibrated: Sample) -> None:
    choice = choose_calibrator(*miscalibrated)
    whole = fit_calibrator(*miscalibrated, choice.calibrator.method)
    assert choice.calibrator == whole


def test_fit_calibrator_needs_both_outcomes() -> None:
    with pytest.raises(ValueError, match="both outcomes"):
        fit_calibrator(np.array([0.2, 0.7]), np.array([1.0, 1.0]), "platt")


def test_calibrated_log_loss_beats_raw_on_held_out(miscalibrated: Sample) -> None:
    held_scores, held_outcomes = overconfident(3000, seed=13)
    calibrated = choose_calibrator(*miscalibrated).calibrator.apply(held_scores)
    assert log_loss(held_outcomes, calibrated) < log_loss(held_outcomes, held_scores)
