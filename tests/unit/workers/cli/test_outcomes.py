"""`crpbot outcomes track|stats|refit` on a SQLite file, candles from CSV or the store."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from crpbot.data.store import CandleStore
from crpbot.db.engine import make_engine, session_factory, upgrade
from crpbot.db.records import ScoredBarRecord
from crpbot.db.repos.scored_bars import save_scored_bar
from crpbot.db.repos.signals import save_signal
from crpbot.models.versions import read_metadata, resolve_version
from crpbot_workers.cli import app
from tests.fixtures.artifacts import build_tiny_artifact
from tests.unit.learning.builders import (
    HOUR,
    T0,
    make_candles,
    random_walk,
    scored_bar,
    stored_signal,
)

runner = CliRunner()
FLAT = (100.0, 100.5, 99.5, 100.0)
CANDLES = make_candles([FLAT, FLAT, (100.0, 102.5, 99.5, 102.0), *[FLAT] * 10])
LATE = (T0 + 100 * HOUR).isoformat()


def _db(tmp_path: Path, *signals: object) -> str:
    url = f"sqlite:///{tmp_path / 'crpbot.db'}"
    upgrade(url)
    sessions = session_factory(make_engine(url))
    with sessions.begin() as session:
        for record in signals:
            if isinstance(record, ScoredBarRecord):
                save_scored_bar(session, record)
            else:
                save_signal(session, record)  # type: ignore[arg-type]
    return url


def _csv(tmp_path: Path, candles: pd.DataFrame, symbol: str = "BTC-USD") -> str:
    path = tmp_path / f"{symbol}.csv"
    candles.to_csv(path, index_label="ts")
    return str(path)


def test_outcomes_track_from_csv_then_stats(tmp_path: Path) -> None:
    url = _db(tmp_path, stored_signal(1, CANDLES, tier="high"), stored_signal(3, CANDLES))
    args = ["--database-url", url, "--json"]
    tracked = runner.invoke(
        app, ["outcomes", "track", "--candles", _csv(tmp_path, CANDLES), "--now", LATE, *args]
    )
    assert tracked.exit_code == 0, tracked.output
    report = json.loads(tracked.stdout)
    assert (report["resolved"], report["won"], report["expired"]) == (2, 1, 1)
    again = runner.invoke(
        app, ["outcomes", "track", "--candles", _csv(tmp_path, CANDLES), "--now", LATE, *args]
    )
    assert json.loads(again.stdout)["resolved"] == 0
    stats = runner.invoke(app, ["outcomes", "stats", "--dimension", "tier", *args])
    assert stats.exit_code == 0, stats.output
    rows = {r["bucket"]: r for r in json.loads(stats.stdout)}
    assert rows["high"]["wins"] == 1 and rows["high"]["win_rate"] == 1.0
    assert rows["high"]["low"] < 1.0 == rows["high"]["high"]
    table = runner.invoke(app, ["outcomes", "stats", "--database-url", url])
    assert table.exit_code == 0 and "Wilson" in table.stdout and "high" in table.stdout


def test_outcomes_track_reads_the_candle_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _db(tmp_path, stored_signal(1, CANDLES), stored_signal(1, CANDLES, symbol="ETH-USD"))
    CandleStore(tmp_path / "data").merge("BTC-USD", "ONE_HOUR", CANDLES)
    monkeypatch.setenv("CRPBOT_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(app, ["outcomes", "track", "--now", LATE, "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "resolved 1" in result.stdout and "no candles for: ETH-USD" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["track", "--now", "yesterday"], "invalid --now"),
        (["track", "--now", "2024-03-01T00:00:00"], "UTC offset"),
        (["track", "--granularity", "ONE_WEEK"], "unknown granularity"),
        (["stats", "--dimension", "moon"], "unknown --dimension"),
        (["refit", "--method", "magic"], "unknown --method"),
    ],
)
def test_outcomes_bad_input_fails_in_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["outcomes", *args, "--database-url", _db(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_outcomes_unmigrated_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(app, ["outcomes", "stats", "--database-url", url])
    assert result.exit_code == 2
    assert "crpbot db upgrade" in result.output


def test_outcomes_refit_uses_the_artifact_calibrator_and_stores_the_change(
    tmp_path: Path,
) -> None:
    artifact = build_tiny_artifact(tmp_path / "models")
    version = read_metadata(resolve_version(artifact.model_dir)).model_version
    walk = random_walk(400, seed=3, vol=0.01)
    bars = [
        scored_bar(b, walk, model_version=version, score=0.4 + 0.2 * (b % 2))
        for b in range(20, 390)
    ]
    url = _db(tmp_path, *bars)
    common = ["--database-url", url, "--now", (T0 + 1000 * HOUR).isoformat(), "--json"]
    tracked = runner.invoke(app, ["outcomes", "track", "--candles", _csv(tmp_path, walk), *common])
    assert tracked.exit_code == 0, tracked.output
    refit = ["outcomes", "refit", "--model-dir", str(artifact.model_dir), *common]
    first = runner.invoke(app, refit)
    assert first.exit_code == 0, first.output
    payload = json.loads(first.stdout)
    assert payload["refitted"] and payload["model_version"] == version
    assert payload["change"]["before"] == {
        "method": "platt",
        "params": [1.0, 0.0],
        "xs": [],
        "ys": [],
    }
    second = json.loads(runner.invoke(app, refit).stdout)
    assert (second["refitted"], second["due"]) == (False, False)
    forced = json.loads(runner.invoke(app, [*refit, "--force"]).stdout)
    assert forced["refitted"] is True


def test_outcomes_refit_without_models_fails(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "outcomes",
            "refit",
            "--model-dir",
            str(tmp_path / "none"),
            "--database-url",
            _db(tmp_path),
        ],
    )
    assert result.exit_code == 2 and "crpbot train" in result.output
