"""Services that start together migrate the same database together, and all of them start.

The risk guard runs two replicas on PostgreSQL and the scanner migrates too, so after an
upgrade of crpbot several processes apply the same migrations at the same moment. Each
starter is its own process (as in production; Alembic's environment is process-global), and
all of them wait for one wall-clock instant before migrating.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from crpbot.db.engine import head_revision, upgrade

STARTERS = 3
pytestmark = pytest.mark.slow
_STARTER = """
import sys, time
from crpbot.db.engine import upgrade
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
print(upgrade(sys.argv[1]))
"""


def _error(stderr: str) -> str:
    """The exception line of a starter's traceback."""
    lines = [line for line in stderr.splitlines() if "Error" in line and not line[:1].isspace()]
    return lines[-1] if lines else stderr[-300:]


@pytest.mark.parametrize("start", [None, "0001"], ids=["empty", "from-0001"])
def test_migrations_run_concurrently_all_reach_head(db_url: str, start: str | None) -> None:
    if start is not None:
        upgrade(db_url, start)
    at = str(time.time() + 8)
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", _STARTER, db_url, at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(STARTERS)
    ]
    results = [starter.communicate(timeout=120) for starter in starters]
    failed = [_error(err) for (_, err), s in zip(results, starters, strict=True) if s.returncode]
    assert failed == []
    assert [out.strip() for out, _ in results] == [head_revision()] * STARTERS
