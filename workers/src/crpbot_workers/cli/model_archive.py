"""`crpbot model archive`: TorchServe archives (.mar) of a trained model version.

The archiver lives in the model-server package (`crpbot_model_server.archive`), which the
development environment and the model-server image install; it is imported inside the
command, so `crpbot --help` does not load torch, and a worker image without it gets a
one-line reason instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crpbot_workers.cli.common import console, err_console, fail, print_json


def archive(
    version: Annotated[
        str | None,
        typer.Option(
            "--version", help="Model version to archive (default: LATEST).", show_default=False
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for the .mar files (`crpbot model push --archives`)."),
    ] = Path("var/archives"),
    model_dir: Annotated[
        Path, typer.Option("--model-dir", help="Folder holding model versions and LATEST.")
    ] = Path("var/models"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Machine-readable output on stdout.")
    ] = False,
) -> None:
    """Build crpbot-lstm.mar and crpbot-transformer.mar for TorchServe from a trained version.

    Each archive holds the handler, the model code and weights, metadata.json (features,
    window, scaler) and a model-config.yaml with the batching and worker settings; its
    TorchServe version is the model version, so clients can pin exactly these weights.
    """
    try:
        from crpbot_model_server.archive import ArchiveError, build_archives
    except ImportError:
        fail("the model-server package (crpbot-model-server) is not installed here")
    from crpbot.models.versions import ArtifactError, read_metadata, resolve_version

    try:
        folder = resolve_version(model_dir, version)
        meta = read_metadata(folder)
        with err_console.status(f"archiving model {meta.model_version}"):
            paths = build_archives(model_dir, meta.model_version, out)
    except (ArtifactError, ArchiveError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write archives to {out}: {exc.strerror or exc}")
    if as_json:
        print_json({"model_version": meta.model_version, "archives": [str(p) for p in paths]})
        return
    for path in paths:
        console.print(f"{path}  (version {meta.model_version})", highlight=False)
