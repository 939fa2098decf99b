"""From the newest scored bar to the records a cycle stores, asks about and announces.

Pure functions of plain data: the gate, stop, target and expiry are `signals_from_predictions`
(the rule the backtest replays), applied to one bar, so what the scanner emits live is what
the backtest evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from crpbot.confidence.tiers import TierThresholds
from crpbot.db import vocabulary
from crpbot.db.records import ScoredBarRecord, SignalRecord
from crpbot.notify.alerts import SignalAlert
from crpbot.risk import CheckRequest, Side, Tier
from crpbot.signals.from_models import SignalRules, horizon_expiry, signals_from_predictions
from crpbot.skill.gate import GateDecision


@dataclass(frozen=True)
class ScoredBar:
    """The models' view of one closed bar (a row of `score_candles`)."""

    bar_ts: datetime
    close: float
    atr: float
    p_up: float
    strength: float
    score: float
    p_cal: float

    @property
    def confidence(self) -> float:
        """Probability that the favoured side is right."""
        return max(self.p_cal, 1.0 - self.p_cal)

    @classmethod
    def from_scores(cls, scores: pd.DataFrame) -> ScoredBar:
        """The newest row of a `score_candles` frame."""
        return cls.from_row(pd.Timestamp(scores.index[-1]), scores.iloc[-1])

    @classmethod
    def from_row(cls, bar_ts: pd.Timestamp, row: pd.Series) -> ScoredBar:
        """One row of `score_candles` or `score_windows` (SCORE_COLUMNS), for bar `bar_ts`."""
        return cls(
            bar_ts=bar_ts.to_pydatetime(),
            close=float(row["close"]),
            atr=float(row["atr"]),
            p_up=float(row["p_up"]),
            strength=float(row["strength"]),
            score=float(row["score"]),
            p_cal=float(row["p_cal"]),
        )


@dataclass(frozen=True)
class SignalIdentity:
    """Who emits a signal and with which models: part of its unique key."""

    bot: str
    symbol: str
    model_version: str


def scored_bar_record(
    bar: ScoredBar, identity: SignalIdentity, rules: SignalRules, created_at: datetime
) -> ScoredBarRecord:
    """What every scored bar leaves behind, gate passed or not: its direction outcome is
    what the calibrated probability is checked and refitted on (`crpbot.learning.direction`).
    The expiry is the nominal one a signal of this bar would carry."""
    stamps = pd.DatetimeIndex([pd.Timestamp(bar.bar_ts)])
    return ScoredBarRecord(
        bot=identity.bot,
        symbol=identity.symbol,
        bar_ts=bar.bar_ts,
        model_version=identity.model_version,
        close=bar.close,
        expiry=horizon_expiry(stamps, rules, None)[0].to_pydatetime(),
        score=bar.score,
        p_up=bar.p_up,
        p_cal=bar.p_cal,
        created_at=created_at,
    )


def candidate_signal(
    bar: ScoredBar,
    identity: SignalIdentity,
    rules: SignalRules,
    thresholds: TierThresholds,
    created_at: datetime,
) -> SignalRecord | None:
    """The signal to store as `pending_risk`, or None when the bar does not pass the gate."""
    table = signals_from_predictions(
        pd.DatetimeIndex([pd.Timestamp(bar.bar_ts)]),
        np.array([bar.close]),
        np.array([bar.atr]),
        np.array([bar.p_cal]),
        identity.symbol,
        rules,
        thresholds,
    )
    if table.empty:
        return None
    row = table.iloc[0]
    return SignalRecord(
        bot=identity.bot,
        symbol=identity.symbol,
        bar_ts=bar.bar_ts,
        model_version=identity.model_version,
        side="long" if row["side"] == "long" else "short",
        entry=float(row["entry"]),
        stop=float(row["stop"]),
        target=float(row["target"]),
        expiry=pd.Timestamp(row["expiry"]).to_pydatetime(),
        p_up=bar.p_up,
        strength=bar.strength,
        score=bar.score,
        confidence=float(row["confidence"]),
        tier=_tier(row["tier"]),
        status="pending_risk",
        created_at=created_at,
    )


def _tier(value: object) -> vocabulary.Tier:
    text = str(value)
    if text == "high":
        return "high"
    return "medium" if text == "medium" else "low"


def check_request(signal: SignalRecord, account: str, ts: datetime) -> CheckRequest:
    """What the guard is asked; `ts` is the cycle's event time (the newest bar close)."""
    return CheckRequest(
        account=account,
        symbol=signal.symbol,
        side=Side(signal.side),
        entry=signal.entry,
        stop=signal.stop,
        confidence=signal.confidence,
        tier=Tier(signal.tier),
        ts=ts,
    )


def signal_alert(
    signal: SignalRecord, size: float, gate: GateDecision | None = None
) -> SignalAlert:
    """The message people get for an approved signal, sized by the guard, with its tier's
    skill gate (None when it could not be read: the alert then says unproven)."""
    return SignalAlert(
        bot=signal.bot,
        symbol=signal.symbol,
        side=signal.side,
        entry=signal.entry,
        stop=signal.stop,
        target=signal.target,
        confidence=signal.confidence,
        tier=signal.tier,
        bar_ts=signal.bar_ts,
        expiry=signal.expiry,
        size=size,
        gate=gate,
    )
