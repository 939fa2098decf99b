"""Several guard processes on one port, each accepting on its own socket.

uvicorn's `--workers` shares one listening socket between its processes, and the one that
wakes first accepts every connection waiting: sixteen bots connecting at once all landed on
one of two workers (16 / 0 in each of the three runs where it was counted), so the second
core sat idle. Here each
process binds its own socket with SO_REUSEPORT and the kernel spreads new connections across
them by a hash of the connection's addresses. The parent holds the port (bound, never
listening, so it takes no connections, and a port already in use fails at start, in the
parent) and supervises: SIGTERM or SIGINT stops every worker; a worker that dies stops the
others and the parent reports it, so the pod or the service manager restarts the guard whole.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from types import FrameType

LISTEN_BACKLOG = 2048
STOP_TIMEOUT_S = 30.0
log = logging.getLogger(__name__)


def reuse_port_socket(host: str, port: int, *, listen: bool) -> socket.socket:
    """A TCP socket bound to `host`:`port` with SO_REUSEPORT, listening when `listen`."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        if listen:
            sock.listen(LISTEN_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def supervise(
    host: str, port: int, workers: int, target: Callable[..., None], args: tuple[object, ...]
) -> int:
    """Run `target(*args)` in `workers` spawned processes until a signal or a worker's exit.

    Returns 0 after SIGTERM / SIGINT, else the exit code of the first worker that ended (1 if
    it ended with 0 without being asked). Raises OSError when `host`:`port` cannot be bound.
    """
    with reuse_port_socket(host, port, listen=False):
        context = multiprocessing.get_context("spawn")
        processes = [
            context.Process(target=target, args=args, name=f"risk-guard-worker-{i}")
            for i in range(workers)
        ]
        asked: list[int] = []

        def stop(signum: int, _frame: FrameType | None) -> None:
            asked.append(signum)
            _terminate(processes)

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for process in processes:
                process.start()
            ready = wait([process.sentinel for process in processes])
            # The sentinel is ready as the process exits, before it can be reaped: join it,
            # or its exit code may still read None (a race that once reported a kill as 0).
            ended = next(p for p in processes if p.sentinel in ready)
            ended.join()
            if not asked:
                log.error(
                    "a risk-guard worker exited; stopping the others",
                    extra={"worker": ended.name, "exit_code": ended.exitcode},
                )
            _terminate(processes)
            for process in processes:
                process.join(STOP_TIMEOUT_S)
                if process.is_alive():
                    process.kill()
                    process.join()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if asked:
        return 0
    return ended.exitcode or 1


def _terminate(processes: Sequence[multiprocessing.process.BaseProcess]) -> None:
    for process in processes:
        if process.pid is not None and process.exitcode is None:
            process.terminate()
