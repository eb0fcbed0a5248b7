"""Public and restricted graphs: what no public output may read.

A graph whose IRI starts with ``{base}graph/restricted/`` is **restricted**: identifying data (names, birth
years, exact coordinates of where a person was harmed, contact details, informants), if it is stored at all,
lives only there. Every public output reads the **public dataset** — the store's named graphs minus the
restricted ones (and minus the store's own default graph and in-flight staging graphs) — passed to the
store as an explicit dataset, so ``GRAPH ?g``, ``DESCRIBE``, ``FROM`` / ``FROM NAMED`` and
``default-graph-uri`` / ``named-graph-uri`` cannot reach a restricted graph. When the store holds nothing
else (:func:`union_is_public`), the union of all graphs is that dataset and queries run over it instead.

>>> is_restricted("https://w3id.org/minegraph/graph/restricted/victims", "https://w3id.org/minegraph/")
True
>>> public_graphs(["https://w3id.org/minegraph/graph/places",
...                "https://w3id.org/minegraph/graph/restricted/x"], "https://w3id.org/minegraph/")
['https://w3id.org/minegraph/graph/places']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, serialize

from minegraph.core.vocab import normalise_base

RESTRICTED_PATH = "graph/restricted/"
STAGING_PREFIX = "urn:minegraph:staging:"
#: Graphs being bulk-loaded, each as ``<graph> <PENDING> "loading"`` in this private (staging) graph.
PENDING_GRAPH = f"{STAGING_PREFIX}pending"
PENDING = "urn:minegraph:pending"
#: Lists all named graphs but those still loading (run on the whole store, by minegraph itself only).
GRAPHS_QUERY = (f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} "
                f"FILTER NOT EXISTS {{ GRAPH <{PENDING_GRAPH}> {{ ?g <{PENDING}> ?state }} }} }}")


def restricted_prefix(base: str) -> str:
    """``{base}graph/restricted/``: every graph under it is restricted."""
    return normalise_base(base) + RESTRICTED_PATH


def is_restricted(iri: str, base: str) -> bool:
    """Whether the graph ``iri`` is restricted (under ``{base}graph/restricted/``, or a staging graph)."""
    return iri.startswith(restricted_prefix(base)) or iri.startswith(STAGING_PREFIX)


def public_graphs(graphs: Iterable[str], base: str) -> list[str]:
    """The graphs of ``graphs`` that public outputs may read, sorted."""
    return sorted({g for g in graphs if not is_restricted(g, base)})


def union_is_public(store: Any, base: str) -> bool:
    """Whether the union of every graph of the pyoxigraph ``store`` is exactly its public dataset: no
    restricted, staging or loading graph (a loading graph's marker is in a staging graph) — not even an empty
    one, whose name ``GRAPH ?g`` would list — and nothing in the store's own default graph. Then a public
    query may run over the union, which the engine answers much faster than an explicit list of many graphs."""
    if any(isinstance(g, NamedNode) and is_restricted(g.value, base) for g in store.named_graphs()):
        return False
    return next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None) is None


def public_dataset(graphs: Iterable[str], base: str, default_graphs: list[str] | None = None,
                   named_graphs: list[str] | None = None) -> tuple[list[str], list[str]]:
    """The (default, named) graph lists of a public query over a store holding ``graphs``.

    Without a requested dataset, both are the public graphs (the default graph is their union). A requested
    ``default_graphs`` / ``named_graphs`` (the protocol's ``default-graph-uri`` / ``named-graph-uri``) is kept
    minus its restricted graphs; the part not requested is the public graphs.
    """
    public = public_graphs(graphs, base)
    default = public if default_graphs is None else [g for g in default_graphs if not is_restricted(g, base)]
    named = public if named_graphs is None else [g for g in named_graphs if not is_restricted(g, base)]
    return default, named


class PublicStore:
    """A read-only view of a store (:class:`minegraph.store.Store`) holding only its public graphs.

    Releases and exports read through it: its queries run over the public dataset, its dumps and its size
    leave restricted graphs out.
    """

    def __init__(self, store: Any, base: str, *, leave_out: Iterable[str] = ()) -> None:
        """``leave_out``: public graphs this view does not read either (e.g. the aggregates, when counting)."""
        self.store = store
        self.base = normalise_base(base)
        left_out = set(leave_out)
        self.public = [g for g in public_graphs(store.graphs(), self.base) if g not in left_out]
        self._union = not left_out.intersection(store.graphs()) and store.union_is_public(self.base)

    def query(self, sparql: str, **_ignored: Any) -> Any:
        if self._union:
            return self.store.query(sparql)
        return self.store.query(sparql, default_graphs=self.public, named_graphs=self.public)

    def graphs(self) -> list[str]:
        return list(self.public)

    def _quads(self) -> Iterable[Any]:
        for name in self.public:
            graph = NamedNode(name)
            yield from (Quad(t.subject, t.predicate, t.object, graph) for t in self.store.graph_triples(name))

    def dump(self, rdf_format: RdfFormat, *, graph: str | None = None) -> bytes:
        if graph is not None:
            if is_restricted(graph, self.base):
                raise KeyError(graph)
            return bytes(self.store.dump(rdf_format, graph=graph))
        if rdf_format.supports_datasets:
            return serialize(self._quads(), format=rdf_format) or b""
        return serialize((q.triple for q in self._quads()), format=rdf_format) or b""

    def __len__(self) -> int:
        return sum(1 for _ in self._quads())

    def close(self) -> None:
        self.store.close()
