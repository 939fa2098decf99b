"""FTMO accounting on hand-computed accounts: the daily base at Prague midnight (CET and
CEST), floating P/L and fees against the daily floor, halts, the total floor and verdicts."""

from __future__ import annotations

import pandas as pd
import pytest

from crpbot.backtest import BacktestConfig, BacktestResult, FtmoRules, run_backtest
from tests.unit.backtest.builders import Bar, longs_on_two_symbols, make_candles, make_signals

FLAT: Bar = (100.0, 100.5, 99.5, 100.0)
WIN: Bar = (100.0, 111.0, 99.5, 110.0)  # reaches the 110 target, not the 95 stop
AFTER: Bar = (110.0, 110.0, 110.0, 110.0)


@pytest.mark.parametrize(
    ("start", "exit_bar", "new_day", "base"),
    [
        # winter (CET, UTC+1): Prague midnight of 16 Jan is 15 Jan 23:00 UTC
        ("2024-01-15T19:00", "2024-01-15T22:00", "2024-01-16", 102_000.0),
        ("2024-01-15T19:00", "2024-01-15T23:00", "2024-01-16", 100_000.0),
        # summer (CEST, UTC+2): Prague midnight of 16 Jul is 15 Jul 22:00 UTC
        ("2024-07-15T18:00", "2024-07-15T21:00", "2024-07-16", 102_000.0),
        ("2024-07-15T18:00", "2024-07-15T22:00", "2024-07-16", 100_000.0),
    ],
)
def test_ftmo_daily_base_is_balance_at_prague_midnight(
    config: BacktestConfig, start: str, exit_bar: str, new_day: str, base: float
) -> None:
    """A +2000 target exit just before Prague midnight is in the next day's base; one at
    midnight is not."""
    index = pd.date_range(pd.Timestamp(start, tz="UTC"), periods=8, freq="h")
    exit_at = int(index.get_loc(pd.Timestamp(exit_bar, tz="UTC")))
    bars = [FLAT] * exit_at + [WIN] + [AFTER] * (7 - exit_at)
    signals = make_signals([{"ts": start, "side": "long", "stop": 95.0, "target": 110.0}])
    result = run_backtest(make_candles(start, bars), signals, config)
    assert result.trades["exit_ts"].iloc[0] == pd.Timestamp(exit_bar, tz="UTC")
    day = result.ftmo.days.loc[pd.Timestamp(new_day)]
    assert day["start_balance"] == pytest.approx(base)
    assert day["daily_floor"] == pytest.approx(base - 5_000.0)


def _crash_run(
    config: BacktestConfig, low: float, later: list[dict[str, object]]
) -> tuple[BacktestResult, pd.Series]:
    """Long at 100, stop 50 (far away), then a bar dipping to `low` on 10 Jan (Prague)."""
    bars = [FLAT, FLAT, (100.0, 100.0, low, 99.0)] + [FLAT] * 30
    rows = [{"ts": "2024-01-10T08:00", "side": "long", "stop": 50.0}, *later]
    result = run_backtest(make_candles("2024-01-10T08:00", bars), make_signals(rows), config)
    return result, result.trades.iloc[0]


def test_ftmo_floating_loss_breaches_daily_floor_and_halts_the_day(rules: FtmoRules) -> None:
    # risk 10% → size 10000 / 50 = 200; at the low of 74 equity is 100000 − 200·26 = 94800
    config = BacktestConfig(risk_per_trade=0.10, rules=rules)
    later = [
        {"ts": "2024-01-10T12:00", "side": "long", "stop": 90.0},  # same Prague day
        {"ts": "2024-01-11T08:00", "side": "long", "stop": 90.0},  # next day
    ]
    result, trade = _crash_run(config, low=74.0, later=later)
    assert (trade["exit_reason"], trade["exit_price"]) == ("daily_loss_halt", 74.0)
    assert trade["pnl"] == pytest.approx(-5_200.0)
    assert list(result.signals["status"]) == ["filled", "skipped_halted", "filled"]
    day = result.ftmo.days.loc[pd.Timestamp("2024-01-10")]
    assert day["status"] == "daily_loss_breached"
    assert day["min_equity"] == pytest.approx(94_800.0)
    assert result.ftmo.status == "failed"
    assert "max daily loss breached on 2024-01-10" in result.ftmo.reasons[0]


