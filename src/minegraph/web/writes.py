"""Writes over HTTP: applied to a scratch copy, validated by the SHACL gate, then committed all at once.

A write (a SPARQL Update, a Graph Store PUT/POST/DELETE) is a function that changes a scratch in-memory
pyoxigraph store holding a copy of the data. The graphs it changed are validated together with the reference
graphs (ontology, concepts, places, agents) — by pyshacl, or by the fast gate above
:data:`minegraph.store.gate.FAST_GATE_TRIPLES` — and only if they conform are they committed, atomically, as
their difference to the store (:func:`minegraph.ingest.run.write_atomically`). Writers are serialized, and
readers step aside for the commit (see :mod:`minegraph.store.locks`).

Copying the data into the scratch store costs time linear in the store's size: fine for curated data sets,
and writes are rare.

On a remote store (``settings.endpoint``) the same happens over HTTP: the graphs are read through the store,
and committed with its staged :meth:`~minegraph.store.remote.RemoteStore.replace_graphs`; the lock files only
serialize the writers of this machine (writers on several machines are serialized by the store's own
transactions, graph by graph).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import g, has_request_context
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, serialize
from pyoxigraph import Store as OxStore
from rdflib import Graph

from minegraph.core.errors import ValidationFailed
from minegraph.core.ntriples import NTriplesGraph
from minegraph.core.settings import Settings
from minegraph.core.vocab import graph_iri
from minegraph.store import Store, open_configured
from minegraph.store.auth import Forbidden, Unauthorized, audit, check_bearer, cli_actor
from minegraph.store.embedded import EmbeddedStore
from minegraph.store.gate import ValidationReport
from minegraph.store.locks import StoreLocks

GraphName = NamedNode | DefaultGraph
__all__ = ["Forbidden", "Unauthorized", "WriteResult", "apply_write", "check_token"]
REFERENCE_GRAPHS = ("ontology", "concepts", "places", "agents", "meta")


def check_token(settings: Settings, authorization: str | None) -> str:
    """Allow a write only with ``Authorization: Bearer <token>`` of an active token (:mod:`minegraph.store.auth`).

    401 without a token, 403 for an unknown or revoked one or on a read-only server. Returns the token's name,
    and remembers it for the audit line of the request's write.
    """
    name = check_bearer(settings, authorization)
    if has_request_context():
        g.write_actor = f"token:{name}"
    return name


def _actor() -> str:
    if has_request_context():
        found: str = g.get("write_actor", "web:unauthenticated")
        return found
    return cli_actor()


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


def _size(store: OxStore, names: Iterable[GraphName]) -> int:
    return sum(sum(1 for _ in store.quads_for_pattern(None, None, None, name)) for name in names)


def _ntriples_of(store: OxStore, name: GraphName) -> NTriplesGraph:
    """One graph of ``store`` as N-Triples lines (what :meth:`Store.replace_graphs` writes, without rdflib)."""
    data = (store.dump(format=RdfFormat.N_TRIPLES, from_graph=name) or b"").decode("utf-8")
    return NTriplesGraph(lines=data.splitlines(keepends=True))


def _validate(settings: Settings, scratch: OxStore, changed: Iterable[GraphName]) -> None:
    """The SHACL gate over the ``changed`` graphs of ``scratch``: pyshacl, or the fast gate for big graphs (a
    correction to a national source), as ``minegraph build`` chooses
    (:data:`minegraph.store.gate.FAST_GATE_TRIPLES`)."""
    from minegraph.store.gate import FAST_GATE_TRIPLES, reference_graph, referenced_subgraph, validate

    changed = list(changed)
    reference_names = [NamedNode(str(graph_iri(settings.base_uri, n))) for n in ("places", "agents")]
    context_names = [n for n in reference_names if scratch.contains_named_graph(n) and n not in changed]
    if _size(scratch, changed) > FAST_GATE_TRIPLES:
        report = _fast_validate(scratch, changed, context_names)
    else:
        data = Graph()
        for name in changed:
            data += _graph_of(scratch, name)
        if len(data) == 0:
            return
        context = Graph()
        for name in context_names:
            context += _graph_of(scratch, name)
        # only the places and agents the written data points at: validation cost follows the write, not the store
        report = validate(data, reference=reference_graph(referenced_subgraph(data, context)))
    if not report.conforms:
        raise ValidationFailed("the write does not conform to the shapes: nothing was changed", report=report)


def _fast_validate(scratch: OxStore, changed: list[GraphName], context: list[NamedNode]) -> ValidationReport:
    """The fast gate (:mod:`minegraph.store.fastgate`) over the changed graphs, with the ontology, the concept
    schemes and the whole places and agents graphs as reference, as an ingest validates a table."""
    from minegraph.store.fastgate import base_reference_text, validate_ntriples

    def text(names: Iterable[GraphName]) -> str:
        return "".join((scratch.dump(format=RdfFormat.N_TRIPLES, from_graph=n) or b"").decode("utf-8") for n in names)

    return validate_ntriples(text(changed), base_reference_text() + text(context))


def apply_write(
    settings: Settings,
    locks: StoreLocks,
    change: Callable[[OxStore], bool | None],
    *,
    graphs: Iterable[GraphName] | None = None,
    lock_timeout: float = 60.0,
    action: str = "write",
    actor: str | None = None,
) -> WriteResult:
    """Apply ``change`` to a scratch copy (of ``graphs``, or of everything), validate, commit, audit.

    ``change`` may return True to report that it created its target graph. The audit line names ``actor``
    (default: the request's token, or the OS user outside a request) and ``action``.
    """
    with locks.writer(lock_timeout):
        scratch = OxStore()
        if settings.remote:
            _copy_remote(open_configured(settings), scratch, graphs)
        else:
            _copy_embedded(settings, scratch, graphs)
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
        if settings.remote:
            try:
                _commit(open_configured(settings), scratch, changed)
            finally:
                locks.bump()
        else:
            with locks.readers_paused(lock_timeout):
                store = EmbeddedStore(settings.store)
                try:
                    _commit(store, scratch, changed)
                finally:
                    store.close()
        names = [n.value if isinstance(n, NamedNode) else "default" for n in changed]
        audit(settings, actor or _actor(), action, names)
        return WriteResult(sorted(str(n) for n in changed), created)


def _copy_remote(store: Store, scratch: OxStore, graphs: Iterable[GraphName] | None) -> None:
    from minegraph.store.remote import RemoteStore

    assert isinstance(store, RemoteStore)
    if graphs is None:
        scratch.load(store.dump(RdfFormat.N_QUADS), format=RdfFormat.N_QUADS)
        return
    for name in graphs:
        if isinstance(name, NamedNode):
            if not store.has_graph(name.value):
                continue
            scratch.add_graph(name)
            scratch.load(store.dump(RdfFormat.N_TRIPLES, graph=name.value), format=RdfFormat.N_TRIPLES,
                         to_graph=name)
        else:
            scratch.load(store.default_graph(), format=RdfFormat.N_TRIPLES, to_graph=DefaultGraph())


def _copy_embedded(settings: Settings, scratch: OxStore, graphs: Iterable[GraphName] | None) -> None:
    if True:  # keeps the block as it was before the remote store
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


#: An HTTP write bulk-loads a graph new to the store only above this many triples (small ones: a transaction).
BULK_ABOVE = 50_000


def _commit(store: Store, scratch: OxStore, changed: list[GraphName]) -> None:
    """Write the ``changed`` graphs of ``scratch`` to ``store``: named graphs all at once, as the difference
    to what the store holds (:func:`minegraph.ingest.run.write_atomically`: a correction of one value in a
    national source writes two triples, not the whole graph again)."""
    from minegraph.store.commit import current_triples, write_atomically

    named: dict[str, NTriplesGraph | None] = {}
    empty: list[NamedNode] = []
    for name in changed:
        if isinstance(name, DefaultGraph):
            quads = list(scratch.quads_for_pattern(None, None, None, DefaultGraph()))
            if isinstance(store, EmbeddedStore):
                target = store.oxigraph
                target.clear_graph(DefaultGraph())
                target.extend(Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in quads)
            else:
                data = serialize((q.triple for q in quads), format=RdfFormat.N_TRIPLES) or b""
                store.put_default_graph(data)  # type: ignore[attr-defined]
            continue
        graph = _ntriples_of(scratch, name) if scratch.contains_named_graph(name) else None
        named[name.value] = graph if graph is not None and len(graph) else None
        if graph is not None and not len(graph):  # an empty graph that exists (CREATE, PUT of nothing)
            empty.append(name)
    if named:
        existing = set(store.graphs())
        old = {iri: current_triples(store, iri) for iri in named if iri in existing}
        write_atomically(store, named, old, bulk_above=BULK_ABOVE)
    for name in empty:
        if isinstance(store, EmbeddedStore):
            store.oxigraph.add_graph(name)
        else:
            store.create_graph(name.value)  # type: ignore[attr-defined]
