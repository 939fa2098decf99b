"""One small demo run shared by the demo tests: training dominates, so it happens once.

The config keeps every stage real but cheap: one epoch, two folds, three replayed days,
ten bootstrap resamples, twenty random-side replays, and a refit policy that can fire on the
few outcomes three days produce. Its training settings equal what `crpbot demo --epochs 1
--folds 2` builds, so the CLI test can reuse these models from a copy of the work dir.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest

from crpbot.learning.recalibrate import RefitPolicy
from crpbot.models.splits import SplitConfig
from crpbot_workers.demo import DemoConfig, DemoSummary, run_demo
from crpbot_workers.demo.config import demo_train_config


def small_config() -> DemoConfig:
    return DemoConfig(
        train=replace(demo_train_config(), epochs=1),
        splits=SplitConfig(n_folds=2),
        replay_days=3,
        n_boot=10,
        random_seeds=20,
        refit_every_hours=12,
        refit=RefitPolicy(min_outcomes=10, min_new_outcomes=1, interval=timedelta(hours=12)),
    )


@pytest.fixture
def small_cli_options() -> tuple[str, ...]:
    """The `crpbot demo` options that build `small_config()`'s training settings."""
    return ("--epochs", "1", "--folds", "2", "--replay-days", "3", "--n-boot", "10")


@dataclass(frozen=True)
class DemoRun:
    """A finished small demo: its summary, work dir and every progress event it reported."""

    summary: DemoSummary
    workdir: Path
    config: DemoConfig
    progress: list[tuple[int, str, int, int, str]]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    workdir = tmp_path_factory.mktemp("demo")
    config = small_config()
    events: list[tuple[int, str, int, int, str]] = []

    def record(index: int, name: str, done: int, total: int, detail: str) -> None:
        events.append((index, name, done, total, detail))

    summary = run_demo(workdir, config, on_progress=record)
    return DemoRun(summary, workdir, config, events)
