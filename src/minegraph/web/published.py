"""What the dereferencing blueprint reads: the store through the query workers, tombstones, releases, a
cache of rendered documents that lasts until the store, the tombstones or the releases change, and the
document files (:mod:`minegraph.publish.doccache`) that nginx serves without asking the app."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request

from minegraph.core.errors import StoreError
from minegraph.core.formats import HTML, Format
from minegraph.core.vocab import normalise_base
from minegraph.publish.describe import STATEMENTS, statement_predicates
from minegraph.publish.doccache import DocumentCache
from minegraph.publish.documents import Target, description, render_graph, render_rdf
from minegraph.publish.releases import ReleaseInfo, Releases, alternates
from minegraph.store.registry import releases_dir
from minegraph.store.tombstones import TOMBSTONES_QUERY, Tombstone, tombstones_from_rows, tombstones_graph_iri
from minegraph.web import resource_html as html
from minegraph.web.public import public_job
from minegraph.web.state import state

CACHE_SIZE = 4096


def root() -> str:
    """The URL path this app is mounted at, ending with a slash."""
    return request.script_root.rstrip("/") + "/"


class PoolStore:
    """The store as :mod:`minegraph.publish.describe` and :mod:`minegraph.publish.exports` see it, through the
    query workers."""

    def query(self, sparql: str) -> Any:
        from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results

        answer = state().run(public_job({"kind": "query", "sparql": sparql, "default_graphs": None,
                                         "named_graphs": None, "base_iri": None, "results": "json", "graph": "nt"}))
        if answer.status != 200:
            raise StoreError(f"the store could not answer: {answer.body.decode('utf-8', 'replace')}")
        if answer.media_type.startswith("application/n-triples"):
            return list(parse(answer.body, format=RdfFormat.N_TRIPLES))
        return parse_query_results(answer.body, format=QueryResultsFormat.JSON)


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    etag: str
    last_modified: dt.datetime


class Published:
    """Per-app view of what is published: the cache of rendered documents, tombstones, releases."""

    def __init__(self, app: Flask) -> None:
        settings = app.extensions["minegraph"].settings
        self.base = normalise_base(settings.base_uri)
        self.store_path = Path(settings.store)
        self.releases = Releases(releases_dir(settings))
        self.store = PoolStore()
        #: Document files for a web server in front (embedded store only: with a remote store, other
        #: machines write the store, and nothing here would learn of it).
        self.files = None if settings.remote else DocumentCache(app.extensions["minegraph"].locks, self.base)
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def token(self) -> tuple[Any, int]:
        """Changes whenever the store, the tombstones or the releases change."""
        return (state().version(), _mtime(self.releases.root))

    def last_modified(self) -> dt.datetime:
        stamp = max(_mtime(self.store_path), _mtime(state().locks.generation_file)) / 1e9
        return dt.datetime.fromtimestamp(int(stamp), dt.UTC)

    def cached(self, key: tuple[Any, ...], make: Any) -> Any:
        key = (self.token(), *key)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = make()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    def tombstone(self, iri: str) -> Tombstone | None:
        def load() -> dict[str, Tombstone]:
            query = TOMBSTONES_QUERY.replace("GRAPH ?g", f"GRAPH <{tombstones_graph_iri(self.base)}>")
            rows = [{n: (r[n].value if r[n] is not None else None) for n in ("s", "into", "reason", "date")}
                    for r in self.store.query(query)]
            return tombstones_from_rows(rows)

        found: dict[str, Tombstone] = self.cached(("tombstones",), load)
        return found.get(iri)

    def triples(self, target: Target) -> list[Any]:
        def make() -> list[Any]:
            predicates = None
            if target.kind in STATEMENTS:  # once per store state, for every description after it
                predicates = self.cached(("statement predicates",), lambda: statement_predicates(self.store))
            return description(self.store, target, self.base, predicates)

        found: list[Any] = self.cached(("triples", target.path), make)
        return found

    def file_generation(self) -> int | None:
        """The generation a request's document files belong to, read before anything else of the request (so
        a file is never written for a later generation than its data); None when there are no files."""
        if self.files is None or request.script_root or not self.files.ready():
            return None  # under a prefix, pages link to prefixed URLs: the files are for the root only
        return state().locks.generation()

    def document(self, target: Target, fmt: Format, generation: int | None = None) -> Rendered | None:
        """``target``'s document in ``fmt``: from its file at ``generation`` if there is one, else rendered."""
        def make() -> Rendered | None:
            if generation is not None and target.is_thing and self.files is not None:
                found = self.files.read(generation, f"{target.path}.{fmt.extension}")
                if found is not None:
                    body, mtime = found
                    return rendered_document(body, fmt.media_type, dt.datetime.fromtimestamp(int(mtime), dt.UTC))
            triples = self.triples(target)
            if not triples:
                return None
            if fmt is HTML:
                releases = self.releases.containing(target.path)
                info = ReleaseInfo(None, None, f"{self.base}{target.path}.html", self.releases.latest(), releases)
                graph = render_graph(target, triples, base=self.base)
                body = html.resource(target.kind, target.iri, graph, release=info,
                                     alternates=alternates(root() + target.path), base=self.base).encode("utf-8")
            else:
                body = render_rdf(target, triples, fmt, base=self.base)
            return rendered_document(body, fmt.media_type, self.last_modified())

        # keyed on root() too: pages link under it (a page rendered under a prefix must never become a file); and
        # on the generation of the file it may come from, which can be older than the token read after it
        key = ("doc", root(), target.path, fmt.extension, generation)
        rendered: Rendered | None = self.cached(key, make)
        return rendered

    def keep(self, target: Target, fmt: Format, rendered: Rendered, generation: int | None) -> None:
        """Write a current thing's document to its file, for the generation read before it was rendered.

        Only documents answered with 200 get here: errors, 404s and retired things (301, 410) are never files.
        """
        if generation is not None and target.is_thing and self.files is not None:
            self.files.write(generation, f"{target.path}.{fmt.extension}", rendered.body, rendered.last_modified)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def rendered_document(body: bytes, media_type: str, modified: dt.datetime) -> Rendered:
    return Rendered(body, media_type, hashlib.sha256(body).hexdigest()[:32], modified)


def published() -> Published:
    found: Published = current_app.extensions["minegraph.core.resources"]
    return found
