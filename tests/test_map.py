"""The map of incidents (/map) and the list's offer of GeoJSON (/incidents by content negotiation, and links).

/map draws one point per place — the incident's place, or the nearest place containing it that has coordinates —
with its number of incidents, and a table of the same places and numbers that says which incidents are drawn at a
place containing theirs. Points are places' representative points, never points of harm.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from minegraph.core.settings import Settings
from minegraph.publish import geojson
from minegraph.web import create_app
from tests.conftest import BASE
from tests.test_geojson import AGHDAM_PLACE, HAND_MADE, JABRAYIL, geo, hand_made, with_restricted_data
from tests.test_pages import check_page

__all__ = ["hand_made"]  # a fixture, used by name
VILLAGE = f"{BASE}id/place/testvillag0"
AT_VILLAGE = f"{BASE}id/incident/atvillage00"


@pytest.fixture(scope="module")
def app(built_settings: Settings) -> Iterator[Flask]:
    app = create_app(built_settings, {"TESTING": True, "QUERY_WORKERS": 1})
    yield app
    app.extensions["minegraph"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_list_offers_geojson_by_content_negotiation_and_a_link(client: FlaskClient) -> None:
    whole = geo(client, "/incidents.geojson")
    assert geo(client, "/incidents") == whole
    assert geo(client, "/incidents?format=geojson", accept="text/html") == whole
    reply = client.get("/incidents", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert reply.mimetype == "text/html" and "Accept" in reply.headers["Vary"]
    html = reply.get_data(as_text=True)
    check_page(html)
    assert '<link rel="alternate" type="application/geo+json" href="/incidents.geojson">' in html
    assert '<a href="/incidents.geojson" type="application/geo+json">Download them as GeoJSON</a>' in html
    assert '<a href="/map">These incidents on a map</a>' in html
    assert client.get("/incidents", headers={"Accept": "*/*"}).mimetype == "text/html"
    assert client.get("/incidents?format=shapefile").status_code == 400
    aghdam = AGHDAM_PLACE.rsplit("/", 1)[-1]
    html = client.get(f"/incidents?place={aghdam}", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f'href="/incidents.geojson?place={aghdam}"' in html and f'href="/map?place={aghdam}"' in html


def test_the_map_page_draws_each_place_with_its_number_and_tables_it(client: FlaskClient) -> None:
    reply = client.get("/map", headers={"Accept": "text/html"})
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    check_page(html)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and "3 of 3 incidents drawn at 2 points" in svg
    assert "<title>Jabrayil District: 2 incidents</title>" in svg
    assert "<title>Aghdam District: 1 incident</title>" in svg
    assert re.search(r'class="map-count"[^>]*>2</text>', svg) and re.search(r'class="map-count"[^>]*>1</text>', svg)
    assert "style=" not in html and "<script>" not in html  # the page policy allows neither
    caption = text(html.split("<figcaption>", 1)[1].split("</figcaption>", 1)[0])
    assert "representative point of a place" in caption and "not where anyone was harmed" in caption
    table = html.split('<table class="map-table', 1)[1].split("</table>", 1)[0]
    jabrayil, aghdam = JABRAYIL.rsplit("/", 1)[-1], AGHDAM_PLACE.rsplit("/", 1)[-1]
    assert table.index("Jabrayil District") < table.index("Aghdam District")  # most first
    assert f'href="/incidents?place={jabrayil}"' in table and f'href="/incidents?place={aghdam}"' in table
    assert "all recorded at Jabrayil District" in text(table)
    assert '<a href="/map" aria-current="page">Map</a>' in html
    assert 'href="/incidents.geojson"' in html
    assert "Content-Security-Policy" in reply.headers


def test_the_map_takes_the_lists_filters(client: FlaskClient) -> None:
    html = client.get("/map?outcome=killed", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "1 of 1 incidents drawn at 1 point" in html and "Aghdam District" not in html
    assert 'href="/incidents?outcome=killed&amp;place=' in html and 'href="/incidents.geojson?outcome=killed"' in html
    assert client.get("/map?from=yesterday", headers={"Accept": "text/html"}).status_code == 400


def test_the_map_counts_an_incident_at_the_point_it_is_drawn_at(hand_made: list[dict[str, Any]]) -> None:
    from minegraph.web.geo import groups, located

    store = Store()
    store.load(HAND_MADE.encode(), format=RdfFormat.TURTLE)
    places = geojson.read_places(geojson.store_select(store))
    drawn, unplaced, countries = groups([located(item) for item in hand_made], places)
    assert [(g.place.name, g.count, g.own, g.inside) for g in drawn] == [
        ("Jabrayil District", 2, 1, {f"{BASE}id/place/village": 1})]
    assert unplaced == {f"{BASE}id/place/elsewhere": 1} and countries == ["Azerbaijan"]


def add_village(settings: Settings) -> None:
    """A public graph with a settlement in Jabrayil District that has no coordinates, an incident there, and one
    in a country without coordinates (written straight into a copy of the store: a test fixture)."""
    from minegraph.store.embedded import EmbeddedStore

    graph = NamedNode(f"{BASE}graph/source/test-village")
    store = EmbeddedStore(settings.store)
    mg, rdfs, schema = f"{BASE}def/", "http://www.w3.org/2000/01/rdf-schema#", "http://schema.org/"
    date = NamedNode("http://www.w3.org/2001/XMLSchema#date")
    facts = [(VILLAGE, f"{rdfs}label", Literal("Xyz", language="en")),
             (VILLAGE, f"{schema}containedInPlace", NamedNode(JABRAYIL)),
             (VILLAGE, f"{mg}adminLevel", Literal("3", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
             (AT_VILLAGE, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", NamedNode(f"{mg}Incident")),
             (AT_VILLAGE, f"{rdfs}label", Literal("Explosion at Xyz (test)", language="en")),
             (AT_VILLAGE, f"{mg}place", NamedNode(VILLAGE)),
             (AT_VILLAGE, f"{mg}earliestDate", Literal("2024-05-01", datatype=date)),
             (AT_VILLAGE, f"{mg}latestDate", Literal("2024-05-01", datatype=date))]
    try:
        for subject, predicate, value in facts:
            store.oxigraph.add(Quad(NamedNode(subject), NamedNode(predicate), value, graph))
        store.oxigraph.flush()
    finally:
        store.close()


@pytest.fixture(scope="module")
def village_client(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    folder = tmp_path_factory.mktemp("village")
    shutil.copytree(built_settings.store, folder / "store")
    settings = replace(built_settings, store=folder / "store", write_token="")
    add_village(settings)
    app = create_app(settings, {"TESTING": True, "QUERY_WORKERS": 1})
    yield app.test_client()
    app.extensions["minegraph"].close()


def test_the_map_says_which_incidents_it_draws_at_a_place_containing_theirs(village_client: FlaskClient) -> None:
    html = village_client.get("/map", headers={"Accept": "text/html"}).get_data(as_text=True)
    check_page(html)
    assert "<title>Jabrayil District: 3 incidents</title>" in html
    row = text(html.split('<table class="map-table', 1)[1].split("</tr>", 2)[1])
    assert row == ("Jabrayil District 3 2 recorded at Jabrayil District itself; 1 at Xyz, which has no coordinates of "
                   "its own: drawn at the centre of Jabrayil District")
    feature = {f["id"]: f for f in geo(village_client, "/incidents.geojson")["features"]}[AT_VILLAGE]
    assert feature["geometry"]["coordinates"] == [47.03, 39.4] and feature["properties"]["geometry_of"] == JABRAYIL
    assert feature["properties"]["geometry_note"] == ("representative point of Jabrayil District: Xyz has no "
                                                      "coordinates of its own")


def test_no_restricted_data_reaches_the_map(built_settings: Settings, tmp_path: Path) -> None:
    from tests.test_restricted import clean

    app = create_app(with_restricted_data(built_settings, tmp_path), {"TESTING": True, "QUERY_WORKERS": 1})
    try:
        client = app.test_client()
        for url in ("/map", "/incidents?format=geojson", "/map?outcome=killed"):
            reply = client.get(url, headers={"Accept": "text/html"})
            assert reply.status_code == 200
            clean(reply.data, url)
    finally:
        app.extensions["minegraph"].close()


def test_the_incident_pages_map_says_whose_point_it_draws() -> None:
    """A hand-made graph: an incident in a settlement without coordinates (Xyz) inside Jabrayil District."""
    from rdflib import Graph

    from minegraph.web.pages import render_resource

    graph = Graph().parse(data=HAND_MADE, format="turtle")
    html = render_resource("incident", f"{BASE}id/incident/atvillage", graph, release=None, alternates=[], base=BASE)
    check_page(html)
    caption = text(html.split("<figcaption>", 1)[1].split("</figcaption>", 1)[0])
    assert caption == ("The marker is the centre of Jabrayil District: Xyz, the place recorded for the incident, has "
                       "no coordinates of its own, with a circle for its precision — not the place of the explosion. "
                       "Country outlines: Natural Earth.")
    assert "Jabrayil District</text>" in html and ">Xyz</text>" not in html
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "47.12" not in svg and "39.65" not in svg  # the incident's own point (in the graph given) is not drawn
    own = render_resource("incident", f"{BASE}id/incident/indistrict", graph, release=None, alternates=[], base=BASE)
    assert text(own.split("<figcaption>", 1)[1].split("</figcaption>", 1)[0]).startswith(
        "The marker is the representative point of the place recorded for the incident (Jabrayil District), with a "
        "circle for its precision")
    place = render_resource("place", f"{BASE}id/place/village", graph, release=None, alternates=[], base=BASE)
    assert text(place.split("<figcaption>", 1)[1].split("</figcaption>", 1)[0]) == (
        "The marker is the centre of Jabrayil District: Xyz has no coordinates of its own, with a circle for its "
        "precision. Country outlines: Natural Earth.")
    nowhere = render_resource("incident", f"{BASE}id/incident/nowhere", graph, release=None, alternates=[], base=BASE)
    assert "<figcaption>" not in nowhere and 'id="map-h"' not in nowhere  # no point anywhere: no map


def test_a_place_page_offers_its_incidents_on_the_map_and_as_geojson(client: FlaskClient) -> None:
    key = JABRAYIL.rsplit("/", 1)[-1]
    html = client.get(f"/doc/place/{key}", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f'<a href="/map?place={key}">on a map</a>' in html
    assert f'<a href="/incidents.geojson?place={key}" type="application/geo+json">as GeoJSON</a>' in html
    assert len(geo(client, f"/incidents.geojson?place={key}")["features"]) == 2
    assert "<title>Jabrayil District: 2 incidents</title>" in client.get(f"/map?place={key}").get_data(as_text=True)
