"""Records to N-Triples, written as text: the fast path for tables of many thousand rows.

It emits the same terms as :mod:`minegraph.ingest.mapping` (which builds rdflib graphs for the curated
records), and :class:`NTriplesGraph` hands the text to ``Store.replace_graphs`` without an rdflib graph.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from minegraph.core.ntriples import NTriplesGraph, literal, typed
from minegraph.core.vocab import GEO, MG, MGC, OA, SCHEMA, WD, agent_iri, mint_key, source_iri, thing_iri
from minegraph.ingest.mapping import date_precision
from minegraph.ingest.rows import IncidentRow, PlaceRow, month_range

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"
FOAF_HOMEPAGE = "<http://xmlns.com/foaf/0.1/homepage>"
_ = GEO  # geometry is never emitted for table places (see docs/ingest.md)


def mg(name: str) -> str:
    return f"<{MG}{name}>"


def concept(scheme: str, code: str) -> str:
    return f"<{MGC}{scheme}/{code}>"


@dataclass(frozen=True)
class Publisher:
    id: str
    label: str
    description: str | None = None
    homepage: str | None = None
    wikidata: str | None = None


@dataclass(frozen=True)
class SourceMeta:
    """What a source document says about itself (from ``--meta`` or the mapping's meta file)."""

    id: str
    title: str
    publisher: Publisher | str  # a Publisher described here, or an id of data/agents.yaml
    retrieved: dt.date
    language: str = "en"
    type: str = "dataset"
    issued: dt.date | None = None
    url: str | None = None
    licence: str | None = None
    notes: tuple[str, ...] = ()


def emit_source(g: NTriplesGraph, meta: SourceMeta, base: str, sha256: str, header: str | None,
                dropped: dict[str, str]) -> str:
    """The source document, its publisher (when described in the meta file) and its one statement."""
    doc = f"<{source_iri(base, meta.id)}>"
    publisher = meta.publisher if isinstance(meta.publisher, str) else meta.publisher.id
    agent = f"<{agent_iri(base, publisher)}>"
    g.add(doc, RDF_TYPE, mg("SourceDocument"))
    g.add(doc, f"<{DCT}title>", literal(meta.title))
    g.add(doc, f"<{DCT}type>", concept("source-type", meta.type))
    g.add(doc, f"<{DCT}publisher>", agent)
    g.add(doc, f"<{DCT}language>", literal(meta.language))
    g.add(doc, mg("sha256"), literal(sha256))
    g.add(doc, mg("retrieved"), typed(meta.retrieved.isoformat(), "date"))
    g.add(doc, f"<{DCT}identifier>", literal(meta.id))
    if meta.issued:
        g.add(doc, f"<{DCT}issued>", typed(meta.issued.isoformat(), "date"))
    if meta.url:
        g.add(doc, f"<{SCHEMA}url>", f"<{meta.url}>")
    if meta.licence:
        g.add(doc, f"<{DCT}license>", literal(meta.licence, "en"))
    for note in meta.notes:
        g.add(doc, f"<{SKOS}note>", literal(note, "en"))
    if dropped:
        text = "; ".join(f"{column}: {reason}" for column, reason in sorted(dropped.items()))
        g.add(doc, f"<{SKOS}note>", literal(f"Columns of the source not published: {text}", "en"))
    if isinstance(meta.publisher, Publisher):
        p = meta.publisher
        g.add(agent, RDF_TYPE, mg("Agent"))
        g.add(agent, RDFS_LABEL, literal(p.label, "en"))
        if p.description:
            g.add(agent, f"<{SKOS}definition>", literal(p.description, "en"))
        if p.homepage:
            g.add(agent, FOAF_HOMEPAGE, f"<{p.homepage}>")
        if p.wikidata:
            g.add(agent, f"<{SKOS}exactMatch>", f"<{WD}{p.wikidata}>")
    statement = f"<{thing_iri(base, 'statement', mint_key('statement', meta.id, 'rows'))}>"
    g.add(statement, RDF_TYPE, mg("IncidentReport"))
    g.add(statement, RDFS_LABEL, literal(f"The rows of “{meta.title}”", "en"))
    g.add(statement, f"<{PROV}wasAttributedTo>", agent)
    g.add(statement, f"<{PROV}wasDerivedFrom>", doc)
    g.add(statement, mg("speech"), concept("speech", "direct"))
    if header:
        quote, selector, position = (f"<{statement[1:-1]}#quote-1{s}>" for s in ("", "-text", "-position"))
        g.add(statement, mg("quote"), quote)
        g.add(quote, RDF_TYPE, f"<{OA}SpecificResource>")
        g.add(quote, f"<{OA}hasSource>", doc)
        g.add(quote, f"<{OA}hasSelector>", selector)
        g.add(quote, f"<{OA}hasSelector>", position)
        g.add(selector, RDF_TYPE, f"<{OA}TextQuoteSelector>")
        g.add(selector, f"<{OA}exact>", literal(header))
        g.add(position, RDF_TYPE, f"<{OA}TextPositionSelector>")
        g.add(position, f"<{OA}start>", typed(0, "integer"))
        g.add(position, f"<{OA}end>", typed(len(header), "integer"))
    return statement


def emit_places(g: NTriplesGraph, places: Iterable[PlaceRow]) -> None:
    for place in places:
        node = f"<{place.iri}>"
        g.add(node, RDF_TYPE, mg("Place"))
        g.add(node, RDFS_LABEL, literal(place.label, place.language))
        g.add(node, f"<{SKOS}prefLabel>", literal(place.label, place.language))
        for alt in place.alt_labels:
            if alt != place.label:
                g.add(node, f"<{SKOS}altLabel>", literal(alt, place.language))
        g.add(node, mg("adminLevel"), typed(place.level, "integer"))
        if place.parent:
            g.add(node, f"<{SCHEMA}containedInPlace>", f"<{place.parent}>")
        for prop, value in place.identifiers.items():
            g.add(node, mg(prop), literal(value))
        if place.iso3166:
            g.add(node, mg("iso3166"), literal(place.iso3166))
        if place.wikidata:
            g.add(node, f"<{SKOS}exactMatch>", f"<{WD}{place.wikidata}>")


def emit_incidents(g: NTriplesGraph, incidents: Iterable[IncidentRow], statement: str) -> None:
    add = g.add
    supported, supports = mg("supportedBy"), mg("supports")
    for i in incidents:
        node = f"<{i.iri}>"
        add(node, RDF_TYPE, mg("Incident"))
        add(node, RDFS_LABEL, literal(i.label, "en"))
        add(node, mg("place"), f"<{i.place}>")
        add(node, mg("explosiveOrdnanceType"), concept("explosive-ordnance", i.device))
        if i.context:
            add(node, mg("context"), concept("incident-context", i.context))
        add(node, mg("killedCount"), typed(i.killed, "integer"))
        add(node, mg("injuredCount"), typed(i.injured, "integer"))
        add(node, mg("sourceRow"), typed(i.row, "integer"))
        _emit_date(g, node, i)
        add(node, supported, statement)
        add(statement, supports, node)
        for v in i.victims:
            victim = f"<{v.iri}>"
            add(victim, RDF_TYPE, mg("Victim"))
            add(victim, mg("incident"), node)
            add(node, mg("victim"), victim)
            add(victim, mg("outcome"), concept("outcome", v.outcome))
            add(victim, mg("status"), concept("victim-status", v.status))
            for prop, scheme, code in (("sex", "sex", v.sex), ("ageBand", "age-band", v.age_band),
                                       ("activity", "activity", v.activity)):
                if code:
                    add(victim, mg(prop), concept(scheme, code))
            add(victim, supported, statement)
            add(statement, supports, victim)


def _emit_date(g: NTriplesGraph, node: str, i: IncidentRow) -> None:
    if i.year is None:
        if i.earliest is None or i.latest is None:
            return
        earliest, latest = i.earliest, i.latest
    elif i.day and i.month:
        earliest = latest = dt.date(i.year, i.month, i.day)
    else:
        earliest, latest = month_range(i.year, i.month)
    g.add(node, mg("earliestDate"), typed(earliest.isoformat(), "date"))
    g.add(node, mg("latestDate"), typed(latest.isoformat(), "date"))
    g.add(node, mg("datePrecision"), concept("date-precision", date_precision(i.year, i.month, i.day)))
    if earliest == latest:
        g.add(node, f"<{SCHEMA}startDate>", typed(earliest.isoformat(), "date"))
    when = f"<{node[1:-1]}#date>"
    g.add(node, f"<{TIME}hasTime>", when)
    g.add(when, RDF_TYPE, f"<{TIME}DateTimeDescription>")
    unit = "unitDay" if i.day else "unitMonth" if i.month else "unitYear"
    g.add(when, f"<{TIME}unitType>", f"<{TIME}{unit}>")
    if i.year is not None:
        g.add(when, f"<{TIME}year>", typed(f"{i.year:04d}", "gYear"))
    if i.month:
        g.add(when, f"<{TIME}month>", typed(f"--{i.month:02d}", "gMonth"))
    if i.day:
        g.add(when, f"<{TIME}day>", typed(f"---{i.day:02d}", "gDay"))
