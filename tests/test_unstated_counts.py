"""Unknown is not zero in every output: an incident whose source does not state how many people were killed or
injured shows "not stated" on its page and in the list, is left out of sums (and the sums say how many incidents
do not say), never matches a killed or injured filter, and is an empty cell in the HXL export.

The store is built from data/ and then written through the door with tests/unstated_counts.py's source.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from minegraph.core.settings import Settings
from minegraph.ingest.build import build
from minegraph.web import create_app
from tests import unstated_counts as u
from tests.conftest import BASE, DATA
from tests.test_pages import check_page, get, jsonld_of, rows

MG = "https://w3id.org/minegraph/def/"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(store=tmp_path_factory.mktemp("unstated") / "store", data_dir=DATA, base_uri=BASE)
    build(settings)
    written = u.write_unstated_counts(settings)
    assert u.GRAPH in written.changed
    warned = {(r.focus, r.path) for r in written.report.results if "not stated" in r.message}
    assert warned == {(u.NONE, f"{MG}killedCount"), (u.NONE, f"{MG}injuredCount"),
                      (u.INJURED_ONLY, f"{MG}killedCount"), (u.KILLED_ONLY, f"{MG}injuredCount")}
    return settings


@pytest.fixture(scope="module")
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings, {"TESTING": True, "QUERY_WORKERS": 1})
    yield app
    app.extensions["minegraph"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def doc(iri: str) -> str:
    return "/doc/" + iri[len(BASE) + len("id/"):]


def fact(html: str, name: str) -> str:
    """The text of the summary's fact ``name`` (tags removed)."""
    found = re.search(rf"<dt>{name}</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    assert found, name
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


# --- pages ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("iri", "killed", "injured"), [
    (u.NONE, "not stated", "not stated"), (u.INJURED_ONLY, "not stated", "2"), (u.KILLED_ONLY, "1", "not stated"),
])
def test_incident_page_says_not_stated_and_keeps_its_other_facts(client: FlaskClient, iri: str, killed: str,
                                                                  injured: str) -> None:
    html = get(client, doc(iri))
    check_page(html)
    assert (fact(html, "Killed"), fact(html, "Injured")) == (killed, injured)
    # the facts after the counts are shown whichever counts are missing
    assert fact(html, "Explosive ordnance").startswith("Antipersonnel mine")
    assert fact(html, "Context").startswith("Civilian activity")
    # the page's JSON-LD has the stated counts only: nothing for the others, never a 0
    counts = {(p.rsplit("/", 1)[-1], o) for s, p, o in jsonld_of(html) if s == iri and p.endswith("Count")}
    stated = {("killedCount", killed), ("injuredCount", injured)} - {("killedCount", "not stated"),
                                                                    ("injuredCount", "not stated")}
    assert counts == stated


def _list_counts(html: str) -> dict[str, tuple[str, str]]:
    found = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", html, re.S):
        href = re.search(r'href="(/id/incident/[^"]+)"', row)
        cells = dict(re.findall(r'<td class="num" data-label="(Killed|Injured)">(.*?)</td>', row, re.S))
        assert href
        found[BASE + href.group(1)[1:]] = tuple(re.sub(r"<[^>]+>", "", cells[k]).strip()
                                               for k in ("Killed", "Injured"))
    return found


def test_incident_list_says_not_stated(client: FlaskClient) -> None:
    html = get(client, "/incidents?device=antipersonnel-mine")
    check_page(html)
    assert _list_counts(html) == {u.NONE: ("not stated", "not stated"), u.INJURED_ONLY: ("not stated", "2"),
                                  u.KILLED_ONLY: ("1", "not stated")}


@pytest.mark.parametrize(("outcome", "expected"), [
    ("killed", {u.KILLED_ONLY}), ("injured", {u.INJURED_ONLY}),
])
def test_killed_and_injured_filters_never_match_a_count_not_stated(client: FlaskClient, outcome: str,
                                                                   expected: set[str]) -> None:
    html = get(client, f"/incidents?device=antipersonnel-mine&outcome={outcome}")
    assert {BASE + path[1:] for path in rows(html)} == expected
    assert f'<h2 id="results-h">{len(expected)} incident' in html


def _figure(html: str, name: str) -> str:
    found = re.search(rf"<div><dt>{name}</dt>(.*?)</div>", html, re.S)
    assert found, name
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_home_figures_sum_the_stated_counts_and_say_how_many_incidents_do_not_say(client: FlaskClient) -> None:
    html = get(client, "/")
    check_page(html)
    # data/: 3 incidents, 1 killed, 4 injured, all stated; and the three of May 2024
    assert _figure(html, "Incidents") == "6"
    assert _figure(html, "People killed") == "2 in the 4 incidents that state a number; 2 incidents do not say"
    assert _figure(html, "People injured") == "6 in the 4 incidents that state a number; 2 incidents do not say"
    assert "it is not counted as 0" in html


