"""Operator benchmark: reconcile latency, 10 and 100 bots at once, drift repair, memory.

Runs the operator as its own process (`python -m crpbot_operator`) against the real local
control plane of `tests/k8s` (needs KUBEBUILDER_ASSETS, see hack/build-control-plane.sh), or
against any cluster whose kubeconfig is passed with `--kubeconfig`. Prints one table, then
how the time to Ready grows from 1 bot (sequential creates) to 10 and 100 created at once.

    .venv/bin/python tests/bench/bench_operator.py [--bots 10 100] [--samples 10]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.k8s.control_plane import ControlPlane, missing_binaries
from tests.k8s.operator_support import (
    CHILD_LISTERS,
    EXPECTED_CHILDREN,
    Cluster,
    api_client,
    bot_manifest,
    start_operator,
    stop_operator,
    wait_for,
)

READY_TIMEOUT_S = 120.0
TARGETS = {"one bot ready": 2.0, "100 bots ready": 60.0, "drift repaired": 5.0}


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _stopwatch(check: Callable[[], object], timeout_s: float, what: str) -> float:
    start = time.monotonic()
    wait_for(check, timeout_s, what, every=0.02)
    return time.monotonic() - start


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _apply_latency_s(cluster: Cluster, resource: str) -> float:
    """Mean seconds the API server took per server-side apply of `resource`, since it started.

    Services stand out: the API server allocates ClusterIPs one at a time.
    """
    request = cluster.api.param_serialize("GET", "/metrics", auth_settings=["BearerToken"])
    response = cluster.api.call_api(*request)
    text = response.read().decode()
    totals = {"sum": 0.0, "count": 0.0}
    pattern = re.compile(
        r"^apiserver_request_duration_seconds_(sum|count)\{(.*)\} (\S+)$", re.MULTILINE
    )
    for part, labels, value in pattern.findall(text):
        if 'verb="APPLY"' in labels and f'resource="{resource}"' in labels:
            totals[part] += float(value)
    return totals["sum"] / totals["count"] if totals["count"] else float("nan")


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def single_bot_latency(cluster: Cluster, samples: int) -> tuple[list[float], list[float]]:
    """Sequential creates: seconds until all children exist, and until Ready=True."""
    ns = f"bench-one-{uuid.uuid4().hex[:6]}"
    cluster.create_namespace(ns)
    to_children, to_ready = [], []
    for i in range(samples):
        name = f"one-{i}"
        start = time.monotonic()
        cluster.create_bot(bot_manifest(name, ns))
        cluster.wait_for_children(ns, name, every=0.02)
        to_children.append(time.monotonic() - start)
        wait_for(lambda n=name: cluster.is_ready(ns, n), 60, "Ready", every=0.02)
        to_ready.append(time.monotonic() - start)
    return to_children, to_ready


def _children_per_bot(cluster: Cluster, ns: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    selector = "app.kubernetes.io/managed-by=crpbot-operator"
    for _version, _kind, lister, api_class in CHILD_LISTERS:
        for item in getattr(api_class(cluster.api), lister)(ns, label_selector=selector).items:
            counts[item.metadata.labels["app.kubernetes.io/instance"]] += 1
    return counts


def _ready_bots(cluster: Cluster, ns: str) -> int:
    bots = cluster.custom.list_namespaced_custom_object("crpbot.io", "v1alpha1", ns, "tradingbots")
    return sum(
        any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in (b.get("status") or {}).get("conditions") or []
        )
        for b in bots["items"]
    )


def many_bots(cluster: Cluster, count: int) -> tuple[float, float, int]:
    """`count` bots created at once: seconds until every child exists, until all Ready.

    Gives up on Ready after READY_TIMEOUT_S and reports how many bots got there (the
    "all Ready" time is then the timeout, marked as missed).
    """
    ns = f"bench-many-{uuid.uuid4().hex[:6]}"
    cluster.create_namespace(ns)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: cluster.create_bot(bot_manifest(f"b{i:03d}", ns)), range(count)))

    def all_children() -> bool:
        counts = _children_per_bot(cluster, ns)
        return len(counts) == count and all(v == EXPECTED_CHILDREN for v in counts.values())

    wait_for(all_children, 300, f"children of {count} bots", every=0.5)
    children_s = time.monotonic() - start
    try:
        wait_for(lambda: _ready_bots(cluster, ns) == count, READY_TIMEOUT_S, "Ready", every=0.5)
    except AssertionError:
        return children_s, time.monotonic() - start, _ready_bots(cluster, ns)
    return children_s, time.monotonic() - start, count


def drift_repair(cluster: Cluster, samples: int) -> list[float]:
    """Seconds from deleting a bot's risk-guard Deployment to its replacement existing."""
    from kubernetes import client

    apps = client.AppsV1Api(cluster.api)
    ns = f"bench-drift-{uuid.uuid4().hex[:6]}"
    cluster.create_namespace(ns)
    cluster.create_bot(bot_manifest("drift", ns))
    cluster.wait_for_children(ns, "drift")
    times = []
    for _ in range(samples):
        old = apps.read_namespaced_deployment("drift-risk-guard", ns).metadata.uid
        apps.delete_namespaced_deployment("drift-risk-guard", ns)

        def back(old_uid: str = old) -> bool:
            items = apps.list_namespaced_deployment(
                ns, field_selector="metadata.name=drift-risk-guard"
            ).items
            return bool(items) and items[0].metadata.uid != old_uid

        times.append(_stopwatch(back, 30, "Deployment restored"))
    return times


