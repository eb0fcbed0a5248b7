"""Every kind of mine event: the event-type scheme in record files, and event tables (`row: event` mappings) whose
places are matched by name within their parent."""

from __future__ import annotations

from pathlib import Path

import pytest

from minegraph.core.errors import InputError
from minegraph.core.settings import Settings
from minegraph.ingest.run import ingest
from tests.conftest import BASE, DATA
from tests.test_ingest import HXL_META, dump, query, write_rows


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=tmp_path / "store", data_dir=DATA, base_uri=BASE)


EVENTS_MAPPING = """
name: events-by-name
row: event
identity: [ano, departamento, municipio, tipo]
country: {id: colombia, label: Colombia, iso3166: CO}
places:
  - {level: 1, name: departamento}
  - {level: 2, name: municipio}
date: {year: ano}
counts: {killed: muertos, injured: heridos}
fields:
  event_type:
    column: tipo
    values:
      Accidente por MAP: accident
      Incidente por MAP: explosion-without-casualties
      Sospecha de campo minado: suspected-hazardous-area
      Incautación: seizure
      Desminado militar en operaciones: clearance
  device:
    column: tipo
    default: unknown
    values:
      Accidente por MAP: antipersonnel-mine
      Incidente por MAP: antipersonnel-mine
      Sospecha de campo minado: unknown
      Incautación: antipersonnel-mine
      Desminado militar en operaciones: unknown
"""


def test_event_tables_every_kind_of_mine_event_with_places_by_name(settings: Settings, tmp_path: Path) -> None:
    """A Colombian events table (year, department, municipality, event type) goes through a mapping: `row: event`,
    places matched by name within their department, no `outcome` asked of every row, counts not stated when blank."""
    mapping = tmp_path / "events.yaml"
    mapping.write_text(EVENTS_MAPPING, encoding="utf-8")
    table = [["ano", "departamento", "municipio", "tipo", "muertos", "heridos"],
             ["2010", "BOYACA", "MIRAFLORES", "Sospecha de campo minado", "", ""],
             ["2011", "META", "GRANADA", "Accidente por MAP", "1", "0"],
             ["2012", "Antioquia", "Granada", "Incautación", "", ""],
             ["2013", "Guaviare", "", "Desminado militar en operaciones", "", ""]]
    path = write_rows(tmp_path / "events.csv", table)
    [result] = ingest([str(path)], settings, mapping=str(mapping), meta=HXL_META)
    assert (result.incidents, result.victims) == (4, 0)
    found = query(settings, """SELECT ?type ?code (COALESCE(STR(?k), "not stated") AS ?killed) ?label WHERE {
        ?i a mg:Incident ; mg:eventType/skos:notation ?type ; rdfs:label ?label ; mg:place/mg:pcode ?code
        OPTIONAL { ?i mg:killedCount ?k } } ORDER BY ?code""")
    assert [(t, c, k) for t, c, k, _ in found] == [
        ("seizure", "CO05313", "not stated"), ("suspected-hazardous-area", "CO15455", "not stated"),
        ("accident", "CO50313", "1"), ("clearance", "CO95", "not stated")]
    labels = {t: label for t, _, _, label in found}
    assert labels["suspected-hazardous-area"] == "Suspected hazardous area, Miraflores, Boyacá, 2010"
    assert labels["seizure"] == "Seizure of explosive ordnance (antipersonnel mine), Granada, Antioquia, 2012"
    assert labels["clearance"].startswith("Clearance, Guaviare")
    # a municipality of the gazetteer is published with DANE's point
    points = query(settings, "SELECT ?wkt WHERE { ?p mg:pcode 'CO15455' ; geo:hasGeometry/geo:asWKT ?wkt }")
    assert points and points[0][0].startswith("POINT(-73.1")
    bad = write_rows(tmp_path / "bad-events.csv", [table[0], ["2014", "META", "GRANADA", "Minas voladoras", "", ""]])
    with pytest.raises(InputError, match="is not a known value of event-type") as refused:
        ingest([str(bad)], settings, mapping=str(mapping), meta=HXL_META)
    assert "Minas voladoras" in str(refused.value)


def test_a_place_name_not_matched_is_kept_as_reported_at_the_coarser_place(settings: Settings,
                                                                           tmp_path: Path) -> None:
    """892 unmatched municipalities lost their names: a tie or a miss now leaves the row at the coarser place with
    the name kept (mg:placeAsReported), a warning, and a notice listing them; nothing is guessed."""
    mapping = tmp_path / "events.yaml"
    mapping.write_text(EVENTS_MAPPING, encoding="utf-8")
    table = [["ano", "departamento", "municipio", "tipo", "muertos", "heridos"],
             ["2014", "META", "MIRAFLORES", "Incautación", "", ""],  # Miraflores is in Boyacá and Guaviare
             ["2015", "META", "MIRAFLORES", "Incautación", "", ""],
             ["2016", "ATLANTIDA", "GRANADA", "Incautación", "", ""]]  # no such department
    [result] = ingest([str(write_rows(tmp_path / "e.csv", table))], settings, mapping=str(mapping), meta=HXL_META)
    assert result.incidents == 3
    found = query(settings, """SELECT ?place ?reported WHERE { ?i mg:placeAsReported ?reported ;
        mg:place/rdfs:label ?place } ORDER BY ?reported""")
    assert sorted(found) == [("Colombia", "GRANADA, ATLANTIDA"), ("Meta", "MIRAFLORES"), ("Meta", "MIRAFLORES")]
    notice = next(n for n in result.notices if "keeps the name as reported" in n)
    assert "MIRAFLORES in Meta (2 rows)" in notice and "GRANADA, ATLANTIDA in Colombia (1 row)" in notice
    assert any("PlaceAsReportedShape" in w.text() for w in result.report.warnings)


