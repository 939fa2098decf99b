"""A registry on moto's S3 (over HTTP) and a migrated database, SQLite and Postgres.

`sessions` comes from tests/fixtures/db.py over `db_url` (both backends); versions are fake
artifact folders (a metadata.json naming the version plus a weights file) and small `.mar`
stand-ins: the registry stores bytes, it never opens them.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot.services.model_registry import ModelRegistry
from crpbot.storage import ObjectStore
from tests.fixtures.db import sessions

__all__ = ["sessions"]
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
_buckets = itertools.count()


class StepClock:
    """Each call is one minute after the previous: promotions get distinct, ordered times."""

    def __init__(self) -> None:
        self._now = T0

    def __call__(self) -> datetime:
        self._now += timedelta(minutes=1)
        return self._now


@dataclass(frozen=True)
class FakeVersion:
    version: str
    artifact_dir: Path
    archives: list[Path]


def make_version(root: Path, version: str, payload: bytes = b"weights") -> FakeVersion:
    """An artifact folder and two archives whose bytes depend on `version` and `payload`."""
    artifact = root / version / "artifact"
    artifact.mkdir(parents=True)
    meta = {"model_version": version, "metrics": {"auc": 0.61}}
    (artifact / "metadata.json").write_text(json.dumps(meta))
    (artifact / "lstm.pt").write_bytes(payload + version.encode())
    archives = []
    for model in ("crpbot-lstm", "crpbot-transformer"):
        mar = root / version / "mars" / f"{model}.mar"
        mar.parent.mkdir(parents=True, exist_ok=True)
        mar.write_bytes(f"{model}:{version}:".encode() + payload)
        archives.append(mar)
    return FakeVersion(version, artifact, archives)


@pytest.fixture
def store(aws_env: str) -> ObjectStore:
    """A fresh bucket per test on the session's moto server."""
    bucket = ObjectStore(f"registry-{next(_buckets)}", endpoint_url=aws_env)
    bucket.ensure_bucket()
    return bucket


@pytest.fixture
def registry(store: ObjectStore, sessions: sessionmaker[Session]) -> ModelRegistry:
    return ModelRegistry(store, sessions, clock=StepClock())
