from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.records import OutcomeRecord
from crpbot.db.repos.outcomes import get_outcome, resolved_signals, save_outcome, unresolved_signals
from crpbot.db.repos.signals import save_signal
from tests.fixtures.db import T0, make_signal

Sessions = sessionmaker[Session]


def _outcome(signal_id: int, result: str = "won", hours: int = 3) -> OutcomeRecord:
    return OutcomeRecord(
        signal_id=signal_id,
        result=result,  # type: ignore[arg-type]
        resolved_ts=T0 + timedelta(hours=hours),
        exit_price=104.0,
        r_multiple=2.0,
    )


def test_save_outcome_resolves_a_signal_once(sessions: Sessions) -> None:
    with sessions.begin() as session:
        signal_id = save_signal(session, make_signal(status="approved")).id
        assert save_outcome(session, _outcome(signal_id))
        assert not save_outcome(session, _outcome(signal_id, result="lost"))
    with sessions() as session:
        assert get_outcome(session, signal_id) == _outcome(signal_id)


def test_save_outcome_for_unknown_signal_is_refused(sessions: Sessions) -> None:
    with pytest.raises(IntegrityError), sessions.begin() as session:
        save_outcome(session, _outcome(999))


def test_unresolved_signals_oldest_first_skipping_resolved_and_errors(sessions: Sessions) -> None:
    with sessions.begin() as session:
        ids = [
            save_signal(session, make_signal(bar_ts=T0 + timedelta(hours=h), status=status)).id
            for h, status in [(2, "approved"), (0, "rejected"), (1, "approved"), (3, "error")]
        ]
        save_outcome(session, _outcome(ids[2]))
    with sessions() as session:
        open_ = unresolved_signals(session)
        done = resolved_signals(session)
    assert [s.id for s in open_] == [ids[1], ids[0]]
    assert [(s.id, o.result) for s, o in done] == [(ids[2], "won")]


def test_resolved_signals_since_filters_on_resolution_time(sessions: Sessions) -> None:
    with sessions.begin() as session:
        for hour in range(3):
            sid = save_signal(session, make_signal(bar_ts=T0 + timedelta(hours=hour))).id
            save_outcome(session, _outcome(sid, hours=10 + hour))
    with sessions() as session:
        later = resolved_signals(session, since=T0 + timedelta(hours=11))
    assert [o.resolved_ts.hour for _, o in later] == [1, 2]
