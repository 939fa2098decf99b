"""Shared helpers of the chart tests: where helm/promtool/kind are, and rendering the chart.

The binaries are built from their Go modules by `hack/build-tools.sh`; `make test` exports
their folder as CRPBOT_TOOLS_DIR. A test that needs one and cannot find it is skipped with a
message naming the script, never failed for a missing tool.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "charts" / "crpbot"
CI_VALUES = CHART / "ci"
RULES_FILE = CHART / "files" / "alerts" / "crpbot-rules.yaml"
DASHBOARDS = CHART / "files" / "dashboards"
RELEASE = "crpbot"
NAMESPACE = "crpbot-system"

Manifest = dict[str, Any]


def find_tool(name: str) -> Path | None:
    """The tool from CRPBOT_TOOLS_DIR first (the pinned build), then PATH."""
    tools_dir = os.environ.get("CRPBOT_TOOLS_DIR")
    if tools_dir and (Path(tools_dir) / name).is_file():
        return Path(tools_dir) / name
    found = shutil.which(name)
    return Path(found) if found else None


def require_tool(name: str) -> Path:
    path = find_tool(name)
    if path is None:
        pytest.skip(f"needs {name}: CRPBOT_TOOLS_DIR=$(hack/build-tools.sh | tail -n1)")
    return path


def run(args: Sequence[str | Path], check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


def helm_template(
    helm: Path, values: Sequence[Path] = (), sets: Sequence[str] = (), check: bool = True
) -> subprocess.CompletedProcess[str]:
    args: list[str | Path] = [helm, "template", RELEASE, CHART, "--namespace", NAMESPACE]
    for file in values:
        args += ["--values", file]
    for item in sets:
        args += ["--set", item]
    return run(args, check=check)


def render(helm: Path, values: Sequence[Path] = (), sets: Sequence[str] = ()) -> list[Manifest]:
    """Every object `helm template` renders (hooks included), as plain dicts."""
    docs = yaml.safe_load_all(helm_template(helm, values, sets).stdout)
    return [doc for doc in docs if doc]


def by_kind(objects: Sequence[Manifest], kind: str) -> list[Manifest]:
    return [o for o in objects if o["kind"] == kind]


def only(objects: Sequence[Manifest], kind: str) -> Manifest:
    found = by_kind(objects, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def pod_spec(obj: Manifest) -> Manifest | None:
    """The pod spec inside a workload, or None for objects that run no pod."""
    if obj["kind"] == "Pod":
        spec: Manifest = obj["spec"]
        return spec
    if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        spec = obj["spec"]["template"]["spec"]
        return spec
    if obj["kind"] == "CronJob":
        spec = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return spec
    return None


def ci_values_files() -> list[Path]:
    return sorted(CI_VALUES.glob("*-values.yaml"))
