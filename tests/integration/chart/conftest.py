"""Fixtures of the chart tests: the pinned tools and the chart rendered per CI values file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.chart import Manifest, ci_values_files, render, require_tool


@pytest.fixture(scope="session")
def helm() -> Path:
    return require_tool("helm")


@pytest.fixture(scope="session")
def promtool() -> Path:
    return require_tool("promtool")


@pytest.fixture(scope="session")
def kind() -> Path:
    return require_tool("kind")


@pytest.fixture(scope="session")
def rendered(helm: Path) -> dict[str, list[Manifest]]:
    """Each CI values file (default, minimal, ha, external-db, dev) rendered once."""
    return {
        path.name.removesuffix("-values.yaml"): render(helm, [path]) for path in ci_values_files()
    }
