"""Plain records that cross the repository boundary; ORM objects never leave `crpbot.db`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crpbot.db.vocabulary import ModelStage, OutcomeResult, Side, SignalStatus, Tier


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """A scored setup as stored; (bot, symbol, bar_ts, model_version) identifies it."""

    bot: str
    symbol: str
    bar_ts: datetime
    model_version: str
    side: Side
    entry: float
    stop: float
    target: float
    expiry: datetime
    p_up: float
    strength: float
    score: float
    confidence: float
    tier: Tier
    status: SignalStatus
    created_at: datetime
    reasons: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SavedSignal:
    """Where a signal landed: `created` is False when the same key was already stored."""

    id: int
    created: bool


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    """How a signal ended; `r_multiple` is the result in units of the initial risk."""

    signal_id: int
    result: OutcomeResult
    resolved_ts: datetime
    exit_price: float
    r_multiple: float


@dataclass(frozen=True, slots=True)
class ScoredBarRecord:
    """A bar the models scored; `p_cal` is the calibrated P(up) it was scored with.

    `went_up` is its direction outcome (close at the horizon bar > `close`), None until the
    horizon bar has closed; (bot, symbol, bar_ts, model_version) identifies it.
    """

    bot: str
    symbol: str
    bar_ts: datetime
    model_version: str
    close: float
    expiry: datetime
    score: float
    p_up: float
    p_cal: float
    created_at: datetime
    went_up: bool | None = None
    close_at_horizon: float | None = None
    resolved_ts: datetime | None = None
    id: int | None = None

    @property
    def confidence(self) -> float:
        """Probability that the favoured direction is right (what tiers threshold)."""
        return max(self.p_cal, 1.0 - self.p_cal)

    @property
    def favoured_right(self) -> bool | None:
        """Whether the favoured direction happened (None while unresolved); a bar at exactly
        0.5 favours up, as the signal rule does."""
        if self.went_up is None:
            return None
        return self.went_up == (self.p_cal >= 0.5)


@dataclass(frozen=True, slots=True)
class PatternStatRecord:
    """Counts of one bucket of one dimension, e.g. ("hour", "14") or ("tier", "high")."""

    dimension: str
    bucket: str
    wins: int
    losses: int
    count: int
    updated_at: datetime

    @property
    def win_rate(self) -> float | None:
        """Wins over decided signals (expired ones excluded); None before any decision."""
        decided = self.wins + self.losses
        return self.wins / decided if decided else None


@dataclass(frozen=True, slots=True)
class PatternDelta:
    """Counts to add to a bucket, so concurrent trackers never overwrite each other."""

    dimension: str
    bucket: str
    wins: int = 0
    losses: int = 0
    count: int = 0


@dataclass(frozen=True, slots=True)
class ModelVersionRecord:
    """A registered model artifact and where it stands in its lifecycle."""

    name: str
    version: str
    uri: str
    sha256: str
    stage: ModelStage
    created_at: datetime
    metrics: Mapping[str, Any] = field(default_factory=dict)
    promoted_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class CalibrationChangeRecord:
    """A calibrator refit: parameters before and after, and how many outcomes it used."""

    ts: datetime
    method: str
    n_samples: int
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    id: int | None = None


@dataclass(frozen=True, slots=True)
class BotFlagRecord:
    """Operator switches of one bot."""

    bot: str
    paused: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ScanCycleRecord:
    """Timing and counts of one scanner cycle."""

    bot: str
    started_at: datetime
    finished_at: datetime
    duration_s: float
    symbols_ok: int
    symbols_failed: int
    signals: int
    errors: tuple[str, ...] = ()
    id: int | None = None