def test_home_figures_when_no_incident_states_a_count(app: Flask) -> None:
    from minegraph.web.pages import render

    figures = {"incidents": 36527, "killed": 0, "killed_stated": 0, "killed_unstated": 36527, "injured": 12,
               "injured_stated": 1, "injured_unstated": 36526, "sources": 1, "places": 3, "statements": 1}
    html = render("pages/home.html", figures=figures, built="", recent=[], title="minegraph", cite=None,
                  alternates=[], base=BASE, path_of=str, jsonld="{}")
    assert _figure(html, "Incidents") == "36,527"
    assert _figure(html, "People killed") == "not stated none of the 36,527 incidents states a number"
    assert _figure(html, "People injured") == ("12 in the 1 incident that states a number; 36,526 incidents do "
                                               "not say")



# --- RDF documents and VoID: nothing invented ------------------------------------------------------------------

@pytest.mark.parametrize("extension", ["ttl", "jsonld"])
def test_rdf_documents_carry_the_stated_counts_only(client: FlaskClient, extension: str) -> None:
    from pyoxigraph import RdfFormat, parse

    counts = set()
    for iri in (u.NONE, u.INJURED_ONLY, u.KILLED_ONLY):
        reply = client.get(f"{doc(iri)}.{extension}")
        assert reply.status_code == 200
        for triple in parse(reply.data, format=RdfFormat.from_extension(extension)):
            if triple.predicate.value in (f"{MG}killedCount", f"{MG}injuredCount"):
                counts.add((triple.subject.value, triple.predicate.value.rsplit("/", 1)[-1], triple.object.value))
    assert counts == {(u.INJURED_ONLY, "injuredCount", "2"), (u.KILLED_ONLY, "killedCount", "1")}


def test_void_counts_the_stated_counts_only(client: FlaskClient) -> None:
    from rdflib import Graph, Namespace

    void = Namespace("http://rdfs.org/ns/void#")
    reply = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=reply.get_data(as_text=True), format="turtle")
    triples = {str(graph.value(part, void.property)): int(graph.value(part, void.triples))  # type: ignore[arg-type]
               for part in graph.objects(None, void.propertyPartition)}
    # data/'s three incidents and the two of this source that state them; six incidents in all
    assert triples[f"{MG}killedCount"] == 4 and triples[f"{MG}injuredCount"] == 4

