"""Retired things leave the current data: the one public view, kept at write time.

A thing a curator withdrew or merged (a *deliberate* tombstone, :mod:`minegraph.store.tombstones`) must leave
every current output — SPARQL, pages, figures, exports, releases — and stay out when the store is rebuilt from
data/. Filtering every query would be impossible (any SPARQL can be asked), so the write door takes retired
things out of every public graph it writes (:func:`without_retired`), and when a tombstone is added it rewrites
the graphs that hold the thing already. Readers then see a store where retired things simply are not; their URIs
answer 410 (withdrawn) or 301 (merged) from the tombstones.

What taking a thing out means, triple by triple:

- the triples **of** a withdrawn thing (and of its ``#`` nodes: its date, its quotes) go;
- triples **pointing at** a withdrawn thing go (a statement's ``mg:supports``, an incident's ``mg:victim``);
- a merged thing's own triples go, but its ``mg:supportedBy`` links move to the survivor (the sources that
  reported the duplicate now support the thing it duplicated), and every link to it points at the survivor.

Withdrawing or merging an incident retires its victims too (:func:`cascade`): a victim's page never outlives
its incident. What becomes invalid by a retirement (an incident left without a supporting statement, without a
place) is refused by the gate like any other write: retire what depends on it first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from minegraph.core.ntriples import NTriplesGraph, split_line, thing_of
from minegraph.core.vocab import MG
from minegraph.store.tombstones import MERGED, WITHDRAWN, Tombstone

SUPPORTED_BY = f"<{MG}supportedBy>"


class Retired:
    """The deliberate tombstones of a store, as a filter of N-Triples lines."""

    def __init__(self, tombstones: Mapping[str, Tombstone]) -> None:
        deliberate = {iri: t for iri, t in tombstones.items() if t.deliberate}
        self.withdrawn = {iri for iri, t in deliberate.items() if t.status != MERGED}
        self.merged = {iri: t.replaced_by for iri, t in deliberate.items() if t.status == MERGED and t.replaced_by}

    def __bool__(self) -> bool:
        return bool(self.withdrawn or self.merged)

    def survivor(self, iri: str) -> str | None:
        """What a merged thing became (following merges of merges); None when the chain ends withdrawn."""
        seen = {iri}
        while iri in self.merged:
            iri = self.merged[iri]
            if iri in seen:
                return None
            seen.add(iri)
        return None if iri in self.withdrawn else iri

    def line(self, line: str) -> str | None:
        """``line`` with retired things taken out: the line, a rewritten line, or None to drop it."""
        subject, predicate, obj = split_line(line)
        if subject.startswith("<"):
            thing = thing_of(subject[1:-1])
            if thing in self.withdrawn:
                return None
            if thing in self.merged:
                survivor = self.survivor(thing)
                if survivor is None or subject[1:-1] != thing or predicate != SUPPORTED_BY:
                    return None
                subject = f"<{survivor}>"
        if obj.startswith("<"):
            target = obj[1:-1]
            if thing_of(target) in self.withdrawn:
                return None
            if target in self.merged:
                survivor = self.survivor(target)
                if survivor is None:
                    return None
                obj = f"<{survivor}>"
            elif thing_of(target) in self.merged:
                return None  # a # node of a merged thing: gone with it
        rewritten = f"{subject} {predicate} {obj} .\n"
        return line if rewritten == line else rewritten



def without_retired(graph: NTriplesGraph, retired: Retired) -> NTriplesGraph:
    """``graph`` with retired things taken out (duplicates that rewriting made are dropped)."""
    if not retired:
        return graph
    seen: set[str] = set()
    kept: list[str | None] = []
    for line in graph.lines:
        new = retired.line(line)
        if new is not None and new in seen:
            new = None
        if new is not None:
            seen.add(new)
        kept.append(new)
    return graph.filtered(kept)


VICTIMS_OF = "SELECT DISTINCT ?v WHERE {{ {{ ?v <{mg}incident> {i} }} UNION {{ {i} <{mg}victim> ?v }} }}"
SUPPORTS = "SELECT ?st ?x WHERE {{ VALUES ?r {{ {values} }} ?st <{mg}supports> ?r . ?st <{mg}supports> ?x }}"


def cascade(store: object, tombstones: Iterable[Tombstone], when: str) -> list[Tombstone]:
    """The things that leave with ``tombstones``: the victims of a withdrawn or merged incident, and a statement
    that reported nothing but withdrawn things (an incident report must support something)."""
    tombstones = list(tombstones)
    found: list[Tombstone] = []
    for tombstone in tombstones:
        if "/id/incident/" not in tombstone.iri:
            continue
        for row in store.query(VICTIMS_OF.format(mg=MG, i=f"<{tombstone.iri}>")):  # type: ignore[attr-defined]
            if tombstone.status == MERGED:
                reason = (f"Its incident was merged into {tombstone.replaced_by}, a report of the same event: see "
                          "that incident for the victims recorded with it.")
            else:
                reason = f"Its incident was withdrawn: {tombstone.reason}"
            found.append(Tombstone(row["v"].value, WITHDRAWN, reason, when))
    withdrawn = {t.iri for t in [*tombstones, *found] if t.status != MERGED}
    if withdrawn:
        supports: dict[str, set[str]] = {}
        values = " ".join(f"<{iri}>" for iri in sorted(withdrawn))
        for row in store.query(SUPPORTS.format(mg=MG, values=values)):  # type: ignore[attr-defined]
            supports.setdefault(row["st"].value, set()).add(row["x"].value)
        for statement, targets in sorted(supports.items()):
            if targets <= withdrawn:
                found.append(Tombstone(statement, WITHDRAWN, "Everything it reported was withdrawn: "
                                       + "; ".join(sorted({t.reason for t in tombstones})), when))
    return found
