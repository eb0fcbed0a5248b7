"""One view model per kind of page: incident, victim, place, source, statement, agent, and a generic one.

Each function takes a :class:`~minegraph.web.views.Reader` over the bounded description and the node the
page is about, and returns a dict for the kind's template.
"""

from __future__ import annotations

from typing import Any

import pycountry
from markupsafe import Markup
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS
from rdflib.term import Node

from minegraph.core.vocab import MG, SCHEMA, VOID
from minegraph.web.mapsvg import MapPoint, locator_map
from minegraph.web.views import Link, Reader, date_text, homepage, human_date, in_a_sentence, local_path, prefixed

MG_NS = str(MG)


def _mg(name: str) -> URIRef:
    return URIRef(MG_NS + name)


VICTIM_FIELDS = (("Outcome", "outcome"), ("Status", "status"), ("Sex", "sex"), ("Age band", "ageBand"),
                 ("Activity", "activity"))


def incident(r: Reader, node: Node) -> dict[str, Any]:
    g = r.g
    supporting = set(g.objects(node, _mg("supportedBy"))) | set(g.subjects(_mg("supports"), node))
    about = set(g.subjects(_mg("about"), node))
    statements = r.statements_of(supporting | about)
    by_iri = {s.iri: s for s in statements}
    reports = [s for s in statements if s.iri in {str(n) for n in supporting} and not s.is_claim]
    claims = [s for s in statements if s not in reports]
    place = r.value(node, _mg("place"))
    victims = [victim_summary(r, v, by_iri) for v in sorted(g.objects(node, _mg("victim")), key=str)]
    # Killed and injured are shown apart, "not stated" when absent (a count no source gave is not 0); the other
    # facts are shown when present.
    facts = [
        ("Event type", r.concept(node, _mg("eventType"))),
        ("Explosive ordnance", r.concept(node, _mg("explosiveOrdnanceType"))),
        ("Context", r.concept(node, _mg("context"))),
    ]
    return {
        "date": date_text(r, node),
        "place_chain": r.place_chain(place) if place is not None else [],
        "place_ids": r.identifiers(place) if place is not None else [],
        "place_as_reported": r.text(node, _mg("placeAsReported")),
        "map": _map(r, place),
        "killed": r.integer(node, _mg("killedCount")),
        "injured": r.integer(node, _mg("injuredCount")),
        "facts": [(name, value) for name, value in facts if value is not None],
        "reports": reports,
        "claims": claims,
        "victims": victims,
        "notes": r.texts(node, SKOS.note),
    }


def victim_summary(r: Reader, node: Node, statements: dict[str, Any] | None = None) -> dict[str, Any]:
    categories = [(name, r.concept(node, _mg(prop))) for name, prop in VICTIM_FIELDS]
    supported = sorted({str(s) for s in r.g.objects(node, _mg("supportedBy"))}
                       | {str(s) for s in r.g.subjects(_mg("supports"), node)})
    return {
        "link": r.link(node),
        "categories": [(name, value) for name, value in categories if value is not None],
        "notes": r.texts(node, SKOS.note),
        "statements": [statements[s] for s in supported if statements and s in statements],
    }


def victim(r: Reader, node: Node) -> dict[str, Any]:
    supporting = set(r.g.objects(node, _mg("supportedBy"))) | set(r.g.subjects(_mg("supports"), node))
    statements = r.statements_of(supporting)
    return {"victim": victim_summary(r, node), "incident": r.link(r.value(node, _mg("incident"))),
            "reports": statements, "claims": []}


def language_of(tag: str | None) -> tuple[str, str]:
    """A name's language: its tag (for ``lang=``) and its English name for a reader (``az`` -> Azerbaijani);
    nothing for no tag or ``und`` (undetermined), which a reader would take for a word."""
    if not tag or tag.lower() == "und":
        return "", ""
    code = tag.split("-")[0].lower()
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    return tag, (found.name if found else tag)


def place(r: Reader, node: Node) -> dict[str, Any]:
    g = r.g
    names = sorted({(str(n), *language_of(n.language)) for n in g.objects(node, SKOS.altLabel)
                    if isinstance(n, Literal)}, key=lambda name: (name[2], name[0]))
    incidents = sorted((r.link(i) for i in g.subjects(_mg("place"), node)), key=lambda link: link.text if link else "")
    claims = r.statements_of(set(g.subjects(_mg("about"), node)) | set(g.subjects(_mg("area"), node)))
    level = r.integer(node, _mg("adminLevel"))
    return {
        "chain": r.place_chain(node)[1:],
        "level": {0: "country", 1: "first-level administrative area", 2: "second-level administrative area",
                  3: "settlement"}.get(level, "") if level is not None else "",
        "names": names,
        "ids": r.identifiers(node),
        "map": _map(r, node),
        "children": r.links_in(node),
        "incidents": [i for i in incidents if i],
        "claims": claims,
    }


