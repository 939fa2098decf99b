"""The real `crpbot risk-guard serve` refuses an unauthenticated or oversized body before it
reads it: the answer comes while the client has sent only a sliver of what it announced."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlparse

import pytest

from tests.integration.risk_guard.processes import TOKEN, GuardProcess

ANNOUNCED = 50 * 1024 * 1024
SLIVER = 4096


def _send_head(url: str, headers: dict[str, str]) -> socket.socket:
    where = urlparse(url)
    sock = socket.create_connection((where.hostname, where.port), timeout=10)
    lines = ["POST /v1/check HTTP/1.1", f"Host: {where.hostname}:{where.port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def _status_and_body(sock: socket.socket) -> tuple[int, dict[str, object]]:
    raw = b""
    while b"\r\n\r\n" not in raw or not raw.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    if b"chunked" in head.lower():
        body = body.split(b"\r\n", 1)[1].rsplit(b"\r\n0", 1)[0]
    return int(head.split()[1]), json.loads(body.split(b"\r\n")[0])


@pytest.fixture
def guard(live_guard: GuardProcess) -> GuardProcess:
    return live_guard


@pytest.mark.parametrize(
    ("auth", "status"),
    [(None, 401), ("Bearer wrong", 401), (f"Bearer {TOKEN}", 413)],
    ids=["anonymous", "wrong-token", "authorised-oversize"],
)
def test_huge_declared_body_is_refused_before_it_is_read(
    guard: GuardProcess, auth: str | None, status: int
) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(ANNOUNCED)}
    if auth is not None:
        headers["Authorization"] = auth
    started = time.monotonic()
    with _send_head(guard.url, headers) as sock:
        sock.sendall(b"{" + b" " * SLIVER)
        code, body = _status_and_body(sock)
    assert code == status
    assert isinstance(body["detail"], str)
    assert time.monotonic() - started < 2.0, "answered without waiting for 50 MB"


def test_chunked_body_past_the_cap_is_cut_off_with_413(guard: GuardProcess) -> None:
    headers = {
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
        "Authorization": f"Bearer {TOKEN}",
    }
    chunk = b" " * 8192
    sent = 0
    with _send_head(guard.url, headers) as sock:
        sock.settimeout(5)
        code: int | None = None
        while sent < ANNOUNCED:
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except OSError:
                break
            sent += len(chunk)
            sock.setblocking(False)
            try:
                if sock.recv(1, socket.MSG_PEEK):
                    break
            except BlockingIOError:
                pass
            finally:
                sock.setblocking(True)
                sock.settimeout(5)
        code, body = _status_and_body(sock)
    assert code == 413
    assert "larger than" in str(body["detail"])
    # what was sent includes the kernel's socket buffers (a few MB on loopback)
    assert sent < 8 * 1024 * 1024, f"{sent} bytes sent before the guard refused"