@pytest.mark.parametrize(("fee", "breached"), [(0.0, False), (0.001, True)])
def test_ftmo_fees_count_against_the_daily_floor(
    rules: FtmoRules, fee: float, breached: bool
) -> None:
    # size 200; a low of 75.05 loses 4990 on paper: 95010 equity, or 94990 after a 20 fee
    config = BacktestConfig(risk_per_trade=0.10, fee=fee, rules=rules)
    result, trade = _crash_run(config, low=75.05, later=[])
    day = result.ftmo.days.loc[pd.Timestamp("2024-01-10")]
    paper = 100_000.0 - 200 * 100 * fee - 4_990.0  # equity at the low, entry fee paid
    closed = paper - 200 * 75.05 * fee if breached else paper  # halted: exit fee paid too
    assert day["min_equity"] == pytest.approx(closed)
    assert (day["status"] == "daily_loss_breached") is breached
    assert (trade["exit_reason"] == "daily_loss_halt") is breached


def test_ftmo_total_floor_halts_for_good(rules: FtmoRules) -> None:
    # risk 20%, stop 40 → size 20000 / 60 = 333.33; low 69 → equity 100000 − 333.33·31 < 90000
    config = BacktestConfig(risk_per_trade=0.20, rules=rules)
    later = [{"ts": "2024-01-12T08:00", "side": "long", "stop": 90.0}]
    bars = [FLAT, FLAT, (100.0, 100.0, 69.0, 99.0)] + [FLAT] * 60
    rows = [{"ts": "2024-01-10T08:00", "side": "long", "stop": 40.0}, *later]
    result = run_backtest(make_candles("2024-01-10T08:00", bars), make_signals(rows), config)
    assert result.trades["exit_reason"].iloc[0] == "total_loss_halt"
    assert result.trades["pnl"].iloc[0] == pytest.approx(-20_000 / 60 * 31)
    assert list(result.signals["status"]) == ["filled", "skipped_halted"]
    assert result.ftmo.status == "failed"
    assert "max total loss breached on 2024-01-10" in result.ftmo.reasons[0]


@pytest.mark.parametrize(
    ("phase", "wins", "status", "reason"),
    [
        ("challenge", 4, "passed", "profit target 10% reached on 2024-02-05"),
        ("verification", 4, "passed", "profit target 5% reached on 2024-02-05"),
        ("challenge", 3, "not_passed", "profit target 10% not reached"),
        ("verification", 3, "not_passed", "only 3 trading day(s); at least 4 needed"),
    ],
)
def test_ftmo_verdict_needs_target_and_four_trading_days(
    phase: str, wins: int, status: str, reason: str
) -> None:
    """Daily bars (00:00 UTC = 01:00 Prague, one Prague day each); each trade risks 2.5% and
    wins 1R the day it opens, so equity compounds to 1.025^wins of 100 000."""
    rules = FtmoRules(initial_balance=100_000.0, phase=phase)  # type: ignore[arg-type]
    bars = [(100.0, 103.0, 99.0, 100.0)] * (wins + 2)
    rows = [
        {"ts": f"2024-02-0{day + 1}", "side": "long", "stop": 97.5, "target": 102.5}
        for day in range(wins)
    ]
    config = BacktestConfig(risk_per_trade=0.025, rules=rules)
    result = run_backtest(make_candles("2024-02-01", bars, freq="D"), make_signals(rows), config)
    assert result.metrics.final_equity == pytest.approx(100_000 * 1.025**wins)
    assert result.ftmo.trading_days == wins
    assert result.ftmo.status == status
    assert any(reason in text for text in result.ftmo.reasons)


