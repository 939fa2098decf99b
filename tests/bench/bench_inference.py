"""Inference latency and throughput: in-process torch vs TorchServe, on the same windows.

Run: `make bench` or `.venv/bin/python tests/bench/bench_inference.py [--seconds S] [--json]`.

Model: the production shapes (`crpbot train` defaults: window 32, hidden 32) on the real
feature catalog of the bundled EURUSD bars; seeded, untrained weights (speed does not depend
on what the weights learned). One prediction = both models (LSTM P(up) and Transformer
strength) on a batch of raw windows, through the `InferenceBackend` interface the scanner
uses: `InProcessBackend` (torch in this process) and `TorchServeBackend` (HTTP to a real
TorchServe started from this venv with the archives `crpbot model archive` builds, workers
and batching from their model-config.yaml).

Closed loop: one caller, back to back, after a warm-up; latency p50/p99 per call and
throughput in windows per second, for batches of 1, 32 and 1,000 (a scan cycle of a whole
exchange; over TorchServe it goes in bodies under the server's request cap). Open loop:
TorchServe at a fixed 25, 50 and 100 predictions/s of one window each (so 50 to 200 HTTP
requests/s, one per model), sent on a fixed schedule by a thread pool whatever the answers;
latency is measured from the scheduled send time, so a server that falls behind shows it (no
coordinated omission). Before the timed open-loop runs, an untimed one at the highest rate
warms the server up under concurrent load (the frontend JVM's JIT compiles its hot paths then,
as it would long before a server in service sees production traffic); without it the first
timed rate carries those pauses.
Targets (issue 6, 2 CPU cores): in-process >= 2,000 windows/s at batch 32; TorchServe p99 <=
50 ms at 100 requests/s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fixtures.torchserve import NO_JAVA, java_available, running_torchserve

WINDOW, HIDDEN, BARS = 32, 32, 2000
BATCHES = (1, 32, 1000)  # 1,000: a whole universe per scan cycle (issue 18)
OPEN_LOOP_RATES = (25.0, 50.0, 100.0)  # predictions/s; each prediction is 2 HTTP requests
OPEN_LOOP_WARMUP_S = 5.0
TARGET_INPROCESS_WPS = 2000.0
TARGET_TS_P99_MS = 50.0

Windows = npt.NDArray[np.float32]
Predict = Callable[[Windows], object]


@dataclass(frozen=True)
class Closed:
    """One backend at one batch size, called back to back."""

    backend: str
    batch: int
    calls: int
    p50_ms: float
    p99_ms: float
    windows_per_s: float
    cpu_windows_per_s: float | None


@dataclass(frozen=True)
class Open:
    """TorchServe under a fixed arrival rate of predictions (two HTTP requests each)."""

    rate: float
    http_rate: float
    sent: int
    failed: int
    p50_ms: float
    p99_ms: float
    achieved_rate: float


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    values = np.asarray(latencies) * 1000.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 99))


def closed_loop(
    name: str, predict: Predict, windows: Windows, batch: int, seconds: float
) -> Closed:
    """Warm up, then call back to back for `seconds`, cycling through the windows.

    In-process rows also report windows per CPU-second of this process: on a machine whose
    cores are shared with other work, that is the figure wall time cannot give.
    """
    in_process = name == "in-process"
    batches = [windows[i : i + batch] for i in range(0, len(windows) - batch + 1, batch)]
    for chunk in batches[:10]:
        predict(chunk)
    latencies: list[float] = []
    begin, cpu_begin = time.perf_counter(), time.process_time()
    while time.perf_counter() - begin < seconds or len(latencies) < 20:
        chunk = batches[len(latencies) % len(batches)]
        start = time.perf_counter()
        predict(chunk)
        latencies.append(time.perf_counter() - start)
    elapsed, cpu = time.perf_counter() - begin, time.process_time() - cpu_begin
    p50, p99 = _percentiles(latencies)
    windows_done = len(latencies) * batch
    cpu_rate = windows_done / cpu if in_process and cpu > 0 else None
    return Closed(name, batch, len(latencies), p50, p99, windows_done / elapsed, cpu_rate)


def open_loop(
    make_predict: Callable[[], Predict], windows: Windows, rate: float, seconds: float
) -> Open:
    """Send one-window predictions at `rate` per second on a fixed schedule from a pool."""
    local = threading.local()

    def call(scheduled: float, window: Windows) -> float:
        if not hasattr(local, "predict"):
            local.predict = make_predict()
        local.predict(window)
        return time.perf_counter() - scheduled

    total = int(rate * seconds)
    futures: list[Future[float]] = []
    with ThreadPoolExecutor(max_workers=32) as pool:
        begin = time.perf_counter()
        for i in range(total):
            scheduled = begin + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(call, scheduled, windows[i % len(windows)][None]))
        latencies, failed = [], 0
        for future in futures:
            try:
                latencies.append(future.result())
            except Exception:  # an error is a lost request: counted, not timed
                failed += 1
        elapsed = time.perf_counter() - begin
    p50, p99 = _percentiles(latencies or [float("nan")])
    return Open(rate, 2 * rate, total, failed, p50, p99, len(latencies) / elapsed)


def _artifact(root: Path) -> tuple[Path, str, Windows, tuple[str, ...]]:
    from tests.fixtures.artifacts import build_tiny_artifact

    tiny = build_tiny_artifact(root / "models", bars=BARS, window=WINDOW, hidden=HIDDEN)
    return tiny.model_dir, tiny.version, tiny.samples.x, tiny.samples.feature_names


def run(seconds: float, with_torchserve: bool) -> tuple[list[Closed], list[Open]]:
    from pydantic import SecretStr

    from crpbot.models.inference import InProcessBackend
    from crpbot.models.torchserve import TorchServeBackend
    from crpbot_model_server.archive import build_archives

    rows: list[Closed] = []
    loads: list[Open] = []
    with tempfile.TemporaryDirectory(prefix="bench-inference-") as tmp:
        root = Path(tmp)
        model_dir, version, windows, names = _artifact(root)
        local = InProcessBackend(model_dir, version)
        for batch in BATCHES:
            rows.append(
                closed_loop(
                    "in-process", lambda w: local.predict(w, names), windows, batch, seconds
                )
            )
        if not with_torchserve:
            return rows, loads
        store = root / "store"
        build_archives(model_dir, version, store)
        with running_torchserve(store, root / "ts") as server:
            for mar in ("crpbot-lstm.mar", "crpbot-transformer.mar"):
                server.register(mar)

            def remote() -> Predict:
                backend = TorchServeBackend(
                    server.inference_url, local.metadata, key=SecretStr(server.key)
                )
                return lambda w: backend.predict(w, names)

            shared = remote()
            for batch in BATCHES:
                rows.append(closed_loop("torchserve", shared, windows, batch, seconds))
            open_loop(remote, windows, max(OPEN_LOOP_RATES), OPEN_LOOP_WARMUP_S)
            for rate in OPEN_LOOP_RATES:
                loads.append(open_loop(remote, windows, rate, max(seconds, 10.0)))
    return rows, loads


def print_table(rows: list[Closed], loads: list[Open]) -> None:
    header = (
        f"{'backend':<12}{'batch':>6}{'calls':>8}{'p50 ms':>10}{'p99 ms':>10}"
        f"{'windows/s':>12}{'cpu windows/s':>15}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        cpu = f"{r.cpu_windows_per_s:>15.0f}" if r.cpu_windows_per_s else f"{'-':>15}"
        print(
            f"{r.backend:<12}{r.batch:>6}{r.calls:>8}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}"
            f"{r.windows_per_s:>12.0f}{cpu}"
        )
    by = {(r.backend, r.batch): r for r in rows}
    for batch in BATCHES:
        if ("torchserve", batch) in by:
            ours, ts = by[("in-process", batch)], by[("torchserve", batch)]
            print(
                f"batch {batch}: in-process / torchserve: throughput x"
                f"{ours.windows_per_s / ts.windows_per_s:.1f}, p50 x"
                f"{ts.p50_ms / ours.p50_ms:.1f} lower, p99 x{ts.p99_ms / ours.p99_ms:.1f} lower"
            )
    for load in loads:
        print(
            f"open loop {load.rate:.0f} predictions/s = {load.http_rate:.0f} HTTP requests/s "
            f"(1 window, both models), {load.sent} sent: p50 {load.p50_ms:.1f} ms, "
            f"p99 {load.p99_ms:.1f} ms, achieved {load.achieved_rate:.0f}/s, failed {load.failed}"
        )
    inproc = by[("in-process", 32)].windows_per_s
    verdict = "PASS" if inproc >= TARGET_INPROCESS_WPS else "FAIL"
    print(
        f"{verdict} inference in-process at batch 32: {inproc:,.0f} windows/s "
        f"(target >= {TARGET_INPROCESS_WPS:,.0f})"
    )
    at_target = [load for load in loads if load.http_rate == 100.0]
    if at_target:
        load = at_target[0]
        verdict = "PASS" if load.p99_ms <= TARGET_TS_P99_MS and not load.failed else "FAIL"
        print(
            f"{verdict} inference torchserve p99 at 100 HTTP requests/s: {load.p99_ms:.1f} ms, "
            f"{load.failed} failed (target <= {TARGET_TS_P99_MS:.0f} ms, none failed)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per closed-loop row")
    parser.add_argument("--threads", type=int, default=1, help="torch threads in-process")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    with_ts = java_available()
    if not with_ts:
        print(f"TorchServe rows skipped: {NO_JAVA}", file=sys.stderr)
    load_before = os.getloadavg()[0]
    rows, loads = run(args.seconds, with_ts)
    context = {
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "window": WINDOW,
        "hidden": HIDDEN,
        "load_average_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }
    if args.json:
        closed = [asdict(r) for r in rows]
        print(json.dumps({**context, "closed": closed, "open": [asdict(x) for x in loads]}))
        return
    print(", ".join(f"{key} {value}" for key, value in context.items()))
    print_table(rows, loads)


if __name__ == "__main__":
    main()
