"""The running endpoint: formats and negotiation, bad input, limits that hold, writes, real clients."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from pyoxigraph import RdfFormat, parse

from tests.sparql_support import TOKEN, Server, start_server

pytestmark = pytest.mark.e2e
EX = "http://example.org/"
GRAPH = f"{EX}graph/test"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("endpoint"),
                           args=("--query-timeout", "1.5", "--max-rows", "20"),
                           env={"MINEGRAPH_MAX_REQUEST_BYTES": "50000"})
    triples = " ".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(40))
    assert server_update(running, f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {triples} }} }}").status == 200
    yield running
    running.stop()


def server_update(server: Server, sparql: str, token: str | None = TOKEN) -> object:
    headers = {"Content-Type": "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return server.request("POST", "/sparql", sparql.encode(), headers)


def get(server: Server, query: str, accept: str | None = None, source: str | None = None, **params: str) -> object:
    path = "/sparql?" + urlencode({"query": query, **params})
    return server.request("GET", path, headers={"Accept": accept} if accept else {}, source=source)


def count(server: Server) -> int:
    reply = get(server, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    return int(json.loads(reply.body)["results"]["bindings"][0]["n"]["value"])


# --- formats and negotiation ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "media"), [
    (None, "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/json", "application/sparql-results+json"),
])
def test_select_formats(server: Server, accept: str | None, media: str) -> None:
    reply = get(server, f"SELECT ?s WHERE {{ ?s <{EX}p> 1 }}", accept)
    assert reply.status == 200
    assert reply.content_type.split(";")[0] == media
    assert f"{EX}s1".encode() in reply.body


@pytest.mark.parametrize(("accept", "rdf_format"), [
    ("text/turtle", RdfFormat.TURTLE), ("application/ld+json", RdfFormat.JSON_LD),
    ("application/n-triples", RdfFormat.N_TRIPLES), ("application/rdf+xml", RdfFormat.RDF_XML),
])
def test_construct_formats(server: Server, accept: str, rdf_format: RdfFormat) -> None:
    reply = get(server, f"CONSTRUCT {{ ?s <{EX}p> ?o }} WHERE {{ ?s <{EX}p> ?o FILTER(?o < 3) }}", accept)
    assert reply.status == 200 and reply.content_type.startswith(accept)
    assert len(list(parse(reply.body, format=rdf_format))) == 3


@pytest.mark.parametrize(("param", "media"), [
    ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
])
def test_format_parameter_overrides_accept(server: Server, param: str, media: str) -> None:
    reply = get(server, "SELECT (1 AS ?x) {}", "text/turtle", format=param)
    assert reply.content_type.split(";")[0] == media
    reply = get(server, "SELECT (1 AS ?x) {}", "text/turtle", output=param)
    assert reply.content_type.split(";")[0] == media


def test_cors(server: Server) -> None:
    assert get(server, "ASK {}").headers["access-control-allow-origin"] == "*"
    reply = server.request("POST", "/sparql", b"ASK {}", {"Content-Type": "application/sparql-query"})
    assert reply.headers["access-control-allow-origin"] == "*"
    preflight = server.request("OPTIONS", "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert preflight.status == 200 and "POST" in preflight.headers["access-control-allow-methods"]


# --- bad input -------------------------------------------------------------------------------------------------

def test_malformed_query_names_the_position(server: Server) -> None:
    reply = get(server, "SELECT ?s WHERE { ?s ?p }")
    assert reply.status == 400 and b"error at 1:" in reply.body


def test_wrong_media_type_is_415(server: Server) -> None:
    assert server.request("POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"}).status == 415


def test_two_query_parameters(server: Server) -> None:
    assert server.request("GET", "/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D").status == 400


def test_non_utf8(server: Server) -> None:
    reply = server.request("POST", "/sparql", b"query=ASK%20%7B%FF%7D",
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 400
    reply = server.request("POST", "/sparql", b"ASK {\xff}", {"Content-Type": "application/sparql-query"})
    assert reply.status == 400


def test_update_over_get(server: Server) -> None:
    assert server.request("GET", "/sparql?update=" + quote("CLEAR ALL")).status in (400, 405)
    assert count(server) == 40


def test_oversized_body_is_413(server: Server) -> None:
    body = b"ASK {} #" + b"x" * 60_000
    assert server.request("POST", "/sparql", body, {"Content-Type": "application/sparql-query"}).status == 413
    assert get(server, "ASK {}").status == 200


def _listener() -> tuple[str, list[str], Any]:
    """A local HTTP server that records every request it is sent (nothing should reach it)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.end_headers()
            self.wfile.write(b"<http://example.org/x> <http://example.org/y> 1 .")

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    listener = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{listener.server_address[1]}/", hits, listener


