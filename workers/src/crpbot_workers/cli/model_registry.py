"""`crpbot model push|list|promote|rollback|pull`: the model registry from the command line.

Versions live in the database (`database_url`), their files in the S3 bucket of the
`storage` settings (`CRPBOT_STORAGE__BUCKET`, `CRPBOT_STORAGE__ENDPOINT_URL` for MinIO or any
S3-compatible server; credentials from the usual AWS variables). The commands are plain
functions registered on the `model` sub-app in cli/model.py. Heavy modules load inside them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from crpbot_workers.cli.common import (
    DatabaseUrlOpt,
    JsonOpt,
    console,
    err_console,
    fail,
    print_json,
    settings_or_fail,
)

if TYPE_CHECKING:
    from crpbot.db.records import ModelVersionRecord
    from crpbot.services.model_registry import FileCallback, ModelRegistry
    from crpbot.storage.manifest import ManifestEntry

NameOpt = Annotated[
    str, typer.Option("--name", help="Model set name: the key folder and the database name.")
]
PrefixOpt = Annotated[
    str, typer.Option("--prefix", help="Key prefix of every model in the bucket.")
]
BucketOpt = Annotated[
    str | None,
    typer.Option("--bucket", help="Bucket (default: storage.bucket).", show_default=False),
]
VersionArg = Annotated[
    str, typer.Argument(help="A version label, `production` or `latest` (newest pushed).")
]


def _registry(
    name: str, prefix: str, database_url: str | None, bucket: str | None
) -> ModelRegistry:
    from crpbot.db.engine import make_engine, session_factory, upgrade
    from crpbot.services.model_registry import ModelRegistry
    from crpbot.storage import ObjectStore

    settings = settings_or_fail()
    url = database_url or settings.database_url.get_secret_value()
    upgrade(url)
    store = ObjectStore(
        bucket or settings.storage.bucket,
        endpoint_url=settings.storage.endpoint_url,
        region=settings.storage.region,
    )
    return ModelRegistry(store, session_factory(make_engine(url)), name=name, prefix=prefix)


def _run[T](action: Callable[[], T]) -> T:
    """Run a registry action, turning every expected failure into a one-line reason."""
    from botocore.exceptions import BotoCoreError, ClientError
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from crpbot.storage import ChecksumMismatchError

    try:
        return action()
    except ChecksumMismatchError as exc:
        fail(f"checksum mismatch: {exc}", code=1)
    except (ClientError, BotoCoreError) as exc:
        fail(f"object store: {exc}", code=1)
    except ArgumentError:
        fail("invalid --database-url: expected an SQLAlchemy URL such as sqlite:///var/crpbot.db")
    except SQLAlchemyError as exc:
        fail(f"database: {type(exc).__name__}", code=1)
    except ValueError as exc:  # RegistryError, ManifestError, ArtifactError
        fail(str(exc))


@contextmanager
def _file_progress(verb: str) -> Iterator[FileCallback]:
    with Progress(
        TextColumn(f"{verb} {{task.description}}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def advance(entry: ManifestEntry, total: int) -> None:
            progress.update(task, advance=1, total=total, description=entry.path)

        yield advance


def _show(record: ModelVersionRecord, as_json: bool, verb: str) -> None:
    if as_json:
        print_json(record)
        return
    console.print(f"{record.name} {record.version}: {verb} ({record.stage})", highlight=False)


def push(
    version: Annotated[
        str | None,
        typer.Option("--version", help="Version folder in --model-dir (default: LATEST)."),
    ] = None,
    archives: Annotated[
        Path,
        typer.Option(
            "--archives", help="Folder with the version's .mar files (`crpbot model archive`)."
        ),
    ] = Path("var/archives"),
    model_dir: Annotated[
        Path, typer.Option("--model-dir", help="Folder holding trained versions and LATEST.")
    ] = Path("var/models"),
    name: NameOpt = "crpbot",
    prefix: PrefixOpt = "models",
    database_url: DatabaseUrlOpt = None,
    bucket: BucketOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Upload a trained version and its TorchServe archives to S3 and register it.

    Keys: `PREFIX/NAME/VERSION/{manifest.json, artifact/*, archives/*.mar}`. The version starts
    as a candidate; `crpbot model promote` puts it in production.
    """
    from crpbot.models.versions import resolve_version

    folder = _run(lambda: resolve_version(model_dir, version))
    mars = sorted(archives.glob("*.mar")) if archives.is_dir() else []
    if not mars:
        fail(f"no .mar files in {archives} (run `crpbot model archive` first)")
    registry = _run(lambda: _registry(name, prefix, database_url, bucket))
    with _file_progress("uploading") as on_file:
        record = _run(lambda: registry.push(folder.name, folder, mars, on_file=on_file))
    _show(record, as_json, f"pushed with {len(mars)} archives")


def list_versions(
    name: NameOpt = "crpbot",
    prefix: PrefixOpt = "models",
    database_url: DatabaseUrlOpt = None,
    bucket: BucketOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List every registered version, oldest first, with its stage and checksum."""
    registry = _run(lambda: _registry(name, prefix, database_url, bucket))
    records = _run(registry.versions)
    if as_json:
        print_json(records)
        return
    if not records:
        console.print(f"{name}: no versions (push one with `crpbot model push`)")
        return
    table = Table(title=f"model {name}")
    for column in ("version", "stage", "created", "promoted", "sha256", "uri"):
        table.add_column(column)
    for r in records:
        promoted = r.promoted_at.isoformat(timespec="seconds") if r.promoted_at else "-"
        created = r.created_at.isoformat(timespec="seconds")
        table.add_row(r.version, r.stage, created, promoted, r.sha256[:12], r.uri)
    console.print(table)


def promote(
    version: Annotated[str, typer.Argument(help="The registered version to serve.")],
    name: NameOpt = "crpbot",
    prefix: PrefixOpt = "models",
    database_url: DatabaseUrlOpt = None,
    bucket: BucketOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make VERSION the production version; the one serving before is archived."""
    registry = _run(lambda: _registry(name, prefix, database_url, bucket))
    _show(_run(lambda: registry.promote(version)), as_json, "promoted")


def rollback(
    name: NameOpt = "crpbot",
    prefix: PrefixOpt = "models",
    database_url: DatabaseUrlOpt = None,
    bucket: BucketOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Put back the version that was in production before the current one."""
    registry = _run(lambda: _registry(name, prefix, database_url, bucket))
    _show(_run(registry.rollback), as_json, "restored")


def pull(
    version: VersionArg = "production",
    dest: Annotated[
        Path, typer.Option("--dest", help="Folder to write VERSION's files into.")
    ] = Path("var/pulled"),
    name: NameOpt = "crpbot",
    prefix: PrefixOpt = "models",
    database_url: DatabaseUrlOpt = None,
    bucket: BucketOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Download a version (artifact and archives), checking every file's SHA-256.

    Files land in DEST/VERSION/{artifact,archives}; a file that fails its checksum is not kept.
    """
    registry = _run(lambda: _registry(name, prefix, database_url, bucket))
    record = _run(lambda: registry.resolve(version))
    with _file_progress("downloading") as on_file:
        pulled = _run(lambda: registry.pull(record.version, dest / record.version, on_file))
    if as_json:
        print_json(
            {
                "version": record.version,
                "stage": record.stage,
                "artifact_dir": pulled.artifact_dir,
                "archives": pulled.archives,
            }
        )
        return
    console.print(f"{name} {record.version} → {dest / record.version}", highlight=False)
