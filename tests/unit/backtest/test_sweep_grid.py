"""Sweep grids: items and files become every combination; bad input says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from crpbot.backtest.sweep_grid import GridError, SweepSet, load_grid_file, parse_items


def test_grid_items_give_every_combination_with_defaults() -> None:
    grid = parse_items(["stop=1,2", "target=3"])
    assert grid.sets() == [SweepSet(1.0, 3.0, 0.0), SweepSet(2.0, 3.0, 0.0)]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["stop"], "expected name=v1,v2"),
        (["=1,2"], "expected name=v1,v2"),
        (["stop=1,abc"], "values must be numbers"),
        (["stop=0"], "'stop': 0.0 is not a number > 0"),
        (["target=-1"], "'target'"),
        (["threshold=1.5"], "in \\[0, 1\\]"),
        (["stop=nan"], "'stop'"),
        (["leverage=2"], "unknown sweep axis 'leverage'"),
        (["stop=1", "stop=2"], "given twice"),
        (["stop=1,2,1.0"], "'stop': 1.0 is listed twice"),
        (["threshold=0.5,.5"], "'threshold': 0.5 is listed twice"),
        (
            ["stop=" + ",".join(map(str, range(1, 1001))), "target=" + ",".join(["2"] * 101)],
            "twice",
        ),
        (
            [
                "stop=" + ",".join(map(str, range(1, 1001))),
                "target=" + ",".join(map(str, range(1, 102))),
            ],
            "at most",
        ),
    ],
)
def test_grid_items_bad_input_is_one_line_error(items: list[str], message: str) -> None:
    with pytest.raises(GridError, match=message) as caught:
        parse_items(items)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("grid.json", '{"stop": [1, 1.5], "target": 2, "threshold": [0.5, 0.6]}'),
        ("grid.yaml", "stop: [1, 1.5]\ntarget: 2\nthreshold:\n  - 0.5\n  - 0.6\n"),
    ],
)
def test_grid_file_json_or_yaml(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    grid = load_grid_file(path)
    assert (grid.stop_atr, grid.target_atr, grid.threshold) == ((1, 1.5), (2,), (0.5, 0.6))
    assert len(grid.sets()) == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "must map axis names"),
        ("stop: [1, yes]", "'stop'"),
        ("stop: [1\n", "not valid"),
        ("stop: []", "has no values"),
        ("target: [2, 2]", "'target': 2 is listed twice"),
    ],
)
def test_grid_file_bad_content_is_one_line_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GridError, match=message) as caught:
        load_grid_file(path)
    assert "\n" not in str(caught.value)


def test_grid_file_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(GridError, match="cannot read grid file"):
        load_grid_file(tmp_path / "absent.json")
