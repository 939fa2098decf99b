import hashlib
import json
import re
from pathlib import Path

import boto3
import pytest

from crpbot.db.repos.models import RegistryError
from crpbot.services.model_registry import ModelRegistry
from crpbot.storage import ChecksumMismatchError, ObjectStore, sha256_file
from crpbot.storage.manifest import ManifestError
from tests.integration.model_registry.conftest import FakeVersion, make_version


def _tamper(store: ObjectStore, key: str, body: bytes, endpoint: str) -> None:
    """Replace an object together with a matching S3 checksum, as a careless re-upload would."""
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    digest = hashlib.sha256(body).hexdigest()
    client.put_object(Bucket=store.bucket, Key=key, Body=body, Metadata={"sha256": digest})


@pytest.fixture
def pushed(registry: ModelRegistry, tmp_path: Path) -> FakeVersion:
    """Version v1, pushed (its files under tmp_path/src)."""
    v1 = make_version(tmp_path / "src", "v1")
    registry.push("v1", v1.artifact_dir, v1.archives)
    return v1


def test_registry_push_uploads_the_documented_layout_and_registers_a_candidate(
    registry: ModelRegistry, store: ObjectStore, tmp_path: Path
) -> None:
    v1 = make_version(tmp_path, "v1")
    record = registry.push("v1", v1.artifact_dir, v1.archives)
    assert (record.name, record.version, record.stage) == ("crpbot", "v1", "candidate")
    assert record.uri == f"s3://{store.bucket}/models/crpbot/v1/manifest.json"
    assert record.metrics == {"auc": 0.61}
    keys = [o.key for o in store.list_objects("models/crpbot/v1/")]
    assert keys == [
        "models/crpbot/v1/archives/crpbot-lstm.mar",
        "models/crpbot/v1/archives/crpbot-transformer.mar",
        "models/crpbot/v1/artifact/lstm.pt",
        "models/crpbot/v1/artifact/metadata.json",
        "models/crpbot/v1/manifest.json",
    ]
    assert [r.version for r in registry.versions()] == ["v1"]


def test_registry_push_again_is_idempotent_and_other_bytes_are_refused_before_upload(
    registry: ModelRegistry, store: ObjectStore, tmp_path: Path
) -> None:
    v1 = make_version(tmp_path / "a", "v1")
    first = registry.push("v1", v1.artifact_dir, v1.archives)
    assert registry.push("v1", v1.artifact_dir, v1.archives) == first
    other = make_version(tmp_path / "b", "v1", payload=b"retrained")
    before = store.head("models/crpbot/v1/artifact/lstm.pt").sha256
    with pytest.raises(RegistryError, match="other bytes"):
        registry.push("v1", other.artifact_dir, other.archives)
    assert store.head("models/crpbot/v1/artifact/lstm.pt").sha256 == before


@pytest.mark.parametrize(
    ("stored", "pushed", "error", "match"),
    [
        ("v1", "v2", RegistryError, "is version 'v1', not 'v2'"),
        ("../v1", "../v1", ManifestError, "version '../v1' must be"),
    ],
)
def test_registry_push_refuses_a_folder_that_is_not_that_version(
    registry: ModelRegistry,
    tmp_path: Path,
    stored: str,
    pushed: str,
    error: type[Exception],
    match: str,
) -> None:
    v1 = make_version(tmp_path, "v1")
    (v1.artifact_dir / "metadata.json").write_text(json.dumps({"model_version": stored}))
    with pytest.raises(error, match=re.escape(match)):
        registry.push(pushed, v1.artifact_dir, v1.archives)
    assert registry.versions() == []


def test_registry_promote_and_rollback_walk_the_promotion_history(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    for label in ("v1", "v2", "v3"):
        version = make_version(tmp_path, label)
        registry.push(label, version.artifact_dir, version.archives)
    assert registry.production() is None
    for label in ("v1", "v2", "v3"):
        assert registry.promote(label).stage == "production"
    assert registry.resolve("production").version == "v3"
    assert registry.rollback().version == "v2"
    assert registry.rollback().version == "v1"
    with pytest.raises(RegistryError, match="no earlier production version"):
        registry.rollback()
    stages = {r.version: r.stage for r in registry.versions()}
    assert stages == {"v1": "production", "v2": "archived", "v3": "archived"}


@pytest.mark.parametrize(
    ("wanted", "match"),
    [
        ("production", "no production version"),
        ("latest", "no registered version"),
        ("v9", "v9 is not registered"),
    ],
)
def test_registry_resolve_names_what_is_missing(
    registry: ModelRegistry, wanted: str, match: str
) -> None:
    with pytest.raises(RegistryError, match=match):
        registry.resolve(wanted)


def test_registry_pull_writes_every_file_verified(
    pushed: FakeVersion, registry: ModelRegistry, tmp_path: Path
) -> None:
    pulled = registry.pull("latest", tmp_path / "dest")
    assert pulled.record.version == "v1"
    assert pulled.artifact_dir is not None
    assert sha256_file(pulled.artifact_dir / "lstm.pt") == sha256_file(
        pushed.artifact_dir / "lstm.pt"
    )
    assert sorted(pulled.archives) == ["crpbot-lstm", "crpbot-transformer"]
    assert pulled.archives["crpbot-lstm"].read_bytes() == pushed.archives[0].read_bytes()


def test_registry_fetch_archive_writes_one_archive_and_names_missing_models(
    pushed: FakeVersion, registry: ModelRegistry, tmp_path: Path
) -> None:
    path = registry.fetch_archive("v1", "crpbot-transformer", tmp_path / "store" / "t.mar")
    assert path.read_bytes() == pushed.archives[1].read_bytes()
    with pytest.raises(RegistryError, match=r"no archive 'gru' \(it has \['crpbot-lstm'"):
        registry.fetch_archive("v1", "gru", tmp_path / "store" / "g.mar")


@pytest.mark.usefixtures("pushed")
def test_registry_pull_detects_a_replaced_file(
    registry: ModelRegistry, store: ObjectStore, tmp_path: Path, aws_env: str
) -> None:
    _tamper(store, "models/crpbot/v1/archives/crpbot-lstm.mar", b"other weights", aws_env)
    dest = tmp_path / "store" / "crpbot-lstm.mar"
    with pytest.raises(ChecksumMismatchError, match="!= manifest"):
        registry.fetch_archive("v1", "crpbot-lstm", dest)
    assert not dest.exists()


@pytest.mark.usefixtures("pushed")
def test_registry_pull_detects_a_replaced_manifest(
    registry: ModelRegistry, store: ObjectStore, tmp_path: Path, aws_env: str
) -> None:
    _tamper(store, "models/crpbot/v1/manifest.json", b'{"name": "crpbot"}', aws_env)
    with pytest.raises(ChecksumMismatchError, match="!= registered"):
        registry.pull("v1", tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