def test_service_and_load_are_refused_and_never_fetch(server: Server) -> None:
    url, hits, listener = _listener()
    try:
        reply = get(server, f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")
        assert reply.status == 400 and b"SERVICE is not allowed" in reply.body
        reply = get(server, f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}")
        assert reply.status == 400
        reply = server_update(server, f"LOAD <{url}> INTO GRAPH <{EX}graph/loaded>")
        assert reply.status == 400 and b"LOAD is not allowed" in reply.body
        reply = server_update(server, f"INSERT {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{url}> "
                                      "{ ?s ?p ?o } }")
        assert reply.status == 400
        assert hits == []
        assert count(server) == 40
        # the words inside strings, IRIs and comments are not keywords
        reply = get(server, f'ASK {{ ?s <{EX}SERVICE> "LOAD" }} # SERVICE <{url}>')
        assert reply.status == 200
    finally:
        listener.shutdown()
        listener.server_close()


def test_the_query_names_its_own_dataset_with_from(server: Server) -> None:
    other = f"{EX}graph/other"
    assert server_update(server, f"INSERT DATA {{ GRAPH <{other}> {{ <{EX}t> <{EX}p> 1000 }} }}").status == 200
    try:
        def numbers(query: str, **params: str) -> set[int]:
            reply = get(server, query, **params)
            assert reply.status == 200, reply.body
            return {int(b["v"]["value"]) for b in json.loads(reply.body)["results"]["bindings"]}

        assert numbers(f"SELECT ?v FROM <{other}> WHERE {{ ?s ?p ?v }}") == {1000}
        assert numbers(f"SELECT (COUNT(*) AS ?v) FROM <{GRAPH}> WHERE {{ ?s ?p ?o }}") == {40}
        assert numbers(f"SELECT ?v FROM NAMED <{other}> WHERE {{ ?s ?p ?v }}") == set()  # no default graph
        assert numbers(f"SELECT ?v FROM NAMED <{other}> WHERE {{ GRAPH ?g {{ ?s ?p ?v }} }}") == {1000}
        # the protocol's own parameters win over the query's FROM
        assert numbers(f"SELECT ?v FROM <{GRAPH}> WHERE {{ ?s ?p ?v }}", **{"default-graph-uri": other}) == {1000}
        assert numbers(f"SELECT ?v FROM <{EX}graph/none> WHERE {{ ?s ?p ?v }}") == set()
    finally:
        assert server_update(server, f"DROP GRAPH <{other}>").status == 200


def test_dropping_a_graph_that_does_not_exist_is_a_client_error(server: Server) -> None:
    reply = server_update(server, f"DROP GRAPH <{EX}graph/never-written>")
    assert reply.status == 400
    assert server_update(server, f"DROP SILENT GRAPH <{EX}graph/never-written>").status == 200
    assert count(server) == 40


# --- limits that hold ----------------------------------------------------------------------------------------

def test_runaway_query_is_stopped_and_others_are_served(server: Server) -> None:
    """Another client's queries are answered while one client's runaway runs (the runaway's own client waits
    for it: docs/sparql.md, fair sharing)."""
    answers: list[float] = []

    def small_queries() -> None:
        for _ in range(5):
            started = time.monotonic()
            assert get(server, "ASK {}", source="127.0.0.2").status == 200
            answers.append(time.monotonic() - started)

    started = time.monotonic()
    helper = threading.Thread(target=small_queries)
    helper.start()
    reply = get(server, RUNAWAY)
    elapsed = time.monotonic() - started
    helper.join()
    assert reply.status == 503 and b"time limit" in reply.body
    assert 1.4 < elapsed < 6
    assert len(answers) == 5 and max(answers) < 1.4
    assert get(server, RUNAWAY.replace("?m ?n1 ?o . ?p ?q ?r", "")).status in (200, 503)
    assert get(server, "ASK {}").status == 200
    timeouts = re.search(rb"^minegraph_query_timeouts_total (\S+)$", server.request("GET", "/metrics").body, re.M)
    assert timeouts and float(timeouts.group(1)) >= 1


def test_write_waits_for_running_queries_and_is_seen_by_every_worker(server: Server) -> None:
    """A write commits once running queries are done (or stopped at the limit); then all workers see it."""
    runaway = threading.Thread(target=lambda: get(server, RUNAWAY))
    runaway.start()
    time.sleep(0.2)
    started = time.monotonic()
    reply = server_update(server, f"INSERT DATA {{ GRAPH <{EX}graph/later> {{ <{EX}l> <{EX}p> 1 }} }}")
    runaway.join()
    assert reply.status == 200 and time.monotonic() - started < 8
    for _ in range(6):  # answered by both query workers
        assert b"true" in get(server, f"ASK {{ GRAPH <{EX}graph/later> {{ <{EX}l> ?p ?o }} }}").body
    assert server_update(server, f"DROP GRAPH <{EX}graph/later>").status == 200
    assert b"false" in get(server, f"ASK {{ GRAPH <{EX}graph/later> {{ ?s ?p ?o }} }}").body


def test_row_cap_is_reported(server: Server) -> None:
    reply = get(server, f"SELECT ?s WHERE {{ ?s <{EX}p> ?o }}")
    document = json.loads(reply.body)
    assert reply.headers["x-minegraph-truncated"] == "true"
    assert reply.headers["x-minegraph-row-limit"] == "20"
    assert len(document["results"]["bindings"]) == 20
    assert "20" in document["minegraph"]["message"]
    small = get(server, f"SELECT ?s WHERE {{ ?s <{EX}p> ?o }} LIMIT 5")
    assert "x-minegraph-truncated" not in small.headers


# --- writes --------------------------------------------------------------------------------------------------

def test_update_needs_the_token(server: Server) -> None:
    sparql = f"DROP GRAPH <{GRAPH}>"
    assert server_update(server, sparql, token=None).status == 401
    assert server_update(server, sparql, token="wrong").status == 403
    reply = server.request("PUT", f"/store?graph={quote(GRAPH, safe='')}", b"", {"Content-Type": "text/turtle"})
    assert reply.status == 401
    assert count(server) == 40


def test_update_that_breaks_the_shapes_is_rejected_whole(server: Server) -> None:
    sparql = (f"INSERT DATA {{ GRAPH <{EX}graph/bad> {{ <{EX}i> a <https://w3id.org/minegraph/def/Incident> }} "
              f"GRAPH <{GRAPH}> {{ <{EX}extra> <{EX}p> 99 }} }}")
    reply = server_update(server, sparql)
    assert reply.status == 422, reply.body
    assert b"Incident" in reply.body or b"mg:" in reply.body
    assert count(server) == 40
    assert get(server, f"ASK {{ GRAPH <{EX}graph/bad> {{ ?s ?p ?o }} }}").body.find(b"false") > 0


# --- operations ----------------------------------------------------------------------------------------------

def test_health_and_metrics(server: Server) -> None:
    health = json.loads(server.request("GET", "/health").body)
    assert health["status"] == "ok" and health["quads"] >= 40
    metrics = server.request("GET", "/metrics")
    assert metrics.status == 200 and metrics.content_type.startswith("text/plain")
    text = metrics.body.decode()
    for name in ("minegraph_http_requests_total", "minegraph_http_request_duration_seconds_bucket",
                 "minegraph_query_timeouts_total", "minegraph_store_quads"):
        assert name in text


# --- real clients --------------------------------------------------------------------------------------------

def test_sparqlwrapper(server: Server) -> None:
    from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery(f"SELECT ?s WHERE {{ ?s <{EX}p> 2 }}")
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]  # type: ignore[index]
    assert rows == [{"s": {"type": "uri", "value": f"{EX}s2"}}]
    client.setReturnFormat(XML)
    assert client.query().convert().getElementsByTagName("uri")[0].firstChild.data == f"{EX}s2"  # type: ignore[union-attr]
    client.setQuery(f"CONSTRUCT {{ ?s <{EX}p> 2 }} WHERE {{ ?s <{EX}p> 2 }}")
    client.setReturnFormat(TURTLE)
    assert f"{EX}s2".encode() in client.query().convert()  # type: ignore[operator]
    client.setMethod(POST)
    client.setQuery(f"ASK {{ <{EX}s3> <{EX}p> 3 }}")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True  # type: ignore[index]
    writer = SPARQLWrapper(f"{server.url}/sparql", updateEndpoint=f"{server.url}/sparql")
    writer.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    writer.setMethod(POST)
    writer.setQuery(f"INSERT DATA {{ GRAPH <{EX}graph/wrapper> {{ <{EX}w> <{EX}p> 1 }} }}")
    writer.query()
    assert b"true" in get(server, f"ASK {{ GRAPH <{EX}graph/wrapper> {{ <{EX}w> ?p ?o }} }}").body


