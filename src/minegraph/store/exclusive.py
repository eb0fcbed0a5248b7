"""Exclusive access to the embedded store for command-line writers (build, ingest, withdraw-source).

A running ``minegraph serve`` keeps read-only handles open in its query workers; RocksDB must not be written
while they are open. The command-line writers take the same locks as the server's own writes
(:class:`minegraph.store.locks.StoreLocks`): one writer at a time, and the query workers step aside (they close
their handles, and reopen after the write) for the duration of the block. A remote store needs none of this.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from minegraph.core.settings import Settings

#: How long a command-line writer waits for running queries and writes to finish.
LOCK_TIMEOUT = 120.0


@contextlib.contextmanager
def exclusive(settings: Settings, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the embedded store of ``settings`` exclusively for the block (no-op for a remote store)."""
    if settings.remote:
        yield
        return
    from minegraph.store.locks import StoreLocks

    locks = StoreLocks(settings.store)
    with locks.writer(timeout), locks.readers_paused(timeout):
        yield
