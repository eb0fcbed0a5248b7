"""What the web process keeps: settings, store locks, the query worker pool (started on first use), metrics.

With a remote store (``settings.endpoint``) there is no pool: jobs run against the store over HTTP
(:mod:`minegraph.web.remote`), and what is cached about the store lasts a few seconds, since other web
processes may write it. Nothing here is needed across requests: web processes can be added and removed freely.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any

from flask import current_app

from minegraph.core.settings import Settings
from minegraph.core.sparql import Pattern
from minegraph.store.locks import StoreLocks
from minegraph.web.lanes import Lanes
from minegraph.web.local import LocalReader
from minegraph.web.metrics import Metrics
from minegraph.web.run import Answer
from minegraph.web.workers import QueryPool


class WebState:
    """Per-process state of the web app."""

    def __init__(self, settings: Settings, *, workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self.locks = StoreLocks(settings.store)
        self.metrics = Metrics()
        self._pool: QueryPool | None = None
        self._remote: Any = None
        self._lock = threading.Lock()
        self._stats: tuple[Any, dict[str, Any]] | None = None
        self.lanes = Lanes(workers)
        self._local: LocalReader | None = None

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

    @property
    def remote(self) -> Any:
        """The :class:`~minegraph.web.remote.RemoteRunner` of a remote store (None for the embedded store)."""
        if self._remote is None and self.settings.remote:
            from minegraph.web.remote import RemoteRunner

            with self._lock:
                if self._remote is None:
                    self._remote = RemoteRunner(self.settings)
        return self._remote

    @property
    def local(self) -> LocalReader:
        """The web process's own read-only handle, for bounded queries (:mod:`minegraph.web.local`)."""
        if self._local is None:
            with self._lock:
                if self._local is None:
                    self._local = LocalReader(str(self.settings.store), self.locks, self.settings.max_rows)
                    atexit.register(self._local.close)
        return self._local

    def run(self, job: dict[str, Any], timeout: float | None = None, *, client: str | None = None,
            bounded: list[Pattern] | None = None) -> Answer:
        """Run ``job``: a query with ``bounded`` patterns (:func:`minegraph.core.sparql.bounded`) on the embedded
        store in this process (:mod:`minegraph.web.local`) when they match little enough, any other job on a
        query worker (or the remote store). ``client``: the address of the client whose query it is — such jobs
        wait in the client's lane and leave a worker to minegraph's own reads (:mod:`minegraph.web.lanes`);
        minegraph's own jobs (pages, figures) pass None."""
        if bounded and not self.settings.remote:
            answer = self.local.run(job, bounded)
            if answer is not None:
                return answer
        limit = self.settings.query_timeout if timeout is None else timeout
        if client is None:
            return self._run(job, limit)
        with self.lanes.client(client, limit) as left:
            return self._run(job, left)

    def _run(self, job: dict[str, Any], timeout: float) -> Answer:
        if self.settings.remote:
            answer: Answer = self.remote.run(job, timeout)
            return answer
        return self.pool.run(job, timeout)

    def generation(self) -> Any:
        """A token that changes whenever the store may have changed: caches key on it."""
        if self.settings.remote:
            from minegraph.web.remote import cache_token

            return (self.locks.generation(), cache_token())
        return self.locks.generation()

    def version(self) -> Any:
        """:meth:`generation`, and the time the store directory last changed (a store deleted and built again
        starts its generations over)."""
        try:
            changed = Path(self.settings.store).stat().st_mtime_ns
        except OSError:
            changed = 0
        return (self.generation(), changed)

    def stats(self) -> dict[str, Any]:
        """Number of quads and the named graphs, cached until the next write."""
        generation = self.generation()
        if self._stats is None or self._stats[0] != generation:
            answer = self.run({"kind": "stats", "base": self.settings.base_uri})
            self._stats = (generation, answer.extra)
        return self._stats[1]

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
            self._local = None
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def state() -> WebState:
    """The :class:`WebState` of the current app."""
    found: WebState = current_app.extensions["minegraph"]
    return found
