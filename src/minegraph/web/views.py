"""From a bounded description (an rdflib graph) to plain view models for the page templates.

Everything a page shows is read here, so templates stay free of RDF. Wording is neutral: facts are
shown with the statements that support them, and claims only as what a named source said.

>>> local_path("https://w3id.org/minegraph/id/incident/k318zecnq29", "https://w3id.org/minegraph/")
'/id/incident/k318zecnq29'
>>> local_path("http://www.wikidata.org/entity/Q227", "https://w3id.org/minegraph/")
'http://www.wikidata.org/entity/Q227'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, SKOS, TIME, VANN
from rdflib.term import Node

from minegraph.core.place_names import parse_point
from minegraph.core.vocab import DEFAULT_BASE, GEO, MG, OA, PREFIXES, QB, SCHEMA, SD, normalise_base

#: The ontology and concept namespaces belong to the software: they are served locally whatever the base.
SOFTWARE_BASE = DEFAULT_BASE
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
STATEMENT_KINDS = {
    MG.IncidentReport: "incident report", MG.AggregateClaim: "aggregate claim",
    MG.ResponsibilityClaim: "responsibility claim", MG.VictimProfileClaim: "victim profile claim",
}
CLAIM_CLASSES = (MG.AggregateClaim, MG.ResponsibilityClaim, MG.VictimProfileClaim)


def local_path(iri: str, base: str) -> str:
    """The link for ``iri`` on this server: a path for IRIs under the base (or the software's
    ``def/`` and ``concept/`` namespaces), the IRI itself for anything else."""
    base = normalise_base(base)
    if iri.startswith(base):
        return "/" + iri[len(base):]
    if iri.startswith((SOFTWARE_BASE + "def/", SOFTWARE_BASE + "concept/")):
        return "/" + iri[len(SOFTWARE_BASE):]
    return iri


def human_date(value: str | dt.date | None) -> str:
    """``2020-04-06`` -> ``6 April 2020``; anything unreadable is returned as it is."""
    if value is None:
        return ""
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass
class Link:
    href: str
    text: str
    iri: str = ""
    external: bool = False


@dataclass
class Quote:
    exact: str


@dataclass
class StatementView:
    iri: str
    href: str
    anchor: str
    label: str
    kind: str
    is_claim: bool
    speaker: Link | None
    speech: str  # "direct" | "reported" | ""
    date: str
    quotes: list[Quote]
    source: Link | None
    publisher: Link | None
    source_url: str
    issued: str
    claim: list[str] = field(default_factory=list)
    supports: list[Link] = field(default_factory=list)
    about: list[Link] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def own_words(self) -> bool:
        """Whether the speaker is the document's publisher: a news item's narration, not someone's speech."""
        return bool(self.speaker and self.publisher and self.speaker.iri == self.publisher.iri)

    @property
    def attribution(self) -> str:
        """Who said it, in words: the speaker, and for reported speech the publisher who paraphrased it; a
        publisher's own narration is what it wrote."""
        who = self.speaker.text if self.speaker else "An unnamed source"
        if self.own_words:
            return f"{who} wrote"
        if self.speech == "reported":
            by = f", as paraphrased by {self.publisher.text}" if self.publisher else ", as paraphrased"
            return f"{who} said{by}"
        return f"{who} said"

    @property
    def speech_text(self) -> str:
        """How the quote relates to the speaker's words, for the provenance line."""
        if self.own_words:
            return f"The publisher’s own text ({'quoted' if self.speech == 'direct' else 'summarised'})"
        return {"direct": "Direct speech (quoted)",
                "reported": "Reported speech (paraphrased by the publisher)"}.get(self.speech, "")


#: Licences by their IRI, as people name them.
LICENCES = {
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "http://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/": "CC BY-SA 4.0",
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
    "http://opendatacommons.org/licenses/odbl/1-0/": "ODbL 1.0",
    "https://opendatacommons.org/licenses/odbl/1-0/": "ODbL 1.0",
}

#: Words that make a name a description taking "the" in a sentence (the Republic of Armenia, the Azerbaijan Mine
#: Action Agency), first or last; other names (Armenia, News.Az) take none.
_TITLE_FIRST = {"Republic", "Kingdom", "State", "Ministry", "Office", "Government", "Armed", "Army", "Human",
                "National", "Federal", "United", "Border", "Department", "Committee", "Council"}
