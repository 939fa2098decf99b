"""Importing the feature catalog stays cheap: checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys


def test_catalog_import_does_not_load_pandas_ta() -> None:
    code = "import sys, crpbot.features; assert 'pandas_ta' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
