"""A real linked-data client against a real `minegraph serve` process: rdflib follows the 303."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from minegraph.core.vocab import MG
from tests.conftest import BASE, DATA
from tests.sparql_support import Server, start_server

pytestmark = pytest.mark.e2e
INCIDENT = "k318zecnq29"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("deref"), build=True, env={"MINEGRAPH_DATA_DIR": str(DATA)})
    yield running
    running.stop()


@pytest.mark.parametrize("path", [f"/id/incident/{INCIDENT}", f"/doc/incident/{INCIDENT}"])
def test_rdflib_follows_the_303(server: Server, path: str) -> None:
    graph = Graph().parse(server.url + path)
    incident = URIRef(f"{BASE}id/incident/{INCIDENT}")
    assert (incident, RDF.type, MG.Incident) in graph
    assert len(list(graph.objects(incident, MG.supportedBy))) >= 1


@pytest.mark.parametrize(("accept", "media"), [
    ("application/ld+json", "application/ld+json"), ("application/rdf+xml", "application/rdf+xml"),
    ("text/html", "text/html"), (None, "text/turtle"),
])
def test_over_the_wire(server: Server, accept: str | None, media: str) -> None:
    reply = server.request("GET", f"/id/incident/{INCIDENT}", headers={"Accept": accept} if accept else {})
    assert reply.status == 303 and reply.headers["location"].endswith(f"/doc/incident/{INCIDENT}")
    document = server.request("GET", reply.headers["location"], headers={"Accept": accept} if accept else {})
    assert document.status == 200 and document.content_type.startswith(media)
    assert document.headers["vary"] == "Accept"
    assert document.headers["content-location"].endswith(f"/doc/incident/{INCIDENT}.{_ext(media)}")
    again = server.request("GET", document.headers["content-location"],
                           headers={"If-None-Match": document.headers["etag"]})
    assert again.status == 304


def _ext(media: str) -> str:
    return {"application/ld+json": "jsonld", "application/rdf+xml": "rdf", "text/html": "html",
            "text/turtle": "ttl"}[media]
