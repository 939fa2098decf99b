"""Batching changes no answer: the batched cycle stores the same signals and gets the same
guard decisions as the per-symbol path it replaced (kept here as the reference: every symbol
scored on its own with `score_candles`, its signal checked on its own with `/v1/check`'s
service call, in the configured symbol order).

Everything is compared exactly except the confidence: torch's float32 kernels may round a
window's output differently when it is scored beside other windows (the matrix products are
blocked by batch size), which moves a confidence by ~1e-9; outcomes, sides, tiers, prices,
sizes and reasons must be identical."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot.candles.granularity import closed_bars_end
from crpbot.confidence.tiers import TierThresholds
from crpbot.db.engine import make_engine, upgrade
from crpbot.db.records import SignalRecord
from crpbot.db.repos.signals import get_signal
from crpbot.models.inference import InProcessBackend
from crpbot.models.scoring import score_candles
from crpbot.risk import RiskLimits
from crpbot.scan.adapters import FramesFeed
from crpbot.scan.config import ScanConfig
from crpbot.scan.report import CycleReport
from crpbot.scan.signal import ScoredBar, SignalIdentity, check_request
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService
from crpbot.signals.from_models import SignalRules, signals_from_predictions
from tests.unit.scan.conftest import MakeScanner
from tests.unit.scan.support import HOUR

SYMBOLS = tuple(f"S{i:02d}-USD" for i in range(14))


@dataclass(frozen=True)
class Verdict:
    """What a cycle decided for one symbol, in comparable form."""

    symbol: str
    outcome: str
    side: str | None
    tier: str | None
    confidence: float | None
    entry: float | None
    stop: float | None
    target: float | None
    size: float
    reasons: tuple[str, ...]


@pytest.fixture
def frames(eurusd: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Fourteen different markets on one clock: EUR/USD's values shifted by a few bars each,
    some at other price levels, so every symbol gets its own confidence."""
    out = {}
    for i, symbol in enumerate(SYMBOLS):
        shifted = eurusd.shift(7 * i).iloc[7 * i :]
        scale = 10.0 ** (i % 4)
        prices = ["open", "high", "low", "close"]
        out[symbol] = shifted.assign(**{c: shifted[c] * scale for c in prices})
    return out


def _reference_signal(
    bar: ScoredBar,
    identity: SignalIdentity,
    rules: SignalRules,
    thresholds: TierThresholds,
    created_at: datetime,
) -> SignalRecord | None:
    """The per-symbol signal: the backtest's signal table of this one bar, as a record."""
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
        tier=row["tier"],
        status="pending_risk",
        created_at=created_at,
    )


def _reference_cycle(
    frames: dict[str, pd.DataFrame],
    model: InProcessBackend,
    config: ScanConfig,
    service: RiskGuardService,
    now: datetime,
) -> list[Verdict]:
    """The per-symbol path: score each symbol alone, check each signal alone, in order."""
    event_ts = closed_bars_end(now, config.granularity)
    service.record_equity(EquityUpdate(config.account, 100_000.0, 100_000.0, event_ts))
    feed = FramesFeed(frames, config.granularity)
    verdicts = []
    for symbol in config.symbols:
        bars = feed.recent_bars(symbol, now, config.history_bars)
        bar = ScoredBar.from_scores(score_candles(bars, model, model.metadata))
        identity = SignalIdentity(config.bot, symbol, model.metadata.model_version)
        record = _reference_signal(bar, identity, config.rules, config.thresholds, now)
        if record is None:
            below = (None, None, bar.confidence, None, None, None)
            verdicts.append(Verdict(symbol, "below_gate", *below, 0.0, ()))
            continue
        decision = service.check(check_request(record, config.account, event_ts))
        verdicts.append(
            Verdict(
                symbol,
                "approved" if decision.approved else "rejected",
                record.side,
                record.tier,
                record.confidence,
                record.entry,
                record.stop,
                record.target,
                decision.size,
                tuple(str(r) for r in decision.reasons),
            )
        )
    return verdicts


def _batched_verdicts(sessions: sessionmaker[Session], report: CycleReport) -> list[Verdict]:
    """The cycle's report, with each signal's prices as stored."""
    verdicts = []
    with sessions() as session:
        for r in report.results:
            stored = None if r.signal_id is None else get_signal(session, r.signal_id)
            prices = (None,) * 3 if stored is None else (stored.entry, stored.stop, stored.target)
            verdicts.append(
                Verdict(
                    r.symbol, r.outcome, r.side, r.tier, r.confidence, *prices, r.size, r.reasons
                )
            )
    return verdicts


def _gate_and_tiers(
    frames: dict[str, pd.DataFrame], model: InProcessBackend, now: datetime
) -> tuple[SignalRules, TierThresholds]:
    """Gate and tiers cut at the reference confidences' quantiles, so every outcome occurs."""
    feed = FramesFeed(frames, "ONE_HOUR")
    confidences = [
        ScoredBar.from_scores(
            score_candles(feed.recent_bars(s, now, 400), model, model.metadata)
        ).confidence
        for s in SYMBOLS
    ]
    gate, low, high = (float(q) for q in np.quantile(confidences, [0.15, 0.35, 0.65]))
    return SignalRules(min_confidence=gate), TierThresholds(high=high, medium=low)


def test_batched_cycles_match_the_per_symbol_path(
    make_scanner: MakeScanner,
    model: InProcessBackend,
    frames: dict[str, pd.DataFrame],
    sessions: sessionmaker[Session],
    now: datetime,
    tmp_path: Path,
) -> None:
    """Three hourly cycles, so approvals of one cycle bind the rate limits of the next."""
    limits = RiskLimits(signals_per_hour=6, high_tier_per_hour=2)
    rules, tiers = _gate_and_tiers(frames, model, now)
    scanner = make_scanner(limits=limits, symbols=SYMBOLS, rules=rules, thresholds=tiers)
    url = f"sqlite:///{tmp_path / 'reference.db'}"
    upgrade(url)
    engine = make_engine(url)
    seen: list[Verdict] = []
    try:
        reference = RiskGuardService(engine, limits)
        for cycle in range(3):
            at = now + cycle * HOUR
            expected = _reference_cycle(frames, model, scanner.config, reference, at)
            got = _batched_verdicts(sessions, scanner.run_cycle(at))
            assert [replace(v, confidence=None) for v in got] == [
                replace(v, confidence=None) for v in expected
            ]
            assert [v.confidence for v in got] == pytest.approx(
                [v.confidence for v in expected], rel=1e-6, abs=0
            )
            seen += expected
    finally:
        engine.dispose()
    assert {"approved", "rejected", "below_gate"} <= {v.outcome for v in seen}
    assert {v.tier for v in seen if v.tier} == {"high", "medium", "low"}
