"""Migration 0005 copies every stored signal into `scored_bars`: each was a scored bar, and
its calibrated P(up) is its confidence read back through its side."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crpbot.db.engine import make_engine, upgrade
from tests.fixtures.schema_rows import ROWS


@pytest.fixture
def upgraded_with_signals(db_url: str) -> sa.Engine:
    upgrade(db_url, "0004")
    engine = make_engine(db_url)
    signals = sa.Table("signals", sa.MetaData(), autoload_with=engine)
    rows = [{k: v for k, v in row.items() if k in signals.c} for row in ROWS["signals"]]
    rows[1] |= {"side": "short", "stop": 102.0, "target": 96.0, "confidence": 0.7}
    with engine.begin() as connection:
        connection.execute(sa.insert(signals), rows)
    upgrade(db_url)
    return engine


def test_upgrade_copies_each_signal_as_an_unresolved_scored_bar(
    upgraded_with_signals: sa.Engine,
) -> None:
    with upgraded_with_signals.connect() as connection:
        bars = connection.execute(sa.text("SELECT * FROM scored_bars ORDER BY id")).mappings().all()
        signals = connection.execute(sa.text("SELECT * FROM signals ORDER BY id")).mappings().all()
    upgraded_with_signals.dispose()
    assert len(bars) == len(signals) == len(ROWS["signals"])
    for bar, signal in zip(bars, signals, strict=True):
        assert (bar["bot"], bar["symbol"], bar["model_version"]) == (
            signal["bot"],
            signal["symbol"],
            signal["model_version"],
        )
        assert (bar["close"], bar["score"], bar["p_up"]) == (
            signal["entry"],
            signal["score"],
            signal["p_up"],
        )
        expected = signal["confidence"] if signal["side"] == "long" else 1 - signal["confidence"]
        assert bar["p_cal"] == pytest.approx(expected)
        assert bar["went_up"] is None and bar["resolved_ts"] is None
    assert bars[1]["p_cal"] == pytest.approx(0.3)
