import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from crpbot.db.base import Base
from crpbot.db.engine import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)


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
    engine = make_engine(db_url)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    with engine.connect() as conn:
        left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert left == set()
