"""Identifying data put into a restricted graph reaches no public output (docs/data-responsibility.md).

The test writes a name, a birth date and exact coordinates about a real victim — and about a person who is only
in the restricted graph — straight into the store, then reads every public route and a release for them.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from pyoxigraph import Literal, NamedNode, Quad

from minegraph.core.settings import Settings
from minegraph.store.view import PublicStore, is_restricted, public_dataset, restricted_prefix
from minegraph.web import create_app

BASE = "https://w3id.org/minegraph/"
RESTRICTED = f"{BASE}graph/restricted/victims"
HIDDEN = f"{BASE}id/victim/hiddenperson"
SECRETS = ("Qxyzzyova", "2011-03-04", "46.987654", "39.123456", "hiddenperson", "graph/restricted")
SCHEMA = "http://schema.org/"
GEO = "http://www.opengis.net/ont/geosparql#"
FORMATS = ("html", "ttl", "jsonld", "nt", "rdf")


@dataclass
class World:
    settings: Settings
    client: FlaskClient
    victim: str
    incident: str


def _add_restricted(store_path: Path) -> tuple[str, str]:
    from minegraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(store_path)
    try:
        row = next(iter(store.query(f"SELECT ?v ?i WHERE {{ ?i <{BASE}def/victim> ?v }} ORDER BY ?v LIMIT 1")))
        victim, incident = row["v"].value, row["i"].value
        graph = NamedNode(RESTRICTED)
        geometry = NamedNode(f"{victim}#exact-place")
        facts = [(victim, f"{SCHEMA}name", Literal("Zarifa Qxyzzyova")),
                 (victim, f"{SCHEMA}birthDate", Literal("2011-03-04")),
                 (victim, f"{GEO}hasGeometry", geometry),
                 (HIDDEN, f"{SCHEMA}name", Literal("Qxyzzyova Senior")),
                 (HIDDEN, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", NamedNode(f"{BASE}def/Victim")),
                 (HIDDEN, f"{BASE}def/incident", NamedNode(incident))]
        for subject, predicate, value in facts:
            store.oxigraph.add(Quad(NamedNode(subject), NamedNode(predicate), value, graph))
        store.oxigraph.add(Quad(geometry, NamedNode(f"{GEO}asWKT"), Literal("POINT(46.987654 39.123456)"), graph))
        store.oxigraph.flush()
        assert len(list(store.query("SELECT * WHERE { GRAPH ?g { ?s ?p \"2011-03-04\" } }"))) == 1  # not vacuous
    finally:
        store.close()
    return victim, incident


@pytest.fixture(scope="module")
def world(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("restricted")
    shutil.copytree(built_settings.store, root / "store")
    settings = replace(built_settings, store=root / "store", write_token="")
    victim, incident = _add_restricted(settings.store)
    app = create_app(settings, {"QUERY_WORKERS": 1, "TESTING": True})
    yield World(settings, app.test_client(), victim, incident)
    app.extensions["minegraph"].close()


def clean(body: bytes | str, where: str, secrets: tuple[str, ...] = SECRETS) -> None:
    text = body if isinstance(body, str) else body.decode("utf-8", "replace")
    for secret in secrets:
        assert secret not in text, f"{secret!r} leaked in {where}"


def sparql(world: World, query: str, accept: str = "application/sparql-results+json", **params: str) -> bytes:
    reply = world.client.get("/sparql", query_string={"query": query, **params}, headers={"Accept": accept})
    assert reply.status_code == 200, reply.data
    return reply.data


def test_the_rules() -> None:
    assert restricted_prefix(BASE) == f"{BASE}graph/restricted/"
    assert is_restricted(RESTRICTED, BASE) and not is_restricted(f"{BASE}graph/places", BASE)
    assert not is_restricted(f"{BASE}graph/restrictedness", BASE)
    default, named = public_dataset([RESTRICTED, f"{BASE}graph/places"], BASE, [RESTRICTED], None)
    assert default == [] and named == [f"{BASE}graph/places"]


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isLiteral(?o) && CONTAINS(STR(?o), 'Qxyzzy')) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(isLiteral(?o) && CONTAINS(STR(?o), '2011-03-04')) }",
    "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }",
    f"SELECT * FROM <{RESTRICTED}> WHERE {{ ?s ?p ?o }}",
    f"SELECT * FROM NAMED <{RESTRICTED}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ GRAPH <{RESTRICTED}> {{ ?s ?p ?o }} }}",
    f"SELECT ?p ?o WHERE {{ <{HIDDEN}> ?p ?o }}",
    "SELECT ?s ?o WHERE { ?s <http://schema.org/name> ?o }",
])
def test_sparql_select(world: World, query: str) -> None:
    clean(sparql(world, query), query)
    clean(sparql(world, query, accept="text/csv"), query)


def test_sparql_ask_describe_construct_and_datasets(world: World) -> None:
    assert b"false" in sparql(world, f"ASK {{ GRAPH <{RESTRICTED}> {{ ?s ?p ?o }} }}")
    assert b"false" in sparql(world, "ASK { ?s <http://schema.org/birthDate> ?o }")
    for query in (f"DESCRIBE <{world.victim}>", f"DESCRIBE <{HIDDEN}>", f"DESCRIBE <{world.victim}#exact-place>",
                  f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?s IN (<{world.victim}>, "
                  f"<{HIDDEN}>, <{world.victim}#exact-place>)) }}"):
        for accept in ("text/turtle", "application/ld+json", "application/n-triples"):
            clean(sparql(world, query, accept=accept), query)
    clean(sparql(world, "SELECT * WHERE { ?s ?p ?o }", **{"default-graph-uri": RESTRICTED}), "default-graph-uri")
    clean(sparql(world, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": RESTRICTED}),
          "named-graph-uri")
    clean(world.client.get("/sparql", headers={"Accept": "text/turtle"}).data, "service description")


def test_graph_store(world: World) -> None:
    for graph in (RESTRICTED, f"{BASE}graph/restricted/other"):
        reply = world.client.get(f"/store?graph={quote(graph, safe='')}", headers={"Accept": "text/turtle"})
        assert reply.status_code == 404  # as if it did not exist (the message repeats the IRI asked for)
        clean(reply.data, "/store", SECRETS[:-1])
    assert world.client.head(f"/store?graph={quote(RESTRICTED, safe='')}").status_code == 404


def test_health_and_metrics_count_the_public_graphs_only(world: World) -> None:
    health = world.client.get("/health").get_json()
    public = len(world.client.get("/sparql?query=" + quote("SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"),
                                  headers={"Accept": "text/csv"}).data.decode().splitlines()) - 1
    triples = sum(1 for line in world.client.get(
        "/sparql?query=" + quote("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"),
        headers={"Accept": "text/tab-separated-values"}).data.decode().splitlines()[1:])
    assert health["graphs"] == public and health["quads"] == triples
    assert b"graph/restricted" not in world.client.get("/metrics").data


def test_documents_and_pages(world: World) -> None:
    victim_path = world.victim.removeprefix(BASE).replace("id/", "doc/", 1)
    incident_path = world.incident.removeprefix(BASE).replace("id/", "doc/", 1)
    for path in (victim_path, incident_path):
        for fmt in FORMATS:
            reply = world.client.get(f"/{path}.{fmt}")
            assert reply.status_code == 200, (path, fmt)
            clean(reply.data, f"/{path}.{fmt}")
    hidden = world.client.get("/doc/victim/hiddenperson.ttl")
    assert hidden.status_code == 404
    for path in ("/", "/incidents", "/incidents?after=", "/.well-known/void", "/catalog",
                 "/reconcile?queries=" + quote('{"q0": {"query": "Qxyzzyova"}}'),
                 "/reconcile/suggest/entity?prefix=Qxy"):
        reply = world.client.get(path, headers={"Accept": "text/html"})
        clean(reply.data, path)
    for fmt in ("ttl", "jsonld", "nt", "rdf"):
        clean(world.client.get(f"/.well-known/void?format={fmt}").data, f"void.{fmt}")
        clean(world.client.get(f"/catalog?format={fmt}").data, f"catalog.{fmt}")


def test_a_release_holds_nothing_restricted(world: World) -> None:
    runner = CliRunner()
    result = runner.invoke(__import__("minegraph.cli", fromlist=["main"]).main,
                           ["release", "-q", "--store", str(world.settings.store), "--base-uri", BASE])
    assert result.exit_code == 0, result.output
    folder = Path(world.settings.store).parent / "releases" / "1"
    names = sorted(p.name for p in folder.iterdir())
    assert "documents.sqlite" in names and "minegraph-1.nq" in names
    for path in folder.iterdir():
        clean(path.read_bytes(), str(path))
    with sqlite3.connect(f"file:{folder / 'documents.sqlite'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT path, body FROM documents").fetchall()
    assert len(rows) > 10
    for path, body in rows:
        clean(body, path)
    victim_path = world.victim.removeprefix(BASE).replace("id/", "doc/", 1)
    assert any(path.startswith(victim_path) for path, _ in rows)  # the victim is published, without the secrets
    reply = world.client.get(f"/release/1/{victim_path}.ttl")
    assert reply.status_code == 200
    clean(reply.data, "release document")
    clean(world.client.get("/release/1/").data, "release index")


def test_the_hxl_export_holds_nothing_restricted(world: World, tmp_path: Path) -> None:
    from minegraph.cli import main

    result = CliRunner().invoke(main, ["export", "--format", "hxl", "-o", str(tmp_path / "hxl"), "--store",
                                       str(world.settings.store), "--base-uri", BASE])
    assert result.exit_code == 0, result.output
    files = list((tmp_path / "hxl").iterdir())
    assert files
    for path in files:
        clean(path.read_bytes(), str(path))


def test_public_store_view(world: World) -> None:
    from minegraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(world.settings.store, read_only=True)
    try:
        view = PublicStore(store, BASE)
        assert RESTRICTED not in view.graphs() and len(view) < len(store)
        with pytest.raises(KeyError):
            view.dump(__import__("pyoxigraph").RdfFormat.TURTLE, graph=RESTRICTED)
    finally:
        store.close()
