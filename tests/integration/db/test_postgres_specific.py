"""What only a real Postgres can show: time zones of the session, the driver mapping, the
pool's pings."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from crpbot.db import engine as db_engine
from crpbot.db.engine import head_revision, make_engine, session_factory, upgrade
from crpbot.db.repos.signals import get_signal, save_signal
from tests.fixtures.db import T0, make_signal


def test_postgres_session_time_zone_does_not_leak_into_values(postgres_url: str) -> None:
    upgrade(postgres_url)
    engine = make_engine(postgres_url, connect_args={"options": "-c timezone=Asia/Tokyo"})
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW timezone").scalar() == "Asia/Tokyo"
        sessions = session_factory(engine)
        with sessions.begin() as session:
            signal_id = save_signal(session, make_signal()).id
        with sessions() as session:
            stored = get_signal(session, signal_id)
    finally:
        engine.dispose()
    assert stored is not None
    assert stored.bar_ts == T0 and stored.bar_ts.tzinfo == UTC


def test_upgrade_accepts_plain_postgresql_urls(postgres_url: str) -> None:
    plain = make_url(postgres_url).set(drivername="postgresql")
    assert upgrade(plain) == head_revision()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def test_engine_pings_only_connections_idle_for_a_while(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(postgres_url, pool_size=1)
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(conn) or ping(conn))
    try:
        first = _backend_pid(engine)
        assert _backend_pid(engine) == first
        assert pings == []
        monkeypatch.setattr(db_engine, "PING_AFTER_IDLE_S", 0.0)
        assert _backend_pid(engine) == first
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_engine_replaces_a_connection_that_died_while_idle(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(postgres_url, pool_size=1)
    other = make_engine(postgres_url, pool_size=1)
    try:
        dead = _backend_pid(engine)
        with other.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
        monkeypatch.setattr(db_engine, "PING_AFTER_IDLE_S", 0.0)
        assert _backend_pid(engine) != dead
    finally:
        engine.dispose()
        other.dispose()
