"""Refit the confidence calibrator from realised outcomes, and decide when to.

The calibrator maps the ensemble score to P(up) (`crpbot.confidence.calibration`); the scanner
turns that into the favoured side's confidence. To keep that contract, outcomes become "up"
labels: a long that won or a short that lost went up (1), a long that lost or a short that won
went down (0). Expired signals decided nothing and are left out.

The refit reuses `choose_calibrator` (the identity, Platt or isotonic, chosen by held-out log
loss on the later part of the time-ordered outcomes). The candidate is ADOPTED only when, on
that same later part, its per-outcome log loss beats the current calibrator's by more than one
standard error of the paired differences: a refit on a few noisy outcomes must not replace a
map that is as good (measured: a Platt fit on 600 outcomes drawn from the current calibrator itself
"beat" it by 0.0007 nats by chance). Before/after ECE and Brier are reported on all the outcomes
used (the "after" figures are therefore in-sample; the held-out log losses are the fair
comparison).

Schedule: nothing happens below `min_outcomes` decided outcomes (isotonic steps and even a
Platt sigmoid fitted on fewer are mostly noise); the first refit happens as soon as there are
enough; later ones once `interval` has passed AND `min_new_outcomes` were decided since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sklearn.metrics import brier_score_loss

from crpbot.confidence.calibration import (
    Calibrator,
    FloatArray,
    Method,
    choose_calibrator,
    fit_calibrator,
    sample_log_losses,
)
from crpbot.confidence.reliability import expected_calibration_error
from crpbot.learning.outcomes import Result

MIN_OUTCOMES = 50
MIN_NEW_OUTCOMES = 20
REFIT_INTERVAL = timedelta(hours=24)
VAL_FRACTION = 0.4


@dataclass(frozen=True)
class RefitPolicy:
    """When a refit is worth doing; counts are of decided (won or lost) outcomes."""

    min_outcomes: int = MIN_OUTCOMES
    min_new_outcomes: int = MIN_NEW_OUTCOMES
    interval: timedelta = REFIT_INTERVAL

    def __post_init__(self) -> None:
        if self.min_outcomes < 10 or self.min_new_outcomes < 1:
            raise ValueError("min_outcomes must be >= 10 and min_new_outcomes >= 1")


@dataclass(frozen=True)
class RefitDecision:
    """Whether to refit now, and why (shown in logs and the CLI)."""

    due: bool
    reason: str


def refit_due(
    last_refit: datetime | None,
    now: datetime,
    decided_total: int,
    decided_since_last: int,
    policy: RefitPolicy,
) -> RefitDecision:
    """The schedule rule of the module docstring, as a pure function of the clock and counts."""
    if decided_total < policy.min_outcomes:
        return RefitDecision(False, f"{decided_total} decided outcomes < {policy.min_outcomes}")
    if last_refit is None:
        return RefitDecision(True, "first refit")
    if now - last_refit < policy.interval:
        return RefitDecision(False, f"last refit {now - last_refit} ago < {policy.interval}")
    if decided_since_last < policy.min_new_outcomes:
        return RefitDecision(
            False, f"{decided_since_last} new decided outcomes < {policy.min_new_outcomes}"
        )
    return RefitDecision(True, "interval passed with enough new outcomes")


@dataclass(frozen=True, slots=True)
class CalibrationSample:
    """One resolved signal: its ensemble score, side and result, in resolution order."""

    score: float
    side: str
    result: Result


def up_labels(samples: Sequence[CalibrationSample]) -> tuple[FloatArray, FloatArray]:
    """Scores and 0/1 "went up" labels of the decided samples (expired ones dropped)."""
    decided = [s for s in samples if s.result != "expired"]
    scores = np.array([s.score for s in decided], dtype=np.float64)
    won = np.array([s.result == "won" for s in decided])
    long = np.array([s.side == "long" for s in decided])
    return scores, (won == long).astype(np.float64)


@dataclass(frozen=True)
class CalibrationQuality:
    """How well a calibrator's P(up) matched the outcomes (lower is better for both)."""

    ece: float
    brier: float


@dataclass(frozen=True)
class CalibrationChange:
    """A refit: the calibrator before and after, their quality, and whether it was adopted.

    `holdout_log_loss` has the held-out log loss of `identity` (the raw score), `platt`,
    `isotonic` and `current`;
    `holdout_gain` is how much the candidate lowered it per outcome (± `holdout_gain_se`).
    """

    n_samples: int
    before: Calibrator
    after: Calibrator
    before_quality: CalibrationQuality
    after_quality: CalibrationQuality
    holdout_log_loss: dict[str, float] = field(default_factory=dict)
    holdout_gain: float = 0.0
    holdout_gain_se: float = 0.0
    adopted: bool = False


def _quality(calibrator: Calibrator, scores: FloatArray, y: FloatArray) -> CalibrationQuality:
    p = calibrator.apply(scores)
    return CalibrationQuality(
        ece=expected_calibration_error(p, y), brier=float(brier_score_loss(y, p))
    )


def _usable(y: FloatArray, val_fraction: float) -> bool:
    """Both labels in the fitting part, and a non-empty held-out part."""
    cut = int(len(y) * (1 - val_fraction))
    return 0 < cut < len(y) and np.unique(y[:cut]).size == 2


def recalibrate(
    samples: Sequence[CalibrationSample],
    current: Calibrator,
    method: Method | None = None,
    val_fraction: float = VAL_FRACTION,
) -> CalibrationChange | None:
    """Refit on `samples` (oldest first); None when they cannot fit one (a single label).

    `method` forces one candidate (identity, Platt or isotonic); by default held-out log loss
    chooses.
    """
    scores, y = up_labels(samples)
    if not _usable(y, val_fraction):
        return None
    choice = choose_calibrator(scores, y, val_fraction)
    chosen = choice.calibrator.method if method is None else method
    after = choice.calibrator if method is None else fit_calibrator(scores, y, method)
    cut = int(len(y) * (1 - val_fraction))
    candidate = fit_calibrator(scores[:cut], y[:cut], chosen)
    gain, gain_se = _holdout_gain(current, candidate, scores[cut:], y[cut:])
    losses = dict(choice.val_log_loss)
    losses["current"] = float(np.mean(_log_losses(current, scores[cut:], y[cut:])))
    return CalibrationChange(
        n_samples=len(y),
        before=current,
        after=after,
        before_quality=_quality(current, scores, y),
        after_quality=_quality(after, scores, y),
        holdout_log_loss=losses,
        holdout_gain=gain,
        holdout_gain_se=gain_se,
        adopted=gain > gain_se,
    )


def _holdout_gain(
    current: Calibrator, candidate: Calibrator, scores: FloatArray, y: FloatArray
) -> tuple[float, float]:
    """Mean per-outcome log-loss reduction of `candidate` over `current`, and its std error."""
    diff = _log_losses(current, scores, y) - _log_losses(candidate, scores, y)
    se = float(np.std(diff, ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else float("inf")
    return float(np.mean(diff)), se


def _log_losses(calibrator: Calibrator, scores: FloatArray, y: FloatArray) -> FloatArray:
    return sample_log_losses(calibrator.apply(scores), y)
