"""Writes over HTTP: a SPARQL Update or a Graph Store request becomes a change set for the write door.

The request's change (an update, a PUT of a graph…) is applied to a scratch in-memory pyoxigraph store holding a
copy of the graphs it may touch, read under the door's write lock; the graphs it changed, as they are after it,
are the change set that :func:`minegraph.store.door.write` checks — privacy rules, the SHACL gate, derived
graphs, audit — and commits, or refuses with the whole report. Copying costs time linear in what is copied: a
Graph Store request copies its one graph, a SPARQL Update every graph (writes are rare).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import g, has_request_context
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat
from pyoxigraph import Store as OxStore

from minegraph.core.ntriples import NTriplesGraph
from minegraph.core.settings import Settings
from minegraph.store import Store
from minegraph.store.auth import Forbidden, Unauthorized, check_bearer, cli_actor
from minegraph.store.door import ChangeSet, GraphKey, write

GraphName = NamedNode | DefaultGraph
__all__ = ["Forbidden", "Unauthorized", "WriteResult", "apply_write", "check_token"]


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


def _copy(reader: Store, scratch: OxStore, graphs: Iterable[GraphName] | None) -> None:
    """Copy ``graphs`` (every graph, and the store's default graph, when None) of ``reader`` into ``scratch``."""
    names: list[GraphName] = list(graphs) if graphs is not None else [
        DefaultGraph(), *(NamedNode(iri) for iri in reader.graphs())]
    existing = set(reader.graphs())
    for name in names:
        if isinstance(name, NamedNode):
            if name.value not in existing:
                continue
            scratch.add_graph(name)
        triples = reader.graph_triples(name.value if isinstance(name, NamedNode) else None)
        scratch.extend(Quad(t.subject, t.predicate, t.object, name) for t in triples)


def apply_write(
    settings: Settings,
    change: Callable[[OxStore], bool | None],
    *,
    graphs: Iterable[GraphName] | None = None,
    lock_timeout: float = 60.0,
    action: str = "write",
    actor: str | None = None,
) -> WriteResult:
    """Apply ``change`` to a scratch copy (of ``graphs``, or of everything) and hand the graphs it changed to the
    write door. ``change`` may return True to report that it created its target graph. The audit line names
    ``actor`` (default: the request's token, or the OS user outside a request) and ``action``."""
    created = [False]

    def plan(reader: Store) -> ChangeSet:
        scratch = OxStore()
        _copy(reader, scratch, graphs)
        before = _fingerprints(scratch)
        named_before = {n for n in scratch.named_graphs() if isinstance(n, NamedNode)}
        created[0] = bool(change(scratch))
        after = _fingerprints(scratch)
        named_after = {n for n in scratch.named_graphs() if isinstance(n, NamedNode)}
        changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
        changed |= named_before ^ named_after
        out: dict[GraphKey, NTriplesGraph | None] = {}
        for name in changed:
            if isinstance(name, NamedNode) and name not in named_after:
                out[name.value] = None
                continue
            text = scratch.dump(format=RdfFormat.N_TRIPLES, from_graph=name) or b""
            out[name.value if isinstance(name, NamedNode) else None] = NTriplesGraph.of(text)
        return ChangeSet(out, action=action, actor=actor or _actor())

    written = write(settings, plan, lock_timeout=lock_timeout)
    return WriteResult(written.changed, created[0])
