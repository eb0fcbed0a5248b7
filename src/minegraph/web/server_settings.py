"""The gunicorn settings, in one place: ``minegraph serve`` and server/gunicorn.conf.py both take them from here.

Threads in two worker processes (``gthread``): each gunicorn worker starts its own pool of query processes
(minegraph.web.workers), which do the heavy work, so two answer light queries 1.7-1.8x faster than one at eight
clients on 2 cores (docs/benchmarks.md). The request line and the headers are bounded
(:data:`minegraph.web.limits.GUNICORN_LIMITS`): a longer SPARQL query is sent with POST. gunicorn's timeout leaves
the query limit 30 s to answer before it kills a worker. ``preload_app`` stays off: the app, and the store with
its RocksDB threads, must be created after the fork.
"""

from __future__ import annotations

from typing import Any

from minegraph.web.limits import GUNICORN_LIMITS


def gunicorn_settings(bind: str, workers: int, threads: int, query_timeout: float,
                      access_log: bool) -> dict[str, Any]:
    """Every gunicorn setting minegraph uses; ``access_log``: one line per request on stdout (deployments)."""
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": int(query_timeout) + 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        **GUNICORN_LIMITS,
        "preload_app": False,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info" if access_log else "warning",
        "child_exit": child_exit,
    }


def child_exit(_server: Any, worker: Any) -> None:
    """A worker ended: its /metrics counts are folded into the dead workers' (prometheus multiprocess mode)."""
    from minegraph.web.metrics import worker_exited

    worker_exited(worker.pid)
