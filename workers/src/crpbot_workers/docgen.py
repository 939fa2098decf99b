"""The command line shared by the generated reference pages (commands, configuration,
telemetry): print the page, or write it where its sync test expects it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path


def main(render: Callable[[], str], path: Path, argv: Sequence[str] | None = None) -> None:
    """`--write` replaces `path` (run from the repository root); no argument prints the page."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--write"]:
        path.write_text(render(), encoding="utf-8")
    elif not args:
        sys.stdout.write(render())
    else:
        sys.exit(f"usage: python -m <module> [--write]  (writes {path})")
