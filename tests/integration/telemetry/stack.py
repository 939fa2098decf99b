"""The processes of one bot as a cluster runs them, wired to a real Prometheus.

- the risk guard and the Telegram bot: long-lived `crpbot` processes, scraped on `/metrics`
  with the `namespace`/`bot` target labels a PodMonitor gives them;
- the scanner: one `crpbot scan --once` process per cycle (`CronJob`), pushing OTLP to
  Prometheus's receiver under the resource the operator renders for it;
- the Telegram Bot API stand-in and the test PostgreSQL, from the shared fixtures.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.fixtures.ports import free_port, wait_http
from tests.fixtures.telegram_api import TOKEN as TELEGRAM_TOKEN
from tests.fixtures.telegram_api import TelegramStandIn

CRPBOT = Path(sys.executable).with_name("crpbot")
RISK_TOKEN = "alert-test-risk-token-7d2e"
CHAT = 4242
FIRST_BAR = "2018-01-22T12:00Z"
"""The close of an hourly bar in the bundled EUR/USD data; each cycle scans one hour later."""


def scanner_resource(namespace: str, bot: str) -> str:
    """OTEL_RESOURCE_ATTRIBUTES of a bot's scanner runs: one stream for all of them."""
    return (
        f"k8s.namespace.name={namespace},namespace={namespace},bot={bot},"
        f"service.instance.id={bot}-scanner"
    )


@dataclass
class Service:
    """A long-lived `crpbot` process on a fixed port (so a restart keeps its scrape target)."""

    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    log: Path
    probe: str = "/healthz"
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def launch(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self) -> None:
        wait_http(f"http://{self.address}{self.probe}", timeout_s=240)
        assert self.process is not None and self.process.poll() is None, self.log.read_text()[
            -2000:
        ]

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def kill(self) -> None:
        """SIGKILL: the pod dies, no shutdown hook runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def base_env(workdir: Path, model_dir: Path, bot: str, database_url: str) -> dict[str, str]:
    """Settings every process of `bot` shares (the operator's ConfigMap and Secrets)."""
    return {
        **os.environ,
        "CRPBOT_CONFIG_FILE": "",
        "CRPBOT_BOT_NAME": bot,
        "CRPBOT_DATABASE_URL": database_url,
        "CRPBOT_MODEL_DIR": str(model_dir),
        "CRPBOT_DATA_DIR": str(workdir / "data"),
        "CRPBOT_RISK__MIN_CONFIDENCE": "0.5",
        "CRPBOT_CONFIDENCE__HIGH": "0.5",
        "CRPBOT_CONFIDENCE__MEDIUM": "0.5",
        "CRPBOT_NOTIFY__OUTAGE_ALERTS": "false",
        "CRPBOT_LOG_FORMAT": "json",
    }


def telegram_env(telegram: TelegramStandIn) -> dict[str, str]:
    return {
        "CRPBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "CRPBOT_TELEGRAM__BASE_URL": telegram.base_url,
        "CRPBOT_TELEGRAM__ALLOWED_CHATS": json.dumps([CHAT]),
    }


def scanner_env(env: Mapping[str, str], otlp_endpoint: str, namespace: str) -> dict[str, str]:
    """The scanner CronJob's container: pushes OTLP, as the operator renders a one-shot pod."""
    return {
        **env,
        "CRPBOT_TELEMETRY__EXPORTER": "otlp",
        "CRPBOT_TELEMETRY__OTLP_ENDPOINT": otlp_endpoint,
        "OTEL_RESOURCE_ATTRIBUTES": scanner_resource(namespace, env["CRPBOT_BOT_NAME"]),
    }


def guard_service(env: Mapping[str, str], workdir: Path) -> Service:
    port = free_port()
    command = [str(CRPBOT), "risk-guard", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return Service(
        "risk-guard",
        command,
        {**env, "CRPBOT_RISK_TOKEN": RISK_TOKEN, "CRPBOT_TELEMETRY__EXPORTER": "prometheus"},
        port,
        workdir / "risk-guard.log",
        probe="/readyz",
    )


def guard_client_env(guard: Service) -> dict[str, str]:
    """How the scanner reaches the bot's risk guard (its Service URL and token)."""
    return {"CRPBOT_RISK__GUARD_URL": f"http://{guard.address}", "CRPBOT_RISK_TOKEN": RISK_TOKEN}


def telegram_service(env: Mapping[str, str], telegram: TelegramStandIn, workdir: Path) -> Service:
    port = free_port()
    command = [str(CRPBOT), "telegram", "serve", "--pause", "db", "--port", str(port)]
    return Service(
        "telegram",
        command,
        {**env, **telegram_env(telegram), "CRPBOT_TELEMETRY__EXPORTER": "prometheus"},
        port,
        workdir / "telegram.log",
    )


def migrate(env: Mapping[str, str]) -> None:
    done = subprocess.run(
        [str(CRPBOT), "db", "upgrade"],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


@contextmanager
def running(*services: Service) -> Iterator[None]:
    """Start `services` side by side (each process's start is mostly imports, CPU the others
    can overlap with waiting); stop whatever still runs at the end."""
    try:
        for service in services:
            service.launch()
        for service in services:
            service.wait_ready()
        yield
    finally:
        for service in reversed(services):
            service.stop()
