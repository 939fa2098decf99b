"""The faults of the alert run, each one real, each removed again.

Two bots in two namespaces, because one condition hides another: a bot that produces no
signal (`quiet`) cannot also show failed signal deliveries. The two bots' faults run at the
same time (each waits only for its own alerts). `alpha` is the full bot (remote risk guard,
Telegram, PostgreSQL); its scanner cycles, one process each, are:

1. slow, with Telegram refusing: another session holds a lock on the signals table for
   longer than the slow-cycle threshold, the bot's replies to three commands and the
   scanner's signal alert are refused by the Bot API (`CrpbotScanCycleSlow`,
   `CrpbotTelegramDeliveryErrors`, `CrpbotNotificationFailures`);
2. failing, with the guard down: the risk guard is killed and no candles are stored for the
   bot's symbols, so every symbol fails and the Job exits 1 (`CrpbotRiskGuardErrors`,
   `CrpbotScannerErrors`, `CrpbotScannerJobFailing`);
3. healthy again (the guard restarted, candles present, Telegram answering), replaying a
   spool that a crash left with a torn line (`CrpbotSpoolQuarantined`); meanwhile a client
   whose clock is a day ahead reports equity to the restarted guard (`CrpbotRiskRefusals`).

`quiet` scans once with its confidence gate above anything the model gives (active, no
signal: `CrpbotNoSignals`) and once with its normal gate (a signal: the alert clears). The
run then waits until every alert has cleared.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from crpbot.scan.ports import RiskGuardRefusedError
from crpbot.services.risk_client import RiskClient
from tests.fixtures.kube_state import CronJob, CronJobState, Run, kube_state_metrics
from tests.fixtures.prometheus import PrometheusApi, ScrapeTarget, running_prometheus
from tests.fixtures.telegram_api import bad_request, running_stand_in
from tests.integration.telemetry.recorder import AlertHistory, recording
from tests.integration.telemetry.stack import (
    CHAT,
    CRPBOT,
    FIRST_BAR,
    RISK_TOKEN,
    base_env,
    guard_client_env,
    guard_service,
    migrate,
    running,
    scanner_env,
    telegram_env,
    telegram_service,
)

ALPHA, QUIET = "alpha", "quiet"
SLOW_HOLD_S = 30.0
"""How long the lock holds a waiting scanner: above the rule's 25 s threshold (the slow cycle
is alone in its window until the alerts it drives have fired)."""
FIRE_TIMEOUT_S = 420.0
CLEAR_TIMEOUT_S = 420.0
SCANNER_APP = "alpha-scanner"
"""The slow cycle's scanner process names its database sessions so (libpq `PGAPPNAME`)."""
SKEWED_ACCOUNT = "ftmo-skewed"
REFUSALS = 6
"""Above the rule's 5: the first one only makes the series exist (`increase()` counts from
the first scraped point), like the first refusal of a client whose clock just went wrong."""
TORN_LINE = b'{"bot": "alpha", "symbol": "EURUSD", "ts": "2018-01-22T1'
"""A spool line cut short by a crash (no closing brace, no newline)."""


@dataclass
class AlertRun:
    """What the tests read: Prometheus (still running) and every alert's history."""

    api: PrometheusApi
    history: AlertHistory
    runs: dict[str, list[Run]] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0
    """Wall-clock span of the run (Unix seconds), the range a dashboard would show."""


def bar(cycle: int) -> str:
    start = datetime.fromisoformat(FIRST_BAR.replace("Z", "+00:00"))
    return (start + timedelta(hours=cycle)).strftime("%Y-%m-%dT%H:%MZ")


def scan_args(cycle: int) -> list[str]:
    return ["--data", "bundled:EURUSD", "--now", bar(cycle)]


@contextmanager
def table_locked(database_url: str, table: str, hold_s: float, waiter: str) -> Iterator[None]:
    """Lock `table` from another session; once a session of `waiter` (its libpq
    application_name, `PGAPPNAME`) waits on it, hold it `hold_s` more. Another process of the
    bot (the Telegram bot reading signals for /status) may wait on it earlier: it must not
    start the clock, or the lock is gone before the scanner, still importing, gets there."""
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    released = threading.Event()
    with psycopg.connect(dsn) as lock, psycopg.connect(dsn, autocommit=True) as probe:
        lock.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")

        def hold() -> None:
            while not released.is_set():
                waiting = probe.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND application_name = %s",
                    (waiter,),
                ).fetchone()
                if waiting and waiting[0]:
                    released.wait(hold_s)
                    break
                released.wait(0.2)
            lock.commit()

        holder = threading.Thread(target=hold, daemon=True)
        holder.start()
        try:
            yield
        finally:
            released.set()
            holder.join(timeout=hold_s + 10)


def fired(history: AlertHistory, namespace: str, *names: str) -> Any:
    """Each of `names` has fired (some may have cleared since: their windows differ)."""
    return lambda: all("firing" in history.trail(n, namespace) for n in names)


def settle(condition: Any, timeout_s: float) -> None:
    """Go on once `condition()` holds or after `timeout_s`: the tests judge each alert's
    history, so one alert that never fires must not hide what the others did."""
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.5)


def _quiet_cycles(cron: CronJob, env: Mapping[str, str], history: AlertHistory) -> list[Run]:
    runs = [cron.run({**env, "CRPBOT_RISK__MIN_CONFIDENCE": "0.99"}, scan_args(0))]
    settle(fired(history, QUIET, "CrpbotNoSignals"), FIRE_TIMEOUT_S)
    runs.append(cron.run(env, scan_args(1)))
    return runs


