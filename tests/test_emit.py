"""The one emitter: records -> RDF, compared as graphs with reviewed golden files, never as text; the same fact as
a record and as a table row gives the same triples; a count a source does not state is left out."""

from __future__ import annotations

import copy
import csv
import hashlib
from pathlib import Path
from typing import Any

import yaml
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from minegraph.core.gazetteer import load as load_gazetteer
from minegraph.core.gazetteer import place_index, read_places
from minegraph.core.ntriples import split_line
from minegraph.core.settings import Settings
from minegraph.core.vocab import MG, OA, check_key, source_graph_iri
from minegraph.ingest.build import build
from minegraph.ingest.emit import Emitted, emit_agents, emit_places, emit_source
from minegraph.ingest.hxl import map_hxl_table
from minegraph.ingest.model import SourceRecords, gazetteer_places
from minegraph.ingest.records import read_agents, read_source
from minegraph.ingest.rows import map_victim_table
from minegraph.ingest.run import emit_table, ingest
from minegraph.ingest.sources import load_meta
from minegraph.ingest.spec import find_mapping, load_mapping
from minegraph.ingest.table import read_table
from minegraph.store.aggregates import count_cells, store_scan
from minegraph.store.embedded import EmbeddedStore
from minegraph.store.gate import WARNING

from .conftest import BASE, DATA, SEED_SOURCE

GOLDEN = Path(__file__).parent / "golden"
SAMPLE = Path(__file__).parent / "fixtures" / "colombia" / "sample.csv"
PLACES = {place_id: str(iri) for place_id, iri in place_index(read_places(DATA / "places.yaml"), BASE).items()}


def emitted(records: SourceRecords) -> Emitted:
    return emit_source(records, BASE, PLACES)


def _assert_isomorphic(actual: Graph, golden_file: Path) -> None:
    expected = Graph().parse(golden_file, format="turtle")
    if not isomorphic(actual, expected):
        _both, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
        raise AssertionError(
            f"mapping differs from {golden_file.name}\nonly in mapping:\n{only_actual.serialize(format='nt')}"
            f"\nonly in golden:\n{only_expected.serialize(format='nt')}")


def test_seed_source_matches_golden() -> None:
    _assert_isomorphic(emitted(read_source(SEED_SOURCE)).graph.to_rdflib(), GOLDEN / "newsaz-ombudsperson-april-6.ttl")


def test_places_and_agents_match_golden() -> None:
    graph = emit_places(gazetteer_places(read_places(DATA / "places.yaml"), BASE)).to_rdflib()
    graph += emit_agents(read_agents(DATA / "agents.yaml"), BASE).to_rdflib()
    _assert_isomorphic(graph, GOLDEN / "places-and-agents.ttl")


def test_every_thing_iri_carries_a_valid_key() -> None:
    mapped = emitted(read_source(SEED_SOURCE))
    things = {s for s in mapped.graph.to_rdflib().subjects() if isinstance(s, URIRef) and "#" not in s}
    assert things
    for iri in things:
        assert iri.startswith(f"{BASE}id/"), iri
        assert check_key(iri.rsplit("/", 1)[1]), iri
    assert str(mapped.graph_iri) == str(source_graph_iri(BASE, "newsaz-ombudsperson-april-6"))


def test_quotes_are_verbatim_with_positions() -> None:
    records = read_source(SEED_SOURCE)
    text = records.source.text_path.read_text(encoding="utf-8")
    graph = emitted(records).graph.to_rdflib()
    quotes = list(graph.subject_objects(OA.exact))
    assert len(quotes) == sum(len(s.quotes) for s in records.statements)
    for selector, exact in quotes:
        position = URIRef(str(selector).replace("-text", "-position"))
        start, end = graph.value(position, OA.start), graph.value(position, OA.end)
        assert isinstance(start, Literal) and isinstance(end, Literal)
        assert text[start.toPython():end.toPython()] == str(exact)


def test_support_is_recorded_both_ways() -> None:
    graph = emitted(read_source(SEED_SOURCE)).graph.to_rdflib()
    pairs = set(graph.subject_objects(MG.supports))
    assert pairs and pairs == {(s, o) for o, s in graph.subject_objects(MG.supportedBy)}


# --- the same fact as a record and as a table row ---------------------------------------------------------------

