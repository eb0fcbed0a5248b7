"""Writes over HTTP: applied to a scratch copy, validated by the SHACL gate, then committed all at once.

A write (a SPARQL Update, a Graph Store PUT/POST/DELETE) is a function that changes a scratch in-memory
pyoxigraph store holding a copy of the data. The graphs it changed are validated together with the reference
graphs (ontology, concepts, places, agents); only if they conform are they committed, atomically, with
:meth:`~minegraph.store.Store.replace_graphs`. Writers are serialized, and readers step aside for the commit
(see :mod:`minegraph.web.locks`).

Copying the data into the scratch store costs time linear in the store's size: fine for curated data sets,
and writes are rare.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat
from pyoxigraph import Store as OxStore
from rdflib import Graph

from minegraph.errors import MinegraphError, ValidationFailed
from minegraph.settings import Settings
from minegraph.store.embedded import EmbeddedStore
from minegraph.vocab import graph_iri
from minegraph.web.locks import StoreLocks

GraphName = NamedNode | DefaultGraph
REFERENCE_GRAPHS = ("ontology", "concepts", "places", "agents", "meta")


class Unauthorized(MinegraphError):
    status = 401


class Forbidden(MinegraphError):
    status = 403


def check_token(settings: Settings, authorization: str | None) -> None:
    """Allow a write only with ``Authorization: Bearer <write token>``; 401 without one, 403 for a wrong one."""
    if not settings.write_token:
        raise Forbidden("this server is read-only: it was started without a write token")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("writes need an `Authorization: Bearer <token>` header")
    if not hmac.compare_digest(token.strip().encode(), settings.write_token.encode()):
        raise Forbidden("the write token is not valid")


@dataclass
class WriteResult:
    changed: list[str]
    created: bool = False


def _fingerprints(store: OxStore) -> dict[GraphName, tuple[int, int]]:
    prints: dict[GraphName, list[int]] = {}
    for quad in store:
        entry = prints.setdefault(quad.graph_name, [0, 0])
        entry[0] += 1
        entry[1] = (entry[1] + hash(quad.triple)) & 0xFFFFFFFFFFFFFFFF
    return {name: (n, h) for name, (n, h) in prints.items()}


def _graph_of(store: OxStore, name: GraphName) -> Graph:
    graph = Graph()
    data = store.dump(format=RdfFormat.N_TRIPLES, from_graph=name) or b""
    if data:
        graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def _validate(settings: Settings, scratch: OxStore, changed: Iterable[GraphName]) -> None:
    from minegraph.gate import reference_graph, validate

    data = Graph()
    for name in changed:
        data += _graph_of(scratch, name)
    if len(data) == 0:
        return
    reference_names = [NamedNode(str(graph_iri(settings.base_uri, n))) for n in ("places", "agents")]
    extra = [_graph_of(scratch, n) for n in reference_names if scratch.contains_named_graph(n) and n not in changed]
    report = validate(data, reference=reference_graph(*extra))
    if not report.conforms:
        raise ValidationFailed("the write does not conform to the shapes: nothing was changed", report=report)


def apply_write(
    settings: Settings,
    locks: StoreLocks,
    change: Callable[[OxStore], bool | None],
    *,
    graphs: Iterable[GraphName] | None = None,
    lock_timeout: float = 60.0,
) -> WriteResult:
    """Apply ``change`` to a scratch copy (of ``graphs``, or of everything), validate, commit.

    ``change`` may return True to report that it created its target graph.
    """
    with locks.writer(lock_timeout):
        scratch = OxStore()
        store = EmbeddedStore(settings.store, read_only=True)  # no writer can run: we hold the write lock
        try:
            source = store.oxigraph
            if graphs is None:
                scratch.load(source.dump(format=RdfFormat.N_QUADS) or b"", format=RdfFormat.N_QUADS)
            else:
                for name in graphs:
                    if isinstance(name, NamedNode):
                        if not source.contains_named_graph(name):
                            continue
                        scratch.add_graph(name)
                    scratch.extend(Quad(q.subject, q.predicate, q.object, name)
                                   for q in source.quads_for_pattern(None, None, None, name))
        finally:
            store.close()
        before = _fingerprints(scratch)
        named_before = {g for g in scratch.named_graphs() if isinstance(g, NamedNode)}
        created = bool(change(scratch))
        after = _fingerprints(scratch)
        named_after = {g for g in scratch.named_graphs() if isinstance(g, NamedNode)}
        changed = [name for name in set(before) | set(after) if before.get(name) != after.get(name)]
        changed += [g for g in named_before ^ named_after if g not in changed]
        if not changed:
            return WriteResult([], created)
        _validate(settings, scratch, [n for n in changed if n in after])
        with locks.readers_paused(lock_timeout):
            _commit(settings, scratch, changed)
        return WriteResult(sorted(str(n) for n in changed), created)


def _commit(settings: Settings, scratch: OxStore, changed: list[GraphName]) -> None:
    store = EmbeddedStore(settings.store)
    try:
        named: dict[str, Graph | None] = {}
        empty: list[NamedNode] = []
        for name in changed:
            if isinstance(name, DefaultGraph):
                target = store.oxigraph
                target.clear_graph(DefaultGraph())
                target.extend(Quad(q.subject, q.predicate, q.object, DefaultGraph())
                              for q in scratch.quads_for_pattern(None, None, None, DefaultGraph()))
                continue
            graph = _graph_of(scratch, name) if scratch.contains_named_graph(name) else None
            named[name.value] = graph if graph is not None and len(graph) else None
            if graph is not None and not len(graph):  # an empty graph that exists (CREATE, PUT of nothing)
                empty.append(name)
        if named:
            store.replace_graphs(named)
        for name in empty:
            store.oxigraph.add_graph(name)
    finally:
        store.close()
