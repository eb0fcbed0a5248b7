"""Records -> RDF, with provenance.

Each source file becomes one named graph. An :class:`Index` remembers which file, record and field
every node and predicate came from, so that the gate's report speaks the curator's language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, SKOS, TIME

from minegraph.core.gazetteer import Place, place_index
from minegraph.core.vocab import (
    GEO,
    MG,
    OA,
    SCHEMA,
    WD,
    agent_iri,
    concept_iri,
    graph_iri,
    mint_key,
    source_graph_iri,
    source_iri,
    thing_iri,
)
from minegraph.ingest.records import Agent, Incident, SourceRecords, Statement, Victim
from minegraph.store.gate import Index

STATEMENT_CLASSES = {
    "incident-report": MG.IncidentReport,
    "aggregate-claim": MG.AggregateClaim,
    "responsibility-claim": MG.ResponsibilityClaim,
    "victim-profile-claim": MG.VictimProfileClaim,
}

@dataclass
class Mapped:
    """One named graph ready for the gate."""

    graph_iri: URIRef
    graph: Graph
    index: Index
    redact: tuple[str, ...] = ()
    notices: list[str] = field(default_factory=list)


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in (("mg", MG), ("oa", OA), ("schema", SCHEMA), ("geo", GEO), ("prov", PROV),
                              ("skos", SKOS), ("dcterms", DCTERMS), ("time", TIME), ("wd", WD)):
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def _date(value: dt.date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def map_source(records: SourceRecords, base: str, places: dict[str, URIRef]) -> Mapped:
    """The named graph of one source document; ``places`` resolves gazetteer ids (see :func:`place_index`)."""
    source, file = records.source, str(records.path)
    g, index = new_graph(), Index()
    doc = source_iri(base, source.id)
    index.add(doc, file, "source")
    g.add((doc, RDF.type, MG.SourceDocument))
    g.add((doc, DCTERMS.title, Literal(source.title, lang="en")))
    g.add((doc, DCTERMS.type, concept_iri("source-type", source.type)))
    g.add((doc, DCTERMS.publisher, agent_iri(base, source.publisher)))
    g.add((doc, DCTERMS.language, Literal(source.language)))
    g.add((doc, MG.sha256, Literal(source.sha256)))
    g.add((doc, MG.retrieved, _date(source.retrieved)))
    g.add((doc, DCTERMS.identifier, Literal(source.id)))
    for predicate, value in ((SKOS.note, source.title_note), (DCTERMS.license, source.licence)):
        if value:
            g.add((doc, predicate, Literal(value, lang="en")))
    if source.issued:
        g.add((doc, DCTERMS.issued, _date(source.issued)))
    if source.url:
        g.add((doc, SCHEMA.url, URIRef(source.url)))

    def key(kind: str, record_id: str) -> URIRef:
        return thing_iri(base, kind, mint_key(kind, source.id, record_id))

    local = {i.id: key("incident", i.id) for i in records.incidents}
    local |= {v.id: key("victim", v.id) for i in records.incidents for v in i.victims}
    for statement in records.statements:
        node = key("statement", statement.id)
        index.add(node, file, f"statements[{statement.id}]")
        _map_statement(g, node, statement, doc, base, local, places)
    for incident in records.incidents:
        node = local[incident.id]
        index.add(node, file, f"incidents[{incident.id}]")
        _map_incident(g, node, incident, places)
        for victim in incident.victims:
            victim_node = local[victim.id]
            index.add(victim_node, file, f"incidents[{incident.id}].victims[{victim.id}]")
            _map_victim(g, victim_node, victim, node)
    for statement in records.statements:
        for target in statement.supports:
            g.add((local[target], MG.supportedBy, key("statement", statement.id)))
    return Mapped(source_graph_iri(base, source.id), g, index, source.redact)


def _map_statement(g: Graph, node: URIRef, s: Statement, doc: URIRef, base: str, local: dict[str, URIRef],
                   places: dict[str, URIRef]) -> None:
    g.add((node, RDF.type, STATEMENT_CLASSES[s.kind]))
    g.add((node, RDFS.label, Literal(s.label, lang="en")))
    g.add((node, PROV.wasAttributedTo, agent_iri(base, s.speaker)))
    g.add((node, PROV.wasDerivedFrom, doc))
    g.add((node, MG.speech, concept_iri("speech", s.speech)))
    if s.date:
        g.add((node, DCTERMS.date, _date(s.date)))
    for number, quote in enumerate(s.quotes, start=1):
        target = URIRef(f"{node}#quote-{number}")
        text_selector = URIRef(f"{node}#quote-{number}-text")
        position = URIRef(f"{node}#quote-{number}-position")
        g.add((node, MG.quote, target))
        g.add((target, RDF.type, OA.SpecificResource))
        g.add((target, OA.hasSource, doc))
        g.add((target, OA.hasSelector, text_selector))
        g.add((target, OA.hasSelector, position))
        g.add((text_selector, RDF.type, OA.TextQuoteSelector))
        g.add((text_selector, OA.exact, Literal(quote.exact)))
        g.add((position, RDF.type, OA.TextPositionSelector))
        g.add((position, OA.start, Literal(quote.start)))
        g.add((position, OA.end, Literal(quote.end)))
    for target_id in s.supports:
        g.add((node, MG.supports, local[target_id]))
    for target_id in s.about:
        g.add((node, MG.about, local[target_id]))
    if s.count is not None:
        g.add((node, MG["count"], Literal(s.count)))
    for predicate, value in ((MG.periodStart, s.period_start), (MG.periodEnd, s.period_end)):
        if value:
            datatype = XSD.gYear if len(value) == 4 else XSD.date
            g.add((node, predicate, Literal(value, datatype=datatype)))
    if s.area:
        g.add((node, MG.area, places[s.area]))
    if s.area_note:
        g.add((node, SKOS.note, Literal(s.area_note, lang="en")))
    for code in s.outcomes:
        g.add((node, MG.outcome, concept_iri("outcome", code)))
    for code in s.devices:
        g.add((node, MG.explosiveOrdnanceType, concept_iri("explosive-ordnance", code)))
    if s.alleged_responsible:
        g.add((node, MG.allegedResponsibleParty, agent_iri(base, s.alleged_responsible)))
    if s.includes_children is not None:
        g.add((node, MG.includesChildren, Literal(s.includes_children)))


def _map_incident(g: Graph, node: URIRef, incident: Incident, places: dict[str, URIRef]) -> None:
    d = incident.date
    g.add((node, RDF.type, MG.Incident))
    g.add((node, RDFS.label, Literal(incident.label, lang="en")))
    g.add((node, MG.place, places[incident.place]))
    g.add((node, MG.explosiveOrdnanceType, concept_iri("explosive-ordnance", incident.device)))
    if incident.context:
        g.add((node, MG.context, concept_iri("incident-context", incident.context)))
    g.add((node, MG.killedCount, Literal(incident.killed)))
    g.add((node, MG.injuredCount, Literal(incident.injured)))
    g.add((node, MG.earliestDate, _date(d.earliest)))
    g.add((node, MG.latestDate, _date(d.latest)))
    g.add((node, MG.datePrecision, concept_iri("date-precision", date_precision(d.year, d.month, d.day))))
    if d.reported:
        g.add((node, MG.dateAsReported, Literal(d.reported, lang="en")))
    if d.note:
        g.add((node, MG.dateNote, Literal(d.note, lang="en")))
    if d.earliest == d.latest:
        g.add((node, SCHEMA.startDate, _date(d.earliest)))
    if d.month or d.year:
        when = URIRef(f"{node}#date")
        g.add((node, TIME.hasTime, when))
        g.add((when, RDF.type, TIME.DateTimeDescription))
        g.add((when, TIME.unitType, TIME.unitDay if d.day else TIME.unitMonth if d.month else TIME.unitYear))
        if d.year:
            g.add((when, TIME.year, Literal(f"{d.year:04d}", datatype=XSD.gYear)))
        if d.month:
            g.add((when, TIME.month, Literal(f"--{d.month:02d}", datatype=XSD.gMonth)))
        if d.day:
            g.add((when, TIME.day, Literal(f"---{d.day:02d}", datatype=XSD.gDay)))
    if incident.note:
        g.add((node, SKOS.note, Literal(incident.note, lang="en")))


def date_precision(year: int | None, month: int | None, day: int | None) -> str:
    if year and month and day:
        return "day"
    if month and day:
        return "day-unknown-year"
    if year and month:
        return "month"
    return "year" if year else "unknown"


def _map_victim(g: Graph, node: URIRef, victim: Victim, incident: URIRef) -> None:
    g.add((node, RDF.type, MG.Victim))
    g.add((node, MG.incident, incident))
    g.add((incident, MG.victim, node))
    g.add((node, MG.outcome, concept_iri("outcome", victim.outcome)))
    g.add((node, MG.status, concept_iri("victim-status", victim.status)))
    for predicate, scheme, code in ((MG.sex, "sex", victim.sex), (MG.ageBand, "age-band", victim.age_band),
                                    (MG.activity, "activity", victim.activity)):
        if code:
            g.add((node, predicate, concept_iri(scheme, code)))
    if victim.note:
        g.add((node, SKOS.note, Literal(victim.note, lang="en")))


def map_places(places: tuple[Place, ...], base: str, file: str) -> Mapped:
    g, index = new_graph(), Index()
    iris = place_index(places, base)
    for place in places:
        node = iris[place.id]
        index.add(node, file, f"places[{place.id}]")
        g.add((node, RDF.type, MG.Place))
        g.add((node, RDFS.label, Literal(place.label, lang="en")))
        g.add((node, SKOS.prefLabel, Literal(place.label, lang="en")))
        for lang, names in place.names.items():
            for name in names:
                g.add((node, SKOS.altLabel, Literal(name, lang=lang)))
        g.add((node, MG.adminLevel, Literal(place.level)))
        if place.parent:
            g.add((node, SCHEMA.containedInPlace, iris[place.parent]))
        if place.pcode:
            g.add((node, MG.pcode, Literal(place.pcode)))
        if place.iso3166:
            g.add((node, MG.iso3166, Literal(place.iso3166)))
        if place.geonames:
            g.add((node, MG.geonamesId, Literal(place.geonames)))
            g.add((node, SKOS.exactMatch, URIRef(f"https://sws.geonames.org/{place.geonames}/")))
        if place.wikidata:
            g.add((node, SKOS.exactMatch, WD[place.wikidata]))
        if place.point:
            geometry = URIRef(f"{node}#geometry")
            g.add((node, GEO.hasGeometry, geometry))
            g.add((geometry, RDF.type, GEO.Geometry))
            g.add((geometry, GEO.asWKT, Literal(f"POINT({place.point.lon} {place.point.lat})",
                                                datatype=GEO.wktLiteral)))
            if place.point.precision_m:
                g.add((geometry, MG.coordinatePrecision, Literal(place.point.precision_m)))
    return Mapped(graph_iri(base, "places"), g, index)


def map_agents(agents: tuple[Agent, ...], base: str, file: str) -> Mapped:
    g, index = new_graph(), Index()
    for agent in agents:
        node = agent_iri(base, agent.id)
        index.add(node, file, f"agents[{agent.id}]")
        g.add((node, RDF.type, MG.Agent))
        g.add((node, RDFS.label, Literal(agent.label, lang="en")))
        if agent.description:
            g.add((node, SKOS.definition, Literal(agent.description, lang="en")))
        if agent.homepage:
            g.add((node, FOAF.homepage, URIRef(agent.homepage)))
        if agent.wikidata:
            g.add((node, SKOS.exactMatch, WD[agent.wikidata]))
    return Mapped(graph_iri(base, "agents"), g, index)