_TITLE_LAST = {"Agency", "Service", "Commissioner", "Ministry", "Office", "Forces", "Army", "Police", "Committee",
               "Council", "Commission", "Directorate", "Centre", "Center", "Programme", "Program", "Ombudsperson",
               "Ombudsman", "Government", "Republic"}


def in_a_sentence(name: str) -> str:
    """``name`` as it reads inside an English sentence: "the Republic of Armenia", "Armenia", "News.Az".

    >>> in_a_sentence("Republic of Armenia"), in_a_sentence("Azerbaijan Mine Action Agency (ANAMA)")
    ('the Republic of Armenia', 'the Azerbaijan Mine Action Agency (ANAMA)')
    >>> in_a_sentence("Armenia"), in_a_sentence("News.Az"), in_a_sentence("The HALO Trust")
    ('Armenia', 'News.Az', 'The HALO Trust')
    """
    words = re.sub(r"\s*\(.*?\)\s*$", "", name).split()
    if not words or words[0].lower() == "the":
        return name
    return f"the {name}" if words[0] in _TITLE_FIRST or words[-1] in _TITLE_LAST else name


class Reader:
    """Reads labels, values and links out of one description graph."""

    def __init__(self, graph: Graph, base: str) -> None:
        self.g, self.base = graph, normalise_base(base)

    # --- single values -----------------------------------------------------------------------------------
    def value(self, node: Node, predicate: URIRef) -> Node | None:
        values = sorted(self.g.objects(node, predicate), key=_lang_rank)
        return values[0] if values else None

    def text(self, node: Node, predicate: URIRef) -> str:
        value = self.value(node, predicate)
        return str(value) if value is not None else ""

    def texts(self, node: Node, predicate: URIRef) -> list[str]:
        return sorted(str(v) for v in self.g.objects(node, predicate))

    def integer(self, node: Node, predicate: URIRef) -> int | None:
        value = self.value(node, predicate)
        if isinstance(value, Literal):
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
        return None

    def label(self, node: Node) -> str:
        for predicate in (RDFS.label, SKOS.prefLabel, DCTERMS.title, SCHEMA.name, FOAF.name):
            found = self.text(node, predicate)
            if found:
                return found
        if self.has_type(node, MG.Victim):
            return self.victim_label(node)
        if str(node) in LICENCES:
            return LICENCES[str(node)]
        iri = str(node)
        short = prefixed(iri)
        if short != iri or iri.endswith(("#", "/")):  # a term as prefix:name; a vocabulary by its namespace
            return short
        return iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ") if iri.startswith("http") else iri

    def victim_label(self, node: Node) -> str:
        """A victim has no name here, by design: "Victim (killed, security forces) — <the incident>"."""
        categories = [self.label(value) for value in (self.value(node, MG.outcome), self.value(node, MG.status))
                      if value is not None]
        what = f"Victim ({', '.join(categories)})" if categories else "Victim"
        incident = self.value(node, MG.incident)
        if incident is not None and (incident, RDFS.label, None) in self.g:
            return f"{what} — {self.label(incident)}"
        return what

    def link(self, node: Node | None) -> Link | None:
        if node is None:
            return None
        iri = str(node)
        href = local_path(iri, self.base)
        return Link(href, self.label(node), iri, external=href == iri)

    def links(self, node: Node, predicate: URIRef) -> list[Link]:
        found = [self.link(o) for o in self.g.objects(node, predicate)]
        return sorted((f for f in found if f is not None), key=lambda link: link.text)

    def concept(self, node: Node, predicate: URIRef) -> Link | None:
        return self.link(self.value(node, predicate))

    def has_type(self, node: Node, cls: URIRef) -> bool:
        return (node, RDF.type, cls) in self.g

    # --- statements ----------------------------------------------------------------------------------------
    def statement(self, node: Node, number: int) -> StatementView:
        g = self.g
        doc = self.value(node, PROV.wasDerivedFrom)
        publisher = self.value(doc, DCTERMS.publisher) if doc is not None else None
        kind = next((name for cls, name in STATEMENT_KINDS.items() if (node, RDF.type, cls) in g), "statement")
        speech = self.value(node, MG.speech)
        url = self.value(doc, SCHEMA.url) if doc is not None else None
        return StatementView(
            iri=str(node), href=local_path(str(node), self.base), anchor=_anchor(str(node), number),
            label=self.label(node), kind=kind, is_claim=any((node, RDF.type, c) in g for c in CLAIM_CLASSES),
            speaker=self.link(self.value(node, PROV.wasAttributedTo)),
            speech=str(speech).rsplit("/", 1)[-1] if speech is not None else "",
            date=human_date(self.text(node, DCTERMS.date) or None),
            quotes=self.quotes(node), source=self.link(doc), publisher=self.link(publisher),
            source_url=str(url) if url is not None else "",
            issued=human_date(self.text(doc, DCTERMS.issued) or None) if doc is not None else "",
            claim=self.claim_content(node), supports=self.links(node, MG.supports),
            about=self.links(node, MG.about), notes=self.texts(node, SKOS.note),
        )

    def quotes(self, node: Node) -> list[Quote]:
        found: list[tuple[str, str]] = []
        for target in self.g.objects(node, MG.quote):
            for selector in self.g.objects(target, OA.hasSelector):
                exact = self.value(selector, OA.exact)
                if exact is not None:
                    found.append((_quote_order(str(target)), str(exact)))
        return [Quote(exact) for _, exact in sorted(found)]

    def claim_content(self, node: Node) -> list[str]:
        """What a claim says, in words; each line begins with what the source says."""
        lines: list[str] = []
        count = self.integer(node, MG["count"])
        if count is not None:
            outcomes = " or ".join(sorted(self.label(o) for o in self.g.objects(node, MG.outcome))) or "affected"
            devices = ", ".join(sorted(self.label(o) for o in self.g.objects(node, MG.explosiveOrdnanceType)))
            start, end = self.text(node, MG.periodStart), self.text(node, MG.periodEnd)
            period = (f"from {start} to {end}" if start and end else f"since {start}" if start
                      else f"until {end}" if end else "")
            area = self.value(node, MG.area)
            parts = [f"a count of {count} people {outcomes}"]
            if devices:
                parts.append(f"by {devices}")
            if period:
                parts.append(period)
            if area is not None:
                parts.append(f"in {self.label(area)}")
            lines.append(" ".join(parts))
        for party in self.g.objects(node, MG.allegedResponsibleParty):
            lines.append(f"an attribution of responsibility to {in_a_sentence(self.label(party))}")
        children = self.value(node, MG.includesChildren)
        if isinstance(children, Literal):
            lines.append("that the victims included children" if children.toPython() is True
                         else "that the victims did not include children")
        return lines

    def statements_of(self, nodes: set[Node]) -> list[StatementView]:
        ordered = sorted(nodes, key=lambda n: (not self.has_type(n, MG.IncidentReport), self.label(n), str(n)))
        return [self.statement(node, number) for number, node in enumerate(ordered, start=1)]

    # --- places --------------------------------------------------------------------------------------------
    def place_chain(self, place: Node) -> list[Link]:
        """The place, then each enclosing place up to the country (cycles stop the walk)."""
        chain: list[Link] = []
        seen: set[Node] = set()
        node: Node | None = place
        while node is not None and node not in seen:
            seen.add(node)
            link = self.link(node)
            if link is not None:
                chain.append(link)
            node = self.value(node, SCHEMA.containedInPlace)
        return chain

    def links_in(self, place: Node) -> list[Link]:
        """The places directly inside ``place`` that the description names."""
        found = [self.link(s) for s in self.g.subjects(SCHEMA.containedInPlace, place)]
        return sorted((f for f in found if f is not None), key=lambda link: link.text)

    def point(self, place: Node) -> tuple[float, float, float | None] | None:
        """(lon, lat, precision in metres) of a place's representative point."""
        for geometry in self.g.objects(place, GEO.hasGeometry):
            wkt = self.text(geometry, GEO.asWKT)
            parsed = parse_point(wkt)
            if parsed:
                precision = self.value(geometry, MG.coordinatePrecision)
                metres = float(precision) if isinstance(precision, Literal) else None
                return parsed[0], parsed[1], metres
        return None

    def identifiers(self, place: Node) -> list[Link]:
        """Links out: P-code, ISO 3166, GeoNames, Wikidata and other exact matches."""
        found: list[Link] = []
        pcode, iso = self.text(place, MG.pcode), self.text(place, MG.iso3166)
        if pcode:
            found.append(Link("", f"OCHA P-code {pcode}"))
        if iso:
            found.append(Link("", f"ISO 3166 {iso}"))
        for match in sorted(str(m) for m in self.g.objects(place, SKOS.exactMatch)):
            if "wikidata.org/entity/" in match:
                text = f"Wikidata {match.rsplit('/', 1)[-1]}"
            elif "geonames.org/" in match:
                text = f"GeoNames {match.rstrip('/').rsplit('/', 1)[-1]}"
            else:
                text = match
            found.append(Link(match, text, match, external=True))
        return found