def tear_spool(env: Mapping[str, str]) -> None:
    """Leave a torn line in the bot's spool, as a crash in the middle of an append would
    (the scanner's spool: `<data_dir>/spool/signals-<bot>.jsonl`)."""
    spool = Path(env["CRPBOT_DATA_DIR"]) / "spool" / f"signals-{env['CRPBOT_BOT_NAME']}.jsonl"
    spool.parent.mkdir(parents=True, exist_ok=True)
    with spool.open("ab") as out:
        out.write(TORN_LINE)


def skewed_client(guard: Any, api: PrometheusApi, namespace: str) -> None:
    """A client a day ahead of the guard's clock reports equity `REFUSALS` times (all
    refused); the rest are sent once Prometheus has scraped the first."""
    client = RiskClient(f"http://{guard.address}", RISK_TOKEN)

    def report() -> None:
        ahead = datetime.now(UTC) + timedelta(days=1)
        with contextlib.suppress(RiskGuardRefusedError):
            client.equity(SKEWED_ACCOUNT, 100_000.0, 100_000.0, ahead)
            raise AssertionError("the guard took an event time a day ahead of its clock")

    try:
        report()
        selector = f'crpbot_risk_refusals_total{{namespace="{namespace}"}}'
        settle(lambda: bool(api.query(selector)), FIRE_TIMEOUT_S)
        for _ in range(REFUSALS - 1):
            report()
    finally:
        client.close()


def _alpha_cycles(
    cron: CronJob, env: Mapping[str, str], stack: _Stack, database_url: str
) -> list[Run]:
    guard, telegram, history = stack.guard, stack.telegram, stack.history
    telegram.state.reject_chat(CHAT, bad_request("Forbidden: bot was kicked from the chat"))
    for _ in range(3):
        telegram.state.push_command(CHAT, "/status")
    with table_locked(database_url, "signals", SLOW_HOLD_S, SCANNER_APP):
        runs = [cron.run({**env, "PGAPPNAME": SCANNER_APP}, scan_args(0))]
    settle(
        fired(
            history,
            ALPHA,
            "CrpbotScanCycleSlow",
            "CrpbotTelegramDeliveryErrors",
            "CrpbotNotificationFailures",
        ),
        FIRE_TIMEOUT_S,
    )
    telegram.state.reject_chat(CHAT, None)
    guard.kill()
    failing = {**env, "CRPBOT_SYMBOLS": '["BTC-USD","ETH-USD"]'}
    runs.append(cron.run(failing, ["--now", bar(1)]))
    # Back while the failed Job's alerts wait out their `for:`: they judge what was pushed.
    guard.start()
    settle(
        fired(
            history,
            ALPHA,
            "CrpbotRiskGuardErrors",
            "CrpbotScannerErrors",
            "CrpbotScannerJobFailing",
        ),
        FIRE_TIMEOUT_S,
    )
    tear_spool(env)
    with ThreadPoolExecutor(max_workers=1) as pool:
        refusals = pool.submit(skewed_client, guard, stack.api, ALPHA)
        runs.append(cron.run(env, scan_args(2)))
        refusals.result(timeout=FIRE_TIMEOUT_S)
    return runs


@dataclass
class _Stack:
    guard: Any
    telegram: Any
    history: AlertHistory
    api: PrometheusApi


@contextmanager
def run_scenario(
    prometheus: Path,
    workdir: Path,
    rule_groups: Sequence[Mapping[str, Any]],
    database_url: str,
    model_dir: Path,
) -> Iterator[AlertRun]:
    started = time.time()
    alpha_env = base_env(workdir / ALPHA, model_dir, ALPHA, database_url)
    quiet_env = base_env(workdir / QUIET, model_dir, QUIET, f"sqlite:///{workdir / 'quiet.db'}")
    crons = {bot: CronJobState(bot, f"{bot}-scanner") for bot in (ALPHA, QUIET)}
    scan = [str(CRPBOT), "scan", "--once"]
    migrate(alpha_env)
    with running_stand_in() as telegram, kube_state_metrics(list(crons.values())) as ksm:
        guard = guard_service(alpha_env, workdir)
        bot = telegram_service(alpha_env, telegram, workdir)
        labels = {"namespace": ALPHA, "bot": ALPHA}
        targets = [
            ScrapeTarget("risk-guard", guard.address, labels),
            ScrapeTarget("telegram", bot.address, labels),
            ScrapeTarget("kube-state-metrics", ksm, {}),
        ]
        with (
            running_prometheus(prometheus, workdir / "prometheus", rule_groups, targets) as api,
            running(guard, bot),
            recording(api) as history,
        ):
            # A fault before the first scrape would be the series' first sample: no increase.
            settle(lambda: set(api.targets_up().values()) == {"up"}, FIRE_TIMEOUT_S)
            alpha = CronJob(crons[ALPHA], scan, workdir)
            quiet = CronJob(crons[QUIET], scan, workdir)
            otlp = api.otlp_endpoint
            with ThreadPoolExecutor(max_workers=1) as pool:
                quiet_env = scanner_env(quiet_env, otlp, QUIET)
                quiet_runs = pool.submit(_quiet_cycles, quiet, quiet_env, history)
                stack = _Stack(guard, telegram, history, api)
                env = {
                    **scanner_env(alpha_env, otlp, ALPHA),
                    **telegram_env(telegram),
                    **guard_client_env(guard),
                }
                alpha_runs = _alpha_cycles(alpha, env, stack, database_url)
                runs = {ALPHA: alpha_runs, QUIET: quiet_runs.result(timeout=FIRE_TIMEOUT_S * 3)}
            settle(lambda: not history.active(), CLEAR_TIMEOUT_S)
            yield AlertRun(api, history, runs, started, time.time())
