"""Prometheus metrics (prometheus_client), right across gunicorn's worker processes.

Each web process counts requests, latencies, query timeouts and truncated results. Under gunicorn the
processes share them through prometheus_client's multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR`` names a
directory where every process keeps its values, and ``/metrics`` — whichever process answers — adds them up,
so counters only ever grow however many workers there are (:func:`multiprocess_directory` sets it up for
``minegraph serve`` and ``server/gunicorn.conf.py``). Without it (one process, tests) each app keeps its own.

>>> m = Metrics()
>>> m.observe("sparql", "GET", 200, 0.012)
>>> 'minegraph_http_requests_total{endpoint="sparql",method="GET",status="200"} 1.0' in m.render({})
True
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable

# prometheus_client is imported only where it is used: it decides at import whether values are shared between
# processes (from PROMETHEUS_MULTIPROC_DIR), so a gunicorn master must set the directory before any import.

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
ENV = "PROMETHEUS_MULTIPROC_DIR"


def _shared() -> bool:
    return bool(os.environ.get(ENV))


class Metrics:
    """Request counts, latency histograms per endpoint, query timeouts, results cut at the row limit."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("minegraph_http_requests", "HTTP requests by endpoint, method and status.",
                                ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("minegraph_http_request_duration_seconds", "Time to answer a request.",
                                 ["endpoint"], buckets=BUCKETS, registry=self.registry)
        self.timeouts = Counter("minegraph_query_timeouts", "Queries stopped at the time limit.",
                                registry=self.registry)
        self.truncated = Counter("minegraph_query_truncated", "Query results cut at the row limit.",
                                 registry=self.registry)

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, method, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def observer(self, endpoint: str, method: str, status: int) -> Callable[[float], None]:
        """:meth:`observe` for one endpoint, method and status, its labels looked up once (the fast lane's)."""
        count, latency = self.requests.labels(endpoint, method, str(status)), self.latency.labels(endpoint)

        def observe(seconds: float) -> None:
            count.inc()
            latency.observe(seconds)

        return observe

    def render(self, gauges: dict[str, tuple[str, float]]) -> str:
        """The metrics as Prometheus text (of every process, in multiprocess mode); ``gauges`` maps a name to
        (help, value), values this process reads when asked (the store's size)."""
        from prometheus_client import CollectorRegistry, generate_latest

        if _shared():
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry
        text = generate_latest(registry).decode("utf-8")
        lines = [line for line in text.splitlines() if "_created" not in line]
        for name, (help_text, value) in gauges.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"


def multiprocess_directory() -> str:
    """Set ``PROMETHEUS_MULTIPROC_DIR`` to a new empty directory for this server's processes (before they start;
    removed when this process ends), unless it is set already. Returns the directory."""
    found = os.environ.get(ENV)
    if found:
        return found
    directory = tempfile.mkdtemp(prefix="minegraph-metrics-")
    os.environ[ENV] = directory
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def worker_exited(pid: int) -> None:
    """gunicorn's ``child_exit``: what a dead worker counted still counts; its live gauges (none) go."""
    if _shared():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
