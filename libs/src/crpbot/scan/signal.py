"""From the newest scored bar to the records a cycle stores, asks about and announces.

Pure functions of plain data: the gate, stop, target and expiry are `signal_levels`, the
rule `signals_from_predictions` applies for the backtest, applied to the cycle's newest bars
in one batch, so what the scanner emits live is what the backtest evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from crpbot.confidence.tiers import TierThresholds
from crpbot.db.records import ScoredBarRecord, SignalRecord
from crpbot.notify.alerts import SignalAlert
from crpbot.risk import CheckRequest, Side, Tier
from crpbot.signals.from_models import SignalRules, horizon_expiry, signal_levels
from crpbot.skill.gate import GateDecision

_SCORES = ("close", "atr", "p_up", "strength", "score", "p_cal")


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
        return cls.many([pd.Timestamp(scores.index[-1])], scores.iloc[-1:])[0]

    @classmethod
    def many(cls, bar_ts: Sequence[pd.Timestamp], scores: pd.DataFrame) -> list[ScoredBar]:
        """The rows of `score_candles` or `score_windows` (SCORE_COLUMNS), row i for bar
        `bar_ts[i]`, read column by column (a Series per row costs more than the row)."""
        if len(bar_ts) != len(scores):
            raise ValueError(f"{len(scores)} score rows for {len(bar_ts)} bars")
        columns = {name: scores[name].to_numpy(dtype=np.float64).tolist() for name in _SCORES}
        return [
            cls(bar_ts=ts.to_pydatetime(), **{name: columns[name][row] for name in _SCORES})
            for row, ts in enumerate(bar_ts)
        ]


@dataclass(frozen=True)
class SignalIdentity:
    """Who emits a signal and with which models: part of its unique key."""

    bot: str
    symbol: str
    model_version: str


def nominal_expiries(bars: Sequence[ScoredBar], rules: SignalRules) -> list[datetime]:
    """The expiry a signal (or scored bar) of each bar carries: the nominal one, `expiry_bars`
    bar lengths later, since a live scanner knows no later bar."""
    stamps = pd.DatetimeIndex([pd.Timestamp(bar.bar_ts) for bar in bars])
    return list(horizon_expiry(stamps, rules, None).to_pydatetime())


def scored_bar_records(
    scored: Sequence[tuple[SignalIdentity, ScoredBar]],
    rules: SignalRules,
    created_at: datetime,
) -> list[ScoredBarRecord]:
    """What every scored bar leaves behind, gate passed or not: its direction outcome is
    what the calibrated probability is checked and refitted on (`crpbot.learning.direction`).
    The expiry is the nominal one a signal of the bar would carry."""
    expiries = nominal_expiries([bar for _, bar in scored], rules)
    return [
        ScoredBarRecord(
            bot=identity.bot,
            symbol=identity.symbol,
            bar_ts=bar.bar_ts,
            model_version=identity.model_version,
            close=bar.close,
            expiry=expiry,
            score=bar.score,
            p_up=bar.p_up,
            p_cal=bar.p_cal,
            created_at=created_at,
        )
        for (identity, bar), expiry in zip(scored, expiries, strict=True)
    ]


def candidate_signals(
    scored: Sequence[tuple[SignalIdentity, ScoredBar]],
    rules: SignalRules,
    thresholds: TierThresholds,
    created_at: datetime,
) -> list[SignalRecord | None]:
    """For each scored bar, the signal to store as `pending_risk`, or None when the bar does
    not pass the gate: `signal_levels` once over the whole batch."""
    bars = [bar for _, bar in scored]
    levels = signal_levels(
        np.array([bar.close for bar in bars], dtype=np.float64),
        np.array([bar.atr for bar in bars], dtype=np.float64),
        np.array([bar.p_cal for bar in bars], dtype=np.float64),
        rules,
        thresholds,
    )
    expiries = nominal_expiries(bars, rules)
    return [
        SignalRecord(
            bot=identity.bot,
            symbol=identity.symbol,
            bar_ts=bar.bar_ts,
            model_version=identity.model_version,
            side="long" if levels.side[i] == "long" else "short",
            entry=float(levels.entry[i]),
            stop=float(levels.stop[i]),
            target=float(levels.target[i]),
            expiry=expiries[i],
            p_up=bar.p_up,
            strength=bar.strength,
            score=bar.score,
            confidence=float(levels.confidence[i]),
            tier=levels.tier[i],
            status="pending_risk",
            created_at=created_at,
        )
        if levels.passed[i]
        else None
        for i, (identity, bar) in enumerate(scored)
    ]


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
