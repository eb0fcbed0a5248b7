"""Running one job against an open pyoxigraph store (inside a query worker process)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from pyoxigraph import DefaultGraph, NamedNode, QueryBoolean, QuerySolutions, Store, serialize

from minegraph.core.formats import RDF_FORMATS, RESULT_FORMATS, Format, by_extension
from minegraph.core.sparql import Pattern
from minegraph.core.sparql_errors import explain
from minegraph.store.view import (
    GRAPHS_QUERY,
    PENDING,
    PENDING_GRAPH,
    STAGING_PREFIX,
    public_dataset,
    public_graphs,
    union_is_public,
)
from minegraph.web.results import write_boolean, write_rows


@dataclass
class Answer:
    """What a worker sends back: a body and its media type, or an error status and message."""

    status: int
    media_type: str = "text/plain; charset=utf-8"
    body: bytes = b""
    rows: int = 0
    truncated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)



def _format(extension: str | None, table: tuple[Format, ...]) -> Format | None:
    if extension is None:
        return None
    try:
        return by_extension(extension, table)
    except KeyError:
        return None


def _content_type(fmt: Format) -> str:
    text = fmt.media_type.startswith("text/") or fmt.extension in ("json", "xml", "jsonld", "rdf", "nt")
    return f"{fmt.media_type}; charset=utf-8" if text else fmt.media_type


def _not_acceptable(what: str) -> Answer:
    """406, naming the formats there are (for solutions and booleans, or for triples)."""
    table = RDF_FORMATS if what.startswith("CONSTRUCT") else RESULT_FORMATS
    offered = ", ".join(f.media_type for f in table)
    return Answer(406, body=(f"the results of this {what} cannot be given in any format the request accepts; "
                             f"they are available as {offered} (Accept, or ?format=)").encode())


#: The most combinations of matching triples a bounded query may have to run in the web process (the product of
#: the counts of its patterns): at most a few tens of milliseconds of work, whatever the engine's join order.
BOUNDED_WORK = 100_000
#: The most pattern counts a snapshot keeps.
COUNTS_KEPT = 100_000


class Snapshot:
    """What a query worker knows of the store it holds open.

    A worker's read-only store never changes under it (it reopens the store after every write), so what is
    read from it here holds until then: the named graphs, and whether the union of all graphs is exactly
    the public dataset.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._graphs: list[str] | None = None
        self._union_is_public: dict[str, bool] = {}
        self._counts: dict[tuple[str, str | None], int] = {}
        self._private: list[NamedNode | DefaultGraph] | None = None

    def graphs(self) -> list[str]:
        """The named graphs, those still loading left out (:data:`~minegraph.store.view.GRAPHS_QUERY`)."""
        if self._graphs is None:
            rows = self.store.query(GRAPHS_QUERY)
            assert isinstance(rows, QuerySolutions)
            self._graphs = sorted(row["g"].value for row in rows if isinstance(row["g"], NamedNode))
        return self._graphs

    def union_is_public(self, base: str) -> bool:
        """:func:`minegraph.store.view.union_is_public`, read once."""
        found = self._union_is_public.get(base)
        if found is None:
            found = self._union_is_public[base] = union_is_public(self.store, base)
        return found

    def count(self, subject: str, predicate: str | None, base: str) -> int:
        """How many triples of the public graphs have ``subject`` (and ``predicate``), counted up to one more than
        :data:`BOUNDED_WORK` (a triple in several graphs counts for each); kept (for at most :data:`COUNTS_KEPT`
        patterns) while the snapshot lasts. Only public data: what a public query may not read must not change
        how it is answered, nor how fast."""
        key = (subject, predicate)
        found = self._counts.get(key)
        if found is None:
            s, p = NamedNode(subject), NamedNode(predicate) if predicate else None
            found = len(list(islice(self.store.quads_for_pattern(s, p, None), BOUNDED_WORK + 1)))
            if found and not self.union_is_public(base):
                for graph in self.private_graphs(base):
                    found -= len(list(islice(self.store.quads_for_pattern(s, p, None, graph), found)))
            if len(self._counts) >= COUNTS_KEPT:
                self._counts.clear()
            self._counts[key] = found
        return found

    def private_graphs(self, base: str) -> list[NamedNode | DefaultGraph]:
        """The graphs a public query may not read: the store's default graph, restricted and loading graphs."""
        if self._private is None:
            public = set(public_graphs(self.graphs(), base))
            named = [g for g in self.store.named_graphs() if isinstance(g, NamedNode) and g.value not in public]
            self._private = [DefaultGraph(), *named]
        return self._private

    def public_dataset(self, base: str, default_graphs: list[str] | None,
                       named_graphs: list[str] | None) -> tuple[list[str] | None, list[str] | None]:
        """The dataset of a public query (:func:`minegraph.store.view.public_dataset`); ``(None, None)``, the
        union of all graphs, when that is the same thing — the engine answers over the union 20x faster than
        over an explicit list of a hundred graphs."""
        if default_graphs is None and named_graphs is None and self.union_is_public(base):
            return None, None
        return public_dataset(self.graphs(), base, default_graphs, named_graphs)


def run_query(store: Store, job: dict[str, Any], max_rows: int, snapshot: Snapshot | None = None) -> Answer:
    """Answer a query job. A job with ``public`` (the base IRI) runs over the public dataset of the store,
    narrowed here, where the store is (see :class:`Snapshot`)."""
    options: dict[str, Any] = {"base_iri": job.get("base_iri")}
    defaults, named = job.get("default_graphs"), job.get("named_graphs")
    if job.get("public"):
        defaults, named = (snapshot or Snapshot(store)).public_dataset(job["public"], defaults, named)
    if defaults is None and named is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [NamedNode(g) for g in defaults or []]
        if named is not None:
            options["named_graphs"] = [NamedNode(g) for g in named]
    try:
        result = store.query(job["sparql"], **options)
    except SyntaxError as error:
        return Answer(400, body=f"the query does not parse: {explain(error, job['sparql'])}".encode())
    return answer_for(result, job, max_rows)


