"""Helpers for the page tests: a bounded description like the one the dereferencing module builds, and a
stand-in ``/doc`` route used when that module is not wired into the app.

The description follows docs/model.md and issue 4: the thing, its fragments, what it points to (victims,
statements with their quotes, documents, speakers, places up to the country with geometry), the statements
that point at it, and the labels of everything named.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, TIME

from minegraph.core.vocab import GEO, MG, OA, SCHEMA, check_key, thing_iri

FOLLOW = {MG.victim, MG.supportedBy, MG.quote, OA.hasSelector, PROV.wasDerivedFrom, MG.place,
          SCHEMA.containedInPlace, GEO.hasGeometry, TIME.hasTime, MG.area, MG.allegedResponsibleParty,
          PROV.wasAttributedTo, DCTERMS.publisher, MG.incident}
STATEMENT_CLASSES = {MG.IncidentReport, MG.AggregateClaim, MG.ResponsibilityClaim, MG.VictimProfileClaim}


def describe(union: Graph, iri: str) -> Graph:
    root = URIRef(iri)
    out = Graph()
    for prefix, namespace in union.namespaces():
        out.bind(prefix, namespace)
    seen: set[URIRef] = set()
    todo = [root]

    def expand(node: URIRef) -> None:
        if node not in seen:
            seen.add(node)
            todo.append(node)

    for subject, predicate, _ in union.triples((None, None, root)):
        out.add((subject, predicate, root))
        if isinstance(subject, URIRef) and any((subject, RDF.type, c) in union for c in STATEMENT_CLASSES):
            expand(subject)
    # statements about this thing's victims too
    for victim in union.objects(root, MG.victim):
        for statement in union.subjects(MG.supports, victim):
            expand(statement)  # type: ignore[arg-type]
    seen.add(root)
    while todo:
        node = todo.pop()
        for predicate, value in union.predicate_objects(node):
            out.add((node, predicate, value))
            if isinstance(value, URIRef) and (predicate in FOLLOW or str(value).startswith(str(node) + "#")):
                expand(value)
    for node in {n for triple in out for n in triple if isinstance(n, URIRef)}:
        for predicate in (RDFS.label, SKOS.prefLabel, DCTERMS.title, RDF.type):
            for value in union.objects(node, predicate):
                out.add((node, predicate, value))
    return out


def union_graph(store_path: str) -> Graph:
    """Every triple of every graph of the store at ``store_path``, as one rdflib graph."""
    from pyoxigraph import RdfFormat, Store, serialize

    store = Store.read_only(store_path)
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    data = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    del store
    return Graph().parse(data=data.decode(), format="nt")


class Release:
    def __init__(self, number: int, date: str, releases: list[int]) -> None:
        self.number, self.date, self.releases = number, date, releases


def stand_in_docs(union: Graph) -> Blueprint:
    """``/doc/{kind}/{key}`` and ``/id/...`` rendering pages through :mod:`minegraph.web.pages` (tests only)."""
    from minegraph.web.pages import render_not_found, render_resource

    blueprint = Blueprint("stand_in_docs", __name__)

    @blueprint.get("/id/<kind>/<key>")
    @blueprint.get("/doc/<kind>/<key>")
    def doc(kind: str, key: str) -> Response:
        base = current_app.extensions["minegraph"].settings.base_uri
        key = key.removesuffix(".html")
        iri = thing_iri(base, kind, key)
        if (iri, None, None) not in union:
            message = "" if check_key(key) else "The check character of this key is wrong: the key was mistyped."
            return Response(render_not_found(request.path, message, [], base), 404, mimetype="text/html")
        release = Release(2, "2026-12-01", [1, 2]) if request.args.get("release") else None
        alternates = [(f"/doc/{kind}/{key}.{ext}", media, ext) for ext, media in (
            ("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples"),
            ("rdf", "application/rdf+xml"))]
        html = render_resource(kind, str(iri), describe(union, str(iri)), release=release, alternates=alternates,
                               base=base)
        return Response(html, 200, mimetype="text/html")

    return blueprint


def add_stand_in(app: Flask, union: Graph) -> None:
    """Register the stand-in unless a real ``/doc`` route exists."""
    if any(str(rule).startswith("/doc/") for rule in app.url_map.iter_rules()):
        return
    app.register_blueprint(stand_in_docs(union))
