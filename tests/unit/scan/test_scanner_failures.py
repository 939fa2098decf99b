"""Failing closed: a guard that does not answer, a database that is down, then back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.engine import make_engine, session_factory
from crpbot.db.repos.signals import recent_signals
from crpbot.notify.alerts import SignalAlert
from crpbot.services.risk_client import RiskClient
from tests.fixtures.ports import free_port
from tests.unit.scan.conftest import MakeScanner
from tests.unit.scan.support import BOT, HOUR, SYMBOLS, RecordingNotifier


def _dead_database() -> sessionmaker[Session]:
    """Sessions on a Postgres server that is not there: every connection is refused."""
    url = f"postgresql://crpbot:secret@127.0.0.1:{free_port()}/crpbot?connect_timeout=2"
    return session_factory(make_engine(url))


def test_scanner_fails_closed_when_the_guard_is_unreachable(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    nobody = RiskClient(f"http://127.0.0.1:{free_port()}", "token", connect_timeout_s=0.5)
    report = make_scanner(risk=nobody).run_cycle(now)

    assert [r.outcome for r in report.results] == ["risk_unavailable", "risk_unavailable"]
    with sessions() as session:
        stored = recent_signals(session, bot=BOT)
    assert {(s.status, s.reasons) for s in stored} == {("error", ("risk_unavailable",))}
    assert len(stored) == 2, "every computed signal is kept"
    assert not any(isinstance(a, SignalAlert) for a in notifier.alerts)


def test_scanner_retries_the_guard_for_an_undecided_bar(
    make_scanner: MakeScanner, sessions: sessionmaker[Session], now: datetime
) -> None:
    nobody = RiskClient(f"http://127.0.0.1:{free_port()}", "token", connect_timeout_s=0.5)
    make_scanner(risk=nobody).run_cycle(now)
    report = make_scanner().run_cycle(now)

    assert [r.outcome for r in report.results] == ["approved", "approved"]
    with sessions() as session:
        assert {s.status for s in recent_signals(session, bot=BOT)} == {"approved"}


def test_scanner_spools_while_the_database_is_down_and_replays_after(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    scanner = make_scanner()
    scanner.deps.sessions = _dead_database()
    down = scanner.run_cycle(now)

    assert [r.outcome for r in down.results] == ["spooled", "spooled"]
    announced = [a for a in notifier.alerts if isinstance(a, SignalAlert)]
    assert announced == [], "nothing is announced without a stored verdict"
    assert len(scanner.deps.spool.pending()) == 2
    state = scanner.deps.risk.equity("acct", 100_000.0, 100_000.0, now)
    assert state.signals_last_hour == 0, "the guard was never asked"

    scanner.deps.sessions = sessions
    back = scanner.run_cycle(now + HOUR)

    assert back.replayed == 2
    assert scanner.deps.spool.pending() == []
    assert [r.outcome for r in back.results] == ["approved", "approved"]
    with sessions() as session:
        stored = {(s.symbol, s.bar_ts, s.status, s.reasons) for s in recent_signals(session)}
    assert stored == {
        *((sym, now - HOUR, "error", ("db_unavailable",)) for sym in SYMBOLS),
        *((sym, now, "approved", ()) for sym in SYMBOLS),
    }


def test_scanner_spooled_signal_of_the_current_bar_is_decided_once_the_database_is_back(
    make_scanner: MakeScanner, sessions: sessionmaker[Session], now: datetime
) -> None:
    scanner = make_scanner(symbols=SYMBOLS[:1])
    scanner.deps.sessions = _dead_database()
    scanner.run_cycle(now)
    scanner.deps.sessions = sessions
    report = scanner.run_cycle(now)

    assert report.replayed == 1
    assert report.results[0].outcome == "approved"
    with sessions() as session:
        (stored,) = recent_signals(session, bot=BOT)
    assert stored.status == "approved"


def test_scanner_notifier_failure_keeps_the_approval(
    make_scanner: MakeScanner, sessions: sessionmaker[Session], now: datetime
) -> None:
    class Broken:
        def notify(self, alert: object) -> None:
            raise RuntimeError("channel down")

    scanner = make_scanner(symbols=SYMBOLS[:1])
    scanner.deps.notifier = Broken()
    report = scanner.run_cycle(now)
    assert report.results[0].outcome == "approved"
    with sessions() as session:
        assert recent_signals(session, bot=BOT)[0].status == "approved"
