"""Every example query in queries/ returns rows on the seed data; the query page lists them and works offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import RdfFormat, parse

from minegraph.core.settings import Settings
from minegraph.web import create_app

QUERIES = Path(__file__).resolve().parents[1] / "queries"
EXAMPLES = sorted(QUERIES.glob("*.rq"))


@pytest.fixture(scope="module")
def app(built_settings: Settings) -> Iterator[Flask]:
    application = create_app(replace(built_settings, write_token=""), {"QUERY_WORKERS": 1, "TESTING": True})
    yield application
    application.extensions["minegraph"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_has_a_title_and_a_description(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("# title: ") and len(line) > 12 for line in lines)
    assert any(line.startswith("# description: ") and len(line) > 20 for line in lines)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_returns_rows_on_the_seed_data(client: FlaskClient, path: Path) -> None:
    reply = client.post("/sparql", data=path.read_bytes(), headers={
        "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+json, text/turtle;q=0.9"})
    assert reply.status_code == 200, reply.data[:500]
    if reply.mimetype == "text/turtle":
        assert list(parse(reply.data, format=RdfFormat.TURTLE))
    else:
        assert json.loads(reply.data)["results"]["bindings"], path.name


def test_query_page(client: FlaskClient) -> None:
    page = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/static/vendor/yasgui/yasgui.min.js" in html and "cdn" not in html.lower()
    for path in EXAMPLES:
        title = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("# title:"))
        assert title.split(":", 1)[1].strip().replace("'", "&#39;") in html
    for asset in ("vendor/yasgui/yasgui.min.js", "vendor/yasgui/yasgui.min.css", "vendor/yasgui/LICENSE.txt",
                  "sparql.js", "sparql.css"):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200, asset
        response.close()


def test_plain_get_without_html_is_the_service_description(client: FlaskClient) -> None:
    reply = client.get("/sparql", headers={"Accept": "*/*"})
    assert reply.mimetype == "text/turtle"
    assert b"sparql-service-description" in reply.data


@pytest.mark.e2e
def test_serve_builds_an_empty_store_from_data(tmp_path: Path) -> None:
    """`minegraph serve` on an empty store builds it from data/ first, then serves the incidents."""
    from tests.conftest import DATA
    from tests.sparql_support import start_server

    server = start_server(tmp_path, build=True, env={"MINEGRAPH_DATA_DIR": str(DATA)})
    try:
        reply = server.request("GET", "/sparql?query=" + "ASK%20%7B%20%3Fi%20a%20%3Chttps%3A%2F%2Fw3id.org"
                               "%2Fminegraph%2Fdef%2FIncident%3E%20%7D", headers={"Accept": "application/json"})
        assert reply.status == 200 and json.loads(reply.body)["boolean"] is True
    finally:
        server.stop()


@pytest.mark.parametrize(("query", "accept", "offered"), [
    ("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "text/turtle", "application/sparql-results+json"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1", "text/csv", "text/turtle"),
])
def test_a_format_that_is_not_on_offer_is_406_naming_those_that_are(client: FlaskClient, query: str, accept: str,
                                                                      offered: str) -> None:
    answer = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert answer.status_code == 406
    assert offered in answer.get_data(as_text=True), "a newcomer learns what to ask for"


def test_an_empty_release_list_says_how_a_release_is_made(client: FlaskClient) -> None:
    """The seed store has no release: the page says what a release is and how a curator cuts one (issue 17)."""
    page = client.get("/release/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "No release has been cut yet" in page and "minegraph release" in page
