"""A replay's report as data: its figures as JSON-ready values, its summary as markdown, and
the drawdown curve. Pure, so the domain never writes files: `crpbot.reports.backtest` puts
them in a folder beside the trade tables and the charts.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import pandas as pd

from crpbot.backtest.comparison import Comparison, Interval
from crpbot.backtest.costs import TradingCosts
from crpbot.backtest.engine import BacktestResult
from crpbot.backtest.expectancy import expectancy_by_tier


def _interval(interval: Interval) -> dict[str, Any]:
    return asdict(interval)


def baseline_figures(comparison: Comparison) -> dict[str, Any]:
    """The comparison as JSON-ready data: each run, and the model's excess with its interval."""
    rnd = comparison.random_side
    return {
        "costs": TradingCosts(comparison.fee, comparison.slippage).describe(),
        "long_share": comparison.long_share,
        "model": asdict(comparison.model),
        "always_long": {
            **asdict(comparison.always_long.run),
            "excess": _interval(comparison.always_long.excess),
        },
        "always_short": {
            **asdict(comparison.always_short.run),
            "excess": _interval(comparison.always_short.excess),
        },
        "random_side": {
            "seeds": rnd.seeds,
            "long_share": rnd.long_share,
            "median_return": rnd.return_range.value,
            "return_low": rnd.return_range.low,
            "return_high": rnd.return_range.high,
            "beat_share": rnd.beat_share,
            "excess": _interval(rnd.excess),
        },
    }


def summary(result: BacktestResult, comparison: Comparison | None = None) -> dict[str, Any]:
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
            "costs": TradingCosts(config.fee, config.slippage).describe(),
        },
        "bars": len(result.equity),
        "expectancy_by_tier": {
            tier: asdict(figures)
            for tier, figures in expectancy_by_tier(result.trades, config.slippage).items()
        },
    }
    if comparison is not None:
        payload["baselines"] = baseline_figures(comparison)
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


def drawdown(equity: pd.Series, initial: float) -> pd.Series:
    """Fall from the running peak as a fraction (0 at a new high); the peak starts at the
    initial balance, so an account that never rises above it still shows its losses."""
    peaks = equity.cummax().clip(lower=initial)
    return equity / peaks - 1.0


def _fmt(value: Any, pattern: str) -> str:
    return "n/a" if value is None else format(value, pattern)


def _tier_lines(tiers: dict[str, dict[str, Any]]) -> list[str]:
    """Expectancy after costs per tier beside the win rate it needs (docs/evaluation.md)."""
    lines = [
        "## Expectancy per tier (R after costs)",
        "",
        "Win rate = target exits / (target + stop exits); break-even win rate = (1 + cost in R)"
        " / (reward-to-risk + 1); expectancy = mean R after costs over every trade, with a 95%"
        " Student t interval.",
        "",
        "| tier | trades | won | lost | other closes | win rate | break-even win rate "
        "| cost (R) | expectancy (R) | 95% interval |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for tier, f in tiers.items():
        interval = (
            "n/a" if f["low"] is None else f"[{_fmt(f['low'], '+.2f')}, {_fmt(f['high'], '+.2f')}]"
        )
        lines.append(
            f"| {tier} | {f['n']} | {f['wins']} | {f['losses']} | {f['expired']} "
            f"| {_fmt(f['win_rate'], '.1%')} | {_fmt(f['break_even'], '.1%')} "
            f"| {_fmt(f['cost_r'], '.3f')} | {_fmt(f['mean_r'], '+.3f')} | {interval} |"
        )
    return [*lines, ""]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2%}"


def _excess(excess: dict[str, Any]) -> str:
    return f"{_pct(excess['value'])} [{_pct(excess['low'])}, {_pct(excess['high'])}]"


def _run_row(name: str, run: dict[str, Any], excess: str) -> str:
    return (
        f"| {name} | {run['trades']} | {_pct(run['total_return'])} "
        f"| {_fmt(run['max_drawdown'], '.2%')} | {run['ftmo_status']} | {excess} |"
    )


def baseline_markdown(figures: dict[str, Any]) -> list[str]:
    """The comparison section: the model's run beside always-long/short and random sides."""
    rnd = figures["random_side"]
    return [
        f"## Against baselines ({figures['costs']}, same signals, exits and FTMO rules)",
        "",
        f"The model's signals are {figures['long_share']:.1%} long. Each baseline replays the "
        "same signal bars with the same stop/target distances and expiry, only the side "
        "changed (a flipped signal's stop and target are mirrored around its entry).",
        "",
        "| run | trades | total return after costs | max drawdown | FTMO | "
        "model's excess [interval] |",
        "|---|---|---|---|---|---|",
        _run_row("model", figures["model"], "—"),
        _run_row("always long", figures["always_long"], _excess(figures["always_long"]["excess"])),
        _run_row(
            "always short", figures["always_short"], _excess(figures["always_short"]["excess"])
        ),
        f"| random side ({rnd['seeds']} seeds, {rnd['long_share']:.1%} long) | — "
        f"| median {_pct(rnd['median_return'])} [{_pct(rnd['return_low'])}, "
        f"{_pct(rnd['return_high'])}] | — | — | {_excess(rnd['excess'])} |",
        "",
        f"Random sides beat the model in {rnd['beat_share']:.0%} of {rnd['seeds']} runs. "
        f"Intervals: always long/short, {figures['always_long']['excess']['method']}; "
        f"random side, {rnd['excess']['method']}.",
        "",
    ]


def markdown(title: str, figures: dict[str, Any], result: BacktestResult) -> str:
    """The summary people read; it embeds `equity.png` and `drawdown.png` from its folder."""
    m, ftmo, cfg = figures["metrics"], figures["ftmo"], figures["config"]
    skipped = ", ".join(f"{k} {v}" for k, v in figures["signals"].items() if v)
    first, last = result.equity.index[0], result.equity.index[-1]
    lines = [
        f"# {title}",
        "",
        f"{figures['bars']} bars, {first} → {last}; balance {cfg['initial_balance']:,.0f}, "
        f"risk {cfg['risk_per_trade']:.2%} per trade, {cfg['costs']}; every P/L below is "
        "after these costs.",
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
        f"| total return ({cfg['costs']}) | {_fmt(m['total_return'], '.2%')} |",
        f"| max drawdown | {_fmt(m['max_drawdown'], '.2%')} |",
        f"| Sharpe (annualised, {_fmt(m['bars_per_year'], ',.0f')} bars/yr) "
        f"| {_fmt(m['sharpe'], '.2f')} |",
        f"| fees paid | {_fmt(m['total_fees'], ',.2f')} |",
        "",
        f"Signals: {skipped or 'none'}.",
        "",
        *_tier_lines(figures["expectancy_by_tier"]),
        *(baseline_markdown(figures["baselines"]) if "baselines" in figures else []),
        "![equity](equity.png)",
        "",
        "![drawdown](drawdown.png)",
        "",
    ]
    return "\n".join(lines)
