"""What the web process keeps: settings, store locks, the query worker pool (started on first use), metrics."""

from __future__ import annotations

import atexit
import threading
from typing import Any

from flask import current_app

from minegraph.settings import Settings
from minegraph.web.locks import StoreLocks
from minegraph.web.metrics import Metrics
from minegraph.web.workers import Answer, QueryPool


class WebState:
    """Per-process state of the web app."""

    def __init__(self, settings: Settings, *, workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self.locks = StoreLocks(settings.store)
        self.metrics = Metrics()
        self._pool: QueryPool | None = None
        self._lock = threading.Lock()
        self._stats: tuple[int, dict[str, Any]] | None = None

    @property
    def pool(self) -> QueryPool:
        """The worker pool, started in this process on first use (so it is never inherited through fork)."""
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = QueryPool(str(self.settings.store), size=self.workers,
                                           timeout=self.settings.query_timeout, max_rows=self.settings.max_rows)
                    atexit.register(self._pool.close)
        return self._pool

    def run(self, job: dict[str, Any], timeout: float | None = None) -> Answer:
        return self.pool.run(job, timeout)

    def stats(self) -> dict[str, Any]:
        """Number of quads and the named graphs, cached until the next write."""
        generation = self.locks.generation()
        if self._stats is None or self._stats[0] != generation:
            answer = self.run({"kind": "stats"})
            self._stats = (generation, answer.extra)
        return self._stats[1]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def state() -> WebState:
    """The :class:`WebState` of the current app."""
    found: WebState = current_app.extensions["minegraph"]
    return found
