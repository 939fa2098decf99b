"""Scanner fixtures: a tiny real artifact, real bundled bars under two symbol names, a
migrated SQLite database with the in-process guard, and a Prometheus-backed Telemetry.

Every cycle runs the real pipeline (features, models, guard, repositories); the only stand-in
is the notifier, which records alerts instead of sending them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import torch
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crpbot.data.bundled import load_bundled
from crpbot.db.engine import session_factory
from crpbot.models.inference import InProcessBackend
from crpbot.risk import RiskLimits
from crpbot.scan.adapters import FramesFeed, InProcessRisk, StaticEquity
from crpbot.scan.ports import RiskPort
from crpbot.scan.scanner import Scanner, ScannerDeps
from crpbot.scan.spool import SignalSpool
from crpbot.services.risk_guard import RiskGuardService
from crpbot.telemetry.metrics import Telemetry
from tests.fixtures.artifacts import build_tiny_artifact
from tests.fixtures.db import migrated_engine
from tests.unit.scan.support import HOUR, SYMBOLS, RecordingNotifier, scan_config


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> InProcessBackend:
    """Seeded untrained networks on the real feature catalog: cheap, deterministic."""
    model_dir = tmp_path_factory.mktemp("scanner-models")
    build_tiny_artifact(model_dir, bars=600, window=8)
    return InProcessBackend(model_dir)


@pytest.fixture(scope="session")
def eurusd() -> pd.DataFrame:
    return load_bundled("EURUSD")


@pytest.fixture(scope="session")
def now(eurusd: pd.DataFrame) -> datetime:
    """The close of a weekday bar near the end of the data, with its predecessor present."""
    index = eurusd.index
    for position in range(len(index) - 200, 0, -1):
        bar = index[position]
        if bar.weekday() < 4 and 8 <= bar.hour <= 18 and index[position - 1] == bar - HOUR:
            return (bar + HOUR).to_pydatetime()
    raise AssertionError("no suitable bar")


@pytest.fixture
def frames(eurusd: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {symbol: eurusd for symbol in SYMBOLS}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with migrated_engine(f"sqlite:///{tmp_path / 'scanner.db'}") as engine:
        yield engine


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


MakeScanner = Callable[..., Scanner]


@pytest.fixture
def make_scanner(
    model: InProcessBackend,
    frames: dict[str, pd.DataFrame],
    engine: Engine,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    telemetry: Telemetry,
    tmp_path: Path,
) -> MakeScanner:
    """A scanner on the fixtures; `limits`, `risk` and ScanConfig fields can be changed."""

    def make(
        limits: RiskLimits | None = None, risk: RiskPort | None = None, **config: object
    ) -> Scanner:
        deps = ScannerDeps(
            feed=FramesFeed(frames, "ONE_HOUR"),
            model=model,
            risk=risk or InProcessRisk(RiskGuardService(engine, limits)),
            sessions=sessions,
            notifier=notifier,
            spool=SignalSpool(tmp_path / "spool" / "signals.jsonl"),
            telemetry=telemetry,
            equity=StaticEquity(100_000.0),
        )
        return Scanner(scan_config(**config), deps)

    return make
