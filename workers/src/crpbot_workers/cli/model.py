"""`crpbot model`: package trained models for TorchServe and manage their registered versions.

One sub-app, commands from the modules that own them: the registry's in cli/model_registry.py.
"""

from __future__ import annotations

import typer

from crpbot_workers.cli import model_archive, model_registry

app = typer.Typer(
    help="Model archives and the registry (S3 + database): push, list, promote, rollback, pull.",
    no_args_is_help=True,
)

app.command("archive")(model_archive.archive)
app.command("push")(model_registry.push)
app.command("list")(model_registry.list_versions)
app.command("promote")(model_registry.promote)
app.command("rollback")(model_registry.rollback)
app.command("pull")(model_registry.pull)
