"""Every scored bar is kept, gate passed or not: the calibrated probability is P(close 4 bars
later > close now) for every bar the models score (docs/evaluation.md, "What the probability
means"), so checking or refitting it needs all of them."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.models import ScoredBar, Signal
from crpbot.signals.from_models import SignalRules
from tests.unit.scan.conftest import MakeScanner
from tests.unit.scan.support import HOUR, SYMBOLS

NEVER = SignalRules(min_confidence=0.999)


def test_scanner_stores_every_scored_bar_below_the_gate_too(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    eurusd: pd.DataFrame,
    now: datetime,
) -> None:
    report = make_scanner(rules=NEVER).run_cycle(now)
    assert {r.outcome for r in report.results} == {"below_gate"}
    with sessions() as session:
        bars = session.scalars(select(ScoredBar).order_by(ScoredBar.symbol)).all()
        assert session.scalars(select(Signal)).all() == []
    bar_ts = now - HOUR
    assert [(b.symbol, b.bar_ts) for b in bars] == [(s, bar_ts) for s in SYMBOLS]
    for bar in bars:
        assert bar.close == eurusd.loc[pd.Timestamp(bar_ts), "close"]
        assert bar.expiry == bar_ts + NEVER.expiry_bars * HOUR
        assert 0.0 < bar.p_cal < 1.0 and bar.went_up is None
