"""`crpbot features list|compute` through typer's CliRunner, on real bundled bars."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from crpbot.data.bundled import load_bundled
from crpbot.features import FEATURE_SPECS, feature_names
from crpbot.features.compute import compute_features
from crpbot.features.scale_free import model_feature_names
from crpbot_workers.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def candles() -> pd.DataFrame:
    return load_bundled("EURUSD").iloc[:400]


def _compute(*args: str):
    return runner.invoke(app, ["features", "compute", *args])


def test_features_list_prints_every_feature_with_family() -> None:
    result = runner.invoke(app, ["features", "list"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for spec in FEATURE_SPECS:
        assert spec.name in result.output
    assert "momentum" in result.output and "volatility" in result.output


def test_features_list_json_is_the_catalog_in_order() -> None:
    result = runner.invoke(app, ["features", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["name"] for row in rows] == feature_names()
    assert {row["family"] for row in rows} >= {"trend", "momentum", "volume"}
    assert all(row["description"] for row in rows)


def test_features_compute_writes_parquet_from_convention_csv(
    candles: pd.DataFrame, tmp_path: Path
) -> None:
    source, target = tmp_path / "candles.csv", tmp_path / "out" / "features.parquet"
    candles.to_csv(source, index_label="ts")
    result = _compute("--input", str(source), "--output", str(target))
    assert result.exit_code == 0, result.output
    assert "400 rows x 44 features" in result.output
    written = pd.read_parquet(target)
    pd.testing.assert_frame_equal(written, compute_features(candles), check_freq=False)


def test_features_compute_reads_backtesting_style_csv(
    candles: pd.DataFrame, tmp_path: Path
) -> None:
    source, target = tmp_path / "bt.csv", tmp_path / "features.parquet"
    styled = candles.rename(columns=str.capitalize)
    styled.index = styled.index.tz_localize(None).rename(None)
    styled.to_csv(source)
    assert Path(source).read_text().startswith(",Open,High,Low,Close,Volume")
    result = _compute("--input", str(source), "--output", str(target), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["rows"] == 400
    assert payload["first"] == "2017-04-19T09:00:00+00:00"
    pd.testing.assert_frame_equal(
        pd.read_parquet(target), compute_features(candles), check_freq=False
    )


def test_features_compute_accepts_bundled_data_and_scale_free(tmp_path: Path) -> None:
    target = tmp_path / "model.parquet"
    result = _compute(
        "--input", "bundled:eurusd", "--output", str(target), "--scale-free", "--json"
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["rows"] == 5000 and payload["scale_free"] is True
    assert list(pd.read_parquet(target).columns) == model_feature_names()


def test_features_compute_reads_parquet_candles(candles: pd.DataFrame, tmp_path: Path) -> None:
    source, target = tmp_path / "candles.parquet", tmp_path / "features.parquet"
    candles.to_parquet(source)
    result = _compute("--input", str(source), "--output", str(target), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["columns"] == len(feature_names())


def _csv(rows: list[str], header: str = "ts,open,high,low,close,volume") -> str:
    return "\n".join([header, *rows]) + "\n"


GOOD = [
    "2024-01-01T00:00:00Z,10,11,9,10.5,100",
    "2024-01-01T01:00:00Z,10.5,12,10,11,120",
    "2024-01-01T02:00:00Z,11,11.5,10.5,11.2,90",
]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_csv(GOOD, header="ts,open,high,low,close"), "missing volume"),
        (_csv([GOOD[0], "yesterday,10,11,9,10.5,100", GOOD[2]]), "row 2 (NaT): missing timestamp"),
        (_csv([GOOD[0], GOOD[2], GOOD[1]]), "row 3 (2024-01-01T01:00:00+00:00): out of order"),
        (_csv([GOOD[0], GOOD[1], GOOD[1]]), "row 3 (2024-01-01T01:00:00+00:00): duplicate"),
        (_csv([GOOD[0], "2024-01-01T01:00:00Z,10,9,11,10,5"]), "row 2"),
        ("", "not a readable CSV"),
    ],
)
def test_features_compute_rejects_bad_input_in_one_line(
    content: str, message: str, tmp_path: Path
) -> None:
    source, target = tmp_path / "bad.csv", tmp_path / "features.parquet"
    source.write_text(content)
    result = _compute("--input", str(source), "--output", str(target))
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not target.exists()


@pytest.mark.parametrize(
    ("source", "message"),
    [("missing.csv", "candle file not found"), ("bundled:ETHUSD", "unknown bundled dataset")],
)
def test_features_compute_names_missing_sources(source: str, message: str, tmp_path: Path) -> None:
    result = _compute(
        "--input",
        str(tmp_path / source) if source.endswith("csv") else source,
        "--output",
        str(tmp_path / "f.parquet"),
    )
    assert result.exit_code == 2
    assert message in result.stderr


def test_features_compute_help_explains_inputs() -> None:
    result = runner.invoke(app, ["features", "compute", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "bundled:EURUSD" in result.output and "--scale-free" in result.output
