"""Write a replay to a directory: tables for machines, plots and a summary for people.

Files: `trades.csv`, `equity.csv`, `days.csv` (the FTMO per-day table), `signals.csv` (input
with each signal's status), `metrics.json`, `equity.png`, `drawdown.png`, `report.md`.
Plots are drawn on bare `Figure` objects (Agg canvas, no pyplot state): no display needed
in CI or containers, and nothing global is switched for the host program.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from crpbot.backtest.engine import BacktestResult


def summary(result: BacktestResult) -> dict[str, Any]:
    """The replay's figures as plain JSON-ready data (NaN becomes null)."""
    config = result.config
    payload = {
        "metrics": asdict(result.metrics),
        "ftmo": {
            "status": result.ftmo.status,
            "passed": result.ftmo.passed,
            "reasons": result.ftmo.reasons,
            "trading_days": result.ftmo.trading_days,
            "decided_on": result.ftmo.decided_on.date().isoformat()
            if result.ftmo.decided_on is not None
            else None,
            "phase": config.rules.phase,
        },
        "signals": result.signal_counts,
        "config": {
            "initial_balance": config.rules.initial_balance,
            "risk_per_trade": config.risk_per_trade,
            "fee": config.fee,
            "slippage": config.slippage,
        },
        "bars": len(result.equity),
    }
    cleaned: dict[str, Any] = _finite(payload)
    return cleaned


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_report(result: BacktestResult, out_dir: Path, title: str = "Backtest") -> list[Path]:
    """Write every output file; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        name: out_dir / name
        for name in ("trades.csv", "equity.csv", "days.csv", "signals.csv", "metrics.json")
    }
    result.trades.to_csv(paths["trades.csv"], index=False)
    result.equity.to_frame().to_csv(paths["equity.csv"])
    result.ftmo.days.to_csv(paths["days.csv"])
    result.signals.to_csv(paths["signals.csv"], index=False)
    figures = summary(result)
    paths["metrics.json"].write_text(json.dumps(figures, indent=2), encoding="utf-8")
    plots = _plots(result.equity, result.config.rules.initial_balance, out_dir)
    markdown = out_dir / "report.md"
    markdown.write_text(_markdown(title, figures, result), encoding="utf-8")
    return [*paths.values(), *plots, markdown]


def _plots(equity: pd.Series, initial: float, out_dir: Path) -> list[Path]:
    peaks = equity.cummax().clip(lower=initial)
    drawdown = equity / peaks - 1.0
    series = (("equity.png", equity, "equity"), ("drawdown.png", drawdown * 100, "drawdown %"))
    paths = []
    for name, values, label in series:
        fig = Figure(figsize=(10, 4))
        ax = fig.subplots()
        ax.plot(values.index, values.to_numpy(), linewidth=0.8)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        fig.autofmt_xdate()
        fig.tight_layout()
        fig.savefig(out_dir / name, dpi=100)
        paths.append(out_dir / name)
    return paths


def _fmt(value: Any, pattern: str) -> str:
    return "n/a" if value is None else format(value, pattern)


def _markdown(title: str, figures: dict[str, Any], result: BacktestResult) -> str:
    m, ftmo, cfg = figures["metrics"], figures["ftmo"], figures["config"]
    skipped = ", ".join(f"{k} {v}" for k, v in figures["signals"].items() if v)
    first, last = result.equity.index[0], result.equity.index[-1]
    lines = [
        f"# {title}",
        "",
        f"{figures['bars']} bars, {first} → {last}; balance {cfg['initial_balance']:,.0f}, "
        f"risk {cfg['risk_per_trade']:.2%} per trade, fee {cfg['fee']:.4%} per side, "
        f"slippage {cfg['slippage']:.4%}.",
        "",
        f"## FTMO ({ftmo['phase']}): {ftmo['status']}",
        "",
        *[f"- {reason}" for reason in ftmo["reasons"]],
        f"- trading days: {ftmo['trading_days']}",
        "",
        "## Metrics",
        "",
        "| metric | value |",
        "|---|---|",
        f"| trades | {m['n_trades']} |",
        f"| win rate | {_fmt(m['win_rate'], '.1%')} |",
        f"| profit factor | {_fmt(m['profit_factor'], '.2f')} |",
        f"| expectancy per trade | {_fmt(m['expectancy'], ',.2f')} "
        f"({_fmt(m['expectancy_r'], '.2f')} R) |",
        f"| total return | {_fmt(m['total_return'], '.2%')} |",
        f"| max drawdown | {_fmt(m['max_drawdown'], '.2%')} |",
        f"| Sharpe (annualised, {_fmt(m['bars_per_year'], ',.0f')} bars/yr) "
        f"| {_fmt(m['sharpe'], '.2f')} |",
        f"| fees paid | {_fmt(m['total_fees'], ',.2f')} |",
        "",
        f"Signals: {skipped or 'none'}.",
        "",
        "![equity](equity.png)",
        "",
        "![drawdown](drawdown.png)",
        "",
    ]
    return "\n".join(lines)
