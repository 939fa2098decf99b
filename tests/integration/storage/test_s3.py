from pathlib import Path

import boto3
import pytest

from crpbot.storage import ChecksumMismatchError, ObjectStore, sha256_file


@pytest.fixture
def store(aws_env: str) -> ObjectStore:
    s = ObjectStore("artifacts-test", endpoint_url=aws_env)
    s.ensure_bucket()
    s.ensure_bucket()  # idempotent
    return s


def test_object_store_round_trip_keeps_bytes_and_checksum(
    store: ObjectStore, tmp_path: Path
) -> None:
    src = tmp_path / "model.pt"
    src.write_bytes(bytes(range(256)) * 4096)
    info = store.upload_file(src, "models/lstm/v1/model.pt")
    assert info.sha256 == sha256_file(src)
    assert info.size == src.stat().st_size
    dest = tmp_path / "out" / "model.pt"
    store.download_file("models/lstm/v1/model.pt", dest)
    assert dest.read_bytes() == src.read_bytes()


def test_object_store_lists_prefix_sorted(store: ObjectStore, tmp_path: Path) -> None:
    root = tmp_path / "art"
    (root / "sub").mkdir(parents=True)
    (root / "b.json").write_text("{}")
    (root / "sub" / "a.bin").write_bytes(b"x")
    store.upload_dir(root, "runs/r1")
    keys = [o.key for o in store.list_objects("runs/r1/")]
    assert keys == ["runs/r1/b.json", "runs/r1/sub/a.bin"]
    out = tmp_path / "back"
    store.download_prefix("runs/r1", out)
    assert (out / "sub" / "a.bin").read_bytes() == b"x"


def test_object_store_refuses_tampered_object_and_keeps_local_copy(
    store: ObjectStore, tmp_path: Path, aws_env: str
) -> None:
    src = tmp_path / "a.bin"
    src.write_bytes(b"original")
    store.upload_file(src, "x/a.bin")
    client = boto3.client("s3", endpoint_url=aws_env, region_name="us-east-1")
    client.put_object(
        Bucket=store.bucket, Key="x/a.bin", Body=b"tampered", Metadata={"sha256": sha256_file(src)}
    )
    dest = tmp_path / "local.bin"
    dest.write_bytes(b"good local copy")
    with pytest.raises(ChecksumMismatchError, match="sha256"):
        store.download_file("x/a.bin", dest)
    assert dest.read_bytes() == b"good local copy"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".local.bin")] == []
