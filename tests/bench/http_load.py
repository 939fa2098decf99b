"""A load generator light enough not to compete with the server it measures.

Each client is one coroutine on one keep-alive connection that sends a pre-built HTTP/1.1
request and reads the answer's status line, headers and body, nothing more. Its CPU per
request is a small fraction of what `requests` in threads spends (about 1 ms each), and on a
2-core machine every millisecond the client keeps is one the guard cannot use.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Tally:
    """Latencies (seconds) of the answered requests and the statuses that were not 200."""

    latencies: list[float] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)


def request_bytes(url: str, path: str, body: object, headers: dict[str, str]) -> bytes:
    """One POST with a JSON body, as it goes on the wire."""
    payload = json.dumps(body).encode()
    host = urlsplit(url).netloc
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one answer; its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _client(url: str, first: bytes, repeated: bytes, until: float, tally: Tally) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(first)
        if (status := await _answer(reader)) != 200:
            raise RuntimeError(f"the first request was answered {status}")
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(repeated)
            status = await _answer(reader)
            tally.latencies.append(time.perf_counter() - started)
            if status != 200:
                tally.failures.append(status)
    finally:
        writer.close()


async def _run(url: str, clients: list[tuple[bytes, bytes]], seconds: float) -> Tally:
    tally = Tally()
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_client(url, a, b, until, tally) for a, b in clients))
    return tally


def run_clients(url: str, clients: list[tuple[bytes, bytes]], seconds: float) -> Tally:
    """Each (first, repeated) pair is one client: it sends `first` once (it must be answered
    200), then `repeated` back to back until `seconds` have passed."""
    return asyncio.run(_run(url, clients, seconds))
