"""Dereferencing through the Flask app: 303s, negotiation, validators, 404 help, tombstones, releases, VoID, DCAT.

One module-scoped world: the store built from data/, release 1 cut, then one incident merged into another,
one withdrawn, one victim removed from the data without a tombstone, and release 2 cut.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from minegraph.core.settings import Settings
from minegraph.core.vocab import MG, MGC, OA, VOID, mint_key
from tests.conftest import BASE, DATA, listed_for_redaction

KEEP, DROP, GONE = "k318zecnq29", "j044rzcgyy3", "78ft77tf9p2"
REMOVED_VICTIM = "w45k53g9m9x"
SAMPLES = {  # one thing of every kind (the place is looked up: the place of KEEP)
    "incident": KEEP, "victim": "x2j252khg5g", "place": "", "statement": "7ewwn8h2m1r",
    "source": "x7cbn16a1kt", "agent": "bpcp98hvqev",
}
EXTENSIONS = {"html": "text/html", "ttl": "text/turtle", "jsonld": "application/ld+json",
              "nt": "application/n-triples", "rdf": "application/rdf+xml"}
RDFLIB = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}


@dataclass
class World:
    app: Flask
    client: FlaskClient
    settings: Settings
    release1: dict[str, bytes]


def cut(settings: Settings, app: Flask) -> int:
    from minegraph.publish.releases import cut_release
    from minegraph.store.embedded import EmbeddedStore
    from minegraph.store.tombstones import now
    from minegraph.web.resource_html import resource

    handle = EmbeddedStore(settings.store, read_only=True)
    try:
        with app.test_request_context("/"):
            return cut_release(settings, handle, resource, issued=now()).number
    finally:
        handle.close()


@pytest.fixture(scope="module")
def world(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from minegraph.cli.release import write_tombstone
    from minegraph.store.embedded import EmbeddedStore
    from minegraph.store.tombstones import MERGED, WITHDRAWN, Tombstone, now
    from minegraph.web import create_app

    root = tmp_path_factory.mktemp("resources")
    shutil.copytree(built_settings.store, root / "store")
    settings = Settings(store=root / "store", data_dir=DATA, base_uri=BASE)
    store = EmbeddedStore(settings.store, read_only=True)
    rows = list(store.query(f"SELECT ?p WHERE {{ <{BASE}id/incident/{KEEP}> <{MG.place}> ?p }}"))
    SAMPLES["place"] = rows[0]["p"].value.rsplit("/", 1)[1]  # type: ignore[index, union-attr]
    store.close()
    app = create_app(settings, {"QUERY_WORKERS": 2, "TESTING": True})
    assert cut(settings, app) == 1
    archive = root / "releases" / "1"
    import sqlite3

    with sqlite3.connect(archive / "documents.sqlite") as db:
        release1 = {path: bytes(body) for path, body in db.execute("SELECT path, body FROM documents")}
    write_tombstone(settings, Tombstone(f"{BASE}id/incident/{DROP}", MERGED, "the same explosion", now(),
                                       f"{BASE}id/incident/{KEEP}"))
    write_tombstone(settings, Tombstone(f"{BASE}id/incident/{GONE}", WITHDRAWN, "recorded in error", now()))
    store = EmbeddedStore(settings.store)  # a victim disappears from the data without a tombstone (a raw edit)
    victim = f"<{BASE}id/victim/{REMOVED_VICTIM}>"
    store.apply_update(f"DELETE WHERE {{ GRAPH ?g {{ {victim} ?p ?o }} }}; "
                       f"DELETE WHERE {{ GRAPH ?g {{ ?s ?p {victim} }} }}")
    store.close()
    assert cut(settings, app) == 2
    yield World(app, app.test_client(), settings, release1)
    app.extensions["minegraph"].close()


def get(world: World, path: str, accept: str | None = None, **headers: str):  # type: ignore[no-untyped-def]
    if accept is not None:
        headers["Accept"] = accept
    reply = world.client.get(path, headers=headers)
    reply.get_data()  # read the body, then release the file behind a streamed answer
    reply.close()
    return reply


def parse(body: bytes, extension: str) -> Graph:
    """An rdflib graph of a document (JSON-LD is read by pyoxigraph: rdflib's reader warns)."""
    if extension == "jsonld":
        from pyoxigraph import RdfFormat, serialize
        from pyoxigraph import parse as ox_parse

        body = serialize(ox_parse(body, format=RdfFormat.JSON_LD), format=RdfFormat.N_TRIPLES) or b""
        extension = "nt"
    return Graph().parse(data=body, format=RDFLIB[extension])


# --- /id and /doc for every kind -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", SAMPLES)
def test_id_answers_303_to_the_document(world: World, kind: str) -> None:
    key = SAMPLES[kind]
    reply = get(world, f"/id/{kind}/{key}", "text/turtle")
    assert reply.status_code == 303
    assert reply.headers["Location"] == f"/doc/{kind}/{key}"
    assert "Accept" in reply.headers["Vary"]


@pytest.mark.parametrize("kind", SAMPLES)
@pytest.mark.parametrize("extension", EXTENSIONS)
def test_every_kind_in_every_format(world: World, kind: str, extension: str) -> None:
    key = SAMPLES[kind]
    reply = get(world, f"/doc/{kind}/{key}.{extension}")
    assert reply.status_code == 200
    assert reply.mimetype == EXTENSIONS[extension]
    assert reply.headers["ETag"] and reply.headers["Last-Modified"]
    links = reply.headers["Link"]
    for ext, media in EXTENSIONS.items():
        assert f'</doc/{kind}/{key}.{ext}>; rel="alternate"; type="{media}"' in links
    iri = URIRef(f"{BASE}id/{kind}/{key}")
    if extension == "html":
        assert str(iri) in reply.get_data(as_text=True)
    else:
        assert (iri, None, None) in parse(reply.data, extension)


@pytest.mark.parametrize(("accept", "extension"), [
    (None, "ttl"),
    ("*/*", "ttl"),
    ("text/html", "html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
    ("application/ld+json", "jsonld"),
    ("application/rdf+xml;q=0.9, text/turtle;q=0.8", "rdf"),
    ("text/html;q=0.5, application/n-triples", "nt"),
    ("text/turtle;q=0, */*;q=0.5", "jsonld"),
    ("application/json", "jsonld"),
])
@pytest.mark.parametrize("kind", ["incident", "place"])
def test_negotiation_with_q_values(world: World, kind: str, accept: str | None, extension: str) -> None:
    key = SAMPLES[kind]
    reply = get(world, f"/doc/{kind}/{key}", accept)
    assert reply.status_code == 200
    assert reply.mimetype == EXTENSIONS[extension]
    assert reply.headers["Content-Location"] == f"/doc/{kind}/{key}.{extension}"
    assert "Accept" in reply.headers["Vary"]
    assert reply.headers["Link"].count('rel="alternate"') == 5
    fixed = get(world, f"/doc/{kind}/{key}.{extension}")
    assert fixed.data == reply.data and fixed.headers["ETag"] == reply.headers["ETag"]


def test_format_parameter_overrides_accept(world: World) -> None:
    reply = get(world, f"/doc/incident/{KEEP}?format=jsonld", "text/html")
    assert reply.mimetype == "application/ld+json"
    assert reply.headers["Content-Location"] == f"/doc/incident/{KEEP}.jsonld"
    assert get(world, f"/doc/incident/{KEEP}?format=text/turtle", "text/html").mimetype == "text/turtle"
    assert get(world, f"/doc/incident/{KEEP}?format=bogus").status_code == 406
    redirect = get(world, f"/id/incident/{KEEP}?format=nt")
    assert redirect.headers["Location"] == f"/doc/incident/{KEEP}?format=nt"


def test_nothing_acceptable_is_406_with_the_alternatives(world: World) -> None:
    reply = get(world, f"/doc/incident/{KEEP}", "image/png")
    assert reply.status_code == 406
    assert "text/turtle" in reply.get_data(as_text=True)
    assert reply.headers["Link"].count('rel="alternate"') == 5


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_revalidation_answers_304(world: World, extension: str) -> None:
    path = f"/doc/incident/{KEEP}.{extension}"
    first = get(world, path)
    assert get(world, path, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert get(world, path, **{"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    assert get(world, path, **{"If-None-Match": '"something-else"'}).status_code == 200
    negotiated = get(world, f"/doc/incident/{KEEP}", EXTENSIONS[extension],
                     **{"If-None-Match": first.headers["ETag"]})
    assert negotiated.status_code == 304


def test_request_paths_map_onto_the_canonical_base(world: World) -> None:
    reply = world.client.get(f"/doc/incident/{KEEP}.ttl", base_url="http://127.0.0.1:8080")
    reply.close()
    graph = parse(reply.data, "ttl")
    assert (URIRef(f"{BASE}id/incident/{KEEP}"), RDF.type, MG.Incident) in graph
    assert not any("127.0.0.1" in str(term) for triple in graph for term in triple)


# --- bounded descriptions ---------------------------------------------------------------------------------

def test_an_incident_document_stands_alone(world: World) -> None:
    graph = parse(get(world, f"/doc/incident/{KEEP}.ttl").data, "ttl")
    incident = URIRef(f"{BASE}id/incident/{KEEP}")
    victims = list(graph.objects(incident, MG.victim))
    assert victims and all((v, MG.outcome, None) in graph and (v, MG.status, None) in graph for v in victims)
    statements = set(graph.objects(incident, MG.supportedBy))
    assert statements
    for statement in statements:
        quote = URIRef(f"{statement}#quote-1")
        assert (statement, MG.quote, quote) in graph
        assert (URIRef(f"{quote}-text"), OA.exact, None) in graph
        assert (URIRef(f"{quote}-position"), OA.start, None) in graph
        source = graph.value(statement, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
        speaker = graph.value(statement, URIRef("http://www.w3.org/ns/prov#wasAttributedTo"))
        assert (source, URIRef("http://purl.org/dc/terms/title"), None) in graph
        assert (speaker, RDFS.label, None) in graph
    place = graph.value(incident, MG.place)
    parent = graph.value(place, URIRef("http://schema.org/containedInPlace"))
    assert (parent, RDFS.label, None) in graph
    assert (place, URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"), None) in graph
    assert (URIRef(f"{incident}#date"), RDF.type, None) in graph
    device = graph.value(incident, MG.explosiveOrdnanceType)
    assert (device, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), None) in graph
    doc = URIRef(f"{BASE}doc/incident/{KEEP}")
    assert (doc, URIRef("http://xmlns.com/foaf/0.1/primaryTopic"), incident) in graph


def test_a_place_document_lists_what_happened_there(world: World) -> None:
    graph = parse(get(world, f"/doc/place/{SAMPLES['place']}.ttl").data, "ttl")
    place = URIRef(f"{BASE}id/place/{SAMPLES['place']}")
    assert (place, RDF.type, MG.Place) in graph
    assert any((s, RDFS.label, None) in graph for s in graph.subjects(MG.place, place)) or \
        any(graph.subjects(URIRef("http://schema.org/containedInPlace"), place))


# --- 404 that helps ---------------------------------------------------------------------------------------

def test_wrong_check_character_is_404_saying_so(world: World) -> None:
    wrong = KEEP[:-1] + ("a" if KEEP[-1] != "a" else "b")
    reply = get(world, f"/doc/incident/{wrong}")
    text = reply.get_data(as_text=True)
    assert reply.status_code == 404
    assert "check character" in text
    assert f"{BASE}id/incident/{KEEP}" in text
    page = get(world, f"/id/incident/{wrong}", "text/html")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "check character" in page.get_data(as_text=True)
    assert f"/id/incident/{KEEP}" in page.get_data(as_text=True)


def test_a_typo_in_the_body_is_caught_and_corrected(world: World) -> None:
    typo = "7" + KEEP[1:]  # one substitution: the check character no longer matches
    reply = get(world, f"/id/incident/{typo}")
    assert reply.status_code == 404 and f"{BASE}id/incident/{KEEP}" in reply.get_data(as_text=True)


def test_normalised_keys_are_suggested(world: World) -> None:
    reply = get(world, f"/doc/incident/{KEEP.upper()}")
    assert reply.status_code == 404
    assert f"{BASE}id/incident/{KEEP}" in reply.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/doc/incident/abc", f"/doc/widget/{KEEP}", f"/doc/incident/{KEEP}.exe", "/id/incident/%3E%20%7D%20x",
    "/doc/incident/k318zecnq29%3E", f"/doc/incident/{mint_key('incident', 'never', 'published')}",
])
def test_never_published_is_404(world: World, path: str) -> None:
    reply = get(world, path)
    assert reply.status_code == 404
    assert reply.get_data(as_text=True).strip()


def test_right_key_wrong_kind_is_suggested(world: World) -> None:
    reply = get(world, f"/doc/place/{KEEP}")
    assert reply.status_code == 404 and f"{BASE}id/incident/{KEEP}" in reply.get_data(as_text=True)


# --- tombstones -------------------------------------------------------------------------------------------

def test_merged_answers_301_to_the_survivor(world: World) -> None:
    assert get(world, f"/id/incident/{DROP}").headers["Location"] == f"/id/incident/{KEEP}"
    assert get(world, f"/id/incident/{DROP}").status_code == 301
    for suffix in ("", ".ttl", ".html"):
        reply = get(world, f"/doc/incident/{DROP}{suffix}")
        assert reply.status_code == 301
        assert reply.headers["Location"] == f"/doc/incident/{KEEP}{suffix}"


@pytest.mark.parametrize("path", [f"/id/incident/{GONE}", f"/doc/incident/{GONE}", f"/doc/incident/{GONE}.ttl"])
def test_withdrawn_answers_410_with_the_reason_in_rdf(world: World, path: str) -> None:
    reply = get(world, path, "text/turtle")
    assert reply.status_code == 410 and reply.mimetype == "text/turtle"
    graph = parse(reply.data, "ttl")
    assert (URIRef(f"{BASE}id/incident/{GONE}"), MG.withdrawnReason, Literal("recorded in error", lang="en")) in graph


def test_withdrawn_answers_410_with_the_reason_in_html(world: World) -> None:
    for reply in (get(world, f"/doc/incident/{GONE}.html"), get(world, f"/id/incident/{GONE}", "text/html")):
        assert reply.status_code == 410 and reply.mimetype == "text/html"
        assert "recorded in error" in reply.get_data(as_text=True)


def test_gone_from_the_data_is_410_pointing_at_the_release(world: World) -> None:
    reply = get(world, f"/doc/victim/{REMOVED_VICTIM}.html")
    assert reply.status_code == 410
    assert "release 1" in reply.get_data(as_text=True)
    assert get(world, f"/id/victim/{REMOVED_VICTIM}").status_code == 410
    graph = parse(get(world, f"/doc/victim/{REMOVED_VICTIM}.ttl").data, "ttl")
    assert (None, RDFS.seeAlso, URIRef(f"{BASE}release/1/doc/victim/{REMOVED_VICTIM}")) in graph


def test_published_by_a_build_only_is_never_404(world: World) -> None:
    from minegraph.publish.releases import Releases
    from minegraph.store.registry import releases_dir

    iri = f"{BASE}id/incident/{mint_key('incident', 'built', 'then-removed')}"
    Releases(releases_dir(world.settings)).registry().record([(iri, "incident", "an incident")], "2025-01-01")
    reply = get(world, iri.replace(BASE, "/").replace("/id/", "/doc/") + ".html")
    assert reply.status_code == 410 and "no longer in the current data" in reply.get_data(as_text=True)


# --- the vocabulary ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "iri"), [
    ("/def/Incident", MG.Incident), ("/def/killedCount", MG.killedCount),
    ("/concept/outcome/killed", MGC["outcome/killed"]), ("/concept/outcome", MGC.outcome),
    ("/def/", None), ("/concept/", None),
])
@pytest.mark.parametrize(("accept", "extension"), [("text/html", "html"), (None, "ttl"),
                                                   ("application/rdf+xml", "rdf")])
def test_vocabulary_follows_the_recipes(world: World, path: str, iri: URIRef | None, accept: str | None,
                                        extension: str) -> None:
    reply = get(world, path, accept)
    assert reply.status_code == 303 and "Accept" in reply.headers["Vary"]
    stem = path if not path.endswith("/") else path + "index"
    assert reply.headers["Location"] == f"{stem}.{extension}"
    document = get(world, reply.headers["Location"])
    assert document.status_code == 200 and document.mimetype == EXTENSIONS[extension]
    if iri is not None and extension != "html":
        assert (iri, None, None) in parse(document.data, extension)


def test_unknown_terms_are_404(world: World) -> None:
    assert get(world, "/def/NoSuchTerm").status_code == 404
    assert get(world, "/def/NoSuchTerm.ttl").status_code == 404
    assert get(world, "/concept/outcome/exploded").status_code == 404
    assert get(world, "/def/bad%20term").status_code == 404


# --- releases ---------------------------------------------------------------------------------------------

def test_release_documents_are_exactly_what_was_released(world: World) -> None:
    assert len(world.release1) > 100
    for path, body in world.release1.items():
        reply = get(world, f"/release/1/{path}")
        assert reply.status_code == 200, path
        assert reply.data == body, path
        assert "immutable" in reply.headers["Cache-Control"]
    withdrawn = f"doc/incident/{GONE}.ttl"
    assert withdrawn in world.release1
    assert get(world, f"/release/2/{withdrawn}").status_code == 404


def test_release_pages_say_which_release_they_show(world: World) -> None:
    text = world.release1[f"doc/incident/{KEEP}.html"].decode()
    assert "1" in text and "elease" in text
    graph = parse(world.release1[f"doc/incident/{KEEP}.ttl"], "ttl")
    doc = URIRef(f"{BASE}release/1/doc/incident/{KEEP}")
    assert (doc, URIRef("http://purl.org/dc/terms/isVersionOf"), URIRef(f"{BASE}doc/incident/{KEEP}")) in graph


def test_release_document_negotiation_and_revalidation(world: World) -> None:
    reply = get(world, f"/release/1/doc/incident/{KEEP}", "application/ld+json")
    assert reply.mimetype == "application/ld+json"
    assert reply.headers["Content-Location"] == f"/release/1/doc/incident/{KEEP}.jsonld"
    assert get(world, f"/release/1/doc/incident/{KEEP}.jsonld",
               **{"If-None-Match": reply.headers["ETag"]}).status_code == 304


def test_release_files_and_checksums(world: World) -> None:
    sums = get(world, "/release/1/SHA256SUMS").get_data(as_text=True)
    archive = Path(world.settings.store).parent / "releases" / "1"
    for line in sums.splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((archive / name).read_bytes()).hexdigest() == digest
    dump = get(world, "/release/1/minegraph-1.nq")
    assert dump.status_code == 200 and dump.mimetype == "application/n-quads"
    assert get(world, "/release/1/minegraph-1.ttl").mimetype == "text/turtle"
    assert get(world, "/release/1/documents.sqlite").status_code == 404
    assert get(world, "/release/9/").status_code == 404
    assert get(world, "/release/1/").status_code == 200
    assert "/release/2/" in get(world, "/release/").get_data(as_text=True)


# --- VoID and DCAT ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("extension", ["ttl", "jsonld", "nt", "rdf"])
def test_void(world: World, extension: str) -> None:
    reply = get(world, "/.well-known/void", EXTENSIONS[extension])
    assert reply.status_code == 200 and "Accept" in reply.headers["Vary"]
    graph = parse(reply.data, extension)
    dataset = URIRef(f"{BASE}dataset")
    assert (dataset, VOID.sparqlEndpoint, URIRef(f"{BASE}sparql")) in graph
    assert (dataset, VOID.dataDump, URIRef(f"{BASE}release/2/minegraph-2.nq")) in graph
    incidents = [p for p in graph.objects(dataset, VOID.classPartition) if (p, VOID["class"], MG.Incident) in graph]
    # three incidents in data/, one merged into KEEP and one withdrawn: only KEEP is counted
    assert incidents and graph.value(incidents[0], VOID.entities).toPython() == 1
    assert any(graph.objects(dataset, VOID.propertyPartition))
    wikidata = URIRef(f"{BASE}dataset#linkset-wikidata")
    assert (wikidata, RDF.type, VOID.Linkset) in graph and graph.value(wikidata, VOID.triples).toPython() > 0


def test_dcat_lists_every_release_with_checksums(world: World) -> None:
    from rdflib import Namespace

    dcat, spdx = Namespace("http://www.w3.org/ns/dcat#"), Namespace("http://spdx.org/rdf/terms#")
    graph = parse(get(world, "/catalog", "text/turtle").data, "ttl")
    dataset = URIRef(f"{BASE}dataset")
    assert (URIRef(f"{BASE}catalog"), dcat.dataset, dataset) in graph
    assert (dataset, URIRef("http://purl.org/dc/terms/license"), None) in graph
    archive = Path(world.settings.store).parent / "releases"
    for number in (1, 2):
        assert (dataset, dcat.hasVersion, URIRef(f"{BASE}release/{number}/dataset")) in graph
        dump = URIRef(f"{BASE}release/{number}/minegraph-{number}.nq")
        checksum = graph.value(graph.value(dump, spdx.checksum), spdx.checksumValue)
        data = (archive / str(number) / f"minegraph-{number}.nq").read_bytes()
        assert str(checksum) == hashlib.sha256(data).hexdigest()
    assert get(world, "/catalog", "text/html").mimetype == "text/html"


# --- privacy ----------------------------------------------------------------------------------------------

def test_no_public_document_names_a_victim(world: World) -> None:
    listed = listed_for_redaction()
    bodies = list(world.release1.values())
    archive = Path(world.settings.store).parent / "releases"
    bodies += [p.read_bytes() for p in archive.glob("*/*") if p.suffix in (".nq", ".ttl", ".jsonld", ".rdf", ".nt")]
    for kind, key in SAMPLES.items():
        for extension in EXTENSIONS:
            bodies.append(get(world, f"/doc/{kind}/{key}.{extension}").data)
    bodies += [get(world, "/.well-known/void").data, get(world, "/catalog").data]
    for body in bodies:
        assert not listed.contains(body.decode("utf-8"))
