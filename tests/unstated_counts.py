"""A source whose incidents do not all state how many people were killed or injured, written through the door.

Three incidents in Jabrayil District (the built store's place), May 2024, reported by News.Az (the built store's
agent), copying tests/fixtures/shapes/incident-count-not-stated--warns-killed-count-missing.ttl:

- ``NONE``: the source states neither count (no mg:killedCount, no mg:injuredCount);
- ``INJURED_ONLY``: 2 injured, the number killed not stated;
- ``KILLED_ONLY``: 1 killed, the number injured not stated.

An absent count is no triple at all (docs/model.md): the gate warns, and the write goes through.
"""

from __future__ import annotations

from rdflib import Graph

from minegraph.core.ntriples import NTriplesGraph
from minegraph.core.settings import Settings
from minegraph.core.vocab import mint_key, source_graph_iri, source_iri, thing_iri
from minegraph.store.door import ChangeSet, Written, write

BASE = "https://w3id.org/minegraph/"
SOURCE_ID = "unstated-counts-example"
GRAPH = str(source_graph_iri(BASE, SOURCE_ID))
SOURCE = str(source_iri(BASE, SOURCE_ID))
NONE = str(thing_iri(BASE, "incident", mint_key("incident", SOURCE_ID, "none")))
INJURED_ONLY = str(thing_iri(BASE, "incident", mint_key("incident", SOURCE_ID, "injured-only")))
KILLED_ONLY = str(thing_iri(BASE, "incident", mint_key("incident", SOURCE_ID, "killed-only")))
STATEMENT = str(thing_iri(BASE, "statement", mint_key("statement", SOURCE_ID, "report")))
#: In the store built from data/ (data/places.yaml, data/agents.yaml).
JABRAYIL = "https://w3id.org/minegraph/id/place/6b540r616wz"
JABRAYIL_PCODE = "AZ60500001"
NEWS_AZ = "https://w3id.org/minegraph/id/agent/f6qztfzark5"
LABELS = {NONE: "Landmine explosion, Jabrayil District, 10 May 2024 (no counts stated)",
          INJURED_ONLY: "Landmine explosion, Jabrayil District, 11 May 2024 (two injured)",
          KILLED_ONLY: "Landmine explosion, Jabrayil District, 12 May 2024 (one killed)"}


def _incident(iri: str, day: int, counts: str) -> str:
    return f"""
<{iri}> a mg:Incident ;
    rdfs:label "{LABELS[iri]}"@en ;
    mg:place <{JABRAYIL}> ;
    mg:explosiveOrdnanceType eo:antipersonnel-mine ;
    mg:context context:civilian-activity ;
    {counts}
    mg:supportedBy <{STATEMENT}> ;
    mg:dateAsReported "on {day} May" ;
    mg:datePrecision dp:day ;
    mg:earliestDate "2024-05-{day}"^^xsd:date ;
    mg:latestDate "2024-05-{day}"^^xsd:date ;
    time:hasTime <{iri}#date> ;
    skos:note "Fictional test record."@en .
<{iri}#date> a time:DateTimeDescription ; time:unitType time:unitDay ;
    time:year "2024"^^xsd:gYear ; time:month "--05"^^xsd:gMonth ; time:day "---{day}"^^xsd:gDay .
"""


TURTLE = f"""
@prefix mg:       <https://w3id.org/minegraph/def/> .
@prefix rdfs:     <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:      <http://www.w3.org/2001/XMLSchema#> .
@prefix skos:     <http://www.w3.org/2004/02/skos/core#> .
@prefix prov:     <http://www.w3.org/ns/prov#> .
@prefix oa:       <http://www.w3.org/ns/oa#> .
@prefix dcterms:  <http://purl.org/dc/terms/> .
@prefix schema:   <http://schema.org/> .
@prefix time:     <http://www.w3.org/2006/time#> .
@prefix eo:       <https://w3id.org/minegraph/concept/explosive-ordnance/> .
@prefix context:  <https://w3id.org/minegraph/concept/incident-context/> .
@prefix dp:       <https://w3id.org/minegraph/concept/date-precision/> .
@prefix srctype:  <https://w3id.org/minegraph/concept/source-type/> .
@prefix speech:   <https://w3id.org/minegraph/concept/speech/> .

<{SOURCE}> a mg:SourceDocument ;
    dcterms:title "Landmine explosions in Jabrayil in May 2024 (example article)"@en ;
    dcterms:publisher <{NEWS_AZ}> ;
    schema:url <https://news.example.org/2024/05/13/jabrayil-landmines> ;
    dcterms:issued "2024-05-13"^^xsd:date ;
    mg:retrieved "2024-06-01"^^xsd:date ;
    dcterms:language "en" ;
    mg:sha256 "50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c" ;
    dcterms:type srctype:news-article ;
    dcterms:license "All rights reserved" .

<{STATEMENT}> a mg:IncidentReport ;
    rdfs:label "Example report of three landmine explosions in Jabrayil in May 2024"@en ;
    prov:wasAttributedTo <{NEWS_AZ}> ;
    prov:wasDerivedFrom <{SOURCE}> ;
    mg:quote <{STATEMENT}#quote-1> ;
    mg:speech speech:direct ;
    dcterms:date "2024-05-13"^^xsd:date ;
    mg:supports <{NONE}> , <{INJURED_ONLY}> , <{KILLED_ONLY}> .
<{STATEMENT}#quote-1> a oa:SpecificResource ; oa:hasSource <{SOURCE}> ;
    oa:hasSelector <{STATEMENT}#quote-1-text> .
<{STATEMENT}#quote-1-text> a oa:TextQuoteSelector ;
    oa:exact "landmines exploded near villages of Jabrayil on 10, 11 and 12 May; there were casualties" .
{_incident(NONE, 10, "")}
{_incident(INJURED_ONLY, 11, "mg:injuredCount 2 ;")}
{_incident(KILLED_ONLY, 12, "mg:killedCount 1 ;")}
"""


def graph() -> NTriplesGraph:
    """The source's graph as N-Triples lines (what every write hands the door)."""
    text = Graph().parse(data=TURTLE, format="turtle").serialize(format="nt")
    return NTriplesGraph.of(text)


def write_unstated_counts(settings: Settings) -> Written:
    """Write the source's graph into the store of ``settings`` (built from data/) through the one door."""
    return write(settings, ChangeSet({GRAPH: graph()}, action="test"))
