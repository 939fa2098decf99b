"""Write a replay to a directory: tables for machines, plots and a summary for people.

Files: `trades.csv`, `equity.csv`, `days.csv` (the FTMO per-day table), `signals.csv` (input
with each signal's status), `metrics.json`, `equity.png`, `drawdown.png`, `report.md`.
"""

from __future__ import annotations

import json
from pathlib import Path

from crpbot.backtest.comparison import Comparison
from crpbot.backtest.engine import BacktestResult
from crpbot.backtest.report import drawdown, markdown, summary
from crpbot.reports.plots import plot_series


def write_report(
    result: BacktestResult,
    out_dir: Path,
    title: str = "Backtest",
    comparison: Comparison | None = None,
) -> list[Path]:
    """Write every output file (with the baseline comparison when given); returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        name: out_dir / name
        for name in ("trades.csv", "equity.csv", "days.csv", "signals.csv", "metrics.json")
    }
    result.trades.to_csv(paths["trades.csv"], index=False)
    result.equity.to_frame().to_csv(paths["equity.csv"])
    result.ftmo.days.to_csv(paths["days.csv"])
    result.signals.to_csv(paths["signals.csv"], index=False)
    figures = summary(result, comparison)
    paths["metrics.json"].write_text(json.dumps(figures, indent=2), encoding="utf-8")
    initial = result.config.rules.initial_balance
    plots = [
        plot_series(result.equity, "equity", out_dir / "equity.png"),
        plot_series(drawdown(result.equity, initial) * 100, "drawdown %", out_dir / "drawdown.png"),
    ]
    report = out_dir / "report.md"
    report.write_text(markdown(title, figures, result), encoding="utf-8")
    return [*paths.values(), *plots, report]
