"""Incidents as GeoJSON (RFC 7946): /incidents.geojson (with the list's filters) and ``minegraph export --format
geojson``.

A point is always a PLACE's representative point (the incident's place, or the nearest place containing it that has
coordinates, and then the Feature says so), never a point of harm; a count no source states is null, never 0; no
restricted graph is ever read.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from minegraph.core.settings import Settings
from minegraph.publish import geojson
from minegraph.web import create_app
from tests.conftest import BASE
from tests.test_pages import AGHDAM, INCIDENT, KILLED

JABRAYIL = f"{BASE}id/place/6b540r616wz"
AGHDAM_PLACE = f"{BASE}id/place/p17hn1c16r2"
AZERBAIJAN = f"{BASE}id/place/p0z29hm7s3t"
GEOJSON = "application/geo+json"

# RFC 7946 as a JSON Schema, for what minegraph writes: Points or null geometries, an id, properties; no "crs".
POINT = {"type": "object", "required": ["type", "coordinates"], "properties": {
    "type": {"const": "Point"},
    "coordinates": {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "number"}}}}
FEATURE = {"type": "object", "required": ["type", "geometry", "properties"], "not": {"required": ["crs"]},
           "properties": {"type": {"const": "Feature"}, "id": {"type": ["string", "number"]},
                          "geometry": {"oneOf": [{"type": "null"}, POINT]},
                          "properties": {"type": ["object", "null"]}}}
COLLECTION = {"type": "object", "required": ["type", "features"], "not": {"required": ["crs"]},
              "properties": {"type": {"const": "FeatureCollection"}, "features": {"type": "array", "items": FEATURE}}}
VALIDATOR = jsonschema_rs.validator_for(COLLECTION)


def valid(collection: dict[str, Any]) -> dict[str, Any]:
    """``collection`` after checking it against RFC 7946: the schema, and [longitude, latitude] in range."""
    VALIDATOR.validate(collection)
    for item in collection["features"]:
        if item["geometry"] is not None:
            lon, lat = item["geometry"]["coordinates"][:2]
            assert -180 <= lon <= 180 and -90 <= lat <= 90, item["id"]
    return collection


def by_id(collection: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in collection["features"]}


@pytest.fixture(scope="module")
def app(built_settings: Settings) -> Iterator[Flask]:
    app = create_app(built_settings, {"TESTING": True, "QUERY_WORKERS": 1})
    yield app
    app.extensions["minegraph"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def geo(client: FlaskClient, url: str, accept: str = GEOJSON) -> dict[str, Any]:
    reply = client.get(url, headers={"Accept": accept})
    assert reply.status_code == 200, reply.data[:2000]
    assert reply.mimetype == GEOJSON
    return valid(json.loads(reply.data))


# --- the GeoJSON of the seed -------------------------------------------------------------------------------------

def test_every_incident_is_a_feature_at_its_places_point(client: FlaskClient) -> None:
    collection = geo(client, "/incidents.geojson")
    features = by_id(collection)
    assert set(features) == {str(INCIDENT), str(KILLED), str(AGHDAM)}
    injured = features[str(INCIDENT)]
    # Jabrayil District's point is 47.03 E, 39.40 N: longitude first
    assert injured["geometry"] == {"type": "Point", "coordinates": [47.03, 39.4]}
    props = injured["properties"]
    assert props["label"].startswith("Landmine explosion injuring a mine action agency employee")
    assert (props["killed"], props["injured"]) == (0, 1)
    assert props["date_as_reported"] == "April 6" and props["date_precision"] == "day-unknown-year"
    assert (props["earliest_date"], props["latest_date"]) == ("2020-04-06", "2026-04-06")
    assert props["explosive_ordnance"] == "unspecified mine"
    assert props["place"] == JABRAYIL and props["place_label"] == "Jabrayil District"
    assert props["place_chain"] == [
        {"id": JABRAYIL, "label": "Jabrayil District", "admin_level": 1, "pcode": "AZ60500001", "iso3166": "AZ-CAB"},
        {"id": AZERBAIJAN, "label": "Azerbaijan", "admin_level": 0, "pcode": None, "iso3166": "AZ"}]
    assert [s["id"] for s in props["sources"]] == [f"{BASE}id/source/x7cbn16a1kt"]
    assert props["sources"][0]["title"].startswith("News.Az report")
    assert props["geometry_of"] == JABRAYIL and props["geometry_precision_m"] == 15000
    assert "representative point of Jabrayil District" in props["geometry_note"]
    assert features[str(AGHDAM)]["geometry"]["coordinates"] == [46.9, 40.0]
    assert "never the point where anyone was harmed" in collection["description"]


def test_it_honours_the_lists_filters(client: FlaskClient) -> None:
    aghdam = AGHDAM_PLACE.rsplit("/", 1)[-1]
    assert set(by_id(geo(client, f"/incidents.geojson?place={aghdam}"))) == {str(AGHDAM)}
    assert set(by_id(geo(client, "/incidents.geojson?outcome=killed"))) == {str(KILLED)}
    assert geo(client, "/incidents.geojson?device=antipersonnel-mine")["features"] == []
    wrong = client.get("/incidents.geojson?place=nowhere", headers={"Accept": GEOJSON})
    assert wrong.status_code == 400 and "nowhere" in wrong.get_json()["message"]


def test_the_export_command_writes_the_same_features(built_settings: Settings, client: FlaskClient,
                                                     tmp_path: Path) -> None:
    from minegraph.cli import main

    result = CliRunner().invoke(main, ["export", "--format", "geojson", "-o", str(tmp_path / "out"),
                                       "--store", str(built_settings.store), "--base-uri", BASE])
    assert result.exit_code == 0, result.output
    written = tmp_path / "out" / "incidents.geojson"
    assert f"wrote {written} (3 incidents)" in result.output
    assert valid(json.loads(written.read_bytes())) == geo(client, "/incidents.geojson")


# --- places without coordinates, points of harm ------------------------------------------------------------------

HAND_MADE = f"""
@prefix mg: <https://w3id.org/minegraph/def/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> . @prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{BASE}id/place/country> rdfs:label "Azerbaijan"@en ; mg:adminLevel 0 ; mg:iso3166 "AZ" .
<{BASE}id/place/district> rdfs:label "Jabrayil District"@en ; mg:adminLevel 1 ; mg:pcode "AZ60500001" ;
    schema:containedInPlace <{BASE}id/place/country> ; geo:hasGeometry <{BASE}id/place/district#geometry> .
