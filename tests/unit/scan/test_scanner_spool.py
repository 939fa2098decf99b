"""The spool keeps signals the database refused and moves them in exactly once."""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.repos.signals import recent_signals, save_signal
from crpbot.scan.spool import SignalSpool
from crpbot.telemetry.metrics import Telemetry
from tests.fixtures.db import make_signal

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
SYMBOLS = ("BTC-USD", "ETH-USD", "SOL-USD")


def test_spool_round_trips_records(tmp_path: Path) -> None:
    spool = SignalSpool(tmp_path / "s" / "spool.jsonl")
    first, second = make_signal(), make_signal(symbol="ETH-USD", status="error")
    spool.append(first)
    spool.append(second)
    assert spool.pending() == [first, second]


def test_spool_skips_a_torn_last_line(tmp_path: Path) -> None:
    spool = SignalSpool(tmp_path / "spool.jsonl")
    spool.append(make_signal())
    with spool.path.open("ab") as handle:
        handle.write(b'{"bot": "demo", "sym')
    assert spool.pending() == [make_signal()]


def test_spool_replay_is_idempotent_and_empties_the_file(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    spool = SignalSpool(tmp_path / "spool.jsonl")
    record = make_signal(status="error", reasons=("db_unavailable",))
    spool.append(record)
    spool.append(record)
    assert spool.replay(sessions) == 2
    assert not spool.path.exists()
    assert spool.replay(sessions) == 0
    with sessions() as session:
        (stored,) = recent_signals(session)
    assert (stored.status, stored.reasons) == ("error", ("db_unavailable",))


def test_spool_replay_settles_a_pending_row_but_never_a_decided_one(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    pending = make_signal(symbol="BTC-USD", status="pending_risk")
    decided = make_signal(symbol="ETH-USD", status="approved", reasons=())
    with sessions.begin() as session:
        save_signal(session, pending)
        save_signal(session, decided)
    spool = SignalSpool(tmp_path / "spool.jsonl")
    for record in (pending, decided):
        spool.append(replace(record, status="error", reasons=("db_unavailable",)))
    spool.replay(sessions)
    with sessions() as session:
        stored = {s.symbol: s.status for s in recent_signals(session)}
    assert stored == {"BTC-USD": "error", "ETH-USD": "approved"}


def _spool_three_damaging_the_second(spool: SignalSpool) -> None:
    for symbol in SYMBOLS:
        spool.append(make_signal(symbol=symbol, status="error", reasons=("db_unavailable",)))
    lines = spool.path.read_bytes().splitlines(keepends=True)
    damaged = lines[1].replace(b'"symbol"', b'"sym\xffbol', 1)
    spool.path.write_bytes(lines[0] + damaged + lines[2])


def _stored_symbols(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return sorted(s.symbol for s in recent_signals(session))


def _quarantined(spool: SignalSpool) -> list[dict[str, object]]:
    return [json.loads(line) for line in spool.quarantine_path.read_text().splitlines()]


def test_spool_replay_quarantines_a_corrupt_line_and_stores_the_rest(
    tmp_path: Path,
    sessions: sessionmaker[Session],
    telemetry: Telemetry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    spool = SignalSpool(tmp_path / "spool.jsonl", telemetry=telemetry, clock=lambda: NOW)
    _spool_three_damaging_the_second(spool)
    damaged = spool.path.read_bytes().splitlines()[1]
    with caplog.at_level(logging.ERROR, logger="crpbot.scan.spool"):
        assert spool.replay(sessions) == 2
    assert _stored_symbols(sessions) == ["BTC-USD", "SOL-USD"]
    assert not spool.path.exists()
    (entry,) = _quarantined(spool)
    assert base64.b64decode(str(entry["raw_base64"])) == damaged, "kept byte for byte"
    assert (entry["line"], entry["quarantined_at"]) == (2, NOW.isoformat())
    assert entry["reason"] == "json_invalid"
    (record,) = [r for r in caplog.records if r.getMessage() == "unreadable spool line quarantined"]
    assert (getattr(record, "line", None), getattr(record, "reason", None)) == (2, "json_invalid")
    assert "ETH-USD" not in caplog.text, "the line's content stays out of the log"
    assert telemetry.registry is not None
    assert (
        telemetry.registry.get_sample_value(
            "crpbot_spool_quarantined_total", {"reason": "json_invalid"}
        )
        == 1.0
    )


def test_spool_replay_quarantines_a_record_of_the_wrong_shape_as_text(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    spool = SignalSpool(tmp_path / "spool.jsonl")
    spool.path.write_text('{"bot": "demo", "symbol": "BTC-USD", "side": "sideways"}\n')
    assert spool.replay(sessions) == 0
    assert not spool.path.exists()
    (entry,) = _quarantined(spool)
    assert entry["raw"] == '{"bot": "demo", "symbol": "BTC-USD", "side": "sideways"}'
    assert str(entry["reason"]).startswith("missing at ")


class _Crash(BaseException):
    """The process dying at this point (not an error anything would catch)."""


def test_spool_drain_killed_before_the_file_is_removed_repeats_without_duplicates(
    tmp_path: Path, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    spool = SignalSpool(tmp_path / "spool.jsonl")
    _spool_three_damaging_the_second(spool)

    def die(self: Path, missing_ok: bool = False) -> None:
        raise _Crash

    with monkeypatch.context() as patched:
        patched.setattr(Path, "unlink", die)
        with pytest.raises(_Crash):
            spool.replay(sessions)
    assert spool.path.exists(), "the crash left the spool in place"

    assert SignalSpool(spool.path).replay(sessions) == 2
    assert _stored_symbols(sessions) == ["BTC-USD", "SOL-USD"], "stored once"
    assert len(_quarantined(spool)) == 1, "quarantined once"
    assert not spool.path.exists()


def test_spool_keeps_the_quarantine_when_draining_again(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    spool = SignalSpool(tmp_path / "spool.jsonl")
    _spool_three_damaging_the_second(spool)
    spool.replay(sessions)
    spool.path.write_bytes(b"not json either\n")
    spool.replay(sessions)
    spool.replay(sessions)
    first, second = _quarantined(spool)
    assert ("raw_base64" in first, second["raw"]) == (True, "not json either")


def test_spool_append_after_a_torn_line_starts_a_line_of_its_own(tmp_path: Path) -> None:
    spool = SignalSpool(tmp_path / "spool.jsonl")
    spool.path.write_bytes(b'{"bot": "demo", "sym')
    spool.append(make_signal())
    assert spool.pending() == [make_signal()]


def test_spool_line_appended_during_a_drain_is_not_removed_unread(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    spool = SignalSpool(tmp_path / "spool.jsonl")
    spool.append(make_signal(symbol="BTC-USD", status="error"))
    draining, release = threading.Event(), threading.Event()

    class SlowSessions:
        """The database is slow to commit: the drain holds the spool meanwhile."""

        @contextmanager
        def begin(self) -> Iterator[Session]:
            draining.set()
            release.wait(10)
            with sessions.begin() as session:
                yield session

    drain = threading.Thread(target=spool.replay, args=(SlowSessions(),))
    drain.start()
    assert draining.wait(10)
    late = threading.Thread(target=spool.append, args=(make_signal(symbol="ETH-USD"),))
    late.start()
    late.join(0.3)
    assert late.is_alive(), "the append waits for the drain"
    release.set()
    drain.join(10)
    late.join(10)
    assert [r.symbol for r in spool.pending()] == ["ETH-USD"]
    assert _stored_symbols(sessions) == ["BTC-USD"]
