"""The one emitter: records (:mod:`minegraph.ingest.model`) -> N-Triples lines, for every source kind.

A record file, a mapped table and an HXL table are emitted by the same functions, so the same fact gives the same
triples whichever way it came in (tests/test_emit.py). The text is written directly, without rdflib terms: a
national table of 300,000 triples is emitted in a fraction of a second.

- :func:`emit_source`: one source's graph — the source document, the agents it describes, its statements with
  their quotes (the lines before the first incident, shared by every batch of the fast gate), then each incident
  with its date and victims (``units``: the line where each incident starts) — with where every node came from
  (``locate``), and the places the source describes, for the shared places graph.
- :func:`emit_places`, :func:`emit_agents`: the shared places and agents graphs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import namespace

from minegraph.core.ntriples import NTriplesGraph, literal, typed
from minegraph.core.vocab import (
    GEO,
    MG,
    MGC,
    OA,
    SCHEMA,
    WD,
    agent_iri,
    mint_key,
    normalise_base,
    source_graph_iri,
    source_iri,
)
from minegraph.ingest.model import Agent, Incident, Place, SourceDocument, SourceRecords, Statement

RDF_TYPE, RDFS_LABEL = f"<{namespace.RDF.type}>", f"<{namespace.RDFS.label}>"
SKOS, DCT, PROV, TIME = (str(ns) for ns in (namespace.SKOS, namespace.DCTERMS, namespace.PROV, namespace.TIME))
FOAF_HOMEPAGE = f"<{namespace.FOAF.homepage}>"
SKOS_NOTE, SKOS_EXACT_MATCH = f"<{SKOS}note>", f"<{SKOS}exactMatch>"

STATEMENT_CLASSES = {"incident-report": "IncidentReport", "aggregate-claim": "AggregateClaim",
                     "responsibility-claim": "ResponsibilityClaim", "victim-profile-claim": "VictimProfileClaim"}


def mg(name: str) -> str:
    return f"<{MG}{name}>"


def concept(scheme: str, code: str) -> str:
    return f"<{MGC}{scheme}/{code}>"


def english(text: str) -> str:
    return literal(text, "en")


def xsd_date(value: dt.date) -> str:
    return typed(value.isoformat(), "date")


@dataclass
class Emitted:
    """One source's graph, ready for the write door, and what the report says of it."""

    source_id: str
    graph_iri: str
    #: the source's graph; ``units``: the line where each incident starts
    graph: NTriplesGraph
    #: node IRI -> (file, record), so that the gate's report names the input
    locate: dict[str, tuple[str, str]]
    #: the places the source describes itself (a table's admin areas), for the shared places graph
    places: NTriplesGraph = field(default_factory=NTriplesGraph)
    #: the source's register of identifying strings (digests)
    redact: tuple[str, ...] = ()
    incidents: int = 0
    victims: int = 0


def emit_source(records: SourceRecords, base: str, place_iris: Mapping[str, str] | None = None) -> Emitted:
    """The graph of one source. ``place_iris``: gazetteer id -> place IRI, for the places the records name that
    they do not describe themselves (:func:`minegraph.core.gazetteer.place_index`)."""
    base = normalise_base(base)
    source, file = records.source, str(records.path)
    places = {p.id: p.iri for p in records.places} | dict(place_iris or {})
    g = NTriplesGraph()
    add = g.add
    doc = f"<{source_iri(base, source.id)}>"
    locate = {doc[1:-1]: (file, "source")}
    _emit_document(g, doc, source, base)
    for agent in records.agents:
        _emit_agent(g, agent, base)

    def key(kind: str, record_id: str) -> str:
        return f"<{base}id/{kind}/{mint_key(kind, source.id, record_id)}>"

    incident_iris = {i.id: key("incident", i.id) for i in records.incidents}
    victim_iris = {v.id: key("victim", v.id) for i in records.incidents for v in i.victims}
    supporters: dict[str, list[str]] = {}
    for statement in records.statements:
        node = key("statement", statement.id)
        locate[node[1:-1]] = (file, f"statements[{statement.id}]")
        _emit_statement(g, node, statement, doc, base, places, incident_iris | victim_iris)
        for target in dict.fromkeys(statement.supports):
            supporters.setdefault(target, []).append(node)
    supported, supports = mg("supportedBy"), mg("supports")
    g.units = []
    victims = 0
    for incident in records.incidents:
        g.units.append(len(g.lines))
        node = incident_iris[incident.id]
        where = f"row {incident.row}" if incident.row is not None else f"incidents[{incident.id}]"
        locate[node[1:-1]] = (file, where)
        _emit_incident(g, node, incident, places[incident.place])
        for statement_node in supporters.get(incident.id, ()):
            add(node, supported, statement_node)
            add(statement_node, supports, node)
        for victim in incident.victims:
            victims += 1
            victim_node = victim_iris[victim.id]
            locate[victim_node[1:-1]] = (file, where if incident.row is not None
                                         else f"incidents[{incident.id}].victims[{victim.id}]")
            add(victim_node, RDF_TYPE, mg("Victim"))
            add(victim_node, mg("incident"), node)
            add(node, mg("victim"), victim_node)
            add(victim_node, mg("outcome"), concept("outcome", victim.outcome))
            add(victim_node, mg("status"), concept("victim-status", victim.status))
            for prop, scheme, code in (("sex", "sex", victim.sex), ("ageBand", "age-band", victim.age_band),
                                       ("activity", "activity", victim.activity)):
                if code:
                    add(victim_node, mg(prop), concept(scheme, code))
            if victim.note:
                add(victim_node, SKOS_NOTE, english(victim.note))
            for statement_node in supporters.get(victim.id, ()):
                add(victim_node, supported, statement_node)
                add(statement_node, supports, victim_node)
    return Emitted(source.id, str(source_graph_iri(base, source.id)), g, locate, emit_places(records.places),
                   source.redact, len(records.incidents), victims)