def test_a_victim_mapping_still_needs_its_outcome(tmp_path: Path) -> None:
    from minegraph.ingest.spec import load_mapping

    mapping = tmp_path / "victims.yaml"
    mapping.write_text(EVENTS_MAPPING.replace("row: event", "row: victim"), encoding="utf-8")
    with pytest.raises(InputError, match="needs `fields: outcome:`"):
        load_mapping(mapping)


def test_record_files_say_what_kind_of_event(tmp_path: Path) -> None:
    """`type:` of an incident is a code of the event-type scheme: checked by the gate, shown on the page; casualties
    stated on a find warn (an explosion that harmed people is an accident)."""
    import shutil

    from minegraph.core.errors import ValidationFailed
    from minegraph.ingest.build import build

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    record = data / "sources" / "newsaz-ombudsperson-april-6.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("    type: accident\n", "    type: device-found\n", 1), encoding="utf-8")
    result = build(Settings(store=tmp_path / "store", data_dir=data, base_uri=BASE))
    warned = [w.text() for w in result.report.warnings if "EventWithCasualtiesShape" in w.text()]
    assert len(warned) == 1 and "explosive-ordnance found" not in warned[0] and "device-found" in warned[0]
    record.write_text(text.replace("    type: accident\n", "    type: minefield-ish\n", 1), encoding="utf-8")
    with pytest.raises(ValidationFailed) as refused:
        build(Settings(store=tmp_path / "store2", data_dir=data, base_uri=BASE))
    violations = [v.text() for v in refused.value.report.violations]
    assert len(violations) == 1 and "incidents[jabrayil-anama-employee-injured]" in violations[0]
    assert "event-type" in violations[0]


