"""Refit the confidence calibrator on the label it predicts, and decide when to.

The calibrator maps the ensemble score to P(up): the probability that the close `horizon` bars
after a scored bar is above that bar's close (docs/evaluation.md, "What the probability
means"). A refit therefore fits that same event, read back from the candles for EVERY scored
bar the system stored (`crpbot.learning.direction`): signals or not, approved or not, traded
trades that expired included. Trade results (target before stop) are never used here: they
answer another question, and with a 2-ATR target and a 1.5-ATR stop a random walk reaches the
target first ~43% of the time, so a fit on them would drag every P(up) toward 0.43.

The refit reuses `choose_calibrator` (the identity, Platt or isotonic, chosen by held-out log
loss on the later part of the time-ordered samples). The candidate is ADOPTED only when, on
that same later part, its per-sample log loss beats the current calibrator's by more than one
standard error of the paired differences: a refit on a few noisy samples must not replace a
map that is as good (measured: a Platt fit on 600 outcomes drawn from the current calibrator
itself "beat" it by 0.0007 nats by chance). Before/after ECE and Brier are reported on all the
samples used (the "after" figures are therefore in-sample; the held-out log losses are the
fair comparison).

Schedule: nothing happens below `min_outcomes` resolved scored bars (isotonic steps and even
a Platt sigmoid fitted on fewer are mostly noise); the first refit happens as soon as there
are enough; later ones once `interval` has passed AND `min_new_outcomes` were resolved since.
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

MIN_OUTCOMES = 50
MIN_NEW_OUTCOMES = 20
REFIT_INTERVAL = timedelta(hours=24)
VAL_FRACTION = 0.4


@dataclass(frozen=True)
class RefitPolicy:
    """When a refit is worth doing; counts are of scored bars with a direction outcome."""

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
    resolved_total: int,
    resolved_since_last: int,
    policy: RefitPolicy,
) -> RefitDecision:
    """The schedule rule of the module docstring, as a pure function of the clock and counts."""
    if resolved_total < policy.min_outcomes:
        return RefitDecision(
            False, f"{resolved_total} resolved scored bars < {policy.min_outcomes}"
        )
    if last_refit is None:
        return RefitDecision(True, "first refit")
    if now - last_refit < policy.interval:
        return RefitDecision(False, f"last refit {now - last_refit} ago < {policy.interval}")
    if resolved_since_last < policy.min_new_outcomes:
        return RefitDecision(
            False, f"{resolved_since_last} new resolved scored bars < {policy.min_new_outcomes}"
        )
    return RefitDecision(True, "interval passed with enough new outcomes")


@dataclass(frozen=True, slots=True)
class DirectionSample:
    """One scored bar with its direction outcome: its ensemble score and whether the close
    `horizon` bars later was above its close, in resolution order."""

    score: float
    went_up: bool


def up_labels(samples: Sequence[DirectionSample]) -> tuple[FloatArray, FloatArray]:
    """Scores and 0/1 "went up" labels, every sample kept."""
    scores = np.array([s.score for s in samples], dtype=np.float64)
    return scores, np.array([s.went_up for s in samples], dtype=np.float64)


@dataclass(frozen=True)
class CalibrationQuality:
    """How well a calibrator's P(up) matched the direction outcomes (lower is better)."""

    ece: float
    brier: float


@dataclass(frozen=True)
class CalibrationChange:
    """A refit: the calibrator before and after, their quality, and whether it was adopted.

    `holdout_log_loss` has the held-out log loss of `identity` (the raw score), `platt`,
    `isotonic` and `current`;
    `holdout_gain` is how much the candidate lowered it per sample (± `holdout_gain_se`).
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
    samples: Sequence[DirectionSample],
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
    """Mean per-sample log-loss reduction of `candidate` over `current`, and its std error."""
    diff = _log_losses(current, scores, y) - _log_losses(candidate, scores, y)
    se = float(np.std(diff, ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else float("inf")
    return float(np.mean(diff)), se


def _log_losses(calibrator: Calibrator, scores: FloatArray, y: FloatArray) -> FloatArray:
    return sample_log_losses(calibrator.apply(scores), y)