def _emit_document(g: NTriplesGraph, doc: str, source: SourceDocument, base: str) -> None:
    add = g.add
    add(doc, RDF_TYPE, mg("SourceDocument"))
    add(doc, f"<{DCT}title>", literal(source.title, source.language))
    add(doc, f"<{DCT}type>", concept("source-type", source.type))
    add(doc, f"<{DCT}publisher>", f"<{agent_iri(base, source.publisher)}>")
    add(doc, f"<{DCT}language>", literal(source.language))
    add(doc, mg("sha256"), literal(source.sha256))
    add(doc, mg("retrieved"), xsd_date(source.retrieved))
    add(doc, f"<{DCT}identifier>", literal(source.id))
    if source.issued:
        add(doc, f"<{DCT}issued>", xsd_date(source.issued))
    if source.url:
        add(doc, f"<{SCHEMA}url>", f"<{source.url}>")
    if source.licence:
        add(doc, f"<{DCT}license>", english(source.licence))
    for note in (source.title_note, *source.notes):
        if note:
            add(doc, SKOS_NOTE, english(note))


def _emit_statement(g: NTriplesGraph, node: str, s: Statement, doc: str, base: str, places: Mapping[str, str],
                    local: Mapping[str, str]) -> None:
    """A statement, its quotes and what it is about; what it supports is emitted with each incident and victim."""
    add = g.add
    add(node, RDF_TYPE, mg(STATEMENT_CLASSES[s.kind]))
    add(node, RDFS_LABEL, english(s.label))
    add(node, f"<{PROV}wasAttributedTo>", f"<{agent_iri(base, s.speaker)}>")
    add(node, f"<{PROV}wasDerivedFrom>", doc)
    add(node, mg("speech"), concept("speech", s.speech))
    if s.date:
        add(node, f"<{DCT}date>", xsd_date(s.date))
    for number, quote in enumerate(s.quotes, start=1):
        target, selector, position = (f"<{node[1:-1]}#quote-{number}{tail}>" for tail in ("", "-text", "-position"))
        add(node, mg("quote"), target)
        add(target, RDF_TYPE, f"<{OA}SpecificResource>")
        add(target, f"<{OA}hasSource>", doc)
        add(target, f"<{OA}hasSelector>", selector)
        add(target, f"<{OA}hasSelector>", position)
        add(selector, RDF_TYPE, f"<{OA}TextQuoteSelector>")
        add(selector, f"<{OA}exact>", literal(quote.exact))
        add(position, RDF_TYPE, f"<{OA}TextPositionSelector>")
        add(position, f"<{OA}start>", typed(quote.start, "integer"))
        add(position, f"<{OA}end>", typed(quote.end, "integer"))
    for target_id in dict.fromkeys(s.about):
        add(node, mg("about"), local[target_id])
    if s.count is not None:
        add(node, mg("count"), typed(s.count, "integer"))
    for prop, value in (("periodStart", s.period_start), ("periodEnd", s.period_end)):
        if value:
            add(node, mg(prop), typed(value, "gYear" if len(value) == 4 else "date"))
    if s.area:
        add(node, mg("area"), f"<{places[s.area]}>")
    if s.area_note:
        add(node, SKOS_NOTE, english(s.area_note))
    for code in dict.fromkeys(s.outcomes):
        add(node, mg("outcome"), concept("outcome", code))
    for code in dict.fromkeys(s.devices):
        add(node, mg("explosiveOrdnanceType"), concept("explosive-ordnance", code))
    if s.alleged_responsible:
        add(node, mg("allegedResponsibleParty"), f"<{agent_iri(base, s.alleged_responsible)}>")
    if s.includes_children is not None:
        add(node, mg("includesChildren"), typed(str(s.includes_children).lower(), "boolean"))


