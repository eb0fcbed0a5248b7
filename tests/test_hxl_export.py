"""The HXL export for HDX: it reads back through our own HXL importer to the same counts."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from minegraph.cli import main
from minegraph.core.settings import Settings
from minegraph.core.vocab import source_graph_iri, sparql_prefixes
from minegraph.ingest.build import build
from minegraph.publish.hxl_export import SMALL_CELL, aggregates_csv, read_incidents
from minegraph.store.embedded import EmbeddedStore

from .conftest import BASE, DATA, listed_for_redaction
from .test_aggregates import _add_fictional_source

COUNTS = """
SELECT ?pcode (SUM(?k) AS ?killed) (SUM(?j) AS ?injured) WHERE {
  GRAPH <%s> { ?i a mg:Incident ; mg:killedCount ?k ; mg:injuredCount ?j ; mg:place ?place }
  ?place mg:pcode ?pcode .
} GROUP BY ?pcode ORDER BY ?pcode"""


def _counts(store_path: Path, source_id: str) -> list[tuple[str, str, str]]:
    store = EmbeddedStore(store_path, read_only=True)
    try:
        rows = store.query(sparql_prefixes() + COUNTS % source_graph_iri(BASE, source_id))
        return [(r["pcode"].value, r["killed"].value, r["injured"].value) for r in rows]  # type: ignore[union-attr]
    finally:
        store.close()


def test_export_reads_back_to_the_same_counts(runner: CliRunner, tmp_path: Path) -> None:
    original = Settings(store=tmp_path / "a" / "store", data_dir=DATA, base_uri=BASE)
    build(original)
    out = tmp_path / "export"
    result = runner.invoke(main, ["export", "--format", "hxl", "--store", str(original.store), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader((out / "incidents.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[1][:4] == ["#event+id", "#date", "#date+start", "#date+end"]
    assert {r[1] for r in rows[2:]} == {"--04-06"}, "the year is not invented in the export either"

    # ingest the export as a new source into a second store built from the same data/
    copy = Settings(store=tmp_path / "b" / "store", data_dir=DATA, base_uri=BASE)
    build(copy)
    meta = tmp_path / "meta.yaml"
    meta.write_text(yaml.safe_dump({"id": "hxl-roundtrip", "title": "minegraph HXL export", "type": "dataset",
                                    "language": "en", "publisher": "news-az", "retrieved": "2026-11-27"}))
    ingested = runner.invoke(main, ["ingest", "--store", str(copy.store), "--data", str(DATA), "--meta", str(meta),
                                    str(out / "incidents.csv")])
    assert ingested.exit_code == 0, ingested.output
    assert _counts(copy.store, "hxl-roundtrip") == _counts(original.store, "newsaz-ombudsperson-april-6") == [
        ("AZ60500001", "1", "1"), ("AZ60900001", "0", "3")]
    # the dates came back as they were: 6 April, year unknown, within the same range
    store = EmbeddedStore(copy.store, read_only=True)
    try:
        dates = {(r["e"].value, r["l"].value, r["p"].value) for r in store.query(sparql_prefixes() + """
            SELECT ?e ?l ?p WHERE { ?i a mg:Incident ; mg:earliestDate ?e ; mg:latestDate ?l ;
                                       mg:datePrecision/skos:notation ?p }""")}  # type: ignore[union-attr]
    finally:
        store.close()
    assert dates == {("2020-04-06", "2026-04-06", "day-unknown-year")}
    assert _triples_in_two_graphs(copy.store) == [], "the union default graph would count them twice"


def _triples_in_two_graphs(store_path: Path) -> list[object]:
    store = EmbeddedStore(store_path, read_only=True)
    try:
        return list(store.query("""SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?s ?p ?o
                                   HAVING (COUNT(DISTINCT ?g) > 1) LIMIT 5"""))  # type: ignore[arg-type]
    finally:
        store.close()


def test_aggregates_suppress_small_breakdown_cells_and_say_so(tmp_path: Path, data_copy: Path) -> None:
    _add_fictional_source(data_copy)
    settings = Settings(store=tmp_path / "store", data_dir=data_copy, base_uri=BASE)
    build(settings)
    store = EmbeddedStore(settings.store, read_only=True)
    try:
        text, suppressed = aggregates_csv(read_incidents(store), store)
    finally:
        store.close()
    rows = list(csv.reader(text.splitlines()))
    assert rows[1][-1] == "#meta+suppressed"
    assert rows[2][:7] == ["AZE", "AZ60900001", "Aghdam District", "2006", "2006-01", "2", "6"]
    # no sex or age is recorded in the fictional victims: not known, so empty (never 0), and not suppressed
    assert rows[2][7:10] == ["", "", ""] and suppressed == 0 and rows[2][-1] == ""
    assert all(not cell or int(cell) == 0 or int(cell) >= SMALL_CELL for cell in rows[2][7:10])


def test_hdx_metadata_states_the_rule(runner: CliRunner, built_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "export"
    assert runner.invoke(main, ["export", "--store", str(built_settings.store), "-o", str(out)]).exit_code == 0
    metadata = json.loads((out / "hdx-metadata.json").read_text(encoding="utf-8"))
    assert {"name": "aze"} in metadata["groups"]
    # the seed's source keeps its rights: the export says so instead of CC BY 4.0
    assert metadata["license_id"] == "hdx-other" and "All rights reserved by the publisher" in metadata["license_other"]
    assert f"fewer than {SMALL_CELL}" in metadata["caveats"]
    assert metadata["dataset_date"].startswith("[2020-04-06")
    assert not listed_for_redaction().contains((out / "incidents.csv").read_text(encoding="utf-8"))


# --- the breakdown by sex and age: unknown is not zero --------------------------------------------------------

HXL_HEADER = ["Date", "Admin 1", "Device", "Killed", "Injured"]
HXL_TAGS = ["#date", "#adm1+code", "#event+code", "#affected+killed", "#affected+injured"]


def _ingest_and_export(runner: CliRunner, tmp_path: Path, header: list[str], tags: list[str],
                       rows: list[list[str]]) -> dict[str, str]:
    """An HXL table ingested into an empty store, exported: the aggregates row of its one admin-1 area and month,
    by hashtag."""
    table = tmp_path / "incidents.hxl.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, tags, *rows])
    meta = tmp_path / "meta.yaml"
    meta.write_text(yaml.safe_dump({"id": "breakdown-test", "title": "Breakdown test", "type": "dataset",
                                    "language": "en", "publisher": "anama", "retrieved": "2026-11-27"}))
    store, out = tmp_path / "store", tmp_path / "export"
    ingested = runner.invoke(main, ["ingest", "--store", str(store), "--data", str(DATA), "--meta", str(meta),
                                    "-q", str(table)])
    assert ingested.exit_code == 0, ingested.output
    exported = runner.invoke(main, ["export", "--format", "hxl", "--store", str(store), "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    lines = list(csv.reader((out / "aggregates.csv").read_text(encoding="utf-8").splitlines()))
    [row] = lines[2:]
    return dict(zip(lines[1], row, strict=True))


def test_a_breakdown_no_victim_states_is_empty_not_zero(runner: CliRunner, tmp_path: Path) -> None:
    """One person injured, no sex or age given: the row does not say 0 women, 0 men, 0 children."""
    row = _ingest_and_export(runner, tmp_path, HXL_HEADER, HXL_TAGS,
                             [["2023-04-06", "AZ60500001", "antipersonnel-mine", "0", "1"]])
    assert (row["#affected+killed"], row["#affected+injured"]) == ("0", "1")
    assert (row["#affected+f"], row["#affected+m"], row["#affected+children"]) == ("", "", "")
    assert row["#meta+suppressed"] == "", "an unknown breakdown is not a suppressed one"
    metadata = json.loads((tmp_path / "export" / "hdx-metadata.json").read_text(encoding="utf-8"))
    assert "empty when it is not known" in metadata["caveats"]


def test_a_breakdown_is_zero_only_when_everyone_is_described(runner: CliRunner, tmp_path: Path) -> None:
    """Six men injured, all adults: 0 women and 0 children are known; 6 men (not a small cell)."""
    header = [*HXL_HEADER, "Injured women", "Injured men", "Injured children"]
    tags = [*HXL_TAGS, "#affected+injured+f", "#affected+injured+m", "#affected+injured+children"]
    row = _ingest_and_export(runner, tmp_path, header, tags,
                             [["2023-04-06", "AZ60500001", "antipersonnel-mine", "0", "6", "0", "6", "0"]])
    assert (row["#affected+f"], row["#affected+m"], row["#affected+children"]) == ("0", "6", "0")


def test_a_breakdown_is_not_zero_when_some_people_are_not_described() -> None:
    """Two incidents of one row: one states its victims' sex (a man), the other counts 5 people nobody describes."""
    from collections import Counter

    from minegraph.publish.hxl_export import breakdown

    counts: Counter[str] = Counter(killed=1, injured=5, m=1, stated_sex=1, stated_age=0)
    assert breakdown(counts, "m", "sex") == 1
    assert breakdown(counts, "f", "sex") is None and breakdown(counts, "children", "age") is None
    everyone = Counter(killed=1, injured=0, m=1, stated_sex=1)
    assert breakdown(everyone, "f", "sex") == 0
    assert breakdown(Counter(killed=1, m=1, stated_sex=1, unstated_injured=1), "f", "sex") is None


