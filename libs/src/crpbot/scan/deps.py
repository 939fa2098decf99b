"""What a scan cycle talks to, gathered in one record the scanner and its storage share.

Fields are read at each use, not copied: a caller may swap one (a new risk client after a
restart, a pause flag) between cycles.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from crpbot.notify.base import Notifier
from crpbot.notify.outage_watch import OutageWatch
from crpbot.scan.ports import CandleFeed, EquitySource, RiskPort, ScoringModel
from crpbot.scan.spool import SignalSpool
from crpbot.services.pause import PauseControl
from crpbot.telemetry.metrics import Telemetry, get_telemetry


@dataclass
class ScannerDeps:
    """Everything a cycle talks to; see `crpbot.scan.ports` for the seams."""

    feed: CandleFeed
    model: ScoringModel
    risk: RiskPort
    sessions: sessionmaker[Session]
    notifier: Notifier
    spool: SignalSpool
    telemetry: Telemetry = field(default_factory=get_telemetry)
    equity: EquitySource | None = None
    pause: PauseControl | None = None
    outages: OutageWatch | None = None
    timer: Callable[[], float] = time.perf_counter