def source(r: Reader, node: Node) -> dict[str, Any]:
    statements = r.statements_of(set(r.g.subjects(PROV.wasDerivedFrom, node)))
    url = r.value(node, SCHEMA["url"])
    licence = r.value(node, DCTERMS.license)
    return {
        "publisher": r.concept(node, DCTERMS.publisher),
        "type": r.concept(node, DCTERMS.type),
        "url": str(url) if url is not None else "",
        "issued": human_date(r.text(node, DCTERMS.issued) or None),
        "retrieved": human_date(r.text(node, _mg("retrieved")) or None),
        "language": language_of(r.text(node, DCTERMS.language))[1],
        "sha256": r.text(node, _mg("sha256")),
        "licence": str(licence) if licence is not None else "",
        "notes": r.texts(node, SKOS.note),
        "statements": statements,
    }


#: How many of the things a statement supports or is about its page lists (a table's statement supports each row).
SHOWN_REFERENCES = 100


def statement(r: Reader, node: Node) -> dict[str, Any]:
    return {"statement": r.statement(node, 1), "shown": SHOWN_REFERENCES, "mg": MG_NS}


def agent(r: Reader, node: Node) -> dict[str, Any]:
    g = r.g
    said = r.statements_of(set(g.subjects(PROV.wasAttributedTo, node)))
    named = r.statements_of(set(g.subjects(_mg("allegedResponsibleParty"), node)))
    published = sorted((link for link in (r.link(d) for d in g.subjects(DCTERMS.publisher, node)) if link),
                       key=lambda link: link.text)
    return {
        "in_a_sentence": in_a_sentence(r.label(node)),
        "definition": r.text(node, SKOS.definition),
        "homepage": homepage(r, node),
        "ids": r.identifiers(node),
        "said": said,
        "named": named,
        "published": published,
    }


def generic(r: Reader, node: Node) -> dict[str, Any]:
    """Every property of the node with labelled values: for concepts, terms and anything else."""
    rows: dict[str, list[Link | str]] = {}
    for predicate, value in sorted(r.g.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
        name = r.label(predicate) if (predicate, RDFS.label, None) in r.g else prefixed(str(predicate))
        shown: Link | str | None = _partition(r, value) or (r.link(value) if isinstance(value, URIRef) else str(value))
        if shown is not None:
            rows.setdefault(name, []).append(shown)
    for values in rows.values():
        values.sort(key=lambda value: value.text if isinstance(value, Link) else value)
    return {
        "definition": r.text(node, SKOS.definition) or r.text(node, RDFS.comment),
        "types": [link for link in (r.link(t) for t in r.g.objects(node, RDF.type)) if link],
        "rows": sorted(rows.items()),
    }


def _partition(r: Reader, node: Node) -> Link | None:
    """A VoID partition or linkset of a dataset description, in words: "mg:Incident: 3 things", "mg:about: 12
    triples", "links to Wikidata by skos:exactMatch: 4 triples" (their IRIs are the dataset's hash nodes)."""
    for about, count, unit in ((VOID["class"], VOID.entities, "things"), (VOID.property, VOID.triples, "triples")):
        target = r.value(node, about)
        if target is not None:
            text = f"{prefixed(str(target))}: {r.text(node, count) or '?'} {unit}"
            return Link(local_path(str(target), r.base), text, str(target))
    if r.has_type(node, VOID.Linkset):
        target = r.value(node, VOID.objectsTarget)
        name = str(target).rsplit("#", 1)[-1].replace("-", " ").title() if target is not None else "elsewhere"
        predicate = r.value(node, VOID.linkPredicate)
        by = f" by {prefixed(str(predicate))}" if predicate is not None else ""
        return Link("", f"links to {name}{by}: {r.text(node, VOID.triples) or '?'} triples")
    return None


def _map(r: Reader, node: Node | None) -> dict[str, Any]:
    """An inline SVG of the place's representative point on the country outlines (``svg``, "" when neither the
    place nor any place containing it has coordinates), the name of the place whose point it is (``drawn``), the
    place's own name (``place``), and whether the point is the place's own (``own``): a settlement without
    coordinates is drawn at the point of the nearest place containing it, and the caption says so."""
    if node is None:
        return {"svg": "", "drawn": "", "place": "", "own": True}
    chain = r.place_chain(node)
    point = r.point(node)
    source = node
    if point is None:  # fall back to the nearest enclosing place with a point
        for link in chain[1:]:
            point = r.point(URIRef(link.iri))
            if point is not None:
                source = URIRef(link.iri)
                break
    if point is None:
        return {"svg": "", "drawn": "", "place": r.label(node), "own": True}
    lon, lat, precision = point
    country = chain[-1].text if chain else ""
    svg: Markup = locator_map(MapPoint(lon, lat, r.label(source), precision), country=country)
    return {"svg": svg, "drawn": r.label(source), "place": r.label(node), "own": source == node,
            "precision": precision}