#: The prefixes names are shown with: the queries' own, and the vocabularies the dataset description uses.
SHOWN_PREFIXES = sorted({**PREFIXES, "qb": str(QB), "foaf": str(FOAF), "vann": str(VANN), "sd": str(SD)}.items(),
                        key=lambda item: -len(item[1]))


def prefixed(iri: str) -> str:
    """``http://www.w3.org/2002/07/owl#Class`` -> ``owl:Class`` for the namespaces of :data:`SHOWN_PREFIXES`."""
    for prefix, namespace in SHOWN_PREFIXES:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _anchor(iri: str, number: int) -> str:
    tail = iri.rstrip("/").rsplit("/", 1)[-1]
    return f"statement-{tail}" if tail.isalnum() else f"statement-{number}"


def _lang_rank(node: Node) -> tuple[int, str]:
    if isinstance(node, Literal):
        return ({"en": 0, None: 1}.get(node.language, 2), str(node))
    return (0, str(node))


def _quote_order(iri: str) -> str:
    tail = iri.rsplit("-", 1)[-1]
    return tail.zfill(6) if tail.isdigit() else iri


def date_text(reader: Reader, incident: Node) -> dict[str, Any]:
    """When, with its precision, read from an incident of the description."""
    precision_node = reader.value(incident, MG.datePrecision)
    when = reader.value(incident, TIME.hasTime)
    parts = [_number(reader.text(when, p)) if when is not None else None for p in (TIME.year, TIME.month, TIME.day)]
    out = when_text(reader.text(incident, MG.earliestDate), reader.text(incident, MG.latestDate),
                    str(precision_node) if precision_node is not None else "", *parts)
    out.update(precision=reader.link(precision_node), reported=reader.text(incident, MG.dateAsReported),
               note=reader.text(incident, MG.dateNote))
    return out


