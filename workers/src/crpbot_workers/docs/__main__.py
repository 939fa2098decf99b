"""`python -m crpbot_workers.docs --write` regenerates every reference page from the code
(run from the repository root); without `--write` it names the pages that are stale and exits
non-zero, so a script can check for drift without touching the tree."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from crpbot_workers.docs import commands, configuration, telemetry

PAGES: tuple[tuple[Path, Callable[[], str]], ...] = (
    (commands.DOC_PATH, commands.render),
    (configuration.DOC_PATH, configuration.render),
    (telemetry.DOC_PATH, telemetry.render),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Write (`--write`) or check (no argument) every page; a stale page is exit 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args not in ([], ["--write"]):
        sys.stderr.write("usage: python -m crpbot_workers.docs [--write]\n")
        return 2
    stale: list[Path] = []
    for path, render in PAGES:
        text = render()
        if args:
            path.write_text(text, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
    for path in stale:
        sys.stderr.write(f"{path} is stale: run python -m crpbot_workers.docs --write\n")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
