from pathlib import Path

import pytest

from crpbot_model_server.auth import KEY_ENV
from crpbot_model_server.start import (
    Placed,
    StartError,
    Wanted,
    main,
    parse_versions,
    split_storage_uri,
    torchserve_command,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("", [Wanted("production")]),
        ("v1", [Wanted("v1")]),
        (" latest , ", [Wanted("latest")]),
        (
            "crpbot-lstm=v1,crpbot-transformer=v2",
            [Wanted("v1", "crpbot-lstm"), Wanted("v2", "crpbot-transformer")],
        ),
        ("production,crpbot-lstm=v0", [Wanted("production"), Wanted("v0", "crpbot-lstm")]),
    ],
)
def test_parse_versions_reads_labels_and_model_pins(spec: str, expected: list[Wanted]) -> None:
    assert parse_versions(spec) == expected


@pytest.mark.parametrize("spec", ["=v1", "crpbot-lstm=", ",", " , "])
def test_parse_versions_rejects_empty_parts(spec: str) -> None:
    with pytest.raises(StartError):
        parse_versions(spec)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3://models/crpbot", ("models", "crpbot")),
        ("s3://bucket", ("bucket", "models")),
        ("s3://bucket/a/b/", ("bucket", "a/b")),
    ],
)
def test_split_storage_uri_gives_bucket_and_prefix(uri: str, expected: tuple[str, str]) -> None:
    assert split_storage_uri(uri) == expected


@pytest.mark.parametrize("uri", ["https://bucket/x", "s3:///x", "bucket/x"])
def test_split_storage_uri_rejects_other_schemes(uri: str) -> None:
    with pytest.raises(StartError, match="s3://bucket/prefix"):
        split_storage_uri(uri)


def test_torchserve_command_serves_exactly_the_pulled_archives(tmp_path: Path) -> None:
    placed = [Placed("crpbot-lstm", "v1", "crpbot-lstm-v1.mar"), Placed("x", "v2", "x-v2.mar")]
    command = torchserve_command(tmp_path / "ts.properties", tmp_path / "store", placed)
    assert Path(command[0]).name == "torchserve"
    assert command[1:4] == ["--start", "--foreground", "--ncs"]
    assert command[command.index("--models") + 1] == "crpbot-lstm=crpbot-lstm-v1.mar,x=x-v2.mar"
    assert command[command.index("--model-store") + 1] == str(tmp_path / "store")


def test_torchserve_command_without_archives_leaves_the_config_list(tmp_path: Path) -> None:
    assert "--models" not in torchserve_command(tmp_path / "ts.properties", tmp_path, [])


def test_start_main_fails_with_one_line_when_the_config_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--ts-config", str(tmp_path / "nope.properties"), "--skip-pull"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    missing = tmp_path / "nope.properties"
    reason = f"TorchServe config {missing} not found (--ts-config)"
    assert err == f"error: cannot start the model server: {reason}"


def test_start_main_dry_run_prints_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "ts.properties"
    config.write_text("inference_address=http://127.0.0.1:0\n")
    args = ["--ts-config", str(config), "--model-store", str(tmp_path / "s"), "--skip-pull"]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "--foreground" in out and str(tmp_path / "s") in out
    assert (tmp_path / "s").is_dir()


def test_start_main_refuses_to_start_without_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV)
    config = tmp_path / "ts.properties"
    config.write_text("inference_address=http://127.0.0.1:0\n")
    args = ["--ts-config", str(config), "--model-store", str(tmp_path / "s"), "--skip-pull"]
    assert main([*args, "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: cannot start the model server: {KEY_ENV} is not set")
