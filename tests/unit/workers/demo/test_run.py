import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from crpbot_workers.cli import app
from crpbot_workers.demo import run_demo


def test_run_demo_stores_bundled_bars_and_features(tmp_path: Path) -> None:
    steps: list[str] = []
    summary = run_demo(tmp_path, on_step=lambda i, n, name: steps.append(name))
    assert summary.bars == 5000
    assert summary.bars_added_to_store == 5000
    assert summary.features >= 20
    assert steps[-1] == "done" and len(steps) == 4
    stored = pd.read_parquet(summary.store_file)
    features = pd.read_parquet(summary.feature_file)
    assert len(stored) == len(features) == 5000
    assert features.iloc[summary.warmup_rows :].notna().all().all()


def test_run_demo_second_run_adds_nothing(tmp_path: Path) -> None:
    run_demo(tmp_path)
    again = run_demo(tmp_path)
    assert again.bars_added_to_store == 0
    assert again.bars == 5000


def test_demo_cli_json_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--workdir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout[result.stdout.index("{") :])
    assert data["dataset"] == "EURUSD"
    assert data["pending_stages"]