<{BASE}id/place/district#geometry> geo:asWKT "POINT(47.03 39.4)"^^geo:wktLiteral ; mg:coordinatePrecision 15000 .
<{BASE}id/place/village> rdfs:label "Xyz"@en ; mg:adminLevel 3 ; schema:containedInPlace <{BASE}id/place/district> .
<{BASE}id/place/elsewhere> rdfs:label "Nowhere Land"@en ; mg:adminLevel 0 .
<{BASE}id/incident/atvillage> a mg:Incident ; rdfs:label "In the village"@en ; mg:place <{BASE}id/place/village> ;
    mg:earliestDate "2024-05-01"^^xsd:date ; mg:latestDate "2024-05-01"^^xsd:date ;
    geo:hasGeometry <{BASE}id/incident/atvillage#harm> .
<{BASE}id/incident/atvillage#harm> geo:asWKT "POINT(47.123456 39.654321)" .
<{BASE}id/incident/indistrict> a mg:Incident ; mg:place <{BASE}id/place/district> ; mg:killedCount 2 ;
    mg:earliestDate "2024-05-02"^^xsd:date ; mg:latestDate "2024-05-02"^^xsd:date .
<{BASE}id/incident/nowhere> a mg:Incident ; mg:place <{BASE}id/place/elsewhere> ;
    mg:earliestDate "2024-05-03"^^xsd:date ; mg:latestDate "2024-05-03"^^xsd:date .
