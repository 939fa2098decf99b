"""Operator-wide settings and the shared API client, set once at startup."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.simple_server import WSGIServer

import kopf

from crpbot_operator.apply import FIELD_MANAGER, Applier, make_api_client
from crpbot_operator.handlers.status_sync import WALL_CLOCK, StatusWriter, status_patch
from crpbot_operator.images import images_from_env
from crpbot_operator.metrics import metrics_port, serve
from crpbot_operator.telemetry import telemetry_from_env

# Kopf's handler threads. Handlers mostly wait on the API server, not the CPU; with 16, a
# burst of new bots queued their reconciles behind their children's status events.
WORKERS = 32
# Requests one reconcile's parallel waves share across all handlers (see Applier).
APPLY_THREADS = 64
PEERING_NAME = "crpbot-operator"
# Set by the Helm chart with `--namespace` when `operator.watchNamespace` is set.
WATCH_NAMESPACE_ENV = "CRPBOT_WATCH_NAMESPACE"
RETRY_ENV = "CRPBOT_RECONCILE_RETRY_SECONDS"
# Kopf's own default. A refused apply (an invalid or immutable object, a missing grant) rarely
# heals by itself within a minute, and each retry re-applies every child of the bot.
RETRY_SECONDS = 60.0


def reconcile_retry_delay(env: Mapping[str, str]) -> float:
    """Seconds before a failed reconcile is tried again (Kopf's backoff for a handler error);
    the variable exists so tests need not wait a minute for the retry."""
    raw = env.get(RETRY_ENV) or str(RETRY_SECONDS)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{RETRY_ENV} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{RETRY_ENV} must be positive, not {value:g}")
    return value


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    """Progress lives in annotations: the CRD's status schema is ours, not Kopf's.

    Kopf turns its own log lines at or above `posting.level` into Kubernetes Events; at
    INFO that is two "handler succeeded" Events per reconcile, which cost the API server
    more than the reconcile's own writes. Only warnings and errors are posted that way; the
    operator posts its meaningful Normal events (Reconciled, DriftRepaired, condition flips)
    explicitly.
    """
    settings.posting.level = logging.WARNING
    settings.posting.reporting_component = "crpbot-operator"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="crpbot.io")
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix="crpbot.io", key="last-handled-configuration"
    )
    settings.peering.name = os.environ.get("CRPBOT_PEERING_NAME", PEERING_NAME)
    # Serving one namespace, the operator holds a Role there and nothing cluster-wide: Kopf
    # then cannot watch CRDs or namespaces, which it only needs to follow changes to them.
    settings.scanning.disabled = bool(os.environ.get(WATCH_NAMESPACE_ENV))
    settings.peering.mandatory = False
    settings.watching.server_timeout = 270
    settings.watching.client_timeout = 300
    settings.watching.connect_timeout = 10
    settings.execution.max_workers = WORKERS
    settings.networking.error_backoffs = (0.5, 1, 2, 5)
    settings.execution.default_backoff = reconcile_retry_delay(os.environ)
    field_manager = os.environ.get("CRPBOT_FIELD_MANAGER", FIELD_MANAGER)
    memo.apply_pool = ThreadPoolExecutor(APPLY_THREADS, thread_name_prefix="crpbot-apply")
    api = make_api_client(pool_size=WORKERS + APPLY_THREADS)
    memo.applier = Applier(api, field_manager, memo.apply_pool)
    # An embedding operator may bring its own clock in the memo it passes to Kopf.
    memo.clock = memo.get("clock", WALL_CLOCK)
    memo.status_writer = StatusWriter(status_patch(memo.applier), memo.clock)
    memo.images = images_from_env(os.environ)
    memo.telemetry = telemetry_from_env(os.environ)
    if (port := metrics_port(os.environ)) is not None:
        memo.metrics_server = serve(port)[0]


@kopf.on.cleanup()
def release(memo: kopf.Memo, **_: Any) -> None:
    """Let in-flight applies finish and stop serving metrics, so an operator stopping
    in-process leaves no threads."""
    pool: ThreadPoolExecutor | None = memo.get("apply_pool")
    if pool is not None:
        pool.shutdown(wait=True)
    server: WSGIServer | None = memo.get("metrics_server")
    if server is not None:
        server.shutdown()
        server.server_close()