def when_text(earliest: str, latest: str, precision: str, year: int | None = None, month: int | None = None,
              day: int | None = None) -> dict[str, Any]:
    """``6 April, year not stated — between 6 April 2020 and 6 April 2026`` and its parts.

    >>> when_text("2020-04-06", "2026-04-06", "https://w3id.org/minegraph/concept/date-precision/day-unknown-year",
    ...           None, 4, 6)["text"]
    '6 April, year not stated — between 6 April 2020 and 6 April 2026'
    >>> when_text("2024-05-01", "2024-05-01", "")["text"]
    '1 May 2024'
    """
    precision = precision.rsplit("/", 1)[-1]
    span = (f"between {human_date(earliest)} and {human_date(latest)}" if earliest and latest and earliest != latest
            else "")
    if precision == "day" or (earliest and earliest == latest):
        headline = human_date(earliest)
    elif precision == "day-unknown-year" and day and month:
        headline = f"{day} {MONTHS[month - 1]}, year not stated"
    elif precision == "month" and month and year:
        headline = f"{MONTHS[month - 1]} {year}, day not stated"
    elif precision == "year" and year:
        headline = f"{year}, day and month not stated"
    else:
        headline = "date not stated"
    return {"headline": headline, "span": span, "earliest": earliest, "latest": latest,
            "text": f"{headline} — {span}" if span else headline}


def _number(text: str) -> int | None:
    digits = text.lstrip("-")
    return int(digits) if digits.isdigit() else None


def homepage(reader: Reader, node: Node) -> str:
    value = reader.value(node, FOAF.homepage)
    return str(value) if value is not None else ""