SOURCE_ID = "same-fact-test"
FACT = "On 6 April 2023 a mine killed one man and injured a woman and a man in Jabrayil."
HXL_ROWS = [
    ["Incident ID", "Date", "Region code", "Device", "Killed", "Killed women", "Killed men", "Killed children",
     "Injured", "Injured women", "Injured men", "Injured children"],
    ["#event+id", "#date", "#adm1+code", "#event+code", "#affected+killed", "#affected+killed+f",
     "#affected+killed+m", "#affected+killed+children", "#affected+injured", "#affected+injured+f",
     "#affected+injured+m", "#affected+injured+children"],
    ["ev-1", "2023-04-06", "AZ60500001", "antipersonnel-mine", "1", "0", "1", "0", "2", "1", "1", "0"],
]
RECORD = {
    "source": {"id": SOURCE_ID, "title": "Same fact", "type": "news-article", "publisher": "anama",
               "language": "en", "text": "fact.txt", "sha256": hashlib.sha256(FACT.encode()).hexdigest(),
               "retrieved": "2026-11-27"},
    # the table's one statement is the record id "rows" (emitted with the source's publisher as speaker)
    "statements": [{"id": "rows", "kind": "incident-report", "label": "The rows of “Same fact”", "speaker": "anama",
                    "quotes": [FACT], "supports": ["ev-1", "man-killed", "woman-injured", "man-injured"]}],
    "incidents": [{
        "id": "ev-1", "label": "Antipersonnel mine incident, Jabrayil District, 6 April 2023", "place": "jabrayil",
        "device": "antipersonnel-mine", "killed": 1, "injured": 2,
        "date": {"year": 2023, "month": 4, "day": 6, "earliest": "2023-04-06", "latest": "2023-04-06"},
        "victims": [
            {"id": "man-killed", "outcome": "killed", "status": "unknown", "sex": "male", "age_band": "adult"},
            {"id": "woman-injured", "outcome": "injured", "status": "unknown", "sex": "female", "age_band": "adult"},
            {"id": "man-injured", "outcome": "injured", "status": "unknown", "sex": "male", "age_band": "adult"},
        ]}],
}


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def _meta(tmp_path: Path) -> Path:
    path = tmp_path / "meta.yaml"
    path.write_text(yaml.safe_dump({"id": SOURCE_ID, "title": "Same fact", "publisher": "anama",
                                    "retrieved": "2026-11-27"}), encoding="utf-8")
    return path


def _from_table(tmp_path: Path, rows: list[list[str]]) -> Emitted:
    table = read_table(str(_write_csv(tmp_path / "fact.hxl.csv", rows)), 1_000_000, require_hxl=True)
    records = map_hxl_table(table, Settings(data_dir=DATA, base_uri=BASE))
    assert not records.errors
    return emit_table(records, load_meta(_meta(tmp_path)), BASE, table)


def _from_record(tmp_path: Path, record: dict[str, Any]) -> Emitted:
    (tmp_path / "fact.txt").write_text(FACT, encoding="utf-8")
    path = tmp_path / "fact.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    gazetteer = load_gazetteer(DATA)
    iris = place_index(tuple(gazetteer.places.values()), BASE, gazetteer.aliases)
    return emit_source(read_source(path), BASE, {place_id: str(iri) for place_id, iri in iris.items()})


def _about_incidents(emitted: Emitted) -> set[str]:
    """The lines of the incidents, their dates and victims (and the statement's lines that point at them)."""
    incidents = {s for s, p, o in emitted.graph.triples() if p == f"<{RDF.type}>" and o == f"<{MG.Incident}>"}
    victims = {s for s, p, _o in emitted.graph.triples() if p == f"<{MG.incident}>"}
    things = incidents | victims | {f"<{s[1:-1]}#date>" for s in incidents}
    return {line for line in emitted.graph.lines if any(term in things for term in split_line(line)[::2])}


def _victims_by_category(emitted: Emitted) -> dict[tuple[str, ...], str]:
    found: dict[str, dict[str, str]] = {}
    for s, p, o in emitted.graph.triples():
        if p in (f"<{MG.outcome}>", f"<{MG.sex}>") and "/victim/" in s:
            found.setdefault(s, {})[p] = o
    return {tuple(sorted(categories.values())): victim for victim, categories in found.items()}


def test_a_record_and_a_table_row_give_the_same_triples(tmp_path: Path) -> None:
    """The same fact, with the same source id and record id, as a record file and as an HXL row: the same
    incident, date, victim and support triples. What legitimately differs, and is mapped or left out here:
    - the victims' IRIs: an HXL row's victims have record ids made of its breakdown (`ev-1|killed|male|1`), which
      a record file cannot write (ids are letters, digits and hyphens), so the test pairs them by category;
    - `mg:sourceRow`: a table's incident says which line of the file it was read from; a record file has none.
    Everything about the source document differs too (its hash, type, the quote), and is not compared."""
    table = _from_table(tmp_path, HXL_ROWS)
    record = _from_record(tmp_path, RECORD)
    victims = {table_victim: _victims_by_category(record)[category]
               for category, table_victim in _victims_by_category(table).items()}
    assert len(victims) == 3
    source_row = f"<{MG.sourceRow}>"
    from_table = set()
    for line in _about_incidents(table):
        if source_row not in line:
            for old, new in victims.items():
                line = line.replace(old, new)
            from_table.add(line)
    from_record = _about_incidents(record)
    assert from_table == from_record
    assert len(from_record) > 30
    assert any(f"<{MG.supports}>" in line for line in from_record)  # the statement's IRI is the same too