def run_bounded(store: Store, job: dict[str, Any], patterns: list[Pattern], max_rows: int,
                snapshot: Snapshot | None = None) -> Answer | None:
    """:func:`run_query` for a query whose ``patterns`` (:func:`minegraph.core.sparql.bounded`) match at most
    :data:`BOUNDED_WORK` combinations of triples in the whole store (restricted graphs counted too: an upper
    bound); None when they may match more, or name something the store cannot look up.

    Each pattern is first bounded by all the triples of its subject (one look-up per subject, kept by the
    snapshot until the store changes); only when that bound is too loose are the patterns counted one by one."""
    snapshot = snapshot or Snapshot(store)
    base = job.get("public") or ""
    try:
        if _product(snapshot.count(subject, None, base) for subject, _predicate in patterns) > BOUNDED_WORK and (
                _product(snapshot.count(subject, predicate, base) for subject, predicate in patterns) > BOUNDED_WORK):
            return None
    except ValueError:  # not an IRI the store accepts: the query worker gives the error
        return None
    return run_query(store, job, max_rows, snapshot)


def _product(counts: Iterable[int]) -> int:
    work = 1
    for count in counts:
        work *= max(count, 1)
        if work > BOUNDED_WORK:
            break
    return work


def answer_for(result: Any, job: dict[str, Any], max_rows: int) -> Answer:
    """The answer to a query job: ``result`` (pyoxigraph results) in the negotiated format, cut at ``max_rows``
    — unless the job has ``all_rows`` (set by minegraph's own pages, never by a request: the map and the GeoJSON
    of the incidents read every incident)."""
    if job.get("all_rows"):
        max_rows = sys.maxsize
    if isinstance(result, QueryBoolean):
        fmt = _format(job.get("results"), RESULT_FORMATS)
        if fmt is None:
            return _not_acceptable("ASK query")
        return Answer(200, _content_type(fmt), write_boolean(fmt.extension, bool(result)), rows=1)
    if isinstance(result, QuerySolutions):
        fmt = _format(job.get("results"), RESULT_FORMATS)
        if fmt is None:
            return _not_acceptable("SELECT query")
        variables = [v.value for v in result.variables]
        rows: list[list[Any]] = []
        truncated = False
        width = range(len(variables))
        for solution in result:
            if len(rows) >= max_rows:
                truncated = True
                break
            rows.append([solution[i] for i in width])
        note = _note(max_rows) if truncated else None
        body = write_rows(fmt.extension, variables, rows, note)
        return Answer(200, _content_type(fmt), body, rows=len(rows), truncated=truncated)
    fmt = _format(job.get("graph"), RDF_FORMATS)
    if fmt is None:
        return _not_acceptable("CONSTRUCT or DESCRIBE query")
    triples: list[Any] = []
    truncated = False
    for triple in result:
        if len(triples) >= max_rows:
            truncated = True
            break
        triples.append(triple)
    body = serialize(triples, format=fmt.oxigraph) or b""  # type: ignore[arg-type]
    return Answer(200, _content_type(fmt), body, rows=len(triples), truncated=truncated)


def _note(max_rows: int) -> dict[str, Any]:
    return {"truncated": True, "limit": max_rows,
            "message": f"Only the first {max_rows} results are shown: the endpoint returns at most {max_rows} "
                       "rows. Add LIMIT/OFFSET to page through the rest, or use the data dumps."}


def dump_graph(store: Store, job: dict[str, Any]) -> Answer:
    """One graph (``graph``: an IRI, or None for the default graph) in the format ``format``."""
    name = job.get("graph")
    fmt = _format(job.get("format"), RDF_FORMATS)
    assert fmt is not None
    graph: NamedNode | DefaultGraph = NamedNode(name) if name else DefaultGraph()
    if isinstance(graph, NamedNode) and not store.contains_named_graph(graph):
        return Answer(404, body=f"there is no graph <{name}>".encode())
    body = store.dump(format=fmt.oxigraph, from_graph=graph) or b""  # type: ignore[arg-type]
    return Answer(200, _content_type(fmt), body)


def stats(store: Store, job: dict[str, Any]) -> Answer:
    """The named graphs (restricted ones included, not those of a write in flight) and the number of triples in
    the public graphs (what /health and /metrics report)."""
    loading = {q.subject for q in store.quads_for_pattern(None, NamedNode(PENDING), None, NamedNode(PENDING_GRAPH))}
    named = [g for g in store.named_graphs() if isinstance(g, NamedNode)]
    graphs = sorted(g.value for g in named if not g.value.startswith(STAGING_PREFIX) and g not in loading)
    public = set(public_graphs(graphs, job.get("base") or ""))
    private: list[NamedNode | DefaultGraph] = [DefaultGraph(), *(g for g in named if g.value not in public)]
    quads = len(store) - sum(sum(1 for _ in store.quads_for_pattern(None, None, None, g)) for g in private)
    return Answer(200, extra={"quads": quads, "graphs": graphs, "public": sorted(public)})


def run_job(store: Store, job: dict[str, Any], max_rows: int, snapshot: Snapshot | None = None) -> Answer:
    kind = job.get("kind")
    if kind == "query":
        return run_query(store, job, max_rows, snapshot)
    if kind == "graph":
        return dump_graph(store, job)
    if kind == "stats":
        return stats(store, job)
    return Answer(400, body=f"unknown job {kind!r}".encode())
