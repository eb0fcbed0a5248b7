"""Fair sharing of the query workers: one client's runaway queries cannot starve the others, nor the pages.

Each web process has ``size`` query workers (:mod:`minegraph.web.workers`). Queries that clients send
(``/sparql``, ``/store`` reads) go through two gates before they get a worker:

- the **client lane**: a client (its address, :func:`minegraph.web.ratelimit.client_address`) runs at most
  :attr:`Lanes.per_client` queries at a time in this process (all of the shared lane but one); its next ones
  wait for one of its own to finish (up to the query time limit), and more than :data:`MAX_WAITING` waiting at
  once are refused with ``429``;
- the **shared lane**: clients' queries hold at most ``size - 1`` workers together, so that one worker is always
  left to the pages, documents and figures that minegraph asks for itself (which never wait in a lane).

So while one client's heavy queries run, a light query of another client finds a worker (one is left for the
other clients when ``size`` is 3 or more: ``per_client`` is ``size - 2``) and the pages keep being answered. A
client with many addresses is not stopped by the client lane; the shared lane still keeps the pages answered.
``tests/test_fair_sharing.py`` checks it with real worker processes.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from minegraph.core.errors import MinegraphError

#: queries one client may have waiting for its lane at once, beyond those running
MAX_WAITING = 4


class TooManyQueries(MinegraphError):
    """A client has as many queries running and waiting as it may: ``429``, try again after one finishes."""

    status = 429


class LaneTimeout(MinegraphError):
    """The query waited for a worker until its time limit: ``503``."""

    status = 503


class Lanes:
    """The client and shared lanes of one web process with ``size`` query workers."""

    def __init__(self, size: int) -> None:
        self.size = size
        #: workers clients' queries may hold together (one is kept for minegraph's own reads)
        self.shared = max(1, size - 1)
        #: queries one client may run at a time: all of the shared lane but one, left for the other clients
        self.per_client = max(1, self.shared - 1)
        self._cond = threading.Condition()
        self._running: Counter[str] = Counter()
        self._waiting: Counter[str] = Counter()
        self._busy = 0

    @contextmanager
    def client(self, client: str, timeout: float) -> Iterator[float]:
        """Hold a place for one query of ``client``; yield the seconds left of ``timeout``."""
        started = time.monotonic()
        with self._cond:
            if self._waiting[client] >= MAX_WAITING:
                raise TooManyQueries(
                    f"too many queries at once from one client: {self._running[client]} running and "
                    f"{self._waiting[client]} waiting on this server; a client runs {self.per_client} at a time. "
                    "Wait for your queries to finish before sending more")
            self._waiting[client] += 1
            try:
                free = self._cond.wait_for(lambda: self._running[client] < self.per_client
                                           and self._busy < self.shared, timeout)
            finally:
                self._waiting[client] -= 1
                if not self._waiting[client]:
                    del self._waiting[client]
            if not free:
                raise LaneTimeout(f"the server stayed busy with other queries (yours included) for {timeout:g} s: "
                                  "try again later")
            self._running[client] += 1
            self._busy += 1
        try:
            yield max(0.0, timeout - (time.monotonic() - started))
        finally:
            with self._cond:
                self._running[client] -= 1
                if not self._running[client]:
                    del self._running[client]
                self._busy -= 1
                self._cond.notify_all()

    def snapshot(self) -> dict[str, int]:
        """How many clients' queries run and wait now (for /metrics and tests)."""
        with self._cond:
            return {"running": self._busy, "waiting": sum(self._waiting.values()), "clients": len(self._running)}
