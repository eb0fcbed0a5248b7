"""Casualty aggregates as W3C Data Cube observations: by admin-1 area, month, outcome and victim status.

Computed from the store after every build or ingest (:func:`refresh`), written to the named graph
``{base}graph/aggregates``. Only incidents whose year and month are known are counted (a "6 April, year
unknown" has no month to count in). Casualties listed as victims count under their own outcome and status;
the rest of an incident's killed and injured counts count under status ``unknown``.

Disclosure control (docs/data-responsibility.md): a cell of fewer than :data:`SMALL_CELL` casualties keeps
its dimensions but not its count; it carries ``mg:suppressed true`` instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

from minegraph.store import Store
from minegraph.visibility import PublicStore
from minegraph.vocab import MG, concept_iri, graph_iri, mint_key, sparql_prefixes, thing_iri

QB = Namespace("http://purl.org/linked-data/cube#")
SMALL_CELL = 5
DATASET_KEY = "casualties-by-area-month"

INCIDENTS = """
SELECT ?incident ?area ?year ?month ?killed ?injured WHERE {
  ?incident a mg:Incident ; mg:place ?place ; mg:killedCount ?killed ; mg:injuredCount ?injured ;
            time:hasTime ?when .
  ?when time:year ?year ; time:month ?month .
  ?place schema:containedInPlace* ?area .
  ?area mg:adminLevel 1 .
}"""

VICTIMS = """
SELECT ?incident ?outcome ?status (COUNT(?victim) AS ?n) WHERE {
  ?victim a mg:Victim ; mg:incident ?incident ; mg:outcome ?outcome ; mg:status ?status .
} GROUP BY ?incident ?outcome ?status"""


@dataclass(frozen=True)
class Cell:
    area: str
    period: str  # YYYY-MM
    outcome: str  # concept code
    status: str  # concept code


def dataset_iri(base: str) -> URIRef:
    return thing_iri(base, "dataset", mint_key("dataset", "aggregates", DATASET_KEY))


def count_cells(store: Store | PublicStore) -> Counter[Cell]:
    """Casualties per cell, read from the store."""
    prefixes = sparql_prefixes() + "PREFIX schema: <http://schema.org/>\n"
    incidents = {}
    for row in store.query(prefixes + INCIDENTS):  # type: ignore[union-attr]
        year, month = row["year"].value[:4], row["month"].value[-2:]
        incidents[row["incident"].value] = (row["area"].value, f"{year}-{month}",
                                            int(row["killed"].value), int(row["injured"].value))
    listed: Counter[tuple[str, str]] = Counter()
    cells: Counter[Cell] = Counter()
    for row in store.query(prefixes + VICTIMS):  # type: ignore[union-attr]
        incident = row["incident"].value
        if incident not in incidents:
            continue
        area, period, _killed, _injured = incidents[incident]
        outcome, status = _code(row["outcome"].value), _code(row["status"].value)
        count = int(row["n"].value)
        cells[Cell(area, period, outcome, status)] += count
        listed[(incident, outcome)] += count
    for incident, (area, period, killed, injured) in incidents.items():
        for outcome, total in (("killed", killed), ("injured", injured)):
            rest = total - listed[(incident, outcome)]
            if rest > 0:
                cells[Cell(area, period, outcome, "unknown")] += rest
    return cells


def _code(concept: str) -> str:
    return concept.rsplit("/", 1)[1]


def cube_graph(cells: Counter[Cell], base: str) -> Graph:
    """The qb:DataSet, its structure and one qb:Observation per cell."""
    g = Graph()
    g.bind("qb", QB)
    g.bind("mg", MG)
    dataset = dataset_iri(base)
    g.add((dataset, RDF.type, QB.DataSet))
    g.add((dataset, RDFS.label, Literal("Casualties by admin-1 area, month, outcome and victim status", lang="en")))
    g.add((dataset, RDFS.comment, Literal(
        f"Counted from incidents whose year and month are known. Cells of fewer than {SMALL_CELL} casualties "
        "are suppressed: they carry mg:suppressed true and no count.", lang="en")))
    g.add((dataset, QB.structure, MG.CasualtyCubeStructure))
    for cell, count in sorted(cells.items(), key=lambda item: (item[0].area, item[0].period, item[0].outcome,
                                                                item[0].status)):
        key = mint_key("observation", DATASET_KEY, cell.area, cell.period, cell.outcome, cell.status)
        node = thing_iri(base, "observation", key)
        g.add((node, RDF.type, QB.Observation))
        g.add((node, QB.dataSet, dataset))
        g.add((node, MG.refArea, URIRef(cell.area)))
        g.add((node, MG.refPeriod, Literal(cell.period, datatype=XSD.gYearMonth)))
        g.add((node, MG.outcome, concept_iri("outcome", cell.outcome)))
        g.add((node, MG.status, concept_iri("victim-status", cell.status)))
        if count < SMALL_CELL:
            g.add((node, MG.suppressed, Literal(True)))
        else:
            g.add((node, MG.casualtyCount, Literal(count)))
    return g


def refresh(store: Store, base: str) -> int:
    """Recompute the aggregates graph from the store, through the gate; returns the number of observations."""
    from minegraph.errors import ValidationFailed
    from minegraph.gate import validate
    cells = count_cells(PublicStore(store, base))  # restricted graphs are never counted in public aggregates
    graph = cube_graph(cells, base)
    report = validate(graph)
    if not report.conforms:
        raise ValidationFailed("the aggregates do not conform: the store was not changed", report=report)
    store.replace_graphs({str(graph_iri(base, "aggregates")): graph})
    return len(cells)


