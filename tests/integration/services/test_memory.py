"""Every long-running service fits the memory limit its pod is given.

Each service is started through its real entry point (the command its container runs) and
its resident memory is read from /proc once it answers its probe; a one-shot scan is
measured at its peak. The limits are the ones the operator renders for the bot's children
(and the chart's for the operator itself), so a service that grows past its limit, or a
limit rendered below what the service needs, fails here rather than as an OOM-kill in a
cluster. The risk guard once loaded the scanner's model runtime through a shared import and
needed about 900 MiB against its 512 Mi.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes.utils import parse_quantity

from crpbot_operator.images import Images
from crpbot_operator.render import render_children
from crpbot_operator.spec import parse_spec
from tests.fixtures.ports import free_port, wait_http
from tests.fixtures.scan_env import local_scan_env
from tests.fixtures.telegram_api import TOKEN as TELEGRAM_TOKEN
from tests.fixtures.telegram_api import TelegramStandIn

pytestmark = pytest.mark.slow

CRPBOT = Path(sys.executable).with_name("crpbot")
REPO = Path(__file__).resolve().parents[3]
MIB = 1024 * 1024
ALLOWED_CHAT = 4242
SPEC = {
    "symbols": ["BTC-USD"],
    "telegram": {"secretRef": {"name": "tg", "key": "token"}, "allowedChats": [ALLOWED_CHAT]},
    "database": {"secretRef": {"name": "db", "key": "url"}},
}
IMAGES = Images(workers="example.org/workers:1", model_server="example.org/ts:1")
NOW = "2018-01-22T12:00Z"
"""The close of an hourly bar in the bundled EUR/USD data."""

# Runs a command as its only child and prints that child's peak resident set (KiB on Linux):
# a one-shot process is gone before /proc could be read after it.
_PEAK_OF_CHILD = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def _rendered_limits() -> dict[str, int]:
    """Memory limit in bytes of each workload the operator renders, by component label."""
    limits: dict[str, int] = {}
    for manifest in render_children("alpha", "crpbot", parse_spec(SPEC), IMAGES):
        pod = _pod_spec(manifest)
        if pod is None:
            continue
        component = manifest["metadata"]["labels"]["app.kubernetes.io/component"]
        memory = pod["containers"][0]["resources"]["limits"]["memory"]
        limits[component] = int(parse_quantity(memory))
    return limits


def _pod_spec(manifest: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if manifest["kind"] == "Deployment":
        return manifest["spec"]["template"]["spec"]  # type: ignore[no-any-return]
    if manifest["kind"] == "CronJob":
        return manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]  # type: ignore[no-any-return]
    return None


def _operator_limit() -> int:
    """The operator's own limit: the chart's default, since the operator does not render it."""
    values = yaml.safe_load((REPO / "charts" / "crpbot" / "values.yaml").read_text())
    return int(parse_quantity(values["operator"]["resources"]["limits"]["memory"]))


def _resident(pid: int) -> int:
    """The process's resident set size now, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def _peak(command: list[str], env: Mapping[str, str]) -> int:
    """Peak resident set size in bytes of `command`, which must succeed."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_OF_CHILD, *command],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip().splitlines()[-1]) * 1024


@contextmanager
def _serving(command: list[str], env: Mapping[str, str], probe: str, log: Path) -> Iterator[int]:
    """Start a service, wait until `probe` answers, yield its pid; stop it afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_http(probe, timeout_s=180)
        assert process.poll() is None, log.read_text()[-2000:]
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _assert_fits(service: str, used: int, limit: int) -> None:
    assert used < limit, (
        f"{service} uses {used / MIB:.0f} MiB after start-up, over its {limit / MIB:.0f} MiB "
        "memory limit: it would be OOM-killed in a cluster"
    )


@pytest.fixture(scope="module")
def limits() -> dict[str, int]:
    return _rendered_limits()


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CRPBOT_CONFIG_FILE": "",
        "CRPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
        "CRPBOT_DATA_DIR": str(tmp_path / "data"),
    }


def test_memory_risk_guard_fits_its_rendered_limit(
    tmp_path: Path, base_env: dict[str, str], limits: dict[str, int]
) -> None:
    port = free_port()
    env = {**base_env, "CRPBOT_RISK_TOKEN": "memory-test-token"}
    command = [str(CRPBOT), "risk-guard", "serve", "--host", "127.0.0.1", "--port", str(port)]
    probe = f"http://127.0.0.1:{port}/readyz"
    with _serving(command, env, probe, tmp_path / "guard.log") as pid:
        _assert_fits("the risk guard", _resident(pid), limits["risk-guard"])


def test_memory_telegram_bot_fits_its_rendered_limit(
    tmp_path: Path,
    base_env: dict[str, str],
    limits: dict[str, int],
    telegram_api: TelegramStandIn,
) -> None:
    subprocess.run(
        [str(CRPBOT), "db", "upgrade"], env=base_env, check=True, capture_output=True, timeout=300
    )
    port = free_port()
    env = {
        **base_env,
        "CRPBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "CRPBOT_TELEGRAM__ALLOWED_CHATS": json.dumps([ALLOWED_CHAT]),
        "CRPBOT_TELEGRAM__BASE_URL": telegram_api.base_url,
    }
    command = [str(CRPBOT), "telegram", "serve", "--pause", "db", "--port", str(port)]
    probe = f"http://127.0.0.1:{port}/healthz"
    with _serving(command, env, probe, tmp_path / "bot.log") as pid:
        _assert_fits("the Telegram bot", _resident(pid), limits["telegram"])


def test_memory_scan_once_peak_fits_its_rendered_limit(
    tmp_path: Path, model_dir: Path, limits: dict[str, int]
) -> None:
    env = {**os.environ, **local_scan_env(tmp_path, model_dir)}
    command = [str(CRPBOT), "scan", "--once", "--data", "bundled:EURUSD", "--now", NOW]
    _assert_fits("one scan (peak)", _peak(command, env), limits["scanner"])


def test_memory_operator_entry_module_fits_the_chart_limit() -> None:
    """The operator needs an API server to run; loading its entry point and handlers is what
    its process holds before the first event (measured at its peak)."""
    command = [sys.executable, "-c", "import crpbot_operator.__main__, crpbot_operator.handlers"]
    _assert_fits("the operator (import)", _peak(command, os.environ), _operator_limit())