# --- admin levels from the hierarchy, small cells of 1-4, an empty store -----------------------------------------

MG, MGC = f"{BASE}def/", f"{BASE}concept/"
NOTATION = "<http://www.w3.org/2004/02/skos/core#notation>"


def _memory_store(victims: list[str], place: str = "village", injured: int = 9) -> object:
    """A store of one incident at ``place`` (in a hierarchy country > province > district > village), injuring
    ``injured`` people whose sexes are ``victims`` (``female``, ``male`` or ``unknown``), in April 2023."""
    from pyoxigraph import RdfFormat, Store

    lines = []
    hierarchy = [("country", 0, "", None, "CO"), ("province", 1, "CO05", "country", None),
                 ("district", 2, "CO05001", "province", None), ("village", 3, "", "district", None)]
    for name, level, pcode, parent, iso in hierarchy:
        iri = f"<{BASE}id/place/{name}>"
        lines += [f'{iri} <{MG}adminLevel> {level} .', f'{iri} <http://www.w3.org/2000/01/rdf-schema#label> '
                  f'"{name.title()}"@en .']
        lines += [f'{iri} <{MG}pcode> "{pcode}" .'] if pcode else []
        lines += [f'{iri} <http://schema.org/containedInPlace> <{BASE}id/place/{parent}> .'] if parent else []
        lines += [f'{iri} <{MG}iso3166> "{iso}" .'] if iso else []
    incident = f"<{BASE}id/incident/i>"
    date = "<http://www.w3.org/2001/XMLSchema#date>"
    lines += [f"{incident} a <{MG}Incident> ; <{MG}earliestDate> \"2023-04-01\"^^{date} ;"
              f" <{MG}latestDate> \"2023-04-30\"^^{date} ;"
              f" <{MG}place> <{BASE}id/place/{place}> ; <{MG}explosiveOrdnanceType> <{MGC}device/apm> ;"
              f" <{MG}killedCount> 0 ; <{MG}injuredCount> {injured} ;"
              f" <http://www.w3.org/2006/time#hasTime> [ <http://www.w3.org/2006/time#year> \"2023\" ;"
              f" <http://www.w3.org/2006/time#month> \"--04\" ] .",
              f'<{MGC}device/apm> {NOTATION} "antipersonnel-mine" .',
              f'<{MGC}outcome/injured> {NOTATION} "injured" .']
    for sex in ("female", "male", "unknown"):
        lines.append(f'<{MGC}sex/{sex}> {NOTATION} "{sex}" .')
    for n, sex in enumerate(victims):
        lines.append(f"<{BASE}id/victim/v{n}> a <{MG}Victim> ; <{MG}incident> {incident} ; "
                     f"<{MG}outcome> <{MGC}outcome/injured> ; <{MG}sex> <{MGC}sex/{sex}> .")
    store = Store()
    store.load("\n".join(lines).encode(), format=RdfFormat.TURTLE)
    return store