def _emit_incident(g: NTriplesGraph, node: str, i: Incident, place: str) -> None:
    """An incident and its date; a count the source does not state is left out (unknown is not zero)."""
    add = g.add
    add(node, RDF_TYPE, mg("Incident"))
    add(node, RDFS_LABEL, english(i.label))
    add(node, mg("place"), f"<{place}>")
    add(node, mg("explosiveOrdnanceType"), concept("explosive-ordnance", i.device))
    if i.context:
        add(node, mg("context"), concept("incident-context", i.context))
    if i.event_type:
        add(node, mg("eventType"), concept("event-type", i.event_type))
    if i.place_as_reported:
        add(node, mg("placeAsReported"), literal(i.place_as_reported))
    if i.point:
        _emit_point(g, node, f"<{node[1:-1]}#point>", i.point)
    if i.killed is not None:
        add(node, mg("killedCount"), typed(i.killed, "integer"))
    if i.injured is not None:
        add(node, mg("injuredCount"), typed(i.injured, "integer"))
    if i.row is not None:
        add(node, mg("sourceRow"), typed(i.row, "integer"))
    if i.note:
        add(node, SKOS_NOTE, english(i.note))
    d = i.date
    add(node, mg("earliestDate"), xsd_date(d.earliest))
    add(node, mg("latestDate"), xsd_date(d.latest))
    add(node, mg("datePrecision"), concept("date-precision", d.precision))
    if d.reported:
        add(node, mg("dateAsReported"), english(d.reported))
    if d.note:
        add(node, mg("dateNote"), english(d.note))
    if d.earliest == d.latest:
        add(node, f"<{SCHEMA}startDate>", xsd_date(d.earliest))
    if d.month or d.year:
        when = f"<{node[1:-1]}#date>"
        add(node, f"<{TIME}hasTime>", when)
        add(when, RDF_TYPE, f"<{TIME}DateTimeDescription>")
        add(when, f"<{TIME}unitType>", f"<{TIME}{'unitDay' if d.day else 'unitMonth' if d.month else 'unitYear'}>")
        if d.year:
            add(when, f"<{TIME}year>", typed(f"{d.year:04d}", "gYear"))
        if d.month:
            add(when, f"<{TIME}month>", typed(f"--{d.month:02d}", "gMonth"))
        if d.day:
            add(when, f"<{TIME}day>", typed(f"---{d.day:02d}", "gDay"))


def emit_places(places: Iterable[Place], graph: NTriplesGraph | None = None) -> NTriplesGraph:
    """Places as the places graph describes them (into ``graph``, or a new one)."""
    g = graph if graph is not None else NTriplesGraph()
    add = g.add
    for place in places:
        node = f"<{place.iri}>"
        label = literal(place.label, place.language)
        add(node, RDF_TYPE, mg("Place"))
        add(node, RDFS_LABEL, label)
        add(node, f"<{SKOS}prefLabel>", label)
        for name, language in place.alt_labels:
            if (name, language) != (place.label, place.language):
                add(node, f"<{SKOS}altLabel>", literal(name, language))
        add(node, mg("adminLevel"), typed(place.level, "integer"))
        if place.parent:
            add(node, f"<{SCHEMA}containedInPlace>", f"<{place.parent}>")
        for prop, value in place.identifiers.items():
            add(node, mg(prop), literal(value))
        for other in place.same_as:
            add(node, SKOS_EXACT_MATCH, f"<{other}>")
        if place.point:
            _emit_point(g, node, f"<{place.iri}#geometry>", place.point)
    return g


def _emit_point(g: NTriplesGraph, node: str, geometry: str, point: tuple[float, float, int | None]) -> None:
    """``node`` geo:hasGeometry ``geometry``: a point (lat, lon) with its precision in metres, when known."""
    lat, lon, precision = point
    g.add(node, f"<{GEO}hasGeometry>", geometry)
    g.add(geometry, RDF_TYPE, f"<{GEO}Geometry>")
    g.add(geometry, f"<{GEO}asWKT>", f'"POINT({lon} {lat})"^^<{GEO}wktLiteral>')
    if precision:
        g.add(geometry, mg("coordinatePrecision"), typed(precision, "integer"))


def emit_agents(agents: Iterable[Agent], base: str) -> NTriplesGraph:
    """Agents as the agents graph describes them."""
    g = NTriplesGraph()
    for agent in agents:
        _emit_agent(g, agent, base)
    return g


def _emit_agent(g: NTriplesGraph, agent: Agent, base: str) -> None:
    node = f"<{agent_iri(base, agent.id)}>"
    g.add(node, RDF_TYPE, mg("Agent"))
    g.add(node, RDFS_LABEL, english(agent.label))
    if agent.description:
        g.add(node, f"<{SKOS}definition>", english(agent.description))
    if agent.homepage:
        g.add(node, FOAF_HOMEPAGE, f"<{agent.homepage}>")
    if agent.wikidata:
        g.add(node, SKOS_EXACT_MATCH, f"<{WD}{agent.wikidata}>")


__all__ = ["Emitted", "emit_agents", "emit_places", "emit_source"]
