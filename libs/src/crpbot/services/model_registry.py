"""The model registry: versions and their lifecycle in the database, their bytes in S3.

Key layout in the bucket, one folder per version (`prefix` defaults to `models`):

    <prefix>/<name>/<version>/manifest.json          every file below, with size and sha256
    <prefix>/<name>/<version>/artifact/<file>         the trained artifact folder as written
                                                      by `crpbot train` (weights, metadata.json)
    <prefix>/<name>/<version>/archives/<model>.mar    TorchServe archives; <model> is the
                                                      name TorchServe serves it under

The database row (`model_versions`) holds the manifest's SHA-256 and its `s3://` URI, so the
chain database → manifest → file checks every byte a pull writes. The manifest is uploaded
last and the row written after it: a push that dies half-way leaves no registered version.
A version is one trained set (both models share the scaler and the feature list), so the
LSTM and the Transformer are promoted and rolled back together.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crpbot.clock import utcnow
from crpbot.db.records import ModelVersionRecord
from crpbot.db.repos.models import (
    RegistryError,
    model_versions,
    production_model,
    promote_model,
    register_model,
    rollback_model,
)
from crpbot.storage.manifest import (
    ARTIFACT_DIR,
    ManifestEntry,
    VersionManifest,
    build_manifest,
    check_label,
    parse_manifest,
)
from crpbot.storage.s3 import ChecksumMismatchError, ObjectStore, sha256_file

DEFAULT_NAME = "crpbot"
DEFAULT_PREFIX = "models"
MANIFEST_FILE = "manifest.json"
PRODUCTION = "production"
LATEST = "latest"
_METADATA_FILE = "metadata.json"
_log = logging.getLogger(__name__)

FileCallback = Callable[[ManifestEntry, int], None]
"""Told of each file moved and how many the version has, so a CLI can show progress."""

__all__ = ["ModelRegistry", "PulledVersion", "RegistryError"]


@dataclass(frozen=True)
class PulledVersion:
    """Where a pulled version landed: the artifact folder and each archive by model name."""

    record: ModelVersionRecord
    artifact_dir: Path | None
    archives: dict[str, Path]


def _artifact_facts(artifact_dir: Path, version: str) -> dict[str, Any]:
    """The metrics of the artifact, after checking it is the version it is pushed as."""
    path = artifact_dir / _METADATA_FILE
    try:
        meta = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise RegistryError(f"{artifact_dir} is not a trained artifact: {exc}") from exc
    found = meta.get("model_version")
    if found != version:
        raise RegistryError(f"{path} is version {found!r}, not {version!r}")
    metrics = meta.get("metrics") or {}
    return dict(metrics) if isinstance(metrics, dict) else {}


class ModelRegistry:
    """Push, list (`versions`), promote, roll back and pull the versions of one model set."""

    def __init__(
        self,
        store: ObjectStore,
        sessions: sessionmaker[Session],
        *,
        name: str = DEFAULT_NAME,
        prefix: str = DEFAULT_PREFIX,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._sessions = sessions
        self.name = check_label("model name", name)
        self._prefix = prefix.strip("/")
        self._clock = clock

    def key(self, version: str, relative: str = "") -> str:
        """Object key of `relative` inside the folder of `version`."""
        parts = [self._prefix, self.name, check_label("version", version), relative]
        return "/".join(p for p in parts if p)

    def _uri(self, version: str) -> str:
        return f"s3://{self._store.bucket}/{self.key(version, MANIFEST_FILE)}"

    def push(
        self,
        version: str,
        artifact_dir: Path,
        archives: Sequence[Path],
        on_file: FileCallback | None = None,
    ) -> ModelVersionRecord:
        """Upload a trained version and its archives, then register it as a candidate.

        Pushing the same bytes again is a no-op that returns the stored row; other bytes under a
        registered version are refused before anything is uploaded.
        """
        metrics = _artifact_facts(artifact_dir, version)
        manifest, sources = build_manifest(self.name, version, artifact_dir, list(archives))
        checksum = manifest.sha256()
        known = self._find(version)
        if known is not None and known.sha256 != checksum:
            raise RegistryError(
                f"{self.name} {version} is registered with other bytes (sha256 "
                f"{known.sha256[:12]}…, pushing {checksum[:12]}…)"
            )
        for entry in manifest.files:
            self._store.upload_file(sources[entry.path], self.key(version, entry.path))
            if on_file is not None:
                on_file(entry, len(manifest.files))
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / MANIFEST_FILE
            local.write_bytes(manifest.to_json())
            self._store.upload_file(local, self.key(version, MANIFEST_FILE))
        with self._sessions.begin() as session:
            record = register_model(
                session,
                name=self.name,
                version=version,
                uri=self._uri(version),
                sha256=checksum,
                metrics=metrics,
                now=self._clock(),
            )
        _log.info(
            "model version pushed",
            extra={"model": self.name, "version": version, "files": len(manifest.files)},
        )
        return record

    def versions(self) -> list[ModelVersionRecord]:
        """Every registered version, oldest first."""
        with self._sessions.begin() as session:
            return model_versions(session, self.name)

    def production(self) -> ModelVersionRecord | None:
        """The version serving now, if one was promoted."""
        with self._sessions.begin() as session:
            return production_model(session, self.name)

    def promote(self, version: str) -> ModelVersionRecord:
        """Make `version` the production version; the previous one is archived."""
        with self._sessions.begin() as session:
            record = promote_model(session, self.name, version, self._clock())
        _log.info("model version promoted", extra={"model": self.name, "version": version})
        return record

    def rollback(self) -> ModelVersionRecord:
        """Restore the version that was in production before the current one."""
        with self._sessions.begin() as session:
            record = rollback_model(session, self.name)
        _log.info(
            "model version rolled back", extra={"model": self.name, "version": record.version}
        )
        return record

    def resolve(self, wanted: str) -> ModelVersionRecord:
        """A registered version by label, or `production` / `latest` (newest pushed)."""
        if wanted == PRODUCTION:
            record = self.production()
            if record is None:
                raise RegistryError(f"{self.name} has no production version (promote one)")
            return record
        versions = self.versions()
        if wanted == LATEST:
            if not versions:
                raise RegistryError(f"{self.name} has no registered version (push one)")
            return versions[-1]
        found = next((r for r in versions if r.version == wanted), None)
        if found is None:
            raise RegistryError(f"{self.name} {wanted} is not registered")
        return found

    def _find(self, version: str) -> ModelVersionRecord | None:
        return next((r for r in self.versions() if r.version == version), None)

    def manifest(self, record: ModelVersionRecord) -> VersionManifest:
        """The version's manifest, proven by the checksum the database holds."""
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / MANIFEST_FILE
            self._store.download_file(self.key(record.version, MANIFEST_FILE), local)
            actual = sha256_file(local)
            if actual != record.sha256:
                raise ChecksumMismatchError(
                    f"{self._uri(record.version)}: sha256 {actual} != registered {record.sha256}"
                )
            return parse_manifest(local.read_bytes())

    def _fetch(self, version: str, entry: ManifestEntry, dest: Path) -> Path:
        self._store.download_file(self.key(version, entry.path), dest)
        actual = sha256_file(dest)
        if actual != entry.sha256:
            dest.unlink(missing_ok=True)
            raise ChecksumMismatchError(
                f"{self.key(version, entry.path)}: sha256 {actual} != manifest {entry.sha256}"
            )
        return dest

    def fetch_archive(self, wanted: str, model: str, dest: Path) -> Path:
        """Download one TorchServe archive of a version to the file `dest`, verified."""
        record = self.resolve(wanted)
        archives = self.manifest(record).archives()
        if model not in archives:
            raise RegistryError(
                f"{self.name} {record.version} has no archive {model!r} "
                f"(it has {sorted(archives) or 'none'})"
            )
        return self._fetch(record.version, archives[model], dest)

    def pull(self, wanted: str, dest: Path, on_file: FileCallback | None = None) -> PulledVersion:
        """Download a whole version into `dest` (same layout as the bucket), verified."""
        record = self.resolve(wanted)
        manifest = self.manifest(record)
        for entry in manifest.files:
            self._fetch(record.version, entry, dest / entry.path)
            if on_file is not None:
                on_file(entry, len(manifest.files))
        artifact = dest / ARTIFACT_DIR
        return PulledVersion(
            record=record,
            artifact_dir=artifact if artifact.is_dir() else None,
            archives={m: dest / e.path for m, e in manifest.archives().items()},
        )
