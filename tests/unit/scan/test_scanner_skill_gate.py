"""Every approved signal's alert carries its tier's skill gate, read from the bot's own
resolved outcomes at the cycle's event time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.records import OutcomeRecord
from crpbot.db.repos.outcomes import save_outcome
from crpbot.db.repos.signals import save_signal
from crpbot.notify.alerts import SignalAlert
from crpbot.skill.gate import DEMONSTRATED, TOO_FEW, GateRules
from tests.fixtures.db import make_signal
from tests.unit.scan.conftest import MakeScanner
from tests.unit.scan.support import BOT, HOUR, SYMBOLS, RecordingNotifier


def _store_resolved(
    sessions: sessionmaker[Session], bot: str, before: datetime, wins: int, resolved_at: datetime
) -> None:
    """`wins` high-tier target hits of `bot` (entry 100, stop 98, target 104: +2 R each)."""
    with sessions.begin() as session:
        for i in range(wins):
            bar = before - (i + 10) * HOUR
            saved = save_signal(
                session, make_signal(bot=bot, bar_ts=bar, tier="high", status="approved")
            )
            save_outcome(session, OutcomeRecord(saved.id, "won", resolved_at, 104.0, 2.0))


def _alert(notifier: RecordingNotifier) -> SignalAlert:
    (alert,) = [a for a in notifier.alerts if isinstance(a, SignalAlert)]
    return alert


def test_scanner_alert_carries_a_closed_gate_without_evidence(
    make_scanner: MakeScanner, notifier: RecordingNotifier, now: datetime
) -> None:
    make_scanner(symbols=SYMBOLS[:1]).run_cycle(now)
    alert = _alert(notifier)
    assert alert.gate is not None and not alert.proven
    assert (alert.gate.tier, alert.gate.n, alert.gate.reason) == ("high", 0, TOO_FEW)


def test_scanner_alert_gate_counts_only_this_bots_outcomes_known_by_the_event_time(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    _store_resolved(sessions, BOT, now, 3, now - 2 * HOUR)
    _store_resolved(sessions, "other-bot", now, 5, now - 2 * HOUR)
    _store_resolved(sessions, BOT, now - 100 * HOUR, 1, now + 5 * HOUR)  # not known yet
    make_scanner(symbols=SYMBOLS[:1], skill=GateRules(3, 0.0)).run_cycle(now)
    alert = _alert(notifier)
    assert alert.gate is not None
    assert (alert.gate.n, alert.gate.reason, alert.proven) == (3, DEMONSTRATED, True)
    assert alert.gate.expectancy == 2.0


def test_scanner_reads_the_outcomes_once_per_cycle_for_every_alert(
    make_scanner: MakeScanner,
    engine: Engine,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    _store_resolved(sessions, BOT, now, 3, now - 2 * HOUR)
    reads: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "JOIN outcomes" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        make_scanner(skill=GateRules(3, 0.0)).run_cycle(now)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    alerts = [a for a in notifier.alerts if isinstance(a, SignalAlert)]
    assert [a.symbol for a in alerts] == list(SYMBOLS)
    assert all(a.gate is not None and (a.gate.n, a.proven) == (3, True) for a in alerts)
    assert len(reads) == 1