def test_an_incident_at_a_settlement_has_its_district_and_province() -> None:
    [incident] = read_incidents(_memory_store([]))  # type: ignore[arg-type]
    assert incident.adm1 == ("CO05", "Province") and incident.adm2 == ("CO05001", "District")
    assert incident.country == "COL" and incident.month == "2023-04" and incident.injured == 9


@pytest.mark.parametrize("women", [1, 2, 3, 4, 5])
def test_a_breakdown_cell_of_one_to_four_people_is_suppressed(women: int) -> None:
    """Nine people injured, all described: ``women`` women and the rest men. 1-4 women: the cell is empty and
    named; 5: shown. The men (4-8) are suppressed as well when fewer than five."""
    store = _memory_store(["female"] * women + ["male"] * (9 - women))
    incidents = read_incidents(store)  # type: ignore[arg-type]
    text, suppressed = aggregates_csv(incidents, store)  # type: ignore[arg-type]
    lines = list(csv.reader(text.splitlines()))
    row = dict(zip(lines[1], lines[2], strict=True))
    men = 9 - women
    assert row["#affected+f"] == ("" if women < SMALL_CELL else str(women))
    assert row["#affected+m"] == ("" if men < SMALL_CELL else str(men))
    named = row["#meta+suppressed"].split()
    assert ("#affected+f" in named) == (women < SMALL_CELL) and ("#affected+m" in named) == (men < SMALL_CELL)
    assert suppressed == (women < SMALL_CELL) + (men < SMALL_CELL)
    assert row["#affected+injured"] == "9", "totals are never suppressed"