# --- HXL export ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def export(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from minegraph.cli import main

    out = tmp_path_factory.mktemp("export")
    result = CliRunner().invoke(main, ["export", "--format", "hxl", "--store", str(settings.store), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _table(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    tags = next(csv.reader(lines[1:2]))
    return [dict(zip(tags, row, strict=True)) for row in csv.reader(lines[2:])]


def test_hxl_incidents_leave_a_count_not_stated_empty(export: Path) -> None:
    by_iri = {row["#event+id"]: row for row in _table(export / "incidents.csv")}
    assert len(by_iri) == 6, "an incident without counts is exported too"
    assert [(by_iri[i]["#affected+killed"], by_iri[i]["#affected+injured"])
            for i in (u.NONE, u.INJURED_ONLY, u.KILLED_ONLY)] == [("", ""), ("", "2"), ("1", "")]


def test_hxl_aggregates_sum_only_stated_counts_and_count_the_incidents_that_do_not_say(export: Path) -> None:
    cells = {(row["#adm1+code"], row["#date+month"]): row for row in _table(export / "aggregates.csv")}
    may = cells[(u.JABRAYIL_PCODE, "2024-05")]
    assert (may["#affected+killed"], may["#affected+injured"]) == ("1", "2")
    assert (may["#event+num"], may["#event+num+unstated+killed"], may["#event+num+unstated+injured"]) == ("3", "2", "2")
    metadata = json.loads((export / "hdx-metadata.json").read_text(encoding="utf-8"))
    assert "never 0" in metadata["caveats"] and "#event+num+unstated+killed" in metadata["caveats"]
    assert metadata["minegraph"]["incidents_not_stating"] == {"killed": 2, "injured": 2}


def test_hxl_aggregates_leave_a_sum_empty_when_no_incident_of_the_row_states_it() -> None:
    from minegraph.publish.hxl_export import Incident, aggregates_csv

    class NoVictims:
        def query(self, sparql: str) -> list[object]:
            return []

    def incident(key: str, killed: int | None, injured: int | None) -> Incident:
        return Incident(key, "2024-06-01", "2024-06-01", "2024-06-01", "2024-06", "antipersonnel-mine", killed,
                        injured, "AZE", (u.JABRAYIL_PCODE, "Jabrayil District"), ("", ""), "")

    text, _suppressed = aggregates_csv([incident("a", None, 0), incident("b", None, None)], NoVictims())  # type: ignore[arg-type]
    row = dict(zip(*list(csv.reader(text.splitlines()))[1:3], strict=True))
    assert (row["#affected+killed"], row["#affected+injured"]) == ("", "0")
    assert (row["#event+num"], row["#event+num+unstated+killed"], row["#event+num+unstated+injured"]) == ("2", "2", "1")

def test_hxl_export_is_read_by_libhxl_with_the_documented_hashtags(export: Path) -> None:
    """The HXL library reads both files: each column's header and hashtag (tag and attributes) are the documented
    ones, and the counts it reads are the export's, a count not stated an empty cell."""
    import hxl

    from minegraph.publish.hxl_export import AGGREGATE_COLUMNS, INCIDENT_COLUMNS

    def read(name: str) -> tuple[list[Any], list[Any]]:
        with hxl.data(str(export / name), hxl.InputOptions(allow_local=True)) as dataset:
            return dataset.columns, list(dataset)

    for name, documented in (("incidents.csv", INCIDENT_COLUMNS), ("aggregates.csv", AGGREGATE_COLUMNS)):
        columns, rows = read(name)
        assert [(c.header, c.display_tag) for c in columns] == list(documented), name
        assert all(c.tag and c.attributes == set(tag.split("+")[1:])
                   for c, (_h, tag) in zip(columns, documented, strict=True))
        assert rows, name
    incidents = {row.get("#event+id"): (row.get("#affected+killed", default=""),
                                        row.get("#affected+injured", default=""))
                 for row in read("incidents.csv")[1]}
    assert [incidents[i] for i in (u.NONE, u.INJURED_ONLY, u.KILLED_ONLY)] == [("", ""), ("", "2"), ("1", "")]


def _respelled(path: Path, out: Path) -> Path:
    """``path`` as another HXL user might write it: columns in reverse order, each hashtag's attributes reversed and
    capitalised, with spaces (``#Affected +Killed``), parsed and rewritten with libhxl's Column."""
    from hxl.model import Column

    table = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    tags = [Column.parse(tag) for tag in table[1]]
    table[1] = ["#" + c.tag[1:].title() + "".join(f" +{a.title()}" for a in reversed(c.attribute_list))
                for c in tags]
    with out.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(row[::-1] for row in table)
    return out


@pytest.mark.parametrize("spelling", ["as exported", "columns reversed, attributes reversed and capitalised"])
def test_hxl_export_reads_back_to_counts_not_stated(export: Path, tmp_path: Path, spelling: str) -> None:
    """Through `minegraph ingest` of the HXL file, an empty cell is a count not stated again: no triple, not 0; the
    same when the columns and the hashtags' attributes come in another order and case, as HXL allows."""
    import yaml
    from click.testing import CliRunner

    from minegraph.cli import main
    from minegraph.core.vocab import source_graph_iri, sparql_prefixes
    from minegraph.store.embedded import EmbeddedStore

    incidents = export / "incidents.csv"
    if spelling != "as exported":
        incidents = _respelled(incidents, tmp_path / "incidents.csv")
        assert "#Affected +Killed" in incidents.read_text(encoding="utf-8")
    copy = Settings(store=tmp_path / "store", data_dir=DATA, base_uri=BASE)
    build(copy)
    meta = tmp_path / "meta.yaml"
    meta.write_text(yaml.safe_dump({"id": "hxl-unstated", "title": "minegraph HXL export", "type": "dataset",
                                    "language": "en", "publisher": "news-az", "retrieved": "2026-12-03"}))
    result = CliRunner().invoke(main, ["ingest", "--store", str(copy.store), "--data", str(DATA), "--meta", str(meta),
                                       str(incidents)])
    assert result.exit_code == 0, result.output
    assert "unknown columns, ignored: Source (#meta+source)" in result.output
    store = EmbeddedStore(copy.store, read_only=True)
    try:
        found = {row["d"].value: (row["k"].value if row["k"] else "", row["j"].value if row["j"] else "")
                 for row in store.query(sparql_prefixes() + f"""  # type: ignore[union-attr]
            SELECT ?d ?k ?j WHERE {{ GRAPH <{source_graph_iri(BASE, "hxl-unstated")}> {{
              ?i a mg:Incident ; mg:earliestDate ?d FILTER(?d >= "2024-05-01"^^xsd:date)
              OPTIONAL {{ ?i mg:killedCount ?k }} OPTIONAL {{ ?i mg:injuredCount ?j }} }} }}""")}
    finally:
        store.close()
    assert found == {"2024-05-10": ("", ""), "2024-05-11": ("", "2"), "2024-05-12": ("1", "")}
