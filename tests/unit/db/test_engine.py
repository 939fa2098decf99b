from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from crpbot.db.engine import make_engine, normalize_url
from crpbot.db.types import UtcDateTime

_stamps = sa.Table("stamps", sa.MetaData(), sa.Column("at", UtcDateTime))


@pytest.mark.parametrize(
    "stamp",
    [
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
    ],
    ids=["utc", "plus2", "minus5-microseconds"],
)
def test_utc_datetime_round_trips_the_instant_as_aware_utc(tmp_path: Path, stamp: datetime) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    _stamps.create(engine)
    with engine.begin() as conn:
        conn.execute(_stamps.insert().values(at=stamp))
    with engine.connect() as conn:
        back = conn.execute(sa.select(_stamps.c.at)).scalar_one()
    assert back == stamp
    assert back.tzinfo == UTC


def test_utc_datetime_refuses_naive_values(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    _stamps.create(engine)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), engine.begin() as conn:
        conn.execute(_stamps.insert().values(at=datetime(2026, 1, 1)))


def test_make_engine_sqlite_pragmas_and_parent_directory(tmp_path: Path) -> None:
    path = tmp_path / "var" / "nested" / "crpbot.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        foreign_keys = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert path.exists()
    assert (journal, foreign_keys) == ("wal", 1)
    assert busy is not None and busy >= 5000


def test_make_engine_sqlite_transactions_take_the_write_lock_up_front(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first, second = make_engine(url), make_engine(url, sqlite_busy_timeout_ms=50)
    with first.begin() as conn:
        conn.exec_driver_sql("SELECT 1")
        with pytest.raises(sa.exc.OperationalError, match="locked"), second.begin() as other:
            other.exec_driver_sql("SELECT 1")
    with second.begin() as other:
        assert other.exec_driver_sql("SELECT 1").scalar() == 1


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u:p@h/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///var/crpbot.db", "sqlite"),
    ],
)
def test_normalize_url_sends_postgres_through_psycopg3(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver


def test_make_engine_pool_size_keeps_that_many_connections_and_opens_no_more(
    tmp_path: Path,
) -> None:
    """A caller beyond the pool waits (here: times out) instead of opening one more."""
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=2, pool_timeout=0.05)
    try:
        with engine.connect(), engine.connect(), pytest.raises(sa.exc.TimeoutError):
            engine.connect()
        assert engine.pool.checkedin() == 2
    finally:
        engine.dispose()
