"""A local JSONL spool for signals the database could not take, replayed when it is back.

When the database is down a computed signal must not be lost, yet it may not be approved or
announced either (nothing would record that it was). The scanner appends it here (fsynced, one
JSON line per record) and, at the start of the next cycle, replays the file into the
database. Nothing in the file is ever dropped:

- a line that cannot be read back (damaged disk, a write torn by a crash, a record from an
  incompatible version) goes to the quarantine file beside the spool (`<spool>.quarantine`,
  append-only, one JSON object per line with the time, reason and the raw line), is logged
  without its content and counted in `crpbot_spool_quarantined_total`; the drain never
  deletes the quarantine;
- the spool is removed only after its good lines are committed and its bad lines are
  quarantined, so a crash in between replays or quarantines the same lines again. Both are
  idempotent: `save_signal` is insert-or-ignore on the signal's key, and a line whose exact
  bytes are already in the quarantine is not written twice;
- appends and the drain hold an advisory lock (`<spool>.lock`, never deleted), so a line
  appended by another process while a drain runs cannot be removed unread.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session, sessionmaker

from crpbot.clock import utcnow
from crpbot.db.records import SignalRecord
from crpbot.db.repos.signals import get_signal, save_signal, set_signal_status
from crpbot.telemetry.metrics import Telemetry, get_telemetry

log = logging.getLogger(__name__)

_RECORD = TypeAdapter(SignalRecord)


@dataclass(frozen=True, slots=True)
class UnreadableLine:
    """A spool line that is not a valid record: where it was, why, and its exact bytes."""

    number: int
    kind: str
    field: str
    raw: bytes

    @property
    def reason(self) -> str:
        return f"{self.kind} at {self.field}" if self.field else self.kind

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def entry(self, spool: Path, now: datetime) -> dict[str, object]:
        """The quarantine entry: readable text when the bytes are UTF-8, base64 otherwise."""
        entry: dict[str, object] = {
            "quarantined_at": now.isoformat(),
            "spool": str(spool),
            "line": self.number,
            "reason": self.reason,
            "sha256": self.digest,
        }
        try:
            entry["raw"] = self.raw.decode("utf-8")
        except UnicodeDecodeError:
            entry["raw_base64"] = base64.b64encode(self.raw).decode("ascii")
        return entry


@dataclass(frozen=True, slots=True)
class SpoolContents:
    """The spool file split into records to store and lines to quarantine."""

    records: list[SignalRecord]
    unreadable: list[UnreadableLine]


def _problem(error: ValueError) -> tuple[str, str]:
    """The first problem's type and field, never the input (it may be anything)."""
    if not isinstance(error, ValidationError):
        return type(error).__name__, ""
    first = error.errors(include_input=False, include_url=False)[0]
    return first["type"], ".".join(str(part) for part in first["loc"])


def parse_spool(data: bytes) -> SpoolContents:
    """Split spool bytes into valid records and unreadable lines (blank lines are neither)."""
    records: list[SignalRecord] = []
    unreadable: list[UnreadableLine] = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(_RECORD.validate_json(line))
        except ValueError as exc:
            unreadable.append(UnreadableLine(number, *_problem(exc), line))
    return SpoolContents(records, unreadable)


def _fsync_append(path: Path, data: bytes) -> None:
    with path.open("ab") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


class SignalSpool:
    """Signals waiting for the database, in the order they were computed."""

    def __init__(
        self,
        path: Path,
        *,
        telemetry: Telemetry | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.path = Path(path)
        self.quarantine_path = self.path.with_name(f"{self.path.name}.quarantine")
        self._lock_path = self.path.with_name(f"{self.path.name}.lock")
        self._telemetry = telemetry
        self._clock = clock

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock_path.open("ab") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def append(self, record: SignalRecord) -> None:
        """Write one record durably (the process may die right after).

        A torn last line left by a crash mid-write is closed first, so this record starts a
        line of its own instead of being glued to the fragment.
        """
        line = _RECORD.dump_json(replace(record, id=None)) + b"\n"
        with self._locked():
            if self._ends_torn():
                line = b"\n" + line
            _fsync_append(self.path, line)
        log.warning(
            "signal spooled while the database is unavailable",
            extra={"symbol": record.symbol, "bar_ts": record.bar_ts.isoformat()},
        )

    def _ends_torn(self) -> bool:
        try:
            with self.path.open("rb") as handle:
                handle.seek(-1, os.SEEK_END)
                return handle.read(1) != b"\n"
        except OSError:  # missing or empty
            return False

    def _contents(self) -> SpoolContents:
        if not self.path.exists():
            return SpoolContents([], [])
        return parse_spool(self.path.read_bytes())

    def pending(self) -> list[SignalRecord]:
        """The spooled records that can be read; unreadable lines are left to `replay`."""
        return self._contents().records

    def replay(self, sessions: sessionmaker[Session]) -> int:
        """Move every spooled record into the database in one transaction; returns how many.

        A record whose key is stored as `pending_risk` updates that row's status (the first
        write reached the database, the verdict did not); a decided row is left as it was.
        Unreadable lines go to the quarantine file. Raises the database's error, keeping the
        file as it is, when the database is still down.
        """
        with self._locked():
            contents = self._contents()
            if contents.records:
                with sessions.begin() as session:
                    for record in contents.records:
                        _replay_one(session, record)
            if contents.unreadable:
                self._quarantine(contents.unreadable)
            self.path.unlink(missing_ok=True)
        if contents.records:
            log.info("spooled signals replayed", extra={"count": len(contents.records)})
        return len(contents.records)

    def _quarantined_digests(self) -> set[str]:
        if not self.quarantine_path.exists():
            return set()
        digests = set()
        for line in self.quarantine_path.read_bytes().splitlines():
            try:
                digests.add(str(json.loads(line)["sha256"]))
            except (ValueError, KeyError, TypeError):
                continue
        return digests

    def _quarantine(self, lines: list[UnreadableLine]) -> None:
        """Append `lines` to the quarantine (fsynced) unless an earlier drain already did."""
        known = self._quarantined_digests()
        fresh = [line for line in lines if line.digest not in known]
        if not fresh:
            return
        now = self._clock()
        text = "".join(json.dumps(line.entry(self.path, now)) + "\n" for line in fresh)
        _fsync_append(self.quarantine_path, text.encode("utf-8"))
        telemetry = self._telemetry or get_telemetry()
        for line in fresh:
            telemetry.count_spool_quarantined(line.kind)
            log.error(
                "unreadable spool line quarantined",
                extra={
                    "line": line.number,
                    "reason": line.reason,
                    "quarantine": str(self.quarantine_path),
                },
            )


def _replay_one(session: Session, record: SignalRecord) -> None:
    saved = save_signal(session, record)
    if saved.created or record.status == "pending_risk":
        return
    stored = get_signal(session, saved.id)
    if stored is not None and stored.status == "pending_risk":
        set_signal_status(session, saved.id, record.status, reasons=record.reasons)