def test_ftmo_bar_reaching_target_and_floor_is_a_breach_not_a_win(rules: FtmoRules) -> None:
    """Long at 100, stop 50, target 110, size 10000 / 50 = 200. The next bar reaches 111 AND
    dips to 74: at 74 equity is 100000 − 200·26 = 94800, below the 95000 daily floor. One bar
    cannot tell which came first, so the breach stands and the position closes at 74 (−5200);
    booking the +2000 target first would have left the day "ok"."""
    config = BacktestConfig(risk_per_trade=0.10, rules=rules)
    bars = [FLAT, FLAT, (100.0, 111.0, 74.0, 105.0)] + [FLAT] * 3
    signals = make_signals(
        [{"ts": "2024-01-10T08:00", "side": "long", "stop": 50.0, "target": 110.0}]
    )
    result = run_backtest(make_candles("2024-01-10T08:00", bars), signals, config)
    trade = result.trades.iloc[0]
    assert (trade["exit_reason"], trade["exit_price"]) == ("daily_loss_halt", 74.0)
    assert trade["pnl"] == pytest.approx(-5_200.0)
    day = result.ftmo.days.loc[pd.Timestamp("2024-01-10")]
    assert (day["status"], day["min_equity"]) == ("daily_loss_breached", pytest.approx(94_800.0))
    assert result.ftmo.status == "failed"


def test_ftmo_floor_counts_every_open_position_before_any_target_exit(rules: FtmoRules) -> None:
    """Risk 10%: BTC long at 100, stop 50 → size 200; ETH long at 50, stop 25 → size 400. In
    one bar BTC reaches its 110 target but dips to 85 (−3000) and ETH dips to 44 (−2400):
    equity 94600 < 95000. The breach closes both at those prices; booking BTC's +2000 first
    would have left 99600 and an "ok" day."""
    config = BacktestConfig(risk_per_trade=0.10, rules=rules)
    t0 = "2024-01-10T08:00"
    btc = make_candles(t0, [FLAT, FLAT, (100.0, 111.0, 85.0, 105.0), FLAT])
    eth = make_candles(t0, [(50.0,) * 4, (50.0,) * 4, (50.0, 51.0, 44.0, 49.0), (50.0,) * 4])
    signals = longs_on_two_symbols(t0, btc=(50.0, 110.0), eth=(25.0, 60.0))
    result = run_backtest({"BTC-USD": btc, "ETH-USD": eth}, signals, config)
    trades = result.trades.set_index("symbol")
    assert list(trades["exit_reason"]) == ["daily_loss_halt", "daily_loss_halt"]
    assert trades["exit_price"].to_dict() == {"BTC-USD": 85.0, "ETH-USD": 44.0}
    assert result.metrics.final_equity == pytest.approx(94_600.0)
    assert result.ftmo.days["status"].iloc[0] == "daily_loss_breached"


@pytest.mark.parametrize(
    ("day3", "status", "decided", "reason"),
    [
        # falls back to 100 and ends there: the open +11% of day 2 never counted
        ((111.0, 111.0, 100.0, 100.0), "not_passed", None, "profit target 10% not reached"),
        # closes at its 120 target on day 3: +20% closed balance passes that day
        ((111.0, 121.0, 110.0, 115.0), "passed", "2024-02-03", "closed balance 120000.00"),
    ],
)
def test_ftmo_profit_target_counts_closed_balance_not_open_profit(
    day3: Bar, status: str, decided: str | None, reason: str
) -> None:
    """Daily bars (one Prague day each). Long filled at 100 on day 2, stop 90, risk 10% →
    size 1000. Day 2 closes at 111: equity 111000 is above the 110000 target, but the balance
    is still 100000 because the position is open, so day 2 does not pass."""
    rules = FtmoRules(initial_balance=100_000.0, min_trading_days=1)
    bars = [FLAT, (100.0, 112.0, 99.0, 111.0), day3, FLAT]
    signals = make_signals([{"ts": "2024-02-01", "side": "long", "stop": 90.0, "target": 120.0}])
    config = BacktestConfig(risk_per_trade=0.10, rules=rules)
    result = run_backtest(make_candles("2024-02-01", bars, freq="D"), signals, config)
    day2 = result.ftmo.days.loc[pd.Timestamp("2024-02-02")]
    assert (day2["end_equity"], day2["end_balance"]) == (111_000.0, 100_000.0)
    assert day2["status"] == "ok"
    assert result.ftmo.status == status
    assert result.ftmo.decided_on == (pd.Timestamp(decided) if decided else None)
    assert reason in result.ftmo.reasons[0]
