"""The offline demo end to end, on the bundled bars, with a small but real configuration.

Every stage runs for real (training, walk-forward evaluation, FTMO backtest, the scanner
replay with the risk guard on SQLite, outcome tracking, recalibration, reports); the
assertions read what the stages wrote back from their files and the database.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crpbot.confidence.calibration import Calibrator
from crpbot.db.models import (
    CalibrationChange,
    Outcome,
    RiskDecision,
    ScanCycle,
    ScoredBar,
    Signal,
)
from crpbot_workers.cli import app
from crpbot_workers.cli.demo import print_summary
from crpbot_workers.demo import STAGE_NAMES, DemoConfig
from crpbot_workers.demo.config import model_cache_key
from crpbot_workers.demo.replay import replay_closes

if TYPE_CHECKING:
    from tests.unit.workers.demo.conftest import DemoRun

runner = CliRunner()


def _session(run: DemoRun) -> Session:
    assert run.summary.replay is not None
    return Session(create_engine(f"sqlite:///{run.summary.replay.database}"))


@pytest.mark.slow
def test_run_demo_stores_the_bundled_bars_and_holds_out_whole_replay_days(
    demo_run: DemoRun,
) -> None:
    s = demo_run.summary
    stored = pd.read_parquet(s.store_file)
    assert s.bars == s.bars_added_to_store == len(stored) == 5000
    replay_from = pd.Timestamp(s.replay_from)
    assert replay_from == replay_from.normalize()
    assert s.training_bars == int((stored.index < replay_from).sum())
    assert s.bars - s.training_bars > 0


@pytest.mark.slow
def test_run_demo_evaluates_the_model_against_baselines_with_intervals(
    demo_run: DemoRun,
) -> None:
    evaluation = demo_run.summary.evaluation
    assert evaluation is not None
    assert {"model (calibrated)", "majority", "logistic", "random"} <= set(evaluation.accuracy)
    for estimate in [*evaluation.accuracy.values(), evaluation.auc]:
        assert 0.0 <= estimate.low <= estimate.value <= estimate.high <= 1.0
    assert evaluation.n_test > 0
    assert evaluation.report.is_file()
    assert len(pd.read_csv(evaluation.signals)) == evaluation.signal_count > 0


@pytest.mark.slow
def test_run_demo_backtest_agrees_with_its_trade_files_and_stays_out_of_the_replay(
    demo_run: DemoRun,
) -> None:
    backtest, evaluation = demo_run.summary.backtest, demo_run.summary.evaluation
    assert backtest is not None and evaluation is not None
    folder = backtest.report.parent
    trades = pd.read_csv(folder / "trades.csv", parse_dates=["entry_ts", "exit_ts"])
    metrics = json.loads((folder / "metrics.json").read_text())
    assert 0 < backtest.trades == len(trades) <= evaluation.signal_count
    # a trade's pnl is net of its fees (the old `pnl - fees` only held while fees were 0)
    final = demo_run.config.initial_balance + float(trades["pnl"].sum())
    assert trades["fees"].sum() > 0
    assert metrics["metrics"]["final_equity"] == pytest.approx(final)
    assert backtest.total_return == pytest.approx(final / demo_run.config.initial_balance - 1)
    assert trades["exit_ts"].max() < pd.Timestamp(demo_run.summary.replay_from)
    assert backtest.ftmo_status in {"passed", "failed", "not_passed"}
    assert backtest.ftmo_status == "passed" or backtest.ftmo_reasons


@pytest.mark.slow
def test_run_demo_replay_stores_each_cycle_and_signal_with_the_guards_decision_at_its_close(
    demo_run: DemoRun,
) -> None:
    replay = demo_run.summary.replay
    assert replay is not None
    candles = pd.read_parquet(demo_run.summary.store_file)
    closes = replay_closes(candles, pd.Timestamp(demo_run.summary.replay_from))
    assert replay.cycles == len(closes)
    assert replay.signals + replay.below_gate + replay.failed_symbols == replay.cycles
    assert replay.approved > 0 and replay.signals == replay.approved + replay.rejected
    with _session(demo_run) as session:
        assert session.scalar(select(func.count()).select_from(ScanCycle)) == replay.cycles
        signals = session.scalars(select(Signal)).all()
        decisions = {(d.symbol, d.ts): d for d in session.scalars(select(RiskDecision))}
    assert len(signals) == len(decisions) == replay.signals
    assert min(s.bar_ts for s in signals) >= pd.Timestamp(demo_run.summary.replay_from)
    for signal in signals:
        decision = decisions[(signal.symbol, signal.bar_ts + timedelta(hours=1))]
        assert decision.approved == (signal.status == "approved")
        assert decision.reasons == signal.reasons
    rejected = [s for s in signals if s.status == "rejected"]
    assert sum(len(s.reasons) for s in rejected) == sum(replay.reasons.values())


@pytest.mark.slow
def test_run_demo_resolves_outcomes_only_from_later_bars(demo_run: DemoRun) -> None:
    replay = demo_run.summary.replay
    assert replay is not None
    with _session(demo_run) as session:
        pairs = session.execute(select(Signal, Outcome).join(Outcome)).all()
    assert 0 < replay.resolved == len(pairs) <= replay.signals
    assert replay.won + replay.lost + replay.expired == replay.resolved
    assert all(outcome.resolved_ts > signal.bar_ts for signal, outcome in pairs)
    assert sum(outcome.result == "won" for _, outcome in pairs) == replay.won


@pytest.mark.slow
def test_run_demo_checks_the_calibrator_on_schedule_and_stores_each_refit(
    demo_run: DemoRun,
) -> None:
    replay = demo_run.summary.replay
    assert replay is not None
    every = timedelta(hours=demo_run.config.refit_every_hours)
    candles = pd.read_parquet(demo_run.summary.store_file)
    closes = replay_closes(candles, pd.Timestamp(demo_run.summary.replay_from))
    checks, last = 0, closes[0]
    for now in closes:
        if now - last >= every:
            checks, last = checks + 1, now
    assert replay.refit_checks == checks
    with _session(demo_run) as session:
        stored = session.scalar(select(func.count()).select_from(CalibrationChange))
    assert 1 <= replay.refits == stored <= replay.refit_checks
    assert replay.refits_adopted <= replay.refits


@pytest.mark.slow
def test_run_demo_refits_on_the_direction_of_every_scored_bar(demo_run: DemoRun) -> None:
    """Each refit used every scored bar whose direction was known by then (bars below the gate
    and expired trades included), and a fitted map lands on the observed frequency of "up",
    not on the trades' target-before-stop rate."""
    replay = demo_run.summary.replay
    assert replay is not None
    with _session(demo_run) as session:
        changes = session.scalars(select(CalibrationChange).order_by(CalibrationChange.ts)).all()
        bars = session.scalars(select(ScoredBar).where(ScoredBar.went_up.is_not(None))).all()
    assert replay.directions_resolved == len(bars) >= demo_run.config.refit.min_outcomes
    assert changes
    for change in changes:
        used = [b for b in bars if b.resolved_ts is not None and b.resolved_ts <= change.ts]
        assert change.n_samples == len(used) >= demo_run.config.refit.min_outcomes
        after = TypeAdapter(Calibrator).validate_python(change.after["calibrator"])
        if after.method == "identity":
            continue
        scores = np.array([b.score for b in used])
        observed_up = float(np.mean([bool(b.went_up) for b in used]))
        assert float(np.mean(after.apply(scores))) == pytest.approx(observed_up, abs=0.03)


