"""`crpbot run`'s `/healthz`, `/readyz` and `/metrics`, served on a thread beside the loop.

The loop is the process's main work and owns the main thread (SIGTERM must reach its drain
handler), so the HTTP side runs uvicorn on a daemon thread, which installs no signal
handlers. Readiness is false while the database or the risk guard (when it runs apart) is
down: a scanner without either approves nothing.
"""

from __future__ import annotations

import threading
import time

import requests
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, text

from crpbot.config import Settings
from crpbot.telemetry.health import Readiness, health_router
from crpbot.telemetry.metrics import Telemetry


def _database_up(engine: Engine) -> bool:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return True


def _guard_ready(url: str) -> bool:
    response = requests.get(f"{url.rstrip('/')}/readyz", timeout=2.0)
    return response.status_code == 200


def scanner_readiness(settings: Settings, engine: Engine) -> Readiness:
    """The scanner's dependencies: its database, and the risk guard when it is remote."""
    readiness = Readiness()
    readiness.register("database", lambda: _database_up(engine))
    guard_url = settings.risk.guard_url
    if guard_url:
        readiness.register("risk_guard", lambda: _guard_ready(guard_url))
    return readiness


class HealthServer:
    """uvicorn on a daemon thread; `start` returns once it listens, `stop` once it closed."""

    def __init__(self, readiness: Readiness, telemetry: Telemetry, host: str, port: int) -> None:
        app = FastAPI(title="crpbot scanner")
        app.include_router(health_router(readiness, telemetry=telemetry))
        config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="health", daemon=True)

    def start(self, timeout_s: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise OSError("the health server did not start (port in use?)")
            time.sleep(0.05)

    def stop(self, timeout_s: float = 5.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout_s)
