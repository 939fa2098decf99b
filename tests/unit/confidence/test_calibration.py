from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from sklearn.metrics import log_loss

from crpbot.confidence.calibration import (
    FITTED,
    ISOTONIC_FLOOR,
    METHODS,
    Calibrator,
    Method,
    choose_calibrator,
    fit_calibrator,
)
from crpbot.confidence.reliability import expected_calibration_error
from tests.unit.confidence.conftest import calibrated, overconfident

Sample = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


@pytest.mark.parametrize("method", FITTED)
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
    assert set(losses) == {"identity", "platt", "isotonic"}
    assert choice.calibrator.method == min(METHODS, key=lambda m: losses[m])
    assert choice.calibrator.method in FITTED
    assert losses[choice.calibrator.method] < losses["identity"]


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


@pytest.mark.parametrize("seed", [20, 21, 22])
def test_choose_calibrator_keeps_the_identity_on_calibrated_scores(seed: int) -> None:
    """Scores equal to the true probability: no fitted map beats the identity by more than
    chance, so none is applied, and the chosen map returns the scores unchanged."""
    scores, outcomes = calibrated(4000, seed)
    choice = choose_calibrator(scores, outcomes)
    assert choice.calibrator == Calibrator("identity")
    probe = np.array([0.2, 0.5, 0.73])
    assert choice.calibrator.apply(probe) == pytest.approx(probe)


@pytest.mark.parametrize("seed", [11, 30, 31])
def test_choose_calibrator_fits_badly_scaled_scores(seed: int) -> None:
    scores, outcomes = overconfident(4000, seed)
    choice = choose_calibrator(scores, outcomes)
    assert choice.calibrator.method in FITTED
    assert choice.val_log_loss[choice.calibrator.method] < choice.val_log_loss["identity"]


def test_identity_needs_no_fit_but_still_both_outcomes() -> None:
    scores = np.array([0.2, 0.7, 0.4])
    assert fit_calibrator(scores, np.array([0.0, 1.0, 0.0]), "identity") == Calibrator("identity")
    with pytest.raises(ValueError, match="both outcomes"):
        fit_calibrator(scores, np.ones(3), "identity")
