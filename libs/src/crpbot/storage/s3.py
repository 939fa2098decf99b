"""Upload, download and list artifacts on any S3-compatible endpoint, checksummed end to end.

Every upload records the file's SHA-256 in the object's metadata; every download recomputes it
and refuses a mismatch, writing through a temporary file so a bad or interrupted download never
replaces a good local copy. The endpoint is configurable, so AWS, MinIO and moto all work.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

_CHUNK = 1024 * 1024
_SHA_KEY = "sha256"


class ChecksumMismatchError(IOError):
    """The downloaded bytes are not the bytes that were uploaded."""


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object."""

    key: str
    size: int
    sha256: str | None
    last_modified: datetime | None


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so large archives don't fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ObjectStore:
    """A bucket on an S3-compatible endpoint."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        client: Any = None,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3", region_name=region, endpoint_url=endpoint_url)
        self._client = client
        self.bucket = bucket

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (idempotent)."""
        existing = {b["Name"] for b in self._client.list_buckets().get("Buckets", [])}
        if self.bucket not in existing:
            self._client.create_bucket(Bucket=self.bucket)

    def upload_file(self, path: Path, key: str) -> ObjectInfo:
        """Store a file under `key` with its checksum in the metadata."""
        checksum = sha256_file(path)
        self._client.upload_file(
            str(path), self.bucket, key, ExtraArgs={"Metadata": {_SHA_KEY: checksum}}
        )
        return self.head(key)

    def head(self, key: str) -> ObjectInfo:
        """Size, checksum and time of one object."""
        response = self._client.head_object(Bucket=self.bucket, Key=key)
        return ObjectInfo(
            key=key,
            size=int(response["ContentLength"]),
            sha256=response.get("Metadata", {}).get(_SHA_KEY),
            last_modified=response.get("LastModified"),
        )

    def download_file(self, key: str, path: Path) -> ObjectInfo:
        """Fetch `key` to `path`, verifying the checksum before the file appears there."""
        info = self.head(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            self._client.download_file(self.bucket, key, str(tmp))
            actual = sha256_file(tmp)
            if info.sha256 is not None and actual != info.sha256:
                raise ChecksumMismatchError(
                    f"s3://{self.bucket}/{key}: sha256 {actual} != recorded {info.sha256}"
                )
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return info

    def list_objects(self, prefix: str = "") -> list[ObjectInfo]:
        """Every object under `prefix`, with checksums, sorted by key."""
        paginator = self._client.get_paginator("list_objects_v2")
        keys = [
            item["Key"]
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]
        return [self.head(key) for key in sorted(keys)]

    def upload_dir(self, directory: Path, prefix: str) -> list[ObjectInfo]:
        """Upload every file below `directory` under `prefix/`, keeping relative paths."""
        files = sorted(p for p in directory.rglob("*") if p.is_file())
        base = prefix.rstrip("/")
        return [self.upload_file(p, f"{base}/{p.relative_to(directory).as_posix()}") for p in files]

    def download_prefix(self, prefix: str, directory: Path) -> list[ObjectInfo]:
        """Download every object under `prefix/` into `directory`, keeping relative paths."""
        base = prefix.rstrip("/") + "/"
        infos = []
        for info in self.list_objects(base):
            infos.append(self.download_file(info.key, directory / info.key[len(base) :]))
        return infos

    def delete(self, key: str) -> None:
        """Remove one object."""
        self._client.delete_object(Bucket=self.bucket, Key=key)