def test_rdflib_sparqlstore(server: Server) -> None:
    from rdflib import Graph, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    values = " ".join([f"<{EX}s{i}>" for i in range(40)] + [f"<{EX}pad/{'x' * 60}/{i}>" for i in range(80)])
    long = f"SELECT ?s ?o WHERE {{ VALUES ?s {{ {values} }} ?s <{EX}p> ?o }} ORDER BY ?o LIMIT 3"
    assert len(f"{server.url}/sparql?query={quote(long)}") > 8190  # longer than a URL may be (GUNICORN_LIMITS)
    with pytest.raises(ValueError):  # rdflib's default, GET: 414 URI Too Long
        list(Graph(store=SPARQLStore(f"{server.url}/sparql")).query(long))
    graph = Graph(store=SPARQLStore(f"{server.url}/sparql", method="POST_FORM"))
    rows = list(graph.query(long))
    assert [int(row[1]) for row in rows] == [0, 1, 2]  # type: ignore[index]
    assert (URIRef(f"{EX}s1"), URIRef(f"{EX}p"), None) in graph
    constructed = graph.query(
        f"CONSTRUCT {{ ?s <{EX}p> ?o }} WHERE {{ GRAPH <{GRAPH}> {{ ?s <{EX}p> ?o FILTER(?o < 2) }} }}")
    assert len(constructed.graph) == 2  # type: ignore[arg-type]
