"""Queries run in worker processes, so that a query past the time limit can really be stopped.

pyoxigraph cannot cancel a running query. Each worker process opens the store read-only and answers jobs
sent over a pipe; the web process waits for the answer at most ``timeout`` seconds, then kills the worker
(its read lock dies with it), starts a replacement in the background and answers 503. Other requests are
served meanwhile by the other workers.

A job is a dict: ``{"kind": "query", "sparql", "default_graphs", "named_graphs", "base_iri",
"results", "graph", "public", "all_rows"}`` (``results`` / ``graph``: the file extension of the negotiated format
for solutions and booleans, and for triples; ``public``: the base IRI, when the query may read only the public
dataset; ``all_rows``: not cut at the row limit, for minegraph's own pages only) or ``{"kind": "graph", "graph":
IRI or None (default graph), "format"}``.
An answer is an :class:`Answer`.
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from minegraph.core.children import Child
from minegraph.core.errors import MinegraphError, StoreError
from minegraph.web.run import Answer

POLL_SECONDS = 0.1


class EngineStopped(StoreError):
    """The worker running a query died under it (the engine aborted: a known defect, or the machine killed it):
    ``500``, since trying again would do the same."""

    status = 500


class QueryTimeout(MinegraphError):
    """The query ran past the time limit and was stopped."""

    status = 503


# --- worker side ------------------------------------------------------------------------------------------

def worker_main(conn: Connection, store_path: str, max_rows_text: str) -> None:
    """The loop of one worker process (a :class:`~minegraph.core.children.Child`): open the store read-only,
    answer jobs, step aside for writers."""
    from pyoxigraph import Store

    from minegraph.store.locks import StoreLocks
    from minegraph.web.run import Snapshot, run_job

    locks = StoreLocks(store_path)
    store: Store | None = None
    snapshot: Snapshot | None = None
    fd: int | None = None
    while True:
        if fd is not None and locks.write_pending():
            store = snapshot = None
            locks.release(fd)
            fd = None
        try:
            if not conn.poll(POLL_SECONDS):
                continue
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            if store is None:
                fd = locks.acquire_shared()
                store = Store.read_only(store_path)
                snapshot = Snapshot(store)
            answer = run_job(store, job, int(max_rows_text), snapshot)
        except Exception as error:  # the worker must survive whatever one query does
            answer = Answer(500, body=f"the query failed: {error}".encode())
        try:
            conn.send(answer)
        except (EOFError, OSError):
            return


# --- web process side -------------------------------------------------------------------------------------

class QueryPool:
    """A fixed number of query worker processes over the store at ``store_path``."""

    def __init__(self, store_path: str, *, size: int, timeout: float, max_rows: int) -> None:
        self.store_path, self.size, self.timeout, self.max_rows = store_path, size, timeout, max_rows
        self._idle: queue.Queue[Child] = queue.Queue()
        self._all: set[Child] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._add()

    def _add(self) -> None:
        worker = Child("minegraph.web.workers:worker_main", self.store_path, str(self.max_rows))
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: Child) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()
        threading.Thread(target=self._add, daemon=True, name="minegraph-worker-start").start()

    def run(self, job: dict[str, Any], timeout: float | None = None) -> Answer:
        """Run ``job`` in a worker; raise :class:`QueryTimeout` past the time limit."""
        limit = self.timeout if timeout is None else timeout
        started = time.monotonic()
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeout(f"every query worker stayed busy for {limit:g} s: try again later") from None
        remaining = max(0.0, limit - (time.monotonic() - started))
        try:
            worker.conn.send(job)
            if worker.conn.poll(remaining):
                answer: Answer = worker.conn.recv()
                self._idle.put(worker)
                return answer
        except (EOFError, OSError) as error:
            self._replace(worker)
            raise EngineStopped(
                "the query engine stopped while running this query; the server goes on (the worker is replaced). "
                "Oxigraph aborts on some sorts — ORDER BY on several keys over values of mixed kinds, such as "
                "language-tagged text and numbers: sort on one key, or filter the values to one kind first"
            ) from error
        self._replace(worker)
        raise QueryTimeout(
            f"the query was stopped after the time limit of {limit:g} s: narrow it down (a LIMIT, more "
            "specific patterns) or run it on a copy of the data (see the dumps)"
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        for worker in workers:
            try:
                worker.process.wait(1)
                worker.conn.close()
            except subprocess.TimeoutExpired:
                worker.kill()