# --- unknown is not zero --------------------------------------------------------------------------------------

def test_a_count_not_stated_is_left_out_not_zero(tmp_path: Path) -> None:
    rows = [HXL_ROWS[0], HXL_ROWS[1], ["ev-1", "2023-04-06", "AZ60500001", "antipersonnel-mine",
                                       "", "0", "1", "0", "2", "1", "1", "0"]]
    table = _from_table(tmp_path, rows)
    lines = table.graph.text()
    assert f"<{MG.killedCount}>" not in lines and f"<{MG.injuredCount}>" in lines
    outcomes = [o for _s, p, o in table.graph.triples() if p == f"<{MG.outcome}>"]
    assert outcomes and all(o.endswith("/injured>") for o in outcomes), "a breakdown of a count not stated: none"
    record = dict(RECORD, incidents=[{k: v for k, v in RECORD["incidents"][0].items() if k != "killed"}])
    assert f"<{MG.killedCount}>" not in _from_record(tmp_path, record).graph.text()


def test_a_mapped_victim_of_unknown_outcome_states_no_count() -> None:
    """One victim per row: 1 killed and 0 injured (or the reverse) are stated; an unknown outcome states neither."""
    table = read_table(str(SAMPLE), 10_000_000)
    spec = load_mapping(find_mapping("colombia-victims", DATA))
    estado = table.columns.index("estado")
    table.rows[0][1][estado] = "Sin especificar"
    records = map_victim_table(table, spec, BASE)
    first, second = records.incidents[0], records.incidents[1]
    assert (first.killed, first.injured, first.victims[0].outcome) == (None, None, "unknown")
    assert (second.killed, second.injured) in {(1, 0), (0, 1)}


def test_counts_not_stated_in_the_store_warn_and_are_not_summed_as_zero(tmp_path: Path) -> None:
    """Through ingest and the door: a blank HXL count and a record without `injured:` are written with a warning
    (not a violation), and the aggregates count the victims the incident lists, never a missing count as 0."""
    settings = Settings(store=tmp_path / "store", data_dir=DATA, base_uri=BASE)
    rows = [HXL_ROWS[0], HXL_ROWS[1], ["ev-1", "2023-04-06", "AZ60500001", "antipersonnel-mine",
                                       "", "", "", "", "4", "", "", ""]]
    [hxl] = ingest([str(_write_csv(tmp_path / "blank.hxl.csv", rows))], settings, meta=_meta(tmp_path))
    assert hxl.report.conforms
    assert {(r.path, r.severity) for r in hxl.report.results if "not stated" in r.message} == {
        (str(MG.killedCount), WARNING)}
    record = dict(RECORD, source=dict(RECORD["source"], id="same-fact-record"),
                  incidents=[{k: v for k, v in RECORD["incidents"][0].items() if k != "injured"}])
    (tmp_path / "fact.txt").write_text(FACT, encoding="utf-8")
    (tmp_path / "fact.yaml").write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    [curated] = ingest([str(tmp_path / "fact.yaml")], settings)
    assert curated.report.conforms
    assert {r.path for r in curated.report.warnings if "not stated" in r.message} == {str(MG.injuredCount)}
    store = EmbeddedStore(settings.store, read_only=True)
    try:
        cells = {(c.outcome, c.status): n for c, n in count_cells(store_scan(store)).items()}
    finally:
        store.close()
    # HXL: 4 injured (stated, no victims listed), killed not stated: nothing. The record: 1 killed (stated),
    # 2 injured victims listed under an injured count not stated: they count, and nothing more.
    assert cells == {("injured", "unknown"): 4 + 2, ("killed", "unknown"): 1}


def test_a_record_file_without_killed_builds(data_copy: Path, tmp_path: Path) -> None:
    """`killed:` left out of a record file means not stated: the build writes it, with a warning, and no count."""
    (data_copy / "texts" / "fact.txt").write_text(FACT, encoding="utf-8")
    record = copy.deepcopy(RECORD)
    record["source"]["text"] = "../texts/fact.txt"
    record["statements"][0]["supports"].remove("man-killed")
    del record["incidents"][0]["killed"]
    record["incidents"][0]["victims"] = record["incidents"][0]["victims"][1:]
    (data_copy / "sources" / "fact.yaml").write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    result = build(Settings(store=tmp_path / "store", data_dir=data_copy, base_uri=BASE))
    assert result.report.conforms
    assert [r.path for r in result.report.warnings if "not stated" in r.message] == [str(MG.killedCount)]
