"""``minegraph render``: fill the document cache (:mod:`minegraph.publish.doccache`) before anyone asks.

Each document is requested from the web app itself (its test client), so a file holds exactly the bytes the
app would have served, and the app's own rules decide what becomes a file: a retired thing answers 301 or
410 and is skipped. The formats of one thing are requested one after another, so they share the thing's
description (the app caches it). Worker processes each run their own app over the store (with one query
process each) and take the things in chunks.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from minegraph.core.children import answer_items, map_in_children
from minegraph.core.errors import StoreError
from minegraph.core.formats import DOCUMENT_FORMATS
from minegraph.core.settings import Settings
from minegraph.core.vocab import check_key, split_thing_iri

#: Things per task given to a worker process.
CHUNK = 50
THINGS_QUERY = 'SELECT DISTINCT ?s WHERE {{ ?s a ?type . FILTER(STRSTARTS(STR(?s), "{prefix}")) }}'


@dataclass
class Report:
    """What a run did: documents by outcome (``rendered``, ``cached`` already, ``retired``, ``failed``)."""

    things: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, outcomes: Counter[str], failures: list[str]) -> None:
        self.outcomes.update(outcomes)
        self.failures += failures[: max(0, 10 - len(self.failures))]


def things(settings: Settings, kinds: Sequence[str]) -> list[tuple[str, str]]:
    """``(kind, key)`` of every public thing of ``kinds`` in the store, sorted.

    The store is read like the query workers read it: with the readers' shared lock held, so a writer waits.
    """
    from minegraph.store.embedded import EmbeddedStore
    from minegraph.store.locks import StoreLocks
    from minegraph.store.view import PublicStore

    locks = StoreLocks(settings.store)
    fd = locks.acquire_shared()
    try:
        store = PublicStore(EmbeddedStore(settings.store, read_only=True), settings.base_uri)
        try:
            rows = list(store.query(THINGS_QUERY.format(prefix=f"{settings.base_uri}id/")))
        finally:
            store.close()
    finally:
        locks.release(fd)
    found = set()
    for row in rows:
        split = split_thing_iri(settings.base_uri, row["s"].value)
        if split is not None and split[0] in kinds and check_key(split[1]):
            found.add(split)
    return sorted(found)


# --- one process's share ----------------------------------------------------------------------------------

_CLIENT: Any = None


def _start(settings: Settings) -> None:
    """Create this process's app (one query process) and test client."""
    global _CLIENT
    from minegraph.web import create_app

    app = create_app(settings, {"QUERY_WORKERS": 1})
    _CLIENT = app.test_client()


def _stop() -> None:
    global _CLIENT
    if _CLIENT is not None:
        _CLIENT.application.extensions["minegraph"].close()
        _CLIENT = None


def render_chunk(chunk: Sequence[tuple[str, str]], extensions: Sequence[str]) -> tuple[Counter[str], list[str]]:
    """Request every document of ``chunk`` in ``extensions`` from this process's app; the outcomes and the
    first failures. A document already in the cache for the store's generation is not requested again."""
    app = _CLIENT.application
    files = app.extensions["minegraph.core.resources"].files
    locks = app.extensions["minegraph"].locks
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    for kind, key in chunk:
        for extension in extensions:
            path = f"doc/{kind}/{key}.{extension}"
            if files.ready() and files.path(locks.generation(), path).exists():
                outcomes["cached"] += 1
                continue
            response = _CLIENT.get(f"/{path}")
            if response.status_code == 200:
                outcomes["rendered"] += 1
            elif response.status_code in (301, 410):
                outcomes["retired"] += 1
            else:
                outcomes["failed"] += 1
                failures.append(f"/{path}: {response.status_code} {response.get_data(as_text=True)[:200]}")
    return outcomes, failures


# --- the whole run ----------------------------------------------------------------------------------------

def render(settings: Settings, kinds: Sequence[str], extensions: Sequence[str] | None = None, *, workers: int = 1,
           progress: Callable[[int], None] | None = None,
           on_things: Callable[[int], None] | None = None) -> Report:
    """Render the current documents of every thing of ``kinds`` (in ``extensions``, default all five) into the
    document cache; ``progress`` is called with the number of documents each finished chunk handled."""
    from minegraph.publish.doccache import DocumentCache
    from minegraph.store.locks import StoreLocks

    started = time.perf_counter()
    extensions = list(extensions or [f.extension for f in DOCUMENT_FORMATS])
    if not DocumentCache(StoreLocks(settings.store), settings.base_uri).ready():  # once, before the workers
        raise StoreError(f"the document cache {StoreLocks(settings.store).documents} cannot be written")
    found = things(settings, kinds)
    report = Report(things=len(found))
    if on_things is not None:
        on_things(len(found) * len(extensions))
    chunks = [found[i:i + CHUNK] for i in range(0, len(found), CHUNK)]
    for outcomes, failures in _run(settings, chunks, extensions, workers):
        report.add(outcomes, failures)
        if progress is not None:
            progress(sum(outcomes.values()))
    report.seconds = time.perf_counter() - started
    return report


def _run(settings: Settings, chunks: list[list[tuple[str, str]]], extensions: list[str], workers: int
         ) -> Iterable[tuple[Counter[str], list[str]]]:
    if workers <= 1 or len(chunks) <= 1:
        _start(settings)
        try:
            for chunk in chunks:
                yield render_chunk(chunk, extensions)
        finally:
            _stop()
        return
    # children of their own (minegraph.core.children): never fork a process that may hold RocksDB handles
    for _index, answer in map_in_children("minegraph.web.prerender:render_child", settings, len(chunks),
                                          lambda i: (chunks[i], extensions), workers):
        yield answer


def render_child(conn: Connection) -> None:
    """A rendering process: the settings first, then ``(chunk, extensions)`` items (:func:`render_chunk`)."""
    _start(conn.recv())
    try:
        answer_items(conn, lambda item: render_chunk(*item))
    finally:
        _stop()
