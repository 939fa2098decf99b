"""Start TorchServe on the registry's archives: `python -m crpbot_model_server.start`.

Which archives: `--versions` (env `CRPBOT_MODEL_VERSIONS`, default `production`), a comma list
whose entries are either a version label, `production` or `latest` (every archive of that
version) or `MODEL=VERSION` (one archive, e.g. `crpbot-lstm=3f2a9c1d0e4b`). Each archive is
pulled from S3, its SHA-256 checked against the registry's manifest, into the model store as
`<model>-<version>.mar`; then this process becomes `torchserve --start --foreground` with
`--models` naming exactly those files, so the server serves what was asked and nothing left
over in the store. Health is TorchServe's `/ping`.

Inference requests need `Authorization: Bearer $CRPBOT_TORCHSERVE_KEY` (checked by the
handler, `crpbot_model_server.auth`); without the key this script refuses to start.

Where from: the registry's database (`CRPBOT_DATABASE_URL`) and bucket (`CRPBOT_STORAGE__*`,
or `--storage-uri s3://bucket/prefix`). `--skip-pull` starts on the store as it is.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy.exc import SQLAlchemyError

from crpbot.config import load_settings
from crpbot.services.model_registry import DEFAULT_NAME, DEFAULT_PREFIX, PRODUCTION, ModelRegistry
from crpbot_model_server.auth import load_key_check

DEFAULT_TS_CONFIG = Path("/etc/crpbot/torchserve.properties")
DEFAULT_MODEL_STORE = Path("/tmp/model-store")
_log = logging.getLogger(__name__)


class StartError(ValueError):
    """The start request cannot be served (bad spec, missing config, nothing to pull)."""


@dataclass(frozen=True)
class Wanted:
    """One entry of the versions list: every archive of `version`, or only `model`'s."""

    version: str
    model: str | None = None


@dataclass(frozen=True)
class Placed:
    """An archive now in the model store, and the name TorchServe serves it under."""

    model: str
    version: str
    file: str


def parse_versions(spec: str) -> list[Wanted]:
    """`v1`, `production`, `crpbot-lstm=v1,crpbot-transformer=v2` → what to pull, in order."""
    wanted: list[Wanted] = []
    for raw in (part.strip() for part in (spec or PRODUCTION).split(",")):
        if not raw:
            continue
        model, sep, version = raw.partition("=")
        if sep and not (model.strip() and version.strip()):
            raise StartError(f"bad versions entry {raw!r}: want VERSION or MODEL=VERSION")
        wanted.append(Wanted(version.strip(), model.strip()) if sep else Wanted(raw))
    if not wanted:
        raise StartError("no versions given")
    return wanted


def split_storage_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` → (bucket, prefix)."""
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise StartError(f"storage URI {uri!r} must look like s3://bucket/prefix")
    return parsed.netloc, parsed.path.strip("/") or DEFAULT_PREFIX


def pull_archives(registry: ModelRegistry, wanted: Sequence[Wanted], store: Path) -> list[Placed]:
    """Fetch each wanted archive into `store`, verified; returns them in the order asked."""
    placed: list[Placed] = []
    for item in wanted:
        record = registry.resolve(item.version)
        archives = registry.manifest(record).archives()
        models = [item.model] if item.model else sorted(archives)
        if not models:
            raise StartError(f"{registry.name} {record.version} has no archives")
        for model in models:
            file = f"{model}-{record.version}.mar"
            registry.fetch_archive(record.version, model, store / file)
            placed.append(Placed(model, record.version, file))
            _log.info("archive pulled", extra={"model": model, "version": record.version})
    return placed


def torchserve_command(ts_config: Path, store: Path, placed: Sequence[Placed]) -> list[str]:
    """The foreground TorchServe command line serving exactly `placed` (or the config's list)."""
    beside = Path(sys.executable).with_name("torchserve")
    launcher = str(beside) if beside.is_file() else (shutil.which("torchserve") or "torchserve")
    command = [launcher, "--start", "--foreground", "--ncs"]
    command += ["--ts-config", str(ts_config), "--model-store", str(store)]
    if placed:
        command += ["--models", ",".join(f"{p.model}={p.file}" for p in placed)]
    return command


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python -m crpbot_model_server.start",
        description="Pull the wanted model archives from the registry, then run TorchServe.",
    )
    parser.add_argument(
        "--versions",
        default=env("CRPBOT_MODEL_VERSIONS", PRODUCTION),
        help="VERSION|production|latest|MODEL=VERSION, comma separated (CRPBOT_MODEL_VERSIONS)",
    )
    parser.add_argument(
        "--model-store", type=Path, default=Path(env("CRPBOT_MODEL_STORE", DEFAULT_MODEL_STORE))
    )
    parser.add_argument(
        "--ts-config", type=Path, default=Path(env("CRPBOT_TS_CONFIG", DEFAULT_TS_CONFIG))
    )
    parser.add_argument("--storage-uri", default=env("CRPBOT_MODEL_STORAGE_URI"))
    parser.add_argument("--name", default=DEFAULT_NAME, help="model set name in the registry")
    parser.add_argument("--skip-pull", action="store_true", help="serve the store as it is")
    parser.add_argument(
        "--dry-run", action="store_true", help="pull, print the command, do not start"
    )
    return parser.parse_args(argv)


def _registry(args: argparse.Namespace) -> ModelRegistry:
    from crpbot.db.engine import make_engine, session_factory
    from crpbot.storage import ObjectStore

    settings = load_settings()
    bucket, prefix = settings.storage.bucket, DEFAULT_PREFIX
    if args.storage_uri:
        bucket, prefix = split_storage_uri(args.storage_uri)
    store = ObjectStore(
        bucket, endpoint_url=settings.storage.endpoint_url, region=settings.storage.region
    )
    engine = make_engine(settings.database_url.get_secret_value())
    return ModelRegistry(store, session_factory(engine), name=args.name, prefix=prefix)


def prepare(args: argparse.Namespace) -> list[str]:
    """Everything before the exec: check the config and the key, pull, build the command.

    The key is checked here too, not only by the handler's workers: a missing key is then one
    line and exit 2 instead of workers failing to load in a loop behind a live frontend.
    """
    if not args.ts_config.is_file():
        raise StartError(f"TorchServe config {args.ts_config} not found (--ts-config)")
    load_key_check(os.environ)
    args.model_store.mkdir(parents=True, exist_ok=True)
    placed: list[Placed] = []
    if not args.skip_pull:
        placed = pull_archives(_registry(args), parse_versions(args.versions), args.model_store)
    return torchserve_command(args.ts_config, args.model_store, placed)


def _reason(exc: Exception) -> str:
    """A database error's own text may quote the URL (and its password): name the type only."""
    if isinstance(exc, SQLAlchemyError):
        return f"database: {type(exc).__name__}"
    return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns an exit code only when it does not become TorchServe."""
    from crpbot.telemetry import configure_logging

    configure_logging("model-server", level=os.environ.get("CRPBOT_LOG_LEVEL", "INFO"))
    args = _arguments(argv)
    try:
        command = prepare(args)
    except (ValueError, OSError, SQLAlchemyError, BotoCoreError, ClientError) as exc:
        # One line, no traceback: the pod's last log line says why it did not start.
        print(f"error: cannot start the model server: {_reason(exc)}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(" ".join(command))
        return 0
    _log.info("starting torchserve", extra={"command": command})
    os.execv(command[0], command)
    return 0  # pragma: no cover - execv does not return


if __name__ == "__main__":
    sys.exit(main())