@pytest.mark.slow
def test_run_demo_writes_daily_and_period_reports_that_embed_their_charts(
    demo_run: DemoRun,
) -> None:
    reports, replay = demo_run.summary.reports, demo_run.summary.replay
    assert reports is not None and replay is not None
    assert reports.day == replay.last_close[:10]
    for written in (reports.daily, reports.period):
        page = written.html.read_text()
        assert len(written.charts) == 5
        for chart in written.charts:
            assert chart.read_bytes().startswith(b"\x89PNG")
            assert f"]({chart.name})" in written.markdown.read_text()
        assert page.count("data:image/png;base64,") == len(written.charts)
    assert reports.approved_win_rate.decided <= replay.approved
    assert reports.all_win_rate.decided == replay.won + replay.lost


@pytest.mark.slow
def test_run_demo_completes_a_progress_bar_per_stage(demo_run: DemoRun) -> None:
    last: dict[int, tuple[int, int]] = {}
    for index, name, done, total, _ in demo_run.progress:
        assert name == STAGE_NAMES[index]
        last[index] = (done, total)
    assert sorted(last) == list(range(len(STAGE_NAMES)))
    assert all(done == total > 0 for done, total in last.values())
    assert list(demo_run.summary.stage_seconds) == list(STAGE_NAMES)


