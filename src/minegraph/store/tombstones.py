"""Tombstones: things merged into another (301) or withdrawn (410), kept in ``{base}graph/tombstones``.

::

    <{base}id/incident/DROP> mg:mergedInto <{base}id/incident/KEEP> ;
        mg:mergeReason "duplicate of …"@en ; prov:invalidatedAtTime "…"^^xsd:dateTime .
    <{base}id/incident/GONE> mg:withdrawnReason "…"@en ; prov:invalidatedAtTime "…"^^xsd:dateTime .
    <{base}id/victim/LEFT> mg:withdrawnReason "No longer in …"@en ; mg:lastSeenIn <{base}graph/source/…> ; …

Two kinds of withdrawal: a **curator's** (``minegraph withdraw``, ``withdraw-source``, a merge) is for ever —
the write door takes the thing out of every graph written after it, rebuilds from data/ included
(:mod:`minegraph.store.retire`), and a build leaves out a source file whose document was withdrawn; a thing that
**vanished** from its graph (a row removed from a source table, a graph deleted through the Graph Store) carries
``mg:lastSeenIn`` and comes back, losing its tombstone, when a graph describes it again.

Only the write door writes this graph; readers load it whole (one entry per retired thing) and keep it until
the store changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDFS, XSD

from minegraph.core.ntriples import NTriplesGraph, iri_value, lexical, literal
from minegraph.core.vocab import MG, graph_iri

MERGED, WITHDRAWN = "merged", "withdrawn"


def tombstones_graph_iri(base: str) -> str:
    return str(graph_iri(base, "tombstones"))


@dataclass(frozen=True)
class Tombstone:
    """A retired thing: ``merged`` into ``replaced_by``, or ``withdrawn``, with the reason and when;
    ``last_seen_in`` is the graph a vanished thing was last described by (None: retired by a curator)."""

    iri: str
    status: str
    reason: str
    date: str
    replaced_by: str | None = None
    last_seen_in: str | None = None

    @property
    def deliberate(self) -> bool:
        """Retired by a curator (withdraw, merge): for ever, whatever is written later."""
        return self.last_seen_in is None

    def lines(self) -> list[str]:
        """The tombstone as N-Triples lines."""
        node = f"<{self.iri}>"
        out = [f"{node} <{PROV.invalidatedAtTime}> \"{self.date}\"^^<{XSD.dateTime}> .\n"]
        if self.status == MERGED:
            assert self.replaced_by
            out += [f"{node} <{MG.mergedInto}> <{self.replaced_by}> .\n",
                    f"{node} <{MG.mergeReason}> {literal(self.reason, 'en')} .\n"]
        else:
            out.append(f"{node} <{MG.withdrawnReason}> {literal(self.reason, 'en')} .\n")
        if self.last_seen_in:
            out.append(f"{node} <{MG.lastSeenIn}> <{self.last_seen_in}> .\n")
        return out


TOMBSTONES_QUERY = f"""
SELECT ?s ?into ?reason ?date ?seen WHERE {{
  GRAPH ?g {{
    {{ ?s <{MG.mergedInto}> ?into . OPTIONAL {{ ?s <{MG.mergeReason}> ?reason }} }}
    UNION {{ ?s <{MG.withdrawnReason}> ?reason }}
    OPTIONAL {{ ?s <{PROV.invalidatedAtTime}> ?date }}
    OPTIONAL {{ ?s <{MG.lastSeenIn}> ?seen }}
  }}
}}"""
COLUMNS = ("s", "into", "reason", "date", "seen")


def tombstones_from_rows(rows: list[dict[str, str | None]]) -> dict[str, Tombstone]:
    """Tombstones by IRI from the rows of :data:`TOMBSTONES_QUERY` (``s``, ``into``, ``reason``, ``date``, ``seen``)."""
    found: dict[str, Tombstone] = {}
    for row in rows:
        iri, into = row["s"] or "", row.get("into")
        status = MERGED if into else WITHDRAWN
        found[iri] = Tombstone(iri, status, row.get("reason") or "", row.get("date") or "", into, row.get("seen"))
    return found


def tombstones_of(graph: NTriplesGraph) -> dict[str, Tombstone]:
    """The tombstones written in the N-Triples lines of the tombstones graph."""
    fields: dict[str, dict[str, str | None]] = {}
    names = {f"<{MG.mergedInto}>": "into", f"<{MG.mergeReason}>": "reason", f"<{MG.withdrawnReason}>": "reason",
             f"<{PROV.invalidatedAtTime}>": "date", f"<{MG.lastSeenIn}>": "seen"}
    for subject, predicate, obj in graph.triples():
        name = names.get(predicate)
        if name is None:
            continue
        row = fields.setdefault(subject[1:-1], {"s": subject[1:-1]})
        row[name] = iri_value(obj) if obj.startswith("<") else lexical(obj)
    return tombstones_from_rows([row for row in fields.values() if "reason" in row or "into" in row])


def tombstones_graph(tombstones: dict[str, Tombstone]) -> NTriplesGraph:
    """The tombstones graph holding ``tombstones``, its lines sorted."""
    return NTriplesGraph(sorted({line for t in tombstones.values() for line in t.lines()}))


def read_tombstones(store: Any, base: str) -> dict[str, Tombstone]:
    """Every tombstone of the store (an :class:`~minegraph.store.Store` or a pyoxigraph store)."""
    query = TOMBSTONES_QUERY.replace("GRAPH ?g", f"GRAPH <{tombstones_graph_iri(base)}>")
    rows = [{name: (row[name].value if row[name] is not None else None) for name in COLUMNS}
            for row in store.query(query)]
    return tombstones_from_rows(rows)


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def tombstone_graph(tombstone: Tombstone, label: str | None = None) -> Graph:
    """What a retired thing's document says in RDF: its tombstone (and its last label)."""
    graph = Graph(bind_namespaces="none")
    graph.parse(data="".join(tombstone.lines()), format="nt")
    graph.bind("mg", MG)
    graph.bind("prov", PROV)
    graph.bind("xsd", XSD)
    if label:
        graph.add((URIRef(tombstone.iri), RDFS.label, Literal(label, lang="en")))
        graph.bind("rdfs", RDFS)
    return graph
