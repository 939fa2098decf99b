"""S3-compatible object store for model artifacts and reports, with checksums."""

from crpbot.storage.s3 import ChecksumMismatchError, ObjectInfo, ObjectStore, sha256_file

__all__ = ["ChecksumMismatchError", "ObjectInfo", "ObjectStore", "sha256_file"]
