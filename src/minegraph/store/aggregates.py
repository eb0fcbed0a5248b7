"""Casualty aggregates as W3C Data Cube observations: by admin-1 area, month, outcome and victim status.

Computed by the write door in every write that changes public data (:func:`cube_graph`, over the data as it
will be after the write) and written to the named graph ``{base}graph/aggregates`` in the same transaction.
Only incidents whose year and month are known are counted (a "6 April, year unknown" has no month to count in).
Casualties listed as victims count under their own outcome and status; the rest of an incident's killed and
injured counts count under status ``unknown`` — when the source gave the count: a count it did not give is not
zero, and nothing is counted for it.

Disclosure control (docs/data-responsibility.md): a cell of fewer than :data:`SMALL_CELL` casualties keeps
its dimensions but not its count; it carries ``mg:suppressed true`` instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import RDF, RDFS, URIRef
from rdflib.namespace import TIME

from minegraph.core.ntriples import NTriplesGraph, lexical
from minegraph.core.vocab import MG, QB, SCHEMA, concept_iri, graph_iri, mint_key, thing_iri

SMALL_CELL = 5
DATASET_KEY = "casualties-by-area-month"


@dataclass(frozen=True)
class Cell:
    area: str
    period: str  # YYYY-MM
    outcome: str  # concept code
    status: str  # concept code


def dataset_iri(base: str) -> URIRef:
    return thing_iri(base, "dataset", mint_key("dataset", "aggregates", DATASET_KEY))


#: (predicate IRI, object term or None) -> (subject, object) N-Triples terms of every matching triple.
Scan = Callable[[str, "str | None"], Iterable[tuple[str, str]]]


def store_scan(store: Any) -> Scan:
    """A :data:`Scan` over anything with a SPARQL ``query`` (a store, its public view): one pattern per scan."""
    def scan(predicate: str, obj: str | None = None) -> Iterable[tuple[str, str]]:
        if obj is None:
            return ((str(row[0]), str(row[1])) for row in store.query(f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}"))
        return ((str(row[0]), obj) for row in store.query(f"SELECT ?s WHERE {{ ?s <{predicate}> {obj} }}"))

    return scan


#: Every predicate :func:`count_cells` scans.
SCANNED = tuple(str(p) for p in (RDF.type, SCHEMA.containedInPlace, MG.adminLevel, MG.place, TIME.hasTime,
                                  MG.killedCount, MG.injuredCount, TIME.year, TIME.month, MG.incident, MG.outcome,
                                  MG.status))


def count_cells(scan: Scan) -> Counter[Cell]:
    """Casualties per cell, from one scan per property (each a single index range in the store, joined here).

    An incident counts when it has a place within an admin-1 area, a year and a month (shapes allow one place,
    one time, one count of each kind per incident, one incident, outcome and status per victim). Each listed
    victim counts under its outcome and status; an incident's casualties beyond its listed victims count under
    status ``unknown`` — only when its count is known: a count the source did not give is not zero.
    """
    def values(predicate: URIRef) -> dict[str, str]:
        return {s: o for s, o in scan(str(predicate), None)}

    def of_type(cls: URIRef) -> list[str]:
        return [s for s, _o in scan(str(RDF.type), f"<{cls}>")]

    parents: dict[str, list[str]] = {}
    for child, parent in scan(str(SCHEMA.containedInPlace), None):
        parents.setdefault(child, []).append(parent)
    level = {s: lexical(o) for s, o in scan(str(MG.adminLevel), None)}
    areas: dict[str, list[str]] = {}

    def admin1(place: str) -> list[str]:
        found = areas.get(place)
        if found is None:
            found, seen, frontier = [], {place}, [place]
            while frontier:
                here = frontier.pop()
                if level.get(here) == "1":
                    found.append(here[1:-1])
                for up in parents.get(here, ()):
                    if up not in seen:
                        seen.add(up)
                        frontier.append(up)
            areas[place] = found = sorted(found)
        return found

    located, when = values(MG.place), values(TIME.hasTime)
    killed, injured = values(MG.killedCount), values(MG.injuredCount)
    year, month = values(TIME.year), values(TIME.month)
    incidents: dict[str, tuple[list[str], str, int | None, int | None]] = {}
    for incident in of_type(MG.Incident):
        node = when.get(incident, "")
        if node not in year or node not in month or incident not in located:
            continue
        where = admin1(located[incident])
        if where:
            period = f"{(lexical(year[node]) or '')[:4]}-{(lexical(month[node]) or '')[-2:]}"
            incidents[incident] = (where, period, _count(killed.get(incident)), _count(injured.get(incident)))
    listed: Counter[tuple[str, str]] = Counter()
    cells: Counter[Cell] = Counter()
    of, outcomes, statuses = values(MG.incident), values(MG.outcome), values(MG.status)
    for victim in of_type(MG.Victim):
        incident = of.get(victim, "")
        if incident not in incidents or victim not in outcomes or victim not in statuses:
            continue
        outcome, status = _code(outcomes[victim]), _code(statuses[victim])
        for area in incidents[incident][0]:
            cells[Cell(area, incidents[incident][1], outcome, status)] += 1
        listed[(incident, outcome)] += 1
    for incident, (where, period, killed_n, injured_n) in incidents.items():
        for outcome, total in (("killed", killed_n), ("injured", injured_n)):
            rest = (total or 0) - listed[(incident, outcome)]  # an unknown count leaves no rest to count
            for area in where if rest > 0 else ():
                cells[Cell(area, period, outcome, "unknown")] += rest
    return cells


def _count(term: str | None) -> int | None:
    text = lexical(term) if term else None
    return int(text) if text is not None and text.lstrip("-").isdigit() else None


def _code(concept: str) -> str:
    return concept.strip("<>").rsplit("/", 1)[1]


def cube_ntriples(cells: Counter[Cell], base: str) -> list[str]:
    """The qb:DataSet, its structure and one qb:Observation per cell, as N-Triples lines (sorted cells)."""
    from minegraph.core.ntriples import literal, typed

    rdf_type, label, comment = f"<{RDF.type}>", f"<{RDFS.label}>", f"<{RDFS.comment}>"
    dataset = f"<{dataset_iri(base)}>"
    lines = [
        f"{dataset} {rdf_type} <{QB.DataSet}> .\n",
        f"{dataset} {label} {literal('Casualties by admin-1 area, month, outcome and victim status', 'en')} .\n",
        f"{dataset} {comment} " + literal(
            f"Counted from incidents whose year and month are known. Cells of fewer than {SMALL_CELL} casualties "
            "are suppressed: they carry mg:suppressed true and no count.", "en") + " .\n",
        f"{dataset} <{QB.structure}> <{MG.CasualtyCubeStructure}> .\n",
    ]
    for cell, count in sorted(cells.items(), key=lambda item: (item[0].area, item[0].period, item[0].outcome,
                                                                item[0].status)):
        key = mint_key("observation", DATASET_KEY, cell.area, cell.period, cell.outcome, cell.status)
        node = f"<{thing_iri(base, 'observation', key)}>"
        lines += [
            f"{node} {rdf_type} <{QB.Observation}> .\n",
            f"{node} <{QB.dataSet}> {dataset} .\n",
            f"{node} <{MG.refArea}> <{cell.area}> .\n",
            f"{node} <{MG.refPeriod}> {typed(cell.period, 'gYearMonth')} .\n",
            f"{node} <{MG.outcome}> <{concept_iri('outcome', cell.outcome)}> .\n",
            f"{node} <{MG.status}> <{concept_iri('victim-status', cell.status)}> .\n",
            f"{node} <{MG.suppressed}> {typed('true', 'boolean')} .\n" if count < SMALL_CELL
            else f"{node} <{MG.casualtyCount}> {typed(count, 'integer')} .\n",
        ]
    return lines


def cube_graph(cells: Counter[Cell], base: str) -> NTriplesGraph:
    """The aggregates graph of ``cells`` (:func:`count_cells`), checked by the fast gate (pyshacl and a full
    replacement took 30 s of a 50 s ingest at 100,000 incidents; the write door writes only its difference)."""
    from minegraph.core.errors import ValidationFailed
    from minegraph.store.fastgate import base_reference_text, validate_ntriples

    lines = cube_ntriples(cells, base)
    report = validate_ntriples("".join(lines), base_reference_text())
    if not report.conforms:
        raise ValidationFailed("the aggregates do not conform: the store was not changed", report=report)
    return NTriplesGraph(lines)


def aggregates_graph_iri(base: str) -> str:
    return str(graph_iri(base, "aggregates"))