@pytest.mark.slow
def test_demo_cli_json_reuses_the_cached_models_of_the_same_bars_and_settings(
    demo_run: DemoRun, tmp_path: Path, small_cli_options: tuple[str, ...]
) -> None:
    models, replay = demo_run.summary.models, demo_run.summary.replay
    assert models is not None and not models.reused and replay is not None
    for kept in ("data", "models"):
        shutil.copytree(demo_run.workdir / kept, tmp_path / kept)
    result = runner.invoke(app, ["demo", "--workdir", str(tmp_path), *small_cli_options, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["models"]["reused"] is True
    assert data["models"]["version"] == models.version
    assert data["bars_added_to_store"] == 0
    assert set(data) >= {"evaluation", "backtest", "replay", "reports", "stage_seconds"}
    assert data["replay"]["cycles"] == replay.cycles
    assert Path(data["reports"]["daily"]["html"]).is_file()


@pytest.mark.slow
def test_demo_summary_prints_headline_figures_and_each_report_path_on_one_line(
    demo_run: DemoRun, capsys: pytest.CaptureFixture[str]
) -> None:
    s = demo_run.summary
    assert s.reports is not None and s.replay is not None and s.backtest is not None
    print_summary(s)
    lines = capsys.readouterr().out.splitlines()
    for path in (s.reports.daily.html, s.reports.period.html, s.replay.database):
        assert any(line.endswith(str(path)) for line in lines), path
    text = "\n".join(lines)
    assert f"{s.replay.approved} approved" in text
    assert f"{s.backtest.trades} trades, return {s.backtest.total_return:+.2%}" in text
    flat = " ".join(text.split())
    assert "always long:" in flat and "random side (20 seeds" in flat
    assert "costs 0.80 bp/side" in flat


@pytest.mark.slow
def test_run_demo_backtest_pays_costs_and_stands_beside_its_baselines(
    demo_run: DemoRun,
) -> None:
    backtest = demo_run.summary.backtest
    assert backtest is not None
    metrics = json.loads((backtest.report.parent / "metrics.json").read_text())
    assert metrics["config"]["fee"] + metrics["config"]["slippage"] == pytest.approx(0.8e-4)
    assert backtest.costs == demo_run.config.costs.describe()
    signals = pd.read_csv(backtest.report.parent / "signals.csv")
    baselines = backtest.baselines
    assert baselines["long_share"] == pytest.approx((signals["side"] == "long").mean())
    assert baselines["random_side"]["seeds"] == 20
    assert baselines["model"]["total_return"] == pytest.approx(backtest.total_return)
    for key in ("always_long", "always_short"):
        excess = baselines[key]["excess"]
        assert excess["value"] == pytest.approx(
            backtest.total_return - baselines[key]["total_return"]
        )
    assert "| always long |" in backtest.report.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workdir", "{tmp}/work", "--replay-days", "400"], "leaves 0 of 5,000 bars"),
        (["--workdir", "{tmp}/file"], "exists and is not a directory"),
        (["--workdir", "{tmp}/file/below"], "cannot be created"),
    ],
)
def test_demo_cli_refuses_bad_input_in_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "file").write_text("not a directory")
    argv = ["demo", *(a.replace("{tmp}", str(tmp_path)) for a in args)]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr


def test_demo_config_backtests_with_non_zero_costs() -> None:
    """The demo's backtest used to leave fee and slippage at 0: it now pays EUR/USD's costs."""
    costs = DemoConfig().costs
    assert costs.fee > 0 and costs.slippage > 0
    assert costs.per_side == pytest.approx(0.8e-4)


@pytest.mark.parametrize(
    "changed",
    [{"replay_days": 0}, {"n_boot": 5}, {"refit_every_hours": 0}, {"random_seeds": 0}],
)
def test_demo_config_rejects_settings_that_cannot_run(changed: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        DemoConfig(**changed)


def test_model_cache_key_changes_with_training_inputs_only() -> None:
    base = DemoConfig()
    key = model_cache_key("abc", base)
    assert model_cache_key("abd", base) != key
    assert model_cache_key("abc", DemoConfig(train=replace(base.train, epochs=9))) != key
    assert model_cache_key("abc", DemoConfig(n_boot=50, replay_days=3)) == key


@pytest.mark.slow
def test_run_demo_reports_the_skill_gate_closed_and_tier_expectancy(demo_run: DemoRun) -> None:
    """A few days of replay cannot reach 100 resolved signals: every gate stays closed."""
    reports, backtest = demo_run.summary.reports, demo_run.summary.backtest
    assert reports is not None and backtest is not None
    assert [g.tier for g in reports.gates] == ["high", "medium", "low"]
    assert not any(g.open for g in reports.gates)
    assert all(g.message.split(":")[0].endswith("UNPROVEN") for g in reports.gates)
    assert "all" in backtest.tiers
    assert backtest.tiers["all"].n == backtest.trades
