"""The public dataset as it will be after a write, before anything is written.

The write door checks a write and derives what depends on it (aggregates, tombstones) against the store *as it
will be*: the public graphs the write leaves alone, read from the store with ``GRAPH ?g { … }`` patterns whose
answers are kept for those graphs only, and the new content of the graphs it changes, read from their N-Triples
lines through indexes made once (by subject, and by the predicates the aggregates scan): a national file's
millions of triples are never loaded into another store to be asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from minegraph.core.ntriples import RDF_TYPE, NTriplesGraph, iri_value, split_line, thing_of
from minegraph.core.vocab import MG, MGC, SCHEMA
from minegraph.store.view import is_restricted, public_graphs

#: IRIs per VALUES block of the questions about given IRIs.
BATCH = 500
#: Objects under these namespaces are the ontology's and the concept schemes': every gate has them already.
VOCABULARY = (str(MG), str(MGC))
CONTAINED_IN = f"<{SCHEMA.containedInPlace}>"


def _term(value: Any) -> str:
    """A pyoxigraph term as N-Triples (what the lines of a graph hold)."""
    return str(value)


class Overlay:
    """The public dataset after a write: the store's public graphs not in ``changed``, and ``changed``.

    ``leave_out``: public graphs read from neither side (the derived graphs, when computing them).
    """

    def __init__(self, store: Any, base: str, changed: Mapping[str | None, NTriplesGraph | None], *,
                 leave_out: Iterable[str] = (), scanned: Iterable[str] = ()) -> None:
        """``scanned``: the predicates :meth:`scan` will be asked for (indexed together, in one pass)."""
        self.store = store
        self.base = base
        left_out = set(leave_out)
        self.unchanged = {g for g in public_graphs(store.graphs(), base) if g not in changed and g not in left_out}
        self.changed: dict[str, NTriplesGraph] = {
            iri: graph for iri, graph in changed.items()
            if iri is not None and graph is not None and not is_restricted(iri, base) and iri not in left_out}
        self._predicates: dict[str, list[tuple[str, str]]] = {}
        self._scanned = {f"<{p}>" for p in scanned}

    # --- the graphs the write leaves alone, in the store ---------------------------------------------------------
    def _stored(self, pattern: str, variables: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        if not self.unchanged:
            return
        query = f"SELECT ?g {' '.join('?' + v for v in variables)} WHERE {{ GRAPH ?g {{ {pattern} }} }}"
        for row in self.store.query(query):
            if row["g"] is not None and row["g"].value in self.unchanged:
                yield tuple(_term(row[v]) for v in variables)

    # --- the graphs it changes, from their lines ------------------------------------------------------------------
    def _changed_about(self, iris: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """The triples of the changed graphs about ``iris``, by subject term: one pass over their lines (an index
        of every subject of a national file would hold its millions of triples twice)."""
        wanted = {f"<{iri}>" for iri in iris}
        found: dict[str, list[tuple[str, str]]] = {}
        if wanted:
            for graph in self.changed.values():
                for s, p, o in graph.triples():
                    if s in wanted:
                        found.setdefault(s, []).append((p, o))
        return found

    def _with_predicate(self, predicate: str) -> list[tuple[str, str]]:
        if predicate not in self._predicates:
            wanted = (self._scanned | {predicate}) - set(self._predicates)
            index: dict[str, list[tuple[str, str]]] = {p: [] for p in wanted}
            for graph in self.changed.values():
                for s, p, o in graph.triples():
                    if p in index:
                        index[p].append((s, o))
            self._predicates |= index
        return self._predicates[predicate]

    # --- questions about the dataset as it will be ----------------------------------------------------------------
    def scan(self, predicate: str, obj: str | None = None) -> Iterator[tuple[str, str]]:
        """(subject, object) of every triple with ``predicate`` (an IRI; and object ``obj``, a term, if given)."""
        term = f"<{predicate}>"
        if obj is None:
            yield from ((s, o) for s, o in self._stored(f"?s {term} ?o", ("s", "o")))
            yield from self._with_predicate(term)
        else:
            yield from ((s, obj) for (s,) in self._stored(f"?s {term} {obj}", ("s",)))
            yield from ((s, o) for s, o in self._with_predicate(term) if o == obj)

    def about(self, iris: Iterable[str]) -> list[str]:
        """N-Triples lines of every triple whose subject is one of ``iris`` (IRIs)."""
        wanted = sorted(set(iris))
        lines: list[str] = []
        for values in _batches(wanted):
            for s, p, o in self._stored(f"VALUES ?s {{ {values} }} ?s ?p ?o", ("s", "p", "o")):
                lines.append(f"{s} {p} {o} .\n")
        for subject, pairs in self._changed_about(wanted).items():
            lines += [f"{subject} {p} {o} .\n" for p, o in pairs]
        return lines

    def present(self, iris: Iterable[str]) -> set[str]:
        """The IRIs of ``iris`` that are the subject of some triple."""
        wanted = sorted(set(iris))
        found = {s[1:-1] for s in self._changed_about(wanted)}
        for values in _batches([iri for iri in wanted if iri not in found]):
            found |= {s[1:-1] for (s,) in self._stored(f"VALUES ?s {{ {values} }} ?s ?p ?o", ("s",))}
        return found

    def typed(self, iris: Iterable[str], cls: str) -> set[str]:
        """The IRIs of ``iris`` typed ``cls`` (an IRI)."""
        wanted = sorted(set(iris))
        term = f"<{cls}>"
        found = {s[1:-1] for s, pairs in self._changed_about(wanted).items() if (RDF_TYPE, term) in pairs}
        for values in _batches(wanted):
            found |= {s[1:-1] for (s,) in self._stored(f"VALUES ?s {{ {values} }} ?s a {term}", ("s",))}
        return found

    def typed_unchanged(self, classes: Iterable[str]) -> set[str]:
        """The subject terms the unchanged graphs type with one of ``classes`` (IRIs)."""
        values = " ".join(f"<{cls}>" for cls in sorted(set(classes)))
        return {s for (s,) in self._stored(f"VALUES ?c {{ {values} }} ?s a ?c", ("s",))}

    def unchanged_links(self, iris: Iterable[str]) -> list[str]:
        """N-Triples lines of the unchanged graphs with one of ``iris`` as subject or as object."""
        lines: list[str] = []
        for values in _batches(sorted(set(iris))):
            lines += [f"{s} {p} {o} .\n" for s, p, o in self._stored(f"VALUES ?s {{ {values} }} ?s ?p ?o",
                                                                       ("s", "p", "o"))]
            lines += [f"{s} {p} {o} .\n" for s, p, o in self._stored(f"VALUES ?o {{ {values} }} ?s ?p ?o",
                                                                       ("s", "p", "o"))]
        return lines

    def context(self, graph: NTriplesGraph) -> list[str]:
        """What ``graph`` points at, as N-Triples lines, for the gate: the triples of every IRI it names but does
        not type (places, agents, statements of other sources…, and a thing it adds to, such as the survivor of a
        merge across sources), of their ``#`` nodes, and of the places containing them, transitively. The
        ontology and concepts are left to the gate."""
        typed = {s for s, p, _o in graph.triples() if p == RDF_TYPE}
        described = {thing_of(s[1:-1]) for s in typed if s[0] == "<"}
        wanted = {term[1:-1] for s, _p, o in graph.triples() for term in (s, o)
                  if term[0] == "<" and term not in typed and thing_of(term[1:-1]) not in described
                  and not term.startswith(("<" + VOCABULARY[0], "<" + VOCABULARY[1]))}
        # a thing the graph adds to but does not type (the survivor of a merge across sources) is checked with
        # its whole description: what that points at is wanted too
        adds_to = {thing_of(s[1:-1]) for s in graph.subjects() if s[0] == "<"} & wanted
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
                if (predicate == CONTAINED_IN or thing_of(target) == thing_of(subject[1:-1])
                        or thing_of(subject[1:-1]) in adds_to):
                    wanted.add(target)  # the enclosing places, and the # nodes of what is described
        return lines

    def unchanged_lines(self) -> Iterator[str]:
        """Every line of the public graphs the write leaves alone (for checks that must see everything)."""
        from pyoxigraph import RdfFormat

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
