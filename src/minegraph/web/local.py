"""Bounded queries answered in the web process, without the round trip to a query worker.

A query worker exists so that a query past the time limit can be stopped: pyoxigraph cannot cancel a query, so
the worker is killed. A query whose work is bounded in advance needs no such guard: a ``DESCRIBE`` of IRIs, or a
``SELECT``/``ASK`` of a few triple patterns on named subjects (:func:`minegraph.core.sparql.bounded`), whose
patterns match at most :data:`minegraph.web.run.BOUNDED_WORK` combinations of triples in the store
(:func:`minegraph.web.run.run_bounded`, counted before it runs). Those — the light queries of a linked-data
client: what is known about this incident, its label, its place — run here, on a read-only handle the web
process keeps, over the same public dataset and with the same row cap as in a worker. Every other query goes
to the workers, and is stopped at the time limit there.

The handle follows the readers' rules of :mod:`minegraph.store.locks`: it is opened under a shared lock only when
no write is pending, and a watcher closes it as soon as a writer asks (once the queries running on it are done,
in milliseconds); queries that arrive meanwhile go to the workers, which wait for the writer. The next query
opens the store again, with the new data.
"""

from __future__ import annotations

import threading
from typing import Any

from pyoxigraph import Store

from minegraph.core.sparql import Pattern
from minegraph.store.locks import StoreLocks
from minegraph.web.run import Answer, Snapshot, run_bounded

#: How often the watcher looks whether a writer is waiting (seconds): what a writer may wait for this process.
WATCH_SECONDS = 0.05


class LocalReader:
    """The web process's read-only handle on the embedded store at ``store_path``, for bounded queries."""

    def __init__(self, store_path: str, locks: StoreLocks, max_rows: int) -> None:
        self.store_path, self.locks, self.max_rows = store_path, locks, max_rows
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._snapshot: Snapshot | None = None
        self._fd: int | None = None
        self._users = 0
        self._stepping_aside = False  # a writer waits: no new query on this handle
        self._watcher: threading.Thread | None = None
        self._closed = threading.Event()

    def run(self, job: dict[str, Any], patterns: list[Pattern]) -> Answer | None:
        """The answer to a bounded query job, or None: the store is not open to readers now (a write is
        pending), or the patterns may match too much — the caller sends the job to a query worker."""
        with self._lock:
            if self._stepping_aside or (self._store is None and not self._open()):
                return None
            store, snapshot = self._store, self._snapshot
            self._users += 1
        try:
            assert store is not None
            return run_bounded(store, job, patterns, self.max_rows, snapshot)
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0 and self._stepping_aside:
                    self._close()

    def _open(self) -> bool:
        fd = self.locks.try_shared()
        if fd is None:
            return False
        try:
            self._store = Store.read_only(self.store_path)
        except OSError:
            self.locks.release(fd)
            return False
        self._fd, self._snapshot = fd, Snapshot(self._store)
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, daemon=True, name="minegraph-local-reader")
            self._watcher.start()
        return True

    def _close(self) -> None:
        self._store = self._snapshot = None
        self._stepping_aside = False
        if self._fd is not None:
            self.locks.release(self._fd)
            self._fd = None

    def _watch(self) -> None:
        """Step aside for a writer: close the handle once no query runs on it."""
        while not self._closed.wait(WATCH_SECONDS):
            if self._fd is None or not self.locks.write_pending():
                continue
            with self._lock:
                self._stepping_aside = self._fd is not None
                if self._users == 0:
                    self._close()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._close()
