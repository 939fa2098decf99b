"""`python -m crpbot_operator [kopf run options]`: every namespace unless one is named."""

from __future__ import annotations

import sys

from kopf.cli import main as kopf_main


def _arguments(extra: list[str]) -> list[str]:
    scoped = any(a in ("-n", "--namespace") or a.startswith("--namespace=") for a in extra)
    scope = [] if scoped else ["--all-namespaces"]
    return ["run", "-m", "crpbot_operator.handlers", *scope, *extra]


if __name__ == "__main__":
    kopf_main(_arguments(sys.argv[1:]))
