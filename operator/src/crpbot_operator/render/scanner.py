"""The scanner CronJob: one `crpbot scan --once` cycle per tick of the bot's schedule.

A cycle must never overlap the next one (`Forbid`), a missed tick is dropped rather than run
late, and a hung cycle is killed before the next tick is due, so signals are never computed
on stale bars.

The scanner's `data_dir` (its candle store and the spool of signals the database could not
take) is a PersistentVolumeClaim per bot, not the pod's scratch space: a Job's pod ends
after one cycle, and a spool on an emptyDir would vanish with it, signals included. One
ReadWriteOnce volume is enough because `Forbid` never runs two cycles at once. The claim is
owned by the bot, so deleting the bot deletes its spool too.

The scanner's own outage alerts are off here: the Telegram bot already announces the same
outage, once and after a grace period, from the RiskGuardReady condition (the guard's /readyz
fails when it or its database is down), and two voices for one outage is noise.

The scanner calibrates the model server's answers with the artifact's metadata and pins its
requests to that artifact's version, so its pod gets the model server's own `fetch-models`
init container (`render.model_store`) and reads the archives it copies, at the settings'
`model_dir`: both pods hold the same archives, and no other path to the metadata exists
(TorchServe's management API, which describes models, listens on the server's loopback only).

Nothing can scrape a pod that has exited, so the scanner pushes its metrics over OTLP (see
`Telemetry.for_one_shot` and `resource_env`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from croniter import CroniterError, croniter

from crpbot_operator.render.common import (
    COMPONENT_SCANNER,
    BotContext,
    Manifest,
    labels,
    metadata,
    model_server_key_env,
    pod_spec,
    pod_template,
    worker_env,
)
from crpbot_operator.render.model_store import (
    fetch_init_containers,
    model_store_mount,
    model_store_volume,
)
from crpbot_operator.spec import ResourceList, Resources

MINUTE = 60
# One scan peaks near 1 GiB with the default (CUDA) torch wheel, most of it torch's import
# (tests/integration/services/test_memory.py measures it): 1Gi left no headroom.
SCANNER_RESOURCES = Resources(
    requests=ResourceList(cpu="250m", memory="512Mi"),
    limits=ResourceList(cpu="1", memory="1536Mi"),
)
OUTAGE_ALERTS_OFF: Manifest = {"name": "CRPBOT_NOTIFY__OUTAGE_ALERTS", "value": "false"}
DATA_MOUNT = "/var/lib/crpbot"
DATA_SIZE = "1Gi"
# Ticks are counted from a fixed instant, so the same schedule always renders the same
# deadlines (a moving start would be drift on every check).
_REFERENCE = datetime(2026, 1, 1, tzinfo=UTC)
# Enough ticks to see every gap of a daily pattern up to every 4 minutes, and of any weekly,
# monthly or yearly one; a denser irregular pattern is cut short, which can only make the
# shortest gap found longer, never the deadlines exceed what `Forbid` already enforces.
_SAMPLED_TICKS = 400


@lru_cache(maxsize=256)
def cron_interval_seconds(schedule: str) -> int:
    """The shortest gap between two ticks of `schedule` (cron fields or an @macro).

    Read by croniter, as the CronJob controller reads it. An unreadable schedule (the API
    server refuses it on the CronJob anyway) counts as one minute, the smallest gap cron can
    express, so deadlines derived from it never outlast the real interval.
    """
    try:
        ticks = croniter(schedule, _REFERENCE)
    except (CroniterError, ValueError):
        return MINUTE
    previous = ticks.get_next(float)
    shortest = float("inf")
    for _ in range(_SAMPLED_TICKS):
        current = ticks.get_next(float)
        shortest, previous = min(shortest, current - previous), current
        if shortest <= MINUTE:
            break
    return max(MINUTE, int(shortest))


def deadlines(schedule: str) -> tuple[int, int]:
    """(startingDeadlineSeconds, activeDeadlineSeconds), both shorter than the interval."""
    interval = cron_interval_seconds(schedule)
    return interval // 2, interval - 10


def scanner_data_claim(ctx: BotContext) -> str:
    return ctx.child("scanner-data")


def render_scanner_data(ctx: BotContext) -> Manifest:
    """The volume that outlives each scanner Job's pod: candles and the signal spool."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(ctx, COMPONENT_SCANNER, scanner_data_claim(ctx)),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": DATA_SIZE}},
        },
    }


def render_scanner(ctx: BotContext) -> Manifest:
    starting, active = deadlines(ctx.spec.schedule)
    container: Manifest = {
        "name": "scanner",
        "image": ctx.images.workers,
        "command": ["crpbot", "scan", "--once"],
        "env": [
            *worker_env(ctx, COMPONENT_SCANNER, one_shot=True),
            model_server_key_env(ctx),
            OUTAGE_ALERTS_OFF,
            {"name": "CRPBOT_DATA_DIR", "value": f"{DATA_MOUNT}/data"},
        ],
        "resources": {
            "requests": SCANNER_RESOURCES.requests.model_dump(exclude_none=True),
            "limits": SCANNER_RESOURCES.limits.model_dump(exclude_none=True),
        },
        "volumeMounts": [
            {"name": "data", "mountPath": DATA_MOUNT},
            model_store_mount(read_only=True),
        ],
    }
    data = {"name": "data", "persistentVolumeClaim": {"claimName": scanner_data_claim(ctx)}}
    volumes = [data, model_store_volume()]
    pod = pod_spec(ctx, ctx.child(COMPONENT_SCANNER), [container], extra_volumes=volumes)
    init = fetch_init_containers(ctx)
    if init:
        pod["initContainers"] = init
    pod["restartPolicy"] = "Never"
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata(ctx, COMPONENT_SCANNER),
        "spec": {
            "schedule": ctx.spec.schedule,
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "suspend": ctx.spec.suspend,
            "startingDeadlineSeconds": starting,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {
                "metadata": {"labels": labels(ctx, COMPONENT_SCANNER)},
                "spec": {
                    "backoffLimit": 0,
                    "activeDeadlineSeconds": active,
                    "template": pod_template(ctx, COMPONENT_SCANNER, pod),
                },
            },
        },
    }
