"""Queries of the web tier against a remote SPARQL store: the same jobs and answers as the worker pool.

With a remote store there is nothing local to protect: no RocksDB handle, no worker processes. A job runs in
the request's thread; the time limit is the HTTP timeout of the request to the store (and the store's own
limit, e.g. ``oxigraph serve --timeout-s`` or Virtuoso's ``MaxQueryExecutionTime``). A store that is down or
slow answers 503 with Retry-After; the next request tries again, so the web process recovers by itself.
"""

from __future__ import annotations

import time
from typing import Any

from pyoxigraph import RdfFormat, parse, serialize

from minegraph.core.errors import QueryError, StoreError
from minegraph.core.formats import RDF_FORMATS
from minegraph.core.settings import Settings
from minegraph.store.remote import RemoteStore, StoreTimeout
from minegraph.store.view import public_graphs
from minegraph.web.run import Answer, _content_type, _format, answer_for
from minegraph.web.workers import QueryTimeout

#: How long a web process trusts what it cached about a remote store that others may write (seconds).
CACHE_SECONDS = 5.0


class RemoteRunner:
    """Runs query-pool jobs (see :mod:`minegraph.web.workers`) against a :class:`RemoteStore`."""

    def __init__(self, settings: Settings) -> None:
        from minegraph.store import open_configured

        store = open_configured(settings)
        assert isinstance(store, RemoteStore)
        self.store = store
        self.timeout = settings.query_timeout
        self.max_rows = settings.max_rows

    def run(self, job: dict[str, Any], timeout: float | None = None) -> Answer:
        """Answer ``job``; raise :class:`QueryTimeout` past the time limit, :class:`StoreError` if the store fails."""
        limit = self.timeout if timeout is None else timeout
        try:
            return self._run(job, limit)
        except StoreTimeout as error:
            raise QueryTimeout(
                f"the query was stopped after the time limit of {limit:g} s: narrow it down (a LIMIT, more "
                f"specific patterns) or run it on a copy of the data (see the dumps) ({error})"
            ) from error
        except QueryError as error:
            return Answer(400, body=str(error).encode())

    def _run(self, job: dict[str, Any], limit: float) -> Answer:
        kind = job.get("kind")
        if kind == "query":
            defaults, named = job.get("default_graphs"), job.get("named_graphs")
            if defaults is None and named is None:
                result = self.store.query(job["sparql"], base_iri=job.get("base_iri"), timeout=limit)
            else:
                result = self.store.query(job["sparql"], default_graphs=defaults or [], named_graphs=named,
                                          base_iri=job.get("base_iri"), timeout=limit)
            return answer_for(result, job, self.max_rows)
        if kind == "graph":
            return self._graph(job)
        if kind == "stats":
            graphs = self.store.graphs()
            public = public_graphs(graphs, job.get("base") or "")
            values = " ".join(f"<{g}>" for g in public)
            found: Any = self.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g "
                                     "{ ?s ?p ?o } }", default_graphs=[], timeout=limit) if public else []
            quads = next((int(row["n"].value) for row in found), 0)
            return Answer(200, extra={"quads": quads, "graphs": graphs, "public": public})
        if kind == "sleep":  # the tests of the time limit
            time.sleep(float(job.get("seconds", 0)))
            return Answer(200)
        return Answer(400, body=f"unknown job {kind!r}".encode())

    def _graph(self, job: dict[str, Any]) -> Answer:
        name = job.get("graph")
        fmt = _format(job.get("format"), RDF_FORMATS) or RDF_FORMATS[0]
        if name:
            if not self.store.has_graph(name):
                return Answer(404, body=f"there is no graph <{name}>".encode())
            return Answer(200, _content_type(fmt), self.store.dump(fmt.oxigraph, graph=name))  # type: ignore[arg-type]
        data = self.store.default_graph()
        triples = list(parse(data, format=RdfFormat.N_TRIPLES)) if data else []
        return Answer(200, _content_type(fmt), serialize(triples, format=fmt.oxigraph) or b"")  # type: ignore[arg-type]

    def close(self) -> None:
        self.store.close()


def cache_token() -> int:
    """Changes every :data:`CACHE_SECONDS`: what is cached about a remote store lasts no longer."""
    return int(time.time() // CACHE_SECONDS)


__all__ = ["CACHE_SECONDS", "RemoteRunner", "StoreError", "cache_token"]
