"""Engines, sessions and migrations: the only place that knows backend differences.

SQLite is the embedded default. Its connections get WAL (readers never block the writer) with
`synchronous=NORMAL` (a commit is not fsynced: a crash of the process loses nothing, a power
cut may lose the last commits but never corrupts the file; FULL cost one fsync per commit,
~11 ms on the dev machine, which capped the guard at ~90 checks/s),
enforced foreign keys and a busy timeout; every transaction starts with `BEGIN IMMEDIATE`, so
a read-then-write sequence (the risk guard's check, insert-or-ignore) holds the write lock from
its first statement and two writers serialise instead of failing with "database is locked"
half-way. Postgres is reached through psycopg 3; `postgresql://` URLs are mapped to it.
A pooled Postgres connection is pinged before use only when it has been idle for
`PING_AFTER_IDLE_S`: SQLAlchemy's `pool_pre_ping` pings on every checkout, one of the six round
trips of a risk-guard check, while a connection in steady use was proven alive a moment ago.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from crpbot.clock import utcnow
from crpbot.db.backup import backup_sqlite

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_URL = "sqlite:///var/crpbot.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
PING_AFTER_IDLE_S = 1.0
"""A Postgres connection back in the pool for this long is pinged before its next use."""
_IDLE_SINCE = "crpbot_idle_since"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_log = logging.getLogger(__name__)


def normalize_url(url: str | URL) -> URL:
    """Parse `url`, sending every Postgres URL through psycopg 3 (the only driver shipped)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url.query)


def _sqlite_connect(dbapi_connection: Any, memory: bool, busy_timeout_ms: int) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(
    url: str | URL = DEFAULT_URL,
    *,
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    pool_size: int | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine for `url`; a SQLite file's parent directory is created when missing.

    `sqlite_busy_timeout_ms` is how long a SQLite transaction waits for another writer before
    failing. `pool_size` makes the pool keep that many connections and open no more (callers
    beyond them wait): SQLAlchemy's default keeps 5 and opens up to 10 more that it closes
    when they come back to a pool holding 5 idle ones, so a service whose load comes and goes
    keeps opening connections (a PostgreSQL backend start costs milliseconds of server CPU).
    Extra keyword arguments go to `sqlalchemy.create_engine`.
    """
    parsed = normalize_url(url)
    memory = parsed.get_backend_name() == "sqlite" and _is_memory(parsed)
    if pool_size is not None and not memory:
        kwargs = {"pool_size": pool_size, "max_overflow": 0, **kwargs}
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(parsed, **kwargs)
        _ping_when_idle(engine)
        return engine
    if not memory and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)
    event.listen(
        engine,
        "connect",
        lambda conn, _rec: _sqlite_connect(conn, memory, sqlite_busy_timeout_ms),
    )
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """A connection idle for `PING_AFTER_IDLE_S` or more is pinged at checkout; a failed ping
    discards it and the pool hands out a fresh one (what `pool_pre_ping` does, minus the
    round trip on connections in steady use)."""

    def returned(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checkout(dbapi: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the connection failed its ping after being idle") from exc

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", checkout)


def database_reachable(engine: Engine) -> bool:
    """Whether the database answers a trivial query now: what readiness checks report."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (records are built from them)."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside this package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@dataclass(frozen=True, slots=True)
class Migration:
    """What `migrate` did: revisions before and after, and the pre-migration copy if any."""

    before: str | None
    after: str | None
    backup: Path | None = None


def migrate(
    url: str | URL = DEFAULT_URL,
    revision: str = "head",
    *,
    clock: Callable[[], datetime] = utcnow,
) -> Migration:
    """Migrate the database at `url` to `revision`, copying a SQLite file first.

    The copy (`<file>.<old revision>.<UTC time>.bak`, see `crpbot.db.backup`) is taken only
    when the file is at a revision and the migration will move it: not for a new database,
    not when it is already at `revision`, never for in-memory SQLite or PostgreSQL.
    """
    engine = make_engine(url)
    try:
        if revision == "head" and _stored_revision(engine) == shipped_head():
            before = after = shipped_head()
            backup = None
        else:
            before = _current(engine)
            backup = _backup_if_moving(engine.url, before, revision, clock)
            after = _upgrade(engine, revision)
    finally:
        engine.dispose()
    _log.info(
        "database migrated",
        extra={
            "database": engine.url.render_as_string(hide_password=True),
            "from_revision": before,
            "revision": after,
        },
    )
    return Migration(before, after, backup)


def _upgrade(engine: Engine, revision: str) -> str | None:
    from alembic import command

    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return _current(engine)


def shipped_head() -> str | None:
    """The newest revision shipped, read off the migration files' names (`<revision>_<what>.py`,
    a convention tests/unit/db/test_migrations.py holds every migration to) without loading
    Alembic, whose import is a third of a scanner process's start; a database already there
    (every `scan --once` but the first after a release) needs nothing else from it."""
    versions = sorted(p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("*_*.py"))
    return versions[-1] if versions else None


def _stored_revision(engine: Engine) -> str | None:
    """The revision in Alembic's version table read with plain SQL; None when there is none
    or not exactly one (Alembic itself then decides)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    return str(rows[0][0]) if len(rows) == 1 else None


def upgrade(url: str | URL = DEFAULT_URL, revision: str = "head") -> str | None:
    """Migrate the database at `url` to `revision`; returns the revision it is now at."""
    return migrate(url, revision).after


def _target(revision: str) -> str | None:
    """The revision id `revision` names, or None when only Alembic itself can resolve it."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        script = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        return None
    return script.revision if script is not None else None


def _backup_if_moving(
    url: URL, before: str | None, revision: str, clock: Callable[[], datetime]
) -> Path | None:
    if url.get_backend_name() != "sqlite" or _is_memory(url) or not url.database:
        return None
    if before is None or before == _target(revision):
        return None
    backup = backup_sqlite(Path(url.database), before, clock())
    _log.info(
        "database backed up before migration",
        extra={"backup": str(backup), "revision": before, "target": revision},
    )
    return backup


def _current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def current_revision(url: str | URL = DEFAULT_URL) -> str | None:
    """The revision the database at `url` is at (None: never migrated)."""
    engine = make_engine(url)
    try:
        return _current(engine)
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
