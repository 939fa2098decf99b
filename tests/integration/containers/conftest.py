"""The images of `make images` running the pods the operator renders, under its limits.

The session builds (or reuses: the engine caches layers) the images with
hack/build-images.sh after hack/ensure-docker.sh; where no Docker engine can be had, every
test here skips with ensure-docker's one-line reason.
"""

from __future__ import annotations

import os
import secrets as token_source
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import pytest

from crpbot_operator.images import Images
from crpbot_operator.render import Manifest, render_children
from crpbot_operator.spec import parse_spec
from tests.fixtures.ports import free_port
from tests.fixtures.telegram_api import TOKEN
from tests.integration.containers.pods import PodRun, outcome, pod_spec_of, remove, start

REPO = Path(__file__).resolve().parents[3]
TAG = os.environ.get("CRPBOT_IMAGE_TAG", "dev")
"""The images' tag: hack/build-images.sh's default, or the one a run builds beside it."""
BOT = "demo"
CHAT = 42
NAMESPACE = "crpbot-system"
SPEC = {
    "symbols": ["BTC-USD"],
    "telegram": {"secretRef": {"name": "tg", "key": "token"}, "allowedChats": [CHAT]},
    "database": {"secretRef": {"name": "db", "key": "url"}},
}
READY_TIMEOUT_S = 180.0


@pytest.fixture(scope="session")
def images() -> Images:
    """The three images, built here; skips when the Docker engine cannot start."""
    engine = subprocess.run(
        [str(REPO / "hack" / "ensure-docker.sh")], capture_output=True, text=True, timeout=600
    )
    if engine.returncode != 0:
        reason = engine.stderr.strip().splitlines()[-1] if engine.stderr.strip() else "?"
        pytest.skip(f"no Docker engine: {reason}")
    built = subprocess.run(
        [str(REPO / "hack" / "build-images.sh")], capture_output=True, text=True, timeout=3600
    )
    assert built.returncode == 0, f"make images failed:\n{built.stderr[-4000:]}"
    return Images(workers=f"crpbot/workers:{TAG}", model_server=f"crpbot/model-server:{TAG}")


@pytest.fixture(scope="session")
def children(images: Images) -> dict[tuple[str, str], Manifest]:
    """The sample bot's children as the operator renders them with these images."""
    rendered = render_children(BOT, NAMESPACE, parse_spec(SPEC), images)
    return {(c["kind"], c["metadata"]["name"]): c for c in rendered}


@pytest.fixture
def config_maps(children: dict[tuple[str, str], Manifest]) -> dict[str, dict[str, str]]:
    return {
        name: dict(child["data"]) for (kind, name), child in children.items() if kind == "ConfigMap"
    }


@pytest.fixture
def pod_secrets(postgres_url: str) -> dict[tuple[str, str], str]:
    """What the bot's Secrets hold: the test database, fresh guard and model-server keys (the
    operator makes both), a Bot API token."""
    return {
        ("db", "url"): postgres_url,
        (f"{BOT}-risk-token", "token"): token_source.token_hex(16),
        (f"{BOT}-model-server-key", "key"): token_source.token_hex(16),
        ("tg", "token"): TOKEN,
    }


class MakePod(Protocol):
    """`pod_run(kind, name, ...)`: a `PodRun` of that child's first container."""

    def __call__(
        self,
        kind: str,
        name: str,
        *,
        args_extra: list[str] | None = None,
        env_override: dict[str, str] | None = None,
        mounts_extra: dict[str, Path] | None = None,
    ) -> PodRun: ...


@pytest.fixture
def pod_run(
    children: dict[tuple[str, str], Manifest],
    config_maps: dict[str, dict[str, str]],
    pod_secrets: dict[tuple[str, str], str],
    tmp_path: Path,
) -> Iterator[MakePod]:
    """Makes `PodRun`s for a child by (kind, name); removes every container afterwards."""
    names: list[str] = []

    def make(
        kind: str,
        name: str,
        *,
        args_extra: list[str] | None = None,
        env_override: dict[str, str] | None = None,
        mounts_extra: dict[str, Path] | None = None,
    ) -> PodRun:
        pod = pod_spec_of(children[(kind, name)])
        run = PodRun(
            name=f"crpbot-test-{name}-{token_source.token_hex(3)}",
            pod=pod,
            container=pod["containers"][0],
            config_maps=config_maps,
            secrets=pod_secrets,
            workdir=tmp_path,
            args_extra=args_extra or [],
            env_override=env_override or {},
            mounts_extra=mounts_extra or {},
        )
        names.append(run.name)
        return run

    yield make
    for name in names:
        remove(name)


def probe_path(container: Manifest, probe: str) -> str:
    path: str = container[probe]["httpGet"]["path"]
    return path


def _any_body(body: bytes) -> bool:
    return True


def wait_ready(
    name: str,
    url: str,
    timeout_s: float = READY_TIMEOUT_S,
    ready: Callable[[bytes], bool] = _any_body,
) -> None:
    """Until `url` answers 200 with a body `ready` accepts; fails at once, with the memory
    figure, if the container stops."""
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        state = outcome(name)
        if not state.running:
            pytest.fail(f"{name} stopped before {url} answered: {state.describe()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body = response.read()
                if response.status == 200 and ready(body):
                    return
                last = f"HTTP {response.status}: {body[:300]!r}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}: {exc.read()[:300]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(1)
    pytest.fail(f"{url} not ready in {timeout_s:.0f}s ({last}): {outcome(name).describe()}")


@pytest.fixture
def risk_guard(pod_run: MakePod) -> Iterator[tuple[str, PodRun]]:
    """The rendered risk guard in its container, ready; yields its base URL and its run."""
    port = free_port()
    run = pod_run(
        "Deployment", f"{BOT}-risk-guard", args_extra=["--host", "127.0.0.1", "--port", str(port)]
    )
    start(run)
    base = f"http://127.0.0.1:{port}"
    wait_ready(run.name, base + probe_path(run.container, "readinessProbe"))
    yield base, run
