"""The real web app (``minegraph serve --endpoint``) on a real Oxigraph server: queries, dereferencing, a token
write through the gate, and what happens when the store goes away and comes back."""

from __future__ import annotations

import json
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from minegraph.core.settings import Settings
from tests.conftest import BASE, DATA
from tests.sparql_support import TOKEN, Reply, Server, start_server
from tests.store_servers import SparqlServer, oxigraph_server

pytestmark = pytest.mark.e2e
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def store_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    from minegraph.ingest.build import build

    server = oxigraph_server(tmp_path_factory.mktemp("oxigraph"), timeout_s=10).start()
    try:
        work = tmp_path_factory.mktemp("builder")
        # Curated places only: with the full gazetteer as reference, the gate takes ~70 s per write.
        data = shutil.copytree(DATA, work / "data", ignore=shutil.ignore_patterns("reference"))
        build(Settings(store=work / "store", data_dir=data, base_uri=BASE, endpoint=server.endpoint))
        assert not (work / "store").exists()  # built into the remote store, not on the local disk
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def web(store_server: SparqlServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("web"), args=("--endpoint", store_server.endpoint,
                                                                "--query-timeout", "3"))
    yield server
    server.stop()


def ask(web: Server, query: str) -> tuple[int, dict[str, str], bytes]:
    reply = web.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers=JSON)
    return reply.status, reply.headers, reply.body


def select(web: Server, query: str) -> list[dict[str, str]]:
    status, _headers, body = ask(web, query)
    assert status == 200, body
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(body)["results"]["bindings"]]


def write(web: Server, update: str) -> Reply:
    return web.request("POST", "/sparql", update.encode(), {
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}, timeout=120)


def an_incident(web: Server) -> str:
    return select(web, f"SELECT ?i WHERE {{ ?i a <{BASE}def/Incident> }} LIMIT 1")[0]["i"]


def test_query_and_dereference_through_the_remote_store(web: Server) -> None:
    count = select(web, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(count[0]["n"]) > 1000
    assert not (web.store).exists()  # the web process never opened an embedded store
    path = an_incident(web)[len(BASE) - 1:]
    assert web.request("GET", path, headers={"Accept": "text/html"}).status == 303
    page = web.request("GET", path.replace("/id/", "/doc/"), headers={"Accept": "text/html"})
    assert page.status == 200 and b"<html" in page.body.lower()
    turtle = web.request("GET", path.replace("/id/", "/doc/") + ".ttl")
    assert turtle.status == 200 and path.encode() in turtle.body
    assert web.request("GET", "/health").status == 200


def test_a_token_write_passes_the_gate(web: Server) -> None:
    good = 'INSERT DATA { GRAPH <https://example.org/remote> { <https://example.org/s> <https://example.org/p> "v" } }'
    assert write(web, good).status == 200
    assert select(web, 'SELECT ?s WHERE { ?s <https://example.org/p> "v" }') == [{"s": "https://example.org/s"}]
    bad = f"INSERT DATA {{ GRAPH <{BASE}graph/source/remote-bad> {{ <{BASE}id/incident/zz> a <{BASE}def/Incident> }} }}"
    refused = write(web, bad)
    assert refused.status == 422
    assert not select(web, f"SELECT ?g WHERE {{ GRAPH ?g {{ <{BASE}id/incident/zz> ?p ?o }} }}")
    unauthorised = web.request("POST", "/sparql", good.encode(), {"Content-Type": "application/sparql-update"})
    assert unauthorised.status == 401


def test_a_slow_query_is_stopped_with_503(web: Server) -> None:
    status, headers, body = ask(web, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    assert status == 503, body
    assert headers.get("retry-after") and b"time limit" in body


def test_store_down_then_back(web: Server, store_server: SparqlServer) -> None:
    store_server.stop()
    try:
        status, headers, body = ask(web, "ASK { ?s ?p ?o }")
        assert status == 503 and headers.get("retry-after") == "5"
        assert b"cannot be reached" in body
        assert web.request("GET", "/health").status == 503
        assert web.process.poll() is None  # the web process stays up
    finally:
        store_server.start()
    status, _headers, body = ask(web, "ASK { ?s ?p ?o }")
    assert status == 200 and b"true" in body
    assert web.request("GET", "/health").status == 200


def test_cli_query_and_serve_options(store_server: SparqlServer, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from minegraph.cli import main

    result = CliRunner().invoke(main, ["query", "--endpoint", store_server.endpoint, "--format", "csv",
                                       "SELECT (COUNT(*) AS ?n) WHERE { ?i a mg:Incident }"])
    assert result.exit_code == 0, result.output
    assert int(result.output.splitlines()[1]) > 0
    assert TOKEN


def test_a_table_ingested_into_the_remote_store_is_served_and_idempotent(store_server: SparqlServer, web: Server,
                                                                          tmp_path: Path) -> None:
    """`minegraph ingest --endpoint`: the new source graph is uploaded under a marker, then published (issue 7)."""
    from click.testing import CliRunner

    from minegraph.cli import main

    sample = Path(__file__).parent / "fixtures" / "colombia" / "sample.csv"
    args = ["ingest", str(sample), "--mapping", "colombia-victims", "--endpoint", store_server.endpoint,
            "--data", str(DATA), "-q"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "written" in first.output
    rows = len(sample.read_text(encoding="utf-8").splitlines()) - 1
    query = (f"SELECT (COUNT(DISTINCT ?v) AS ?n) WHERE {{ ?v <{BASE}def/incident> ?i . "
             f"?i <{BASE}def/sourceRow> ?row }}")  # rows of a table (the seed has no rows)
    deadline = time.monotonic() + 15  # the web tier learns of a new graph within GRAPHS_TTL / its cache token
    while int(select(web, query)[0]["n"]) != rows and time.monotonic() < deadline:
        time.sleep(0.5)
    assert int(select(web, query)[0]["n"]) == rows  # every row is a victim, served from the remote store
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "unchanged" in again.output
