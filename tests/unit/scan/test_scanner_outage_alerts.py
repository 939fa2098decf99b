"""One FailureAlert per outage of the risk guard or the database: when it starts and when it
ends, not every cycle; delivered to every allowed chat through the Bot API stand-in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.engine import make_engine, session_factory
from crpbot.notify.alerts import FailureAlert
from crpbot.risk import RiskLimits
from crpbot.services.risk_client import RiskClient
from tests.fixtures.ports import free_port
from tests.unit.scan.conftest import MakeScanner
from tests.unit.scan.support import BOT, HOUR, SYMBOLS, RecordingNotifier

TWO_MIN = HOUR / 30


def _nobody() -> RiskClient:
    return RiskClient(f"http://127.0.0.1:{free_port()}", "token", connect_timeout_s=0.5)


def _dead_database() -> sessionmaker[Session]:
    url = f"postgresql://crpbot:secret@127.0.0.1:{free_port()}/crpbot?connect_timeout=2"
    return session_factory(make_engine(url))


def _failures(notifier: RecordingNotifier) -> list[tuple[str, bool]]:
    return [(a.component, a.recovered) for a in notifier.alerts if isinstance(a, FailureAlert)]


def test_scanner_announces_a_guard_outage_once_and_its_end_once(
    make_scanner: MakeScanner, notifier: RecordingNotifier, now: datetime
) -> None:
    scanner = make_scanner(symbols=SYMBOLS[:1])
    guard = scanner.deps.risk
    scanner.deps.risk = _nobody()
    for cycle in range(3):
        scanner.run_cycle(now + cycle * TWO_MIN)
    assert _failures(notifier) == [("risk_guard", False)]

    scanner.deps.risk = guard
    scanner.run_cycle(now + 3 * TWO_MIN)
    scanner.run_cycle(now + 4 * TWO_MIN)

    assert _failures(notifier) == [("risk_guard", False), ("risk_guard", True)]
    down, up = (a for a in notifier.alerts if isinstance(a, FailureAlert))
    assert (down.bot, down.ts, up.ts) == (BOT, now, now + 3 * TWO_MIN)


def test_scanner_outage_alerts_off_sends_no_outage_alert(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    scanner = make_scanner(symbols=SYMBOLS[:1], outage_alerts=False)
    guard = scanner.deps.risk
    scanner.deps.risk = _nobody()
    scanner.run_cycle(now)
    scanner.deps.risk = guard
    scanner.deps.sessions = _dead_database()
    scanner.run_cycle(now + TWO_MIN)
    scanner.deps.sessions = sessions
    back = scanner.run_cycle(now + 2 * TWO_MIN)

    assert back.replayed == 1, "the database outage happened and was recovered from"
    assert _failures(notifier) == []


def test_scanner_announces_a_guard_refusal_as_an_outage_and_stores_no_approval(
    make_scanner: MakeScanner, notifier: RecordingNotifier, now: datetime
) -> None:
    """A 409 is an answer that approves nothing: an account locked by a wrong event time
    must reach a person, not pass as a reachable guard."""
    scanner = make_scanner(limits=RiskLimits())
    scanner.run_cycle(now)
    refused = scanner.run_cycle(now - HOUR)  # an older event time: the guard answers 409

    assert {r.outcome for r in refused.results} == {"risk_unavailable"}
    assert _failures(notifier) == [("risk_guard", False)]


def test_scanner_announces_a_database_outage_once_and_its_end_once(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    scanner = make_scanner(symbols=SYMBOLS[:1])
    scanner.deps.sessions = _dead_database()
    scanner.run_cycle(now)
    scanner.run_cycle(now + TWO_MIN)
    assert _failures(notifier) == [("database", False)]

    scanner.deps.sessions = sessions
    back = scanner.run_cycle(now + 2 * TWO_MIN)

    assert back.replayed == 2, "one spooled line per down cycle (the same key, stored once)"
    assert _failures(notifier) == [("database", False), ("database", True)]