def test_the_incident_page_names_the_event_type(web_client) -> None:  # type: ignore[no-untyped-def]
    html = web_client.get("/doc/incident/k318zecnq29", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<dt>Event type</dt>" in html and 'href="/concept/event-type/accident"' in html
    concept = web_client.get("/concept/event-type/suspected-hazardous-area", headers={"Accept": "text/turtle"},
                             follow_redirects=True)
    assert concept.status_code == 200 and b"Hazard: suspected hazardous area (SHA)" in concept.data


def test_points_of_finds_and_hazard_areas_are_published_rounded_never_of_accidents(settings: Settings,
                                                                                   tmp_path: Path) -> None:
    """Hazard areas and finds are published to warn people, at ~1 km; an accident's point is where someone was
    harmed: never published, whatever the table gives."""
    mapping = tmp_path / "events.yaml"
    mapping.write_text(EVENTS_MAPPING + "point: {lat: lat, lon: lon}\n", encoding="utf-8")
    table = [["ano", "departamento", "municipio", "tipo", "muertos", "heridos", "lat", "lon"],
             ["2010", "BOYACA", "MIRAFLORES", "Sospecha de campo minado", "", "", "5.196515", "-73.145631"],
             ["2011", "META", "GRANADA", "Accidente por MAP", "1", "0", "3.601234", "-73.654321"],
             ["2012", "Antioquia", "Granada", "Incautación", "0", "1", "6.201357", "-75.102468"]]
    [result] = ingest([str(write_rows(tmp_path / "events.csv", table))], settings, mapping=str(mapping),
                      meta=HXL_META)
    assert result.incidents == 3
    points = query(settings, """SELECT ?type ?wkt ?precision WHERE { ?i mg:eventType/skos:notation ?type ;
        geo:hasGeometry ?g . ?g geo:asWKT ?wkt ; mg:coordinatePrecision ?precision }""")
    assert points == [("suspected-hazardous-area", "POINT(-73.15 5.2)", "1000")]
    everything = dump(settings).decode("utf-8")
    for secret in ("3.601234", "-73.654321", "3.6)", "-73.65", "6.201357", "-75.102468", "6.2)", "-75.1 "):
        assert secret not in everything, secret
    assert any("points of 2 event(s) are not published" in notice for notice in result.notices)
    bad = write_rows(tmp_path / "bad.csv", [table[0], ["2013", "META", "GRANADA", "Incautación", "", "", "95", "x"]])
    with pytest.raises(InputError, match="is not a point"):
        ingest([str(bad)], settings, mapping=str(mapping), meta=HXL_META)


@pytest.mark.parametrize("fast_above", [10**9, 0], ids=["pyshacl", "fast-gate"])
def test_no_write_door_publishes_the_point_of_an_accident(built_settings: Settings, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, fast_above: int) -> None:
    """SPARQL Update, Graph Store and ingest all pass the one gate: a point given to the seed's accident is refused
    (with pyshacl and with the fast gate a big write goes through)."""
    import shutil
    from dataclasses import replace

    from minegraph.core.errors import ValidationFailed
    from minegraph.store import door
    from minegraph.web.writes import apply_write

    shutil.copytree(built_settings.store, tmp_path / "store")
    settings = replace(built_settings, store=tmp_path / "store")
    monkeypatch.setattr(door, "FAST_GATE_TRIPLES", fast_above)
    incident = f"{BASE}id/incident/k318zecnq29"
    update = f"""PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX mg: <{BASE}def/>
    INSERT DATA {{ GRAPH <{BASE}graph/source/x7cbn16a1kt> {{
      <{incident}> geo:hasGeometry <{incident}#point> .
      <{incident}#point> a geo:Geometry ; geo:asWKT "POINT(46.9123 39.4567)"^^geo:wktLiteral ;
        mg:coordinatePrecision 1000 . }} }}"""
    with pytest.raises(ValidationFailed) as refused:
        apply_write(settings, lambda scratch: scratch.update(update))
    assert any("IncidentPointShape" in v.text() and "event type is not one of those" in v.text()
               for v in refused.value.report.violations)


def test_a_colombian_victim_table_is_drawn_at_its_municipalities(settings: Settings) -> None:
    """The municipalities a table names by DANE code take DANE's representative point from the gazetteer, so that
    the map can place its incidents (they had no coordinates: the whole table was "not on the map")."""
    from tests.test_ingest import SAMPLE

    [result] = ingest([str(SAMPLE)], settings, mapping="colombia-victims")
    assert result.incidents == 200
    granada = query(settings, """SELECT ?wkt ?precision ?same WHERE { ?p mg:pcode "CO05313" ;
        geo:hasGeometry [ geo:asWKT ?wkt ; mg:coordinatePrecision ?precision ] ; skos:exactMatch ?same }""")
    assert granada == [("POINT(-75.184446 6.142892)", "10000", granada[0][2])]
    assert granada[0][2].startswith("https://sws.geonames.org/")
    placed = query(settings, """SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a mg:Incident ;
        mg:place/geo:hasGeometry ?g }""")
    assert placed == [("200",)]


def test_an_event_table_in_geojson_reads_like_csv(settings: Settings, tmp_path: Path) -> None:
    """Mapping files take GeoJSON and CSV alike: properties are columns, the geometry's point `geometry:lat` /
    `geometry:lon` (a hazard area's polygon: the mean of its vertices), published by the same rule."""
    import json

    mapping = tmp_path / "events.yaml"
    mapping.write_text(EVENTS_MAPPING + "point: {lat: 'geometry:lat', lon: 'geometry:lon'}\n", encoding="utf-8")
    square = [[[-73.20, 5.10], [-73.10, 5.10], [-73.10, 5.30], [-73.20, 5.30], [-73.20, 5.10]]]
    features = [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": square},
         "properties": {"ano": 2010, "departamento": "BOYACA", "municipio": "MIRAFLORES",
                        "tipo": "Sospecha de campo minado", "muertos": None, "heridos": None}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-73.654321, 3.601234]},
         "properties": {"ano": 2011, "departamento": "META", "municipio": "GRANADA", "tipo": "Accidente por MAP",
                        "muertos": 1, "heridos": 0}}]
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    [result] = ingest([str(path)], settings, mapping=str(mapping), meta=HXL_META)
    assert result.incidents == 2
    points = query(settings, """SELECT ?type ?wkt WHERE { ?i mg:eventType/skos:notation ?type ;
        geo:hasGeometry/geo:asWKT ?wkt }""")
    assert points == [("suspected-hazardous-area", "POINT(-73.16 5.18)")]  # mean of the 5 vertices, rounded
    assert "3.601234" not in dump(settings).decode("utf-8")
    path.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(InputError, match="is not a GeoJSON FeatureCollection"):
        ingest([str(path)], settings, mapping=str(mapping), meta=HXL_META)
    deep = "[" * 200_000 + "]" * 200_000
    path.write_text('{"type": "FeatureCollection", "features": ' + deep + "}", encoding="utf-8")
    with pytest.raises(InputError, match="is not valid JSON"):  # nesting that would exhaust the parser's stack
        ingest([str(path)], settings, mapping=str(mapping), meta=HXL_META)


def test_the_incident_page_says_which_place_name_was_not_matched(built_store: object) -> None:
    from rdflib import Literal, URIRef

    from minegraph.publish.describe import describe
    from minegraph.web.pages import render_resource

    incident = f"{BASE}id/incident/k318zecnq29"
    graph = describe(built_store, incident, base=BASE)  # type: ignore[arg-type]
    graph.add((URIRef(incident), URIRef(f"{BASE}def/placeAsReported"), Literal("Qaraxanbəyli <b>")))
    html = render_resource("incident", incident, graph, release=None, alternates=[], base=BASE)
    assert "The source names “Qaraxanbəyli &lt;b&gt;” here" in html and "recorded at the place above" in html
