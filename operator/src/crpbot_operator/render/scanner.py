"""The scanner CronJob: one `crpbot scan --once` cycle per tick of the bot's schedule.

A cycle must never overlap the next one (`Forbid`), a missed tick is dropped rather than run
late, and a hung cycle is killed before the next tick is due, so signals are never computed
on stale bars.

The scanner's own outage alerts are off here: each Job's pod starts with an empty `data_dir`,
so it would forget an outage it announced and announce it again every tick, while the
Telegram bot already announces the same outage, once and after a grace period, from the
RiskGuardReady condition (the guard's /readyz fails when it or its database is down).
"""

from __future__ import annotations

import re

from crpbot_operator.render.common import (
    COMPONENT_SCANNER,
    BotContext,
    Manifest,
    labels,
    metadata,
    pod_spec,
    pod_template,
    worker_env,
)
from crpbot_operator.spec import ResourceList, Resources

MINUTE = 60
# One scan peaks near 1 GiB with the default (CUDA) torch wheel, most of it torch's import
# (tests/integration/services/test_memory.py measures it): 1Gi left no headroom.
SCANNER_RESOURCES = Resources(
    requests=ResourceList(cpu="250m", memory="512Mi"),
    limits=ResourceList(cpu="1", memory="1536Mi"),
)
_EVERY_N_MINUTES = re.compile(r"^\*/([1-9][0-9]*)$")
OUTAGE_ALERTS_OFF: Manifest = {"name": "CRPBOT_NOTIFY__OUTAGE_ALERTS", "value": "false"}


def cron_interval_seconds(schedule: str) -> int:
    """The gap between ticks for `* * * * *` and `*/N * * * *`; one minute otherwise.

    One minute is the smallest gap cron can express, so deadlines derived from it stay
    shorter than the real interval of any schedule this function cannot read.
    """
    fields = schedule.split()
    if len(fields) != 5 or any(f != "*" for f in fields[1:]):
        return MINUTE
    match = _EVERY_N_MINUTES.match(fields[0])
    if match is None:
        return MINUTE
    return MINUTE * int(match.group(1))


def deadlines(schedule: str) -> tuple[int, int]:
    """(startingDeadlineSeconds, activeDeadlineSeconds), both shorter than the interval."""
    interval = cron_interval_seconds(schedule)
    return interval // 2, interval - 10


def render_scanner(ctx: BotContext) -> Manifest:
    starting, active = deadlines(ctx.spec.schedule)
    container: Manifest = {
        "name": "scanner",
        "image": ctx.images.workers,
        "command": ["crpbot", "scan", "--once"],
        "env": [*worker_env(ctx), OUTAGE_ALERTS_OFF],
        "resources": {
            "requests": SCANNER_RESOURCES.requests.model_dump(exclude_none=True),
            "limits": SCANNER_RESOURCES.limits.model_dump(exclude_none=True),
        },
    }
    pod = pod_spec(ctx, ctx.child(COMPONENT_SCANNER), [container])
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