@contextmanager
def kubeconfig_from_args(args: argparse.Namespace) -> Iterator[Path]:
    if args.kubeconfig:
        yield Path(args.kubeconfig)
        return
    with (
        tempfile.TemporaryDirectory(prefix="bench-operator-") as tmp,
        ControlPlane.started(Path(tmp)) as plane,
    ):
        plane.install_crds()
        yield plane.kubeconfig


def _row(name: str, value: float, target: float | None = None) -> str:
    verdict = "" if target is None else ("ok" if value < target else "MISSED")
    limit = "" if target is None else f"< {target:g}"
    return f"| {name:<34} | {value:>9.2f} | {limit:>8} | {verdict:<6} |"


def _growth(one_ready_s: float, many: dict[int, tuple[float, float, int, float]]) -> str:
    """How the time to Ready grows with the bots created at once: 1 (the sequential p50),
    then each size of `--bots`."""
    lines = [
        f"{'bots at once':>12} {'all Ready s':>12} {'s per bot':>10} {'operator CPU s':>15}",
        f"{1:>12} {one_ready_s:>12.2f} {one_ready_s:>10.2f} {'':>15}",
    ]
    for count, (_children, ready_s, _ready_count, cpu_s) in many.items():
        lines.append(f"{count:>12} {ready_s:>12.2f} {ready_s / count:>10.3f} {cpu_s:>15.2f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", help="use this cluster instead of starting one")
    parser.add_argument(
        "--bots",
        type=int,
        nargs="+",
        default=[10, 100],
        help="bots created at once, one namespace per size (the target is judged at 100)",
    )
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    reason = None if args.kubeconfig else missing_binaries(os.environ.get("KUBEBUILDER_ASSETS"))
    if reason:
        print(f"bench_operator skipped: {reason}")
        return 0
    with kubeconfig_from_args(args) as kubeconfig, tempfile.TemporaryDirectory() as logs:
        cluster = Cluster(api_client(kubeconfig))
        # As the chart runs it (operator.verbose is false): debug logging is not measured.
        operator = start_operator(kubeconfig, Path(logs) / "operator.log", {}, verbose=False)
        try:
            time.sleep(3)
            idle_mib = _rss_mib(operator.pid)
            children, ready = single_bot_latency(cluster, args.samples)
            drift = drift_repair(cluster, args.samples)
            many: dict[int, tuple[float, float, int, float]] = {}
            for count in args.bots:
                cpu_before = _cpu_s(operator.pid)
                many[count] = (*many_bots(cluster, count), _cpu_s(operator.pid) - cpu_before)
            loaded_mib = _rss_mib(operator.pid)
            service_apply, deployment_apply = (
                _apply_latency_s(cluster, r) for r in ("services", "deployments")
            )
        finally:
            stop_operator(operator)
    print(f"| {'measure (seconds unless noted)':<34} | {'value':>9} | {'target':>8} | {'':<6} |")
    print(f"|{'-' * 36}|{'-' * 11}|{'-' * 10}|{'-' * 8}|")
    print(_row("one bot: all children, p50", statistics.median(children)))
    print(_row("one bot: all children, p95", _p(children, 0.95)))
    print(_row("one bot: Ready, p50", statistics.median(ready)))
    print(_row("one bot: Ready, p95", _p(ready, 0.95), TARGETS["one bot ready"]))
    for count, (many_children, many_ready, ready_count, many_cpu) in many.items():
        target = TARGETS["100 bots ready"] if count == 100 else None
        print(_row(f"{count} bots: all children", many_children))
        print(_row(f"{count} bots: all Ready", many_ready, target))
        print(_row(f"{count} bots: how many got Ready", ready_count))
        print(_row(f"{count} bots: operator CPU", many_cpu))
    print(_row("API server: mean Service apply", service_apply))
    print(_row("API server: mean Deployment apply", deployment_apply))
    print(_row("drift repaired, p50", statistics.median(drift)))
    print(_row("drift repaired, p95", _p(drift, 0.95), TARGETS["drift repaired"]))
    print(_row("operator RSS idle (MiB)", idle_mib))
    print(_row(f"operator RSS after {sum(args.bots) + 1 + args.samples} bots (MiB)", loaded_mib))
    print(_row("machine load average (1 min)", os.getloadavg()[0]))
    print()
    print(_growth(statistics.median(ready), many))
    measured = {
        "one bot ready": ("one bot Ready, p95", _p(ready, 0.95)),
        "drift repaired": ("drift repaired, p95", _p(drift, 0.95)),
    }
    if 100 in many:
        measured["100 bots ready"] = ("100 bots all Ready", many[100][1])
    for key, (label, value) in measured.items():
        limit = TARGETS[key]
        verdict = "PASS" if value < limit else "FAIL"
        print(f"{verdict} operator {label}: {value:.2f} s (target < {limit:g} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
