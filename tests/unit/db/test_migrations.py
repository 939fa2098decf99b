import ast
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from crpbot.db.base import Base
from crpbot.db.engine import (
    MIGRATIONS_DIR,
    current_revision,
    head_revision,
    make_engine,
    shipped_head,
    upgrade,
)
from crpbot.db.types import UtcDateTime
from tests.fixtures.db import downgrade


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_migrations_produce_exactly_the_models_schema(db_url: str) -> None:
    upgrade(db_url)
    assert _diff(db_url) == []


def test_migrations_compare_detects_a_missing_schema(db_url: str) -> None:
    """The empty-diff check above would pass vacuously if comparison saw nothing."""
    tables = {diff[1].name for diff in _diff(db_url) if isinstance(diff, tuple)}
    assert {"signals", "risk_decisions", "model_versions"} <= tables


def test_upgrade_reports_head_and_is_idempotent(db_url: str) -> None:
    assert current_revision(db_url) is None
    assert upgrade(db_url) == head_revision() is not None
    assert upgrade(db_url) == head_revision()
    assert current_revision(db_url) == head_revision()


def test_downgrade_to_base_removes_every_table(db_url: str) -> None:
    upgrade(db_url)
    downgrade(db_url, "base")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert left == set()


def _signal_row(status: str) -> dict[str, object]:
    ts = datetime(2026, 12, 1, 10, tzinfo=UTC)
    return {
        "bot": "b",
        "symbol": "BTC-USD",
        "bar_ts": ts,
        "model_version": "v1",
        "side": "long",
        "entry": 100.0,
        "stop": 99.0,
        "target": 102.0,
        "expiry": ts,
        "p_up": 0.6,
        "strength": 0.5,
        "score": 0.55,
        "confidence": 0.6,
        "tier": "medium",
        "status": status,
        "reasons": [],
        "created_at": ts,
    }


def test_migration_0002_drops_decision_id_keeping_rows_and_constraints(db_url: str) -> None:
    upgrade(db_url, "0001")
    engine = make_engine(db_url)
    stamp = sa.DateTime(timezone=True)
    types: dict[str, sa.types.TypeEngine[Any]] = {
        "bar_ts": stamp,
        "expiry": stamp,
        "created_at": stamp,
        "reasons": sa.JSON(),
    }
    signals = sa.table("signals", *(sa.column(n, types.get(n)) for n in _signal_row("approved")))
    with engine.begin() as conn:
        conn.execute(sa.insert(signals).values(_signal_row("approved")))
    upgrade(db_url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            columns = {c["name"] for c in inspector.get_columns("signals")}
            checks = {c["name"] for c in inspector.get_check_constraints("signals")}
            stored = conn.execute(sa.select(sa.func.count()).select_from(signals)).scalar_one()
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.insert(signals).values(_signal_row("maybe")))
    finally:
        engine.dispose()
    assert "decision_id" not in columns
    assert {"ck_signals_side", "ck_signals_tier", "ck_signals_status"} <= checks
    assert stored == 1


_STAMPS = frozenset({"bar_ts", "expiry", "created_at"})


def test_upgrade_from_0001_keeps_every_outcome_on_sqlite(db_url: str) -> None:
    """Rebuilding `signals` (batch mode) must not cascade its drop into `outcomes`."""
    upgrade(db_url, "0001")
    engine = make_engine(db_url)
    stamp = UtcDateTime()
    names = ("id", *_signal_row("x"))
    signals = sa.table("signals", *(sa.column(n, stamp if n in _STAMPS else None) for n in names))
    outcomes = sa.table(
        "outcomes",
        sa.column("signal_id"),
        sa.column("result"),
        sa.column("resolved_ts", stamp),
        sa.column("exit_price"),
        sa.column("r_multiple"),
    )
    row = {**_signal_row("approved"), "reasons": "[]"}
    resolved = datetime(2026, 12, 1, 16, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            for number, symbol in enumerate(("BTC-USD", "ETH-USD", "SOL-USD"), start=1):
                conn.execute(sa.insert(signals).values({**row, "symbol": symbol, "id": number}))
                conn.execute(
                    sa.insert(outcomes).values(
                        signal_id=number,
                        result="won",
                        resolved_ts=resolved,
                        exit_price=102.0,
                        r_multiple=2.0,
                    )
                )
        upgrade(db_url)
        with engine.connect() as conn:
            kept = conn.execute(sa.select(sa.func.count()).select_from(outcomes)).scalar_one()
    finally:
        engine.dispose()
    assert kept == 3


def test_migration_files_are_named_after_their_revision_and_the_newest_is_head() -> None:
    """`shipped_head` reads the head off file names, without Alembic: every migration must be
    `<revision>_<what>.py`, revisions in name order, each one's parent the file before it."""
    versions = sorted((MIGRATIONS_DIR / "versions").glob("*_*.py"))
    modules = [ast.parse(path.read_text()) for path in versions]
    declared = [
        {
            node.target.id: ast.literal_eval(node.value)
            for node in module.body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value
        }
        for module in modules
    ]
    assert [d["revision"] for d in declared] == [p.name.split("_", 1)[0] for p in versions]
    assert [d["down_revision"] for d in declared] == [None, *(d["revision"] for d in declared)][
        : len(declared)
    ]
    assert shipped_head() == head_revision() == declared[-1]["revision"]


@pytest.mark.parametrize("stamped", [None, "0004"])
def test_upgrade_skips_alembic_only_at_the_shipped_head(db_url: str, stamped: str | None) -> None:
    """Below head (or never migrated) Alembic runs; at head the same answer, nothing run."""
    if stamped is not None:
        upgrade(db_url, stamped)
    assert upgrade(db_url) == shipped_head()
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE scored_bars")  # what a second Alembic run would see
    finally:
        engine.dispose()
    assert upgrade(db_url) == shipped_head()
    assert "scored_bars" not in _tables(db_url), "at head nothing was migrated again"


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()
