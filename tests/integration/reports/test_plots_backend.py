"""Importing the report and domain modules leaves the host program's matplotlib backend alone
(a subprocess, because a backend can be chosen only once per interpreter)."""

from __future__ import annotations

import subprocess
import sys


def test_plots_import_leaves_the_matplotlib_backend_alone() -> None:
    code = (
        "import matplotlib; matplotlib.use('svg'); "
        "import crpbot.confidence.reliability, crpbot.evaluation.report, crpbot.reports.backtest; "
        "print(matplotlib.get_backend())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"
