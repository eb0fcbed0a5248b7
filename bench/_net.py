"""Loopback helpers the benchmarks share: a free port, waiting for a server to answer, and the load generator."""

from __future__ import annotations

import http.client
import multiprocessing
import socket
import statistics
import time
from collections.abc import Sequence


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, path: str, seconds: float = 120) -> None:
    """Return once ``GET path`` on ``port`` answers below 500; RuntimeError after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing answered on port {port}")


def connect(port: int, index: int) -> http.client.HTTPConnection:
    """A connection of client number ``index`` from its own loopback address (127.0.0.2, 127.0.0.3…): the
    benchmark's clients are different users, as minegraph's fair sharing of query workers sees them
    (src/minegraph/web/lanes.py), not one user with many connections."""
    return http.client.HTTPConnection("127.0.0.1", port, timeout=120,
                                      source_address=(f"127.0.{index // 250}.{index % 250 + 2}", 0))


def client(port: int, paths: Sequence[str], accept: str, seconds: float,
           results: multiprocessing.Queue, index: int = 0) -> None:  # type: ignore[type-arg]
    """One client: ``paths`` in turn (from the start again at the end), back to back on one keep-alive
    connection; puts its latencies and its errors (anything but 200)."""
    conn = connect(port, index)
    latencies, errors, i = [], 0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        path = paths[i % len(paths)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept": accept})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = connect(port, index)
            continue
        latencies.append(time.perf_counter() - started)
    results.put((latencies, errors))


def measure(port: int, paths: Sequence[Sequence[str]], accept: str, seconds: float) -> dict[str, float]:
    """Throughput and p50/p99 latency (ms) of ``len(paths)`` client processes, each requesting its own list of
    paths for ``seconds``. Processes, not threads: the generator must not be held back by one interpreter."""
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [multiprocessing.Process(target=client, args=(port, mine, accept, seconds, results, index))
               for index, mine in enumerate(paths)]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    errors = 0
    for _ in workers:
        found, failed = results.get()
        latencies += found
        errors += failed
    for worker in workers:
        worker.join()
    latencies.sort()
    if not latencies:
        return {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "errors": errors}
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {"rps": len(latencies) / seconds, "p50": statistics.median(latencies) * 1000, "p99": p99 * 1000,
            "errors": errors}
