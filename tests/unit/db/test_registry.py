from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.models import ModelVersion
from crpbot.db.repos.models import (
    RegistryError,
    model_versions,
    production_model,
    promote_model,
    register_model,
    rollback_model,
)
from tests.fixtures.db import T0

Sessions = sessionmaker[Session]


def _register(session: Session, version: str, sha: str | None = None) -> None:
    register_model(
        session,
        name="lstm",
        version=version,
        uri=f"file:///models/lstm-{version}.pt",
        sha256=sha or version * 64,
        metrics={"auc": 0.6},
        now=T0,
    )


def _stages(session: Session) -> dict[str, str]:
    return {m.version: m.stage for m in model_versions(session, "lstm")}


def test_register_model_is_idempotent_for_the_same_artifact(sessions: Sessions) -> None:
    with sessions.begin() as session:
        _register(session, "1")
        _register(session, "1")
        assert [(m.version, m.stage, dict(m.metrics)) for m in model_versions(session, "lstm")] == [
            ("1", "candidate", {"auc": 0.6})
        ]


def test_register_model_refuses_other_bytes_under_a_known_version(sessions: Sessions) -> None:
    with sessions.begin() as session:
        _register(session, "1")
        with pytest.raises(RegistryError, match="another sha256"):
            _register(session, "1", sha="f" * 64)


def test_promote_model_archives_the_previous_production(sessions: Sessions) -> None:
    with sessions.begin() as session:
        for version in "123":
            _register(session, version)
        promote_model(session, "lstm", "1", T0)
        promoted = promote_model(session, "lstm", "2", T0 + timedelta(days=1))
        assert promoted.promoted_at == T0 + timedelta(days=1)
        assert _stages(session) == {"1": "archived", "2": "production", "3": "candidate"}
        current = production_model(session, "lstm")
    assert current is not None and current.version == "2"


def test_rollback_model_walks_back_through_promotions(sessions: Sessions) -> None:
    with sessions.begin() as session:
        for day, version in enumerate("123"):
            _register(session, version)
            promote_model(session, "lstm", version, T0 + timedelta(days=day))
        assert rollback_model(session, "lstm").version == "2"
        assert rollback_model(session, "lstm").version == "1"
        assert _stages(session) == {"1": "production", "2": "archived", "3": "archived"}
        with pytest.raises(RegistryError, match="no earlier production"):
            rollback_model(session, "lstm")


@pytest.mark.parametrize("action", ["promote_unknown", "rollback_empty"])
def test_registry_refuses_impossible_requests(sessions: Sessions, action: str) -> None:
    with pytest.raises(RegistryError), sessions.begin() as session:
        if action == "promote_unknown":
            promote_model(session, "lstm", "9", T0)
        else:
            rollback_model(session, "lstm")


def test_registry_database_allows_one_production_per_name(sessions: Sessions) -> None:
    with sessions.begin() as session:
        _register(session, "1")
        _register(session, "2")
        promote_model(session, "lstm", "1", T0)
    with pytest.raises(IntegrityError), sessions.begin() as session:
        row = session.query(ModelVersion).filter_by(version="2").one()
        row.stage = "production"
