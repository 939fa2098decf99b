"""What only a real Postgres can show: time zones of the session, the driver mapping."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy.engine import make_url

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
