"""Tombstones: things merged into another (301) or withdrawn (410), kept in ``{base}graph/tombstones``.

::

    <{base}id/incident/DROP> mg:mergedInto <{base}id/incident/KEEP> ;
        mg:mergeReason "duplicate of …"@en ; prov:invalidatedAtTime "…"^^xsd:dateTime .
    <{base}id/incident/GONE> mg:withdrawnReason "…"@en ; prov:invalidatedAtTime "…"^^xsd:dateTime .

The graph is small (one entry per retired thing), so readers load it whole and keep it until the store
changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDFS, XSD

from minegraph.core.vocab import MG, graph_iri

MERGED, WITHDRAWN = "merged", "withdrawn"


def tombstones_graph_iri(base: str) -> str:
    return str(graph_iri(base, "tombstones"))


@dataclass(frozen=True)
class Tombstone:
    """A retired thing: ``merged`` into ``replaced_by``, or ``withdrawn``, with the reason and when."""

    iri: str
    status: str
    reason: str
    date: str
    replaced_by: str | None = None

    @property
    def http_status(self) -> int:
        return 301 if self.status == MERGED else 410


TOMBSTONES_QUERY = f"""
SELECT ?s ?into ?reason ?date WHERE {{
  GRAPH ?g {{
    {{ ?s <{MG.mergedInto}> ?into . OPTIONAL {{ ?s <{MG.mergeReason}> ?reason }} }}
    UNION {{ ?s <{MG.withdrawnReason}> ?reason }}
    OPTIONAL {{ ?s <{PROV.invalidatedAtTime}> ?date }}
  }}
}}"""


def tombstones_from_rows(rows: list[dict[str, str | None]]) -> dict[str, Tombstone]:
    """Tombstones by IRI from the rows of :data:`TOMBSTONES_QUERY` (``s``, ``into``, ``reason``, ``date``)."""
    found: dict[str, Tombstone] = {}
    for row in rows:
        iri, into = row["s"] or "", row.get("into")
        status = MERGED if into else WITHDRAWN
        found[iri] = Tombstone(iri, status, row.get("reason") or "", row.get("date") or "", into)
    return found


def read_tombstones(store: Any, base: str) -> dict[str, Tombstone]:
    """Every tombstone of the store (an :class:`~minegraph.store.Store` or a pyoxigraph store)."""
    query = TOMBSTONES_QUERY.replace("GRAPH ?g", f"GRAPH <{tombstones_graph_iri(base)}>")
    rows = [{name: (row[name].value if row[name] is not None else None) for name in ("s", "into", "reason", "date")}
            for row in store.query(query)]
    return tombstones_from_rows(rows)


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def add_tombstone(graph: Graph, tombstone: Tombstone) -> Graph:
    """``graph`` (the tombstones graph) with ``tombstone`` added."""
    subject = URIRef(tombstone.iri)
    if tombstone.status == MERGED:
        assert tombstone.replaced_by
        graph.add((subject, MG.mergedInto, URIRef(tombstone.replaced_by)))
        graph.add((subject, MG.mergeReason, Literal(tombstone.reason, lang="en")))
    else:
        graph.add((subject, MG.withdrawnReason, Literal(tombstone.reason, lang="en")))
    graph.add((subject, PROV.invalidatedAtTime, Literal(tombstone.date, datatype=XSD.dateTime)))
    return graph


def tombstone_graph(tombstone: Tombstone, label: str | None = None) -> Graph:
    """What a retired thing's document says in RDF: its tombstone (and its last label)."""
    graph = add_tombstone(Graph(bind_namespaces="none"), tombstone)
    graph.bind("mg", MG)
    graph.bind("prov", PROV)
    graph.bind("xsd", XSD)
    if label:
        graph.add((URIRef(tombstone.iri), RDFS.label, Literal(label, lang="en")))
        graph.bind("rdfs", RDFS)
    return graph
