"""The `crpbot` command line: one typer app with a sub-app per concept."""

from crpbot_workers.cli.main import app, main

__all__ = ["app", "main"]
