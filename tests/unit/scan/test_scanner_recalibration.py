"""The calibrator refits on the direction of every scanned bar, signal or not.

A scanner whose gate lets nothing through still scores a bar each cycle; those bars' direction
outcomes (close 4 bars later above the close) are what the calibrated P(up) states, so a refit
after tracking must fit them (docs/evaluation.md, "What the probability means"). Only public
entry points are used: scanner cycles, tracking, refit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from crpbot.learning.recalibrate import RefitPolicy
from crpbot.models.inference import InProcessBackend
from crpbot.services.learning import CalibrationScope, LearningService
from crpbot.signals.from_models import SignalRules
from tests.unit.scan.conftest import MakeScanner
from tests.unit.scan.support import HOUR, SYMBOLS

NEVER = SignalRules(min_confidence=0.999)
CYCLES = 30


def _closes(eurusd: pd.DataFrame, now: datetime, n: int) -> list[datetime]:
    """`n` consecutive bar closes ending at `now` (bars of the data, so no weekend gap)."""
    index = eurusd.index
    last = int(index.searchsorted(pd.Timestamp(now) - HOUR))
    return [(index[i] + HOUR).to_pydatetime() for i in range(last - n + 1, last + 1)]


ScanThenLearn = Callable[..., tuple[list[datetime], datetime, LearningService]]


@pytest.fixture
def scan_then_learn(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    model: InProcessBackend,
    eurusd: pd.DataFrame,
    now: datetime,
) -> ScanThenLearn:
    """CYCLES cycles of a one-symbol scanner (built with the options given) up to `now`; then
    their bar closes, a time late enough for every outcome to be known, and the learning
    service of the scanned model."""

    def run(**scanner_options: object) -> tuple[list[datetime], datetime, LearningService]:
        scanner = make_scanner(symbols=SYMBOLS[:1], **scanner_options)
        closes = _closes(eurusd, now, CYCLES)
        for close in closes:
            scanner.run_cycle(close)
        meta = model.metadata
        learning = LearningService(
            sessions,
            scope=CalibrationScope(meta.model_version, meta.calibrator),
            policy=RefitPolicy(min_outcomes=10),
        )
        return closes, closes[-1] + 10 * HOUR, learning

    return run


def test_refit_after_scanning_fits_the_direction_of_bars_that_never_became_signals(
    scan_then_learn: ScanThenLearn, sessions: sessionmaker[Session], eurusd: pd.DataFrame
) -> None:
    closes, late, learning = scan_then_learn(rules=NEVER)
    tracked = learning.track({SYMBOLS[0]: eurusd}, late)
    assert tracked.checked == 0
    change = learning.refit(late, force=True, method="platt")
    assert change is not None and change.n_samples == CYCLES
    position = eurusd.index.get_indexer([c - HOUR for c in closes])
    close = eurusd["close"].to_numpy()
    went_up = close[position + NEVER.expiry_bars] > close[position]
    with sessions() as session:
        rows = session.execute(text("SELECT score FROM scored_bars ORDER BY bar_ts")).all()
    scores = np.array([row[0] for row in rows])
    fitted = float(np.mean(change.after.apply(scores)))
    assert fitted == pytest.approx(float(np.mean(went_up)), abs=0.01)


def test_refit_on_signals_fits_their_direction_not_their_trade_results(
    scan_then_learn: ScanThenLearn, sessions: sessionmaker[Session], eurusd: pd.DataFrame
) -> None:
    """Every bar becomes a signal (gate at 0.5); their trades win, lose or expire by other rules
    than the direction label, and the refit must follow the direction."""
    closes, late, learning = scan_then_learn()
    assert learning.track({SYMBOLS[0]: eurusd}, late).resolved == CYCLES
    with sessions() as session:
        trades = session.execute(
            text(
                "SELECT s.score, s.side, o.result FROM signals s JOIN outcomes o "
                "ON o.signal_id = s.id WHERE o.result != 'expired'"
            )
        ).all()
    trade_up = np.mean([(result == "won") == (side == "long") for _, side, result in trades])
    position = eurusd.index.get_indexer([c - HOUR for c in closes])
    close = eurusd["close"].to_numpy()
    direction_up = float(np.mean(close[position + NEVER.expiry_bars] > close[position]))
    assert abs(trade_up - direction_up) > 0.05
    change = learning.refit(late, force=True, method="platt")
    assert change is not None and change.n_samples == CYCLES
    with sessions() as session:
        rows = session.execute(text("SELECT score FROM signals ORDER BY bar_ts")).all()
    fitted = float(np.mean(change.after.apply(np.array([row[0] for row in rows]))))
    assert fitted == pytest.approx(direction_up, abs=0.01)