def test_a_store_without_incidents_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    from pyoxigraph import Store

    from minegraph.core.errors import InputError
    from minegraph.publish.hxl_export import export

    with pytest.raises(InputError, match="no incidents"):
        export(Store(), tmp_path / "export", base=BASE)  # type: ignore[arg-type]
    assert not (tmp_path / "export").exists()


def test_incidents_whose_month_is_not_known_have_a_row_for_their_year() -> None:
    """Year-only data (a table of years and areas) used to give an aggregates file of headers only."""
    store = _memory_store(["female"] * 5 + ["male"] * 4)
    store.update("DELETE WHERE { ?when <http://www.w3.org/2006/time#month> ?m }")  # type: ignore[attr-defined]
    incidents = read_incidents(store)  # type: ignore[arg-type]
    assert incidents[0].month is None and incidents[0].year == "2023"
    text, _suppressed = aggregates_csv(incidents, store)  # type: ignore[arg-type]
    lines = list(csv.reader(text.splitlines()))
    [row] = [dict(zip(lines[1], line, strict=True)) for line in lines[2:]]
    assert (row["#date+year"], row["#date+month"], row["#adm1+code"]) == ("2023", "", "CO05")
    assert (row["#affected+injured"], row["#affected+f"], row["#event+num"]) == ("9", "5", "1")


def test_the_licence_is_the_sources_when_they_all_say_cc_by() -> None:
    from minegraph.publish.hxl_export import hdx_metadata, read_licences

    store = _memory_store([])
    source = f"{BASE}id/source/s"
    store.update(f"""INSERT DATA {{ <{source}> a <{MG}SourceDocument> ; <http://purl.org/dc/terms/title> "A register" ;
        <http://purl.org/dc/terms/license> "https://creativecommons.org/licenses/by/4.0/" .
      <{BASE}id/statement/t> <http://www.w3.org/ns/prov#wasDerivedFrom> <{source}> .
      <{BASE}id/incident/i> <{MG}supportedBy> <{BASE}id/statement/t> }}""")  # type: ignore[attr-defined]
    incidents = read_incidents(store)  # type: ignore[arg-type]
    metadata = hdx_metadata(incidents, base=BASE, suppressed=0, licences=read_licences(store))  # type: ignore[arg-type]
    assert metadata["license_id"] == "cc-by" and "license_other" not in metadata
    store.update(f"""DELETE WHERE {{ <{source}> <http://purl.org/dc/terms/license> ?l }}""")  # type: ignore[attr-defined]
    metadata = hdx_metadata(incidents, base=BASE, suppressed=0, licences=read_licences(store))  # type: ignore[arg-type]
    assert metadata["license_id"] == "hdx-other" and "A register: no licence stated" in metadata["license_other"]