"""


@pytest.fixture(scope="module")
def hand_made() -> list[dict[str, Any]]:
    store = Store()
    store.load(HAND_MADE.encode(), format=RdfFormat.TURTLE)
    return valid(geojson.collection(geojson.features(geojson.read(geojson.store_select(store)))))["features"]


def test_a_place_without_coordinates_takes_the_point_of_the_place_containing_it(hand_made: list[dict[str, Any]]
                                                                                ) -> None:
    village = by_id({"features": hand_made})[f"{BASE}id/incident/atvillage"]
    assert village["geometry"] == {"type": "Point", "coordinates": [47.03, 39.4]}  # the district's, not the harm's
    props = village["properties"]
    assert props["place"] == f"{BASE}id/place/village" and props["geometry_of"] == f"{BASE}id/place/district"
    assert props["geometry_note"] == "representative point of Jabrayil District: Xyz has no coordinates of its own"
    assert [p["label"] for p in props["place_chain"]] == ["Xyz", "Jabrayil District", "Azerbaijan"]
    assert "47.123456" not in json.dumps(hand_made) and "39.654321" not in json.dumps(hand_made)


def test_no_point_anywhere_is_a_null_geometry_and_unstated_counts_are_null(hand_made: list[dict[str, Any]]) -> None:
    features = by_id({"features": hand_made})
    nowhere = features[f"{BASE}id/incident/nowhere"]
    assert nowhere["geometry"] is None and nowhere["properties"]["geometry_of"] is None
    assert "neither Nowhere Land nor any place containing it has coordinates" in nowhere["properties"]["geometry_note"]
    assert (nowhere["properties"]["killed"], nowhere["properties"]["injured"]) == (None, None)
    assert (features[f"{BASE}id/incident/indistrict"]["properties"]["killed"],
            features[f"{BASE}id/incident/indistrict"]["properties"]["injured"]) == (2, None)


# --- unknown is not zero -----------------------------------------------------------------------------------------

def test_unstated_counts_are_null(tmp_path_factory: pytest.TempPathFactory) -> None:
    from minegraph.ingest.build import build
    from tests import unstated_counts as u
    from tests.conftest import DATA

    settings = Settings(store=tmp_path_factory.mktemp("geo-unstated") / "store", data_dir=DATA, base_uri=BASE)
    build(settings)
    u.write_unstated_counts(settings)
    app = create_app(settings, {"TESTING": True, "QUERY_WORKERS": 1})
    try:
        features = by_id(geo(app.test_client(), "/incidents.geojson"))
    finally:
        app.extensions["minegraph"].close()
    counts = {iri: (features[iri]["properties"]["killed"], features[iri]["properties"]["injured"])
              for iri in (u.NONE, u.INJURED_ONLY, u.KILLED_ONLY)}
    assert counts == {u.NONE: (None, None), u.INJURED_ONLY: (None, 2), u.KILLED_ONLY: (1, None)}
    assert features[u.NONE]["geometry"]["coordinates"] == [47.03, 39.4]


# --- restricted data --------------------------------------------------------------------------------------------

def with_restricted_data(built_settings: Settings, folder: Path) -> Settings:
    """A copy of the built store with tests/test_restricted.py's restricted graph, to which it adds an exact point
    on an incident and a finer point on its place (Jabrayil District): neither may be published."""
    from minegraph.store.embedded import EmbeddedStore
    from tests.test_restricted import RESTRICTED, _add_restricted

    shutil.copytree(built_settings.store, folder / "store")
    settings = replace(built_settings, store=folder / "store", write_token="")
    _add_restricted(settings.store)
    store = EmbeddedStore(settings.store)
    try:
        graph, geo_ns = NamedNode(RESTRICTED), "http://www.opengis.net/ont/geosparql#"
        for thing in (str(INCIDENT), JABRAYIL):
            point = NamedNode(f"{thing}#restricted-point")
            store.oxigraph.add(Quad(NamedNode(thing), NamedNode(f"{geo_ns}hasGeometry"), point, graph))
            store.oxigraph.add(Quad(point, NamedNode(f"{geo_ns}asWKT"), Literal("POINT(46.987654 39.123456)"), graph))
        store.oxigraph.flush()
    finally:
        store.close()
    return settings


def test_no_restricted_data_reaches_the_geojson(built_settings: Settings, tmp_path: Path) -> None:
    from minegraph.cli import main
    from tests.test_restricted import SECRETS, clean

    assert {"46.987654", "39.123456"} <= set(SECRETS)
    settings = with_restricted_data(built_settings, tmp_path)
    app = create_app(settings, {"TESTING": True, "QUERY_WORKERS": 1})
    try:
        client = app.test_client()
        collection = geo(client, "/incidents.geojson")
        # the place's public point, not the restricted one (the smaller, which a union of every graph would pick)
        assert by_id(collection)[str(INCIDENT)]["geometry"]["coordinates"] == [47.03, 39.4]
        for url in ("/incidents.geojson", f"/incidents.geojson?place={JABRAYIL.rsplit('/', 1)[-1]}"):
            clean(client.get(url).data, url)
    finally:
        app.extensions["minegraph"].close()
    result = CliRunner().invoke(main, ["export", "--format", "geojson", "-o", str(tmp_path / "out"),
                                       "--store", str(settings.store), "--base-uri", BASE])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "out" / "incidents.geojson").read_bytes()
    clean(written, "incidents.geojson")
    assert valid(json.loads(written)) == collection
