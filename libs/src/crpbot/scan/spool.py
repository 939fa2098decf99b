"""A local JSONL spool for signals the database could not take, replayed when it is back.

When the database is down a computed signal must not be lost, yet it may not be approved or
announced either (nothing would record that it was). The scanner appends it here (fsynced, one
JSON line per record) and, at the start of the next cycle, replays the file into the
database. Replay is idempotent because `save_signal` is insert-or-ignore on the signal's key:
a crash between the commit and the file's removal only replays the same rows again.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

from pydantic import TypeAdapter
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.records import SignalRecord
from crpbot.db.repos.signals import get_signal, save_signal, set_signal_status

log = logging.getLogger(__name__)

_RECORD = TypeAdapter(SignalRecord)


class SignalSpool:
    """Signals waiting for the database, in the order they were computed."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, record: SignalRecord) -> None:
        """Write one record durably (the process may die right after)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = _RECORD.dump_json(replace(record, id=None)) + b"\n"
        with self.path.open("ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        log.warning(
            "signal spooled while the database is unavailable",
            extra={"symbol": record.symbol, "bar_ts": record.bar_ts.isoformat()},
        )

    def pending(self) -> list[SignalRecord]:
        """The spooled records; a torn last line (crash mid-write) is skipped and logged."""
        if not self.path.exists():
            return []
        records = []
        for number, line in enumerate(self.path.read_bytes().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(_RECORD.validate_json(line))
            except ValueError:
                log.error("unreadable spool line skipped", extra={"line": number})
        return records

    def replay(self, sessions: sessionmaker[Session]) -> int:
        """Move every spooled record into the database in one transaction; returns how many.

        A record whose key is stored as `pending_risk` updates that row's status (the first
        write reached the database, the verdict did not); a decided row is left as it was.
        Raises the database's error, keeping the file, when the database is still down.
        """
        records = self.pending()
        if not records:
            return 0
        with sessions.begin() as session:
            for record in records:
                _replay_one(session, record)
        self.path.unlink(missing_ok=True)
        log.info("spooled signals replayed", extra={"count": len(records)})
        return len(records)


def _replay_one(session: Session, record: SignalRecord) -> None:
    saved = save_signal(session, record)
    if saved.created or record.status == "pending_risk":
        return
    stored = get_signal(session, saved.id)
    if stored is not None and stored.status == "pending_risk":
        set_signal_status(session, saved.id, record.status, reasons=record.reasons)
