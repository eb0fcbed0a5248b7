"""Per-client rate limiting of ``/sparql``: a token bucket per client address, ``429`` with ``Retry-After``.

``settings.rate_limit`` is the number of requests a client may make per minute (0: no limit); a client may
spend them in a burst. The client is the connecting address, or — behind ``settings.trusted_proxies``
reverse proxies — the address that many hops back in ``X-Forwarded-For`` (the entries a client could forge
are never used). The buckets are rows of a small SQLite database beside the store's locks
(``{store}.locks/ratelimit.sqlite``), so every gunicorn worker of the machine takes from the same bucket.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

MAX_CLIENTS = 50_000
LIMITED_PATHS = ("/sparql",)


class RateLimiter:
    """Token buckets of ``per_minute`` requests, one per client, the least recently seen dropped first.

    The buckets live in the SQLite database at ``path`` (shared by the processes that open it; each take is
    one short transaction), or in memory for this object alone when ``path`` is None.
    """

    def __init__(self, per_minute: int, *, path: Path | None = None, clock: Callable[[], float] = time.time,
                 max_clients: int = MAX_CLIENTS) -> None:
        self.capacity = float(per_minute)
        self.refill = per_minute / 60.0
        self.clock = clock
        self.max_clients = max_clients
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path) if path else ":memory:", timeout=10, isolation_level=None,
                                   check_same_thread=False)
        if path:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")  # losing the last buckets in a crash costs nothing
        self._db.execute("CREATE TABLE IF NOT EXISTS buckets (client TEXT PRIMARY KEY, tokens REAL, last REAL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS buckets_last ON buckets (last)")

    def take(self, client: str) -> float:
        """0 if ``client`` may go ahead (and count it), else the seconds until it may."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                now = self.clock()
                row = self._db.execute("SELECT tokens, last FROM buckets WHERE client = ?", (client,)).fetchone()
                tokens, last = row if row else (self.capacity, now)
                tokens = min(self.capacity, tokens + max(0.0, now - last) * self.refill)
                wait = 0.0
                if tokens >= 1.0:
                    tokens -= 1.0
                else:
                    wait = (1.0 - tokens) / self.refill
                self._db.execute("INSERT OR REPLACE INTO buckets VALUES (?, ?, ?)", (client, tokens, max(now, last)))
                if row is None:
                    self._db.execute("DELETE FROM buckets WHERE client IN (SELECT client FROM buckets "
                                     "ORDER BY last DESC LIMIT -1 OFFSET ?)", (self.max_clients,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return wait

    def __len__(self) -> int:
        """The clients it keeps a bucket for."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM buckets").fetchone()[0])


def client_address(environ: Mapping[str, Any], trusted_proxies: int) -> str:
    """The client's address: the peer, or the address ``trusted_proxies`` hops back in X-Forwarded-For.

    The address as the socket saw it is used even when ``ProxyFix`` has rewritten ``REMOTE_ADDR``.
    """
    original = environ.get("werkzeug.proxy_fix.orig") or {}
    peer = str(original.get("REMOTE_ADDR") or environ.get("REMOTE_ADDR") or "unknown")
    if trusted_proxies <= 0:
        return peer
    forwarded = original.get("HTTP_X_FORWARDED_FOR", environ.get("HTTP_X_FORWARDED_FOR")) or ""
    hops = [part.strip() for part in str(forwarded).split(",") if part.strip()]
    if len(hops) < trusted_proxies:
        return peer
    return hops[-trusted_proxies]


def requesting_client() -> str:
    """The address of the client of the current request (behind the trusted proxies), as rate limits and the
    query lanes (:mod:`minegraph.web.lanes`) see it."""
    settings = current_app.extensions["minegraph"].settings
    return client_address(request.environ, settings.trusted_proxies)


def _limit() -> Response | None:
    limiter: RateLimiter | None = current_app.extensions.get("minegraph.ratelimit")
    if limiter is None or request.path not in LIMITED_PATHS or request.method == "OPTIONS":
        return None
    settings = current_app.extensions["minegraph"].settings
    wait = limiter.take(client_address(request.environ, settings.trusted_proxies))
    if not wait:
        return None
    from minegraph.web.errors import error_response

    seconds = max(1, math.ceil(wait))
    response = error_response(429, f"too many requests: this server answers at most {settings.rate_limit} "
                                   f"queries a minute from one client; try again in {seconds} s",
                              title="Too Many Requests")
    response.headers["Retry-After"] = str(seconds)
    return response


def init_app(app: Flask) -> None:
    settings = app.extensions["minegraph"].settings
    if settings.rate_limit > 0:
        from minegraph.store.locks import StoreLocks

        path = StoreLocks(settings.store).directory / "ratelimit.sqlite"
        app.extensions["minegraph.ratelimit"] = RateLimiter(settings.rate_limit, path=path)
    app.before_request(_limit)
