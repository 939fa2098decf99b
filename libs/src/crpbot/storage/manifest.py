"""A version's manifest: every file of a model version with its size and SHA-256.

The database keeps one checksum per model version, the manifest's; the manifest keeps one
per file. That chain lets a pull prove each downloaded byte is what was pushed, even when an
object in the bucket was replaced together with its metadata. The JSON is canonical (sorted
files, sorted keys, no timestamps), so pushing the same files twice gives the same checksum
and a re-push is recognised as the same version.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pydantic import TypeAdapter

from crpbot.storage.s3 import sha256_file

ARTIFACT_DIR = "artifact"
ARCHIVES_DIR = "archives"
ARCHIVE_SUFFIX = ".mar"
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ManifestError(ValueError):
    """A manifest or a label that cannot describe a stored version."""


def check_label(kind: str, value: str) -> str:
    """Model names and versions become object keys and file names: no slashes, no dots first."""
    if not _LABEL.fullmatch(value):
        raise ManifestError(
            f"{kind} {value!r} must be 1-64 letters, digits, '.', '_' or '-', not starting with "
            "'.', '_' or '-'"
        )
    return value


@dataclass(frozen=True)
class ManifestEntry:
    """One file, by its path relative to the version's folder (POSIX separators)."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class VersionManifest:
    """What a pushed version consists of."""

    name: str
    version: str
    files: tuple[ManifestEntry, ...]

    def archives(self) -> dict[str, ManifestEntry]:
        """TorchServe archives by model name (the `.mar` file's stem)."""
        return {
            PurePosixPath(e.path).stem: e
            for e in self.files
            if e.path.startswith(f"{ARCHIVES_DIR}/") and e.path.endswith(ARCHIVE_SUFFIX)
        }

    def to_json(self) -> bytes:
        """Canonical bytes: the same files always serialise identically."""
        return _ADAPTER.dump_json(self, indent=2) + b"\n"

    def sha256(self) -> str:
        """Checksum of the canonical bytes; the database stores it for the version."""
        return hashlib.sha256(self.to_json()).hexdigest()


_ADAPTER: TypeAdapter[VersionManifest] = TypeAdapter(VersionManifest)


def parse_manifest(raw: bytes) -> VersionManifest:
    """Read a manifest, rejecting paths that could escape the destination folder."""
    try:
        manifest = _ADAPTER.validate_json(raw)
    except ValueError as exc:
        raise ManifestError(f"unreadable manifest: {exc}") from exc
    for entry in manifest.files:
        parts = PurePosixPath(entry.path).parts
        if not parts or entry.path.startswith("/") or ".." in parts:
            raise ManifestError(f"manifest path {entry.path!r} leaves the version folder")
    return manifest


def _entry(path: Path, relative: str) -> ManifestEntry:
    return ManifestEntry(path=relative, size=path.stat().st_size, sha256=sha256_file(path))


def build_manifest(
    name: str, version: str, artifact_dir: Path, archives: list[Path]
) -> tuple[VersionManifest, dict[str, Path]]:
    """Hash the artifact folder and the archives; returns the manifest and each entry's source.

    Archives must be distinct `.mar` files: their stems are the TorchServe model names.
    """
    check_label("model name", name)
    check_label("version", version)
    sources: dict[str, Path] = {}
    for path in sorted(p for p in artifact_dir.rglob("*") if p.is_file()):
        sources[f"{ARTIFACT_DIR}/{path.relative_to(artifact_dir).as_posix()}"] = path
    for archive in archives:
        if archive.suffix != ARCHIVE_SUFFIX or not archive.is_file():
            raise ManifestError(f"{archive} is not a {ARCHIVE_SUFFIX} file")
        key = f"{ARCHIVES_DIR}/{check_label('archive name', archive.stem)}{ARCHIVE_SUFFIX}"
        if key in sources:
            raise ManifestError(f"two archives named {archive.name}")
        sources[key] = archive
    files = tuple(_entry(sources[key], key) for key in sorted(sources))
    return VersionManifest(name=name, version=version, files=files), sources
