"""Who gets the query page and who gets results, for a query sent to ``/sparql`` (issue 17).

A browser following a ``/sparql?query=`` link prefers HTML (``text/html`` first, ``application/xml;q=0.9``): it gets
the query page with the query in its editor (run there, ``tests/test_sparql_browser.py``), not a download of SPARQL
XML. Every client that asks for a results format — by media type, ``*/*``, no Accept header, or ``?format=`` — gets
the SPARQL 1.1 Protocol answer, from the fast lane for light queries (:mod:`minegraph.web.light`) as from the app.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from flask import Flask

from tests.conftest import BASE

#: What Chromium sends when it follows a link.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8"
INCIDENT = f"{BASE}id/incident/k318zecnq29"
LIGHT = f"SELECT ?label WHERE {{ <{INCIDENT}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
HEAVY = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"


@pytest.mark.parametrize("query", [LIGHT, HEAVY])
def test_a_browser_following_a_query_link_gets_the_page_with_the_query(web_app: Flask, query: str) -> None:
    answer = web_app.test_client().get(f"/sparql?query={quote(query)}", headers={"Accept": BROWSER})
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert answer.headers["Vary"] == "Accept"
    page = answer.get_data(as_text=True)
    config = page.split('<script id="sparql-config" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(config)["linked"] == {"query": query, "args": []}, "the page runs the linked query"
    assert answer.headers.get("Content-Security-Policy"), "the page runs under the policy of every page"


def test_the_page_keeps_the_dataset_a_link_names(web_app: Flask) -> None:
    graph = f"{BASE}graph/places"
    answer = web_app.test_client().get(f"/sparql?query={quote(HEAVY)}&default-graph-uri={quote(graph)}",
                                       headers={"Accept": BROWSER})
    page = answer.get_data(as_text=True)
    config = json.loads(page.split('type="application/json">', 1)[1].split("</script>", 1)[0])
    assert config["linked"]["args"] == [{"name": "default-graph-uri", "value": graph}]


@pytest.mark.parametrize(("accept", "extra", "media_type"), [
    ("application/sparql-results+json", "", "application/sparql-results+json"),
    ("application/sparql-results+xml", "", "application/sparql-results+xml"),
    ("text/csv", "", "text/csv"),
    ("text/tab-separated-values", "", "text/tab-separated-values"),
    ("*/*", "", "application/sparql-results+json"),
    (None, "", "application/sparql-results+json"),
    ("application/xml", "", "application/sparql-results+xml"),
    (BROWSER, "&format=json", "application/sparql-results+json"),
    (BROWSER, "&format=csv", "text/csv"),
    ("application/sparql-results+json, text/html;q=0.5", "", "application/sparql-results+json"),
])
@pytest.mark.parametrize("query", [LIGHT, HEAVY])
def test_a_client_asking_for_results_gets_results(web_app: Flask, query: str, accept: str | None, extra: str,
                                                   media_type: str) -> None:
    headers = {"Accept": accept} if accept else {}
    answer = web_app.test_client().get(f"/sparql?query={quote(query)}{extra}", headers=headers)
    assert answer.status_code == 200 and answer.mimetype == media_type


def test_a_select_asked_for_as_turtle_is_406_listing_what_is_on_offer(web_app: Flask) -> None:
    answer = web_app.test_client().get(f"/sparql?query={quote(HEAVY)}", headers={"Accept": "text/turtle"})
    assert answer.status_code == 406
    text = answer.get_data(as_text=True)
    assert all(media in text for media in ("application/sparql-results+json", "application/sparql-results+xml",
                                           "text/csv", "text/tab-separated-values"))


@pytest.mark.parametrize("accept", [BROWSER, "text/html"])
def test_the_fast_lane_leaves_the_page_to_the_app_byte_for_byte(web_app: Flask, accept: str) -> None:
    """A light query asked for by a browser is not answered before Flask (which would give SPARQL XML): both
    ways give the same page, headers and all."""
    from minegraph.web.light import LightQueries

    lane = web_app.wsgi_app
    assert isinstance(lane, LightQueries)
    path, headers = f"/sparql?query={quote(LIGHT)}", {"Accept": accept}
    fast = web_app.test_client().get(path, headers=headers)
    lane.enabled = False
    try:
        slow = web_app.test_client().get(path, headers=headers)
    finally:
        lane.enabled = True
    assert fast.status_code == slow.status_code == 200 and fast.mimetype == "text/html"
    assert fast.data == slow.data
    assert sorted(fast.headers.items()) == sorted(slow.headers.items())
