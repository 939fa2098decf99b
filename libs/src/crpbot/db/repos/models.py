"""Model registry: register trained artifacts, promote one to production, roll back.

At most one version per model name is `production` (a partial unique index enforces it even
against concurrent promoters). Rolling back returns to the version that was promoted before
the current one; `promoted_at` keeps the time of each version's last promotion, so repeated
rollbacks walk further back through the promotion history.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crpbot.db.mapping import record_from_row
from crpbot.db.models import ModelVersion
from crpbot.db.records import ModelVersionRecord


class RegistryError(ValueError):
    """A registry request that contradicts what is stored (unknown version, nothing to undo)."""


def _record(row: ModelVersion) -> ModelVersionRecord:
    return record_from_row(ModelVersionRecord, row)


def _find(session: Session, name: str, version: str) -> ModelVersion | None:
    return session.scalars(
        select(ModelVersion)
        .where(ModelVersion.name == name, ModelVersion.version == version)
        .with_for_update()
    ).one_or_none()


def _production(session: Session, name: str) -> ModelVersion | None:
    return session.scalars(
        select(ModelVersion)
        .where(ModelVersion.name == name, ModelVersion.stage == "production")
        .with_for_update()
    ).one_or_none()


def register_model(
    session: Session,
    *,
    name: str,
    version: str,
    uri: str,
    sha256: str,
    metrics: Mapping[str, Any],
    now: datetime,
) -> ModelVersionRecord:
    """Add a candidate version; registering the same artifact again returns the stored one.

    The same (name, version) with a different checksum is refused: a version label must
    always mean the same bytes, or rollbacks would restore something else.
    """
    existing = _find(session, name, version)
    if existing is not None:
        if existing.sha256 != sha256:
            raise RegistryError(
                f"{name} {version} is registered with another sha256 ({existing.sha256[:12]}…)"
            )
        return _record(existing)
    row = ModelVersion(
        name=name,
        version=version,
        uri=uri,
        sha256=sha256,
        metrics=dict(metrics),
        stage="candidate",
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _record(row)


def promote_model(session: Session, name: str, version: str, now: datetime) -> ModelVersionRecord:
    """Make `version` the production model of `name`; the previous one is archived."""
    target = _find(session, name, version)
    if target is None:
        raise RegistryError(f"{name} {version} is not registered")
    if target.stage == "production":
        return _record(target)
    current = _production(session, name)
    if current is not None:
        current.stage = "archived"
        session.flush()
    target.stage = "production"
    target.promoted_at = now
    session.flush()
    return _record(target)


def rollback_model(session: Session, name: str) -> ModelVersionRecord:
    """Archive the production version of `name` and restore the one promoted before it."""
    current = _production(session, name)
    if current is None or current.promoted_at is None:
        raise RegistryError(f"{name} has no production version to roll back from")
    previous = session.scalars(
        select(ModelVersion)
        .where(
            ModelVersion.name == name,
            ModelVersion.stage == "archived",
            ModelVersion.promoted_at < current.promoted_at,
        )
        .order_by(ModelVersion.promoted_at.desc(), ModelVersion.id.desc())
        .limit(1)
        .with_for_update()
    ).one_or_none()
    if previous is None:
        raise RegistryError(f"{name} {current.version} has no earlier production version")
    current.stage = "archived"
    session.flush()
    previous.stage = "production"
    session.flush()
    return _record(previous)


def production_model(session: Session, name: str) -> ModelVersionRecord | None:
    """The version of `name` serving now, if any."""
    row = session.scalars(
        select(ModelVersion).where(ModelVersion.name == name, ModelVersion.stage == "production")
    ).one_or_none()
    return None if row is None else _record(row)


def model_versions(session: Session, name: str) -> list[ModelVersionRecord]:
    """Every registered version of `name`, oldest first."""
    rows = session.scalars(
        select(ModelVersion)
        .where(ModelVersion.name == name)
        .order_by(ModelVersion.created_at, ModelVersion.id)
    )
    return [_record(row) for row in rows]
