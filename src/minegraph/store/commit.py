"""Writing graphs to a store atomically: the difference to what it holds, or a bulk load under a marker.

Test hook: ``MINEGRAPH_TEST_CRASH_AT=<stage>`` kills the process with SIGKILL at a named stage
(:data:`CRASH_STAGES`), so tests can show that a crash leaves the store as it was. Never set it otherwise.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from typing import Any

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from minegraph.core.ntriples import NTriplesGraph

CRASH_ENV = "MINEGRAPH_TEST_CRASH_AT"
#: read: input read and mapped; validated: the gate passed; writing: just before the write; loading: a graph new
#: to the store bulk-loaded under its marker, not yet published; written: just after the write.
CRASH_STAGES = ("read", "validated", "writing", "loading", "written")


def crash_point(stage: str) -> None:
    """The test hook: SIGKILL this process when ``MINEGRAPH_TEST_CRASH_AT`` names ``stage``."""
    if os.environ.get(CRASH_ENV) == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def current_triples(store: Any, graph: str) -> set[Triple]:
    """The triples of one named graph of the store, as pyoxigraph terms."""
    ox = getattr(store, "oxigraph", None)
    if ox is not None:
        return {q.triple for q in ox.quads_for_pattern(None, None, None, NamedNode(graph))}
    return set(store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))


def write_atomically(store: Any, graphs: Mapping[str, NTriplesGraph | None],
                     old: Mapping[str, set[Triple]], *, bulk_above: int = 0) -> tuple[int, int]:
    """Make each graph hold exactly the given triples (None: remove the graph), atomically; (removed, added)
    triples.

    A graph new to the store with more than ``bulk_above`` triples is written with the store's bulk loader
    under a crash-safe marker (``Store.begin_bulk``; embedded: about 3x faster than a transaction, remote: no
    MOVE of the whole graph), which matters for a national file of millions of triples. Of the other graphs
    only the difference to ``old`` is written, as one SPARQL update (DELETE DATA; INSERT DATA; DROP of the
    graphs removed) — the same transaction that publishes the bulk-loaded graphs; the difference of a
    re-ingest or of a correction is usually a few triples. Graphs with blank nodes (RDF inputs) go through
    ``Store.replace_graphs`` instead.
    """
    bulk = {iri: g for iri, g in graphs.items() if g and len(g) > bulk_above and not old.get(iri)
            and hasattr(store, "begin_bulk") and not _has_blank_nodes(g)}
    removed: list[Quad] = []
    added: list[Quad] = []
    dropped: list[str] = []
    blank = False
    for iri, graph in graphs.items():
        if iri in bulk:
            continue
        if graph is None:
            dropped.append(iri)
            continue
        name = NamedNode(iri)
        new = {q.triple for q in parse(graph.text().encode("utf-8"), format=RdfFormat.N_TRIPLES)} if graph else set()
        before = old.get(iri, set())
        blank = blank or any(isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode)
                             for t in new | before)
        removed += [Quad(t.subject, t.predicate, t.object, name) for t in before - new]
        added += [Quad(t.subject, t.predicate, t.object, name) for t in new - before]
    crash_point("writing")
    if blank:
        store.replace_graphs({iri: None if g is None else g for iri, g in graphs.items()})
        crash_point("written")
        return len(removed), len(added)
    update = " ;\n".join([*(f"DROP SILENT GRAPH <{iri}>" for iri in dropped),
                          *filter(None, [_difference_update(removed, added)])])
    if bulk:
        store.begin_bulk(bulk)
        try:
            for iri, graph in bulk.items():  # one call per graph: pieces cost ~25 % more (more files to merge)
                store.bulk_load(iri, graph.chunks())  # streamed: no second copy of the graph
            crash_point("loading")
            store.finish_bulk(bulk, update)
        except Exception:
            store.abandon_bulk(bulk)  # a failed write leaves nothing behind (a crash: the next writer cleans up)
            raise
    elif added and not removed and not dropped and getattr(store, "oxigraph", None) is not None:
        # one transactional N-Quads load: about 3x faster than the same triples as INSERT DATA
        store.oxigraph.load(serialize(added, format=RdfFormat.N_QUADS), format=RdfFormat.N_QUADS)
    elif update:
        store.update(update)
    crash_point("written")
    gone = sum(len(old.get(iri, ())) for iri in dropped)
    return len(removed) + gone, len(added) + sum(len(g) for g in bulk.values())


def _has_blank_nodes(graph: Any) -> bool:
    """Whether N-Triples ``graph`` may hold blank nodes (conservative: ``_:`` anywhere, even in a literal)."""
    return not hasattr(graph, "lines") or any("_:" in line for line in graph.lines)


def _difference_update(removed: list[Quad], added: list[Quad]) -> str:
    """One SPARQL update that deletes ``removed`` and inserts ``added`` ('' when both are empty)."""
    operations = []
    for keyword, quads in (("DELETE DATA", removed), ("INSERT DATA", added)):
        if quads:
            body = (serialize(quads, format=RdfFormat.N_QUADS) or b"").decode("utf-8")
            operations.append(f"{keyword} {{ {_graph_blocks(body)} }}")
    return " ;\n".join(operations)


def _graph_blocks(nquads: str) -> str:
    """N-Quads as ``GRAPH <g> { triples }`` blocks for INSERT DATA / DELETE DATA."""
    by_graph: dict[str, list[str]] = {}
    for line in nquads.splitlines():
        body, _, graph = line.rstrip(" .").rpartition(" ")
        by_graph.setdefault(graph, []).append(body + " .")
    return "\n".join(f"GRAPH {g} {{\n" + "\n".join(lines) + "\n}" for g, lines in by_graph.items())
