"""The public dataset as it will be after a write, before anything is written.

The write door checks a write and derives what depends on it (aggregates, tombstones) against the store *as it
will be*: the public graphs the write leaves alone, read from the store, and the new content of the graphs it
changes, held in a scratch in-memory pyoxigraph store. Every question is a ``GRAPH ?g { … }`` pattern asked of
both, the store's answers kept only for the graphs left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pyoxigraph import NamedNode, RdfFormat
from pyoxigraph import Store as OxStore

from minegraph.core.ntriples import NTriplesGraph, iri_value, split_line, thing_of
from minegraph.core.vocab import MG, MGC
from minegraph.store.view import is_restricted, public_graphs

#: IRIs per VALUES block of the questions about given IRIs.
BATCH = 500
#: Objects under these namespaces are the ontology's and the concept schemes': every gate has them already.
VOCABULARY = (str(MG), str(MGC))
CONTAINED_IN = "<http://schema.org/containedInPlace>"


def _term(value: Any) -> str:
    """A pyoxigraph term as N-Triples (what the lines of a graph hold)."""
    return str(value)


class Overlay:
    """The public dataset after a write: the store's public graphs not in ``changed``, and ``changed``.

    ``leave_out``: public graphs read from neither side (the derived graphs, when computing them).
    """

    def __init__(self, store: Any, base: str, changed: Mapping[str | None, NTriplesGraph | None], *,
                 leave_out: Iterable[str] = ()) -> None:
        self.store = store
        self.base = base
        left_out = set(leave_out)
        self.unchanged = {g for g in public_graphs(store.graphs(), base) if g not in changed and g not in left_out}
        self.scratch = OxStore()
        self.changed: dict[str, NTriplesGraph] = {}
        for iri, graph in changed.items():
            if iri is None or graph is None or is_restricted(iri, base) or iri in left_out:
                continue
            self.changed[iri] = graph
            if graph.lines:
                self.scratch.load(graph.text().encode("utf-8"), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(iri))

    def rows(self, pattern: str, variables: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        """The bindings of ``variables`` (as N-Triples terms) of ``SELECT … WHERE { GRAPH ?g { pattern } }``."""
        query = f"SELECT ?g {' '.join('?' + v for v in variables)} WHERE {{ GRAPH ?g {{ {pattern} }} }}"
        if self.unchanged:
            for row in self.store.query(query):
                if row["g"] is not None and row["g"].value in self.unchanged:
                    yield tuple(_term(row[v]) for v in variables)
        for row in self.scratch.query(query):  # type: ignore[union-attr]
            yield tuple(_term(row[v]) for v in variables)

    def scan(self, predicate: str, obj: str | None = None) -> Iterator[tuple[str, str]]:
        """(subject, object) of every triple with ``predicate`` (an IRI; and object ``obj``, a term, if given)."""
        if obj is None:
            yield from ((s, o) for s, o in self.rows(f"?s <{predicate}> ?o", ("s", "o")))
        else:
            yield from ((s, obj) for (s,) in self.rows(f"?s <{predicate}> {obj}", ("s",)))

    def about(self, iris: Iterable[str]) -> list[str]:
        """N-Triples lines of every triple whose subject is one of ``iris`` (IRIs)."""
        lines: list[str] = []
        for values in _batches(sorted(set(iris))):
            for s, p, o in self.rows(f"VALUES ?s {{ {values} }} ?s ?p ?o", ("s", "p", "o")):
                lines.append(f"{s} {p} {o} .\n")
        return lines

    def present(self, iris: Iterable[str]) -> set[str]:
        """The IRIs of ``iris`` that are the subject of some triple."""
        found: set[str] = set()
        for values in _batches(sorted(set(iris))):
            found |= {s[1:-1] for (s,) in self.rows(f"VALUES ?s {{ {values} }} ?s ?p ?o", ("s",))}
        return found

    def typed(self, iris: Iterable[str], cls: str) -> set[str]:
        """The IRIs of ``iris`` typed ``cls`` (an IRI)."""
        found: set[str] = set()
        for values in _batches(sorted(set(iris))):
            pattern = f"VALUES ?s {{ {values} }} ?s a <{cls}>"
            found |= {s[1:-1] for (s,) in self.rows(pattern, ("s",))}
        return found

    def context(self, graph: NTriplesGraph) -> list[str]:
        """What ``graph`` points at, as N-Triples lines, for the gate: the triples of every IRI its objects name
        that it does not describe itself (places, agents, statements of other sources…), of their ``#`` nodes,
        and of the places containing them, transitively. The ontology and concepts are left to the gate."""
        subjects = {s[1:-1] for s in graph.subjects() if s.startswith("<")}
        wanted: set[str] = set()
        for _s, _p, o in graph.triples():
            target = iri_value(o)
            if target and target not in subjects and not target.startswith(VOCABULARY):
                wanted.add(target)
        lines: list[str] = []
        seen: set[str] = set()
        while wanted:
            batch = wanted - seen
            seen |= batch
            found = self.about(batch)
            lines += found
            wanted = set()
            for line in found:
                subject, predicate, obj = split_line(line)
                target = iri_value(obj)
                if target is None or target in seen or target.startswith(VOCABULARY):
                    continue
                if predicate == CONTAINED_IN or thing_of(target) == thing_of(subject[1:-1]):
                    wanted.add(target)  # the enclosing places, and the # nodes of what is described
        return lines

    def unchanged_lines(self) -> Iterator[str]:
        """Every line of the public graphs the write leaves alone (for checks that must see everything)."""
        for graph in sorted(self.unchanged):
            data = self.store.dump(RdfFormat.N_TRIPLES, graph=graph)
            yield from (line + "\n" for line in data.decode("utf-8").splitlines() if line.strip())


def _batches(iris: list[str]) -> Iterator[str]:
    for start in range(0, len(iris), BATCH):
        yield " ".join(f"<{iri}>" for iri in iris[start:start + BATCH])


def graphs_mentioning(store: Any, iris: Iterable[str]) -> set[str]:
    """The named graphs of ``store`` that have one of ``iris`` as subject or object."""
    found: set[str] = set()
    for values in _batches(sorted(set(iris))):
        query = (f"SELECT DISTINCT ?g WHERE {{ VALUES ?x {{ {values} }} "
                 "GRAPH ?g { { ?x ?p ?o } UNION { ?s ?p ?x } } }")
        found |= {row["g"].value for row in store.query(query) if row["g"] is not None}
    return found
