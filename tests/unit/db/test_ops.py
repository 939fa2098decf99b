from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.engine import make_engine, session_factory
from crpbot.db.records import CalibrationChangeRecord, ScanCycleRecord
from crpbot.db.repos.bot_flags import bot_flag, is_paused, set_paused
from crpbot.db.repos.calibration import calibration_changes, log_calibration_change
from crpbot.db.repos.scan_cycles import record_scan_cycle, scan_cycles
from tests.fixtures.db import T0

Sessions = sessionmaker[Session]


def test_calibration_changes_are_logged_newest_first(sessions: Sessions) -> None:
    with sessions.begin() as session:
        for day in range(3):
            log_calibration_change(
                session,
                CalibrationChangeRecord(
                    ts=T0 + timedelta(days=day),
                    method="platt",
                    n_samples=100 * (day + 1),
                    before={"a": 1.0, "b": float(day)},
                    after={"a": 1.1, "b": float(day) + 0.5},
                ),
            )
    with sessions() as session:
        log = calibration_changes(session, limit=2)
    assert [(c.n_samples, dict(c.after)) for c in log] == [
        (300, {"a": 1.1, "b": 2.5}),
        (200, {"a": 1.1, "b": 1.5}),
    ]


def test_bot_pause_flag_survives_a_restart(sessions: Sessions, db_url: str) -> None:
    with sessions.begin() as session:
        assert not is_paused(session, "demo")
        set_paused(session, "demo", True, T0)
    restarted = make_engine(db_url)
    with session_factory(restarted).begin() as session:
        assert is_paused(session, "demo")
        set_paused(session, "demo", False, T0 + timedelta(minutes=5))
    with session_factory(restarted)() as session:
        flag = bot_flag(session, "demo")
    restarted.dispose()
    assert flag is not None and not flag.paused
    assert flag.updated_at == T0 + timedelta(minutes=5)


def test_scan_cycles_record_and_list_by_bot(sessions: Sessions) -> None:
    with sessions.begin() as session:
        for minute, bot in [(0, "demo"), (2, "demo"), (4, "other")]:
            record_scan_cycle(
                session,
                ScanCycleRecord(
                    bot=bot,
                    started_at=T0 + timedelta(minutes=minute),
                    finished_at=T0 + timedelta(minutes=minute, seconds=3),
                    duration_s=3.0,
                    symbols_ok=2,
                    symbols_failed=minute // 2,
                    signals=1,
                    errors=("ETH-USD: timeout",) if minute else (),
                ),
            )
    with sessions() as session:
        cycles = scan_cycles(session, bot="demo")
    assert [(c.started_at.minute, c.symbols_failed, c.errors) for c in cycles] == [
        (2, 1, ("ETH-USD: timeout",)),
        (0, 0, ()),
    ]
