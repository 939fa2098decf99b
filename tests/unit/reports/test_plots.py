"""The report charts are PNG files, drawn without switching the host program's backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crpbot.confidence.reliability import reliability_curve
from crpbot.reports.plots import plot_reliability, plot_series

PNG = b"\x89PNG\r\n\x1a\n"


def test_plot_reliability_writes_png(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 200)
    y = (rng.uniform(0, 1, 200) < p).astype(float)
    path = plot_reliability({"model": reliability_curve(p, y)}, tmp_path / "r" / "rel.png")
    assert path.read_bytes()[:8] == PNG


def test_plot_series_writes_png(tmp_path: Path) -> None:
    index = pd.date_range("2024-01-01", periods=24, freq="1h", tz="UTC")
    values = pd.Series(np.linspace(100.0, 110.0, 24), index=index)
    assert plot_series(values, "equity", tmp_path / "e.png").read_bytes()[:8] == PNG
