"""The W3C SPARQL 1.1 Protocol, Graph Store Protocol and Service Description tests, against a real server.

The manifests are vendored in tests/conformance/ (see its README). Each protocol test starts from a store
holding only the test's data; every request is sent with exact headers, plus the write token.
Direct graph identification (manifest-direct.ttl) does not apply: see docs/sparql.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from pyoxigraph import NamedNode, RdfFormat, parse
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from tests.sparql_support import TOKEN, Reply, Server, start_server

HERE = Path(__file__).parent / "conformance"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
STATUS = {"OK": {200}, "Created": {201}, "NoContent": {204}, "NotFound": {404}}
RESULT_TYPES = {"boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
                "tabular": ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                            "text/tab-separated-values"),
                "RDF": ("application/rdf+xml", "text/turtle", "application/n-triples")}


def load_manifest(path: Path) -> tuple[Graph, list[URIRef]]:
    graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    return graph, list(Collection(graph, graph.value(manifest, MF.entries)))  # type: ignore[arg-type]


def cases(path: Path) -> Iterator[pytest.param]:
    graph, entries = load_manifest(path)
    for entry in entries:
        yield pytest.param(graph, entry, id=str(entry).rsplit("#", 1)[-1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("conformance"))
    yield running
    running.stop()


def reset(server: Server, graph: Graph | None = None, entry: URIRef | None = None) -> None:
    assert server.update("DROP ALL").status == 200
    if graph is None or entry is None:
        return
    for data in graph.objects(entry, UT.graphData):
        name = str(graph.value(data, RDFS.label))
        file = HERE / "protocol" / Path(str(graph.value(data, UT.graph))).name
        reply = server.request("PUT", f"/store?graph={quote(name, safe='')}", file.read_bytes(), {
            "Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"})
        assert reply.status in (201, 204), reply.body


def send(server: Server, graph: Graph, request: URIRef, variables: dict[str, str]) -> Reply:
    path = str(graph.value(request, HT.absolutePath))
    for name, value in variables.items():
        path = path.replace(name, quote(value, safe=""))
    path = re.sub(r"^/sparql/?", "/sparql", path)
    path = re.sub(r"^/gsp", "/store", path)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    header_list = graph.value(request, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
    body = None
    content = graph.value(request, HT.body)
    if content is not None:
        encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(content, CNT.chars)).encode(encoding.lower())
    return server.request(str(graph.value(request, HT.methodName)), path, body, headers)


def status_ok(graph: Graph, response: URIRef, status: int) -> bool:
    allowed: set[int] = set()
    for expected in graph.objects(response, MF.expectedStatus):
        name = str(expected).rsplit("#", 1)[-1]
        match = re.fullmatch(r"StatusCode(\d)xx", name)
        allowed |= set(range(int(match.group(1)) * 100, int(match.group(1)) * 100 + 100)) if match else STATUS[name]
    return not allowed or status in allowed


def boolean_of(reply: Reply) -> bool:
    if "json" in reply.content_type:
        return bool(json.loads(reply.body)["boolean"])
    root = ElementTree.fromstring(reply.body)
    found = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert found is not None
    return found.text == "true"


def check(graph: Graph, response: URIRef, reply: Reply, base: str) -> None:
    assert status_ok(graph, response, reply.status), (reply.status, reply.body[:500])
    expected_format = graph.value(response, MF.expectedFormat)
    media = reply.content_type.split(";")[0].strip()
    if expected_format is not None:
        assert media in RESULT_TYPES[str(expected_format)], reply.content_type
    expected_boolean = graph.value(response, MF.expectedBoolean)
    if expected_boolean is not None:
        assert boolean_of(reply) == expected_boolean.toPython()
    header_list = graph.value(response, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            name, value = str(graph.value(header, HT.fieldName)), str(graph.value(header, HT.fieldValue))
            assert reply.headers.get(name.lower(), "").replace(" ", "").lower() == value.replace(" ", "").lower()
    body = graph.value(response, HT.body)
    if body is not None:
        expected = Graph().parse(data=str(graph.value(body, CNT.chars)), format="turtle", publicID=base)
        actual = Graph().parse(data=reply.body.decode("utf-8"), format="turtle", publicID=base)
        assert isomorphic(expected, actual), reply.body.decode()


def run_case(server: Server, graph: Graph, entry: URIRef) -> None:
    action = graph.value(entry, MF.action)
    variables: dict[str, str] = {}
    for request in Collection(graph, graph.value(action, HT.requests)):  # type: ignore[arg-type]
        reply = send(server, graph, request, variables)  # type: ignore[arg-type]
        response = graph.value(request, HT.resp)
        assert response is not None
        location = graph.value(response, MF.expectedLocation)
        if location is not None:
            assert reply.headers.get("location"), "no Location header"
            variables[str(location)] = reply.headers["location"]
        check(graph, response, reply, server.url)  # type: ignore[arg-type]


@pytest.mark.e2e
@pytest.mark.parametrize(("graph", "entry"), list(cases(HERE / "protocol" / "manifest.ttl")))
def test_protocol(server: Server, graph: Graph, entry: URIRef) -> None:
    reset(server, graph, entry)
    run_case(server, graph, entry)


@pytest.mark.e2e
@pytest.mark.parametrize(("graph", "entry"), list(cases(HERE / "graph-store-protocol" / "manifest-indirect.ttl")))
def test_graph_store_indirect(server: Server, graph: Graph, entry: URIRef) -> None:
    reset(server)
    run_case(server, graph, entry)


def test_protocol_manifest_has_all_34_tests() -> None:
    assert len(load_manifest(HERE / "protocol" / "manifest.ttl")[1]) == 34
    assert len(load_manifest(HERE / "graph-store-protocol" / "manifest-indirect.ttl")[1]) == 9


@pytest.mark.e2e
def test_service_description(server: Server) -> None:
    """returns-rdf, has-endpoint-triple and conforms-to-schema (every sd:NamedGraph has an sd:name)."""
    reset(server)
    inserted = server.update("INSERT DATA { GRAPH <http://example.org/g> { <http://a> <http://b> <http://c> } }")
    assert inserted.status == 200
    for accept in ("text/turtle", "application/rdf+xml", "application/ld+json", None):
        reply = server.request("GET", "/sparql", headers={"Accept": accept} if accept else {})
        assert reply.status == 200
        media = reply.content_type.split(";")[0]
        endpoint = f"{server.url}/sparql"
        triples = [(t.subject, t.predicate.value, t.object)
                   for t in parse(reply.body, format=RdfFormat.from_media_type(media), base_iri=endpoint)]
        assert any(p == str(SD.endpoint) and o == NamedNode(endpoint) for _s, p, o in triples)
        named = [s for s, p, o in triples if p == str(RDF.type) and o == NamedNode(str(SD.NamedGraph))]
        assert named and all(any(s == n and p == str(SD.name) for s, p, _o in triples) for n in named)
