"""A scanner that asks a model server never loads torch: a whole `crpbot scan --once` cycle
with `inference=torchserve` runs in a fresh interpreter, which then reports whether torch was
imported. The in-process backend is the control: the same probe sees torch there."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.fixtures.ports import free_port

PROBE = """
import json, sys
from crpbot_workers.cli.main import app
code = app(
    ["scan", "--once", "--data", "bundled:EURUSD", "--now", "2018-01-22T12:00Z", "--json"],
    prog_name="crpbot", standalone_mode=False,
)
print(json.dumps({"code": code, "torch": "torch" in sys.modules}), file=sys.stderr)
"""


def _probe(env: dict[str, str]) -> tuple[dict[str, object], dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    return probe, json.loads(done.stdout)


@pytest.mark.parametrize(("inference", "loads_torch"), [("torchserve", False), ("inprocess", True)])
def test_scan_cycle_loads_torch_only_for_in_process_inference(
    scan_env: dict[str, str], inference: str, loads_torch: bool
) -> None:
    env = {
        **scan_env,
        "CRPBOT_INFERENCE": inference,
        "CRPBOT_TORCHSERVE_URL": f"http://127.0.0.1:{free_port()}",
    }
    probe, report = _probe(env)
    assert probe["torch"] is loads_torch
    assert report["symbols"], report
