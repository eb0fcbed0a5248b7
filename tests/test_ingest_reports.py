"""What `minegraph ingest` and `minegraph withdraw-source` say: counts of what is in the graph written, bad rows
counted as rows, and a source named by the file that was ingested."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import RdfFormat

from minegraph.cli import main
from minegraph.core.errors import InputError
from minegraph.core.settings import Settings
from minegraph.core.vocab import mint_key
from minegraph.ingest.run import ingest, withdraw_source
from minegraph.store.embedded import EmbeddedStore
from tests.conftest import BASE, DATA, SEED_SOURCE
from tests.test_ingest import HXL, HXL_META, SAMPLE


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=tmp_path / "store", data_dir=DATA, base_uri=BASE)


def cli(settings: Settings, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, [*args, "--store", str(settings.store)])
    assert result.exit_code == code, result.output
    return result.output


def in_store(settings: Settings, graph: str) -> tuple[int, int, int]:
    store = EmbeddedStore(settings.store, read_only=True)
    try:
        triples = store.graph_triples(graph)
        types = [str(t.object.value) for t in triples if str(t.predicate.value).endswith("#type")]
        return len(triples), types.count(f"{BASE}def/Incident"), types.count(f"{BASE}def/Victim")
    finally:
        store.close()


def graphs(settings: Settings) -> list[str]:
    store = EmbeddedStore(settings.store, read_only=True)
    try:
        return store.graphs()
    finally:
        store.close()


def test_an_rdf_file_reports_its_incidents_and_victims(settings: Settings, tmp_path: Path) -> None:
    [table] = ingest([str(HXL)], settings, meta=HXL_META)
    store = EmbeddedStore(settings.store)
    turtle = store.dump(RdfFormat.TURTLE, graph=table.graph_iri)
    store.close()
    path = tmp_path / "hxl-copy.ttl"
    path.write_bytes(turtle)
    output = cli(settings, "ingest", "--data", str(DATA), str(path))
    assert ": 2 incident(s), 3 victim(s)," in output, output
    [again] = ingest([str(path)], settings)
    assert (again.incidents, again.victims) == (2, 3) and again.unchanged
    assert (again.triples, again.incidents, again.victims) == in_store(settings, again.graph_iri)


def test_bad_rows_are_counted_as_rows_not_problems(settings: Settings, tmp_path: Path) -> None:
    with HXL.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    table[2][2] = "2023-13-45"  # row 3: a date that is not one, and
    table[2][6] = "banana"  # a device nobody knows
    table[3][6] = "pear"  # row 4: a device nobody knows
    path = tmp_path / "bad.hxl.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(table)
    with pytest.raises(InputError, match=r"2 bad row\(s\) \(3 problems\); the file was refused"):
        ingest([str(path)], settings, meta=HXL_META)
    output = cli(settings, "ingest", "--data", str(DATA), "--meta", str(HXL_META), str(path), code=1)
    assert "2 bad row(s) (3 problems)" in output and "3 bad row(s)" not in output


def test_a_reingest_reports_what_the_graph_holds_after_a_withdrawal(settings: Settings) -> None:
    """The door keeps withdrawn things out of a graph written again: the report counts the graph as written, not
    the file as read ("unchanged … 86 triples" of a graph that holds fewer)."""
    [first] = ingest([str(HXL)], settings, meta=HXL_META)
    assert (first.triples, first.incidents, first.victims) == in_store(settings, first.graph_iri)
    assert first.triples == len(first.graph) and first.left_out == 0 and first.added >= first.triples
    gone = mint_key("incident", "test-hxl-incidents", "ev-2")
    cli(settings, "withdraw", f"incident/{gone}", "--reason", "recorded in error")
    held = in_store(settings, first.graph_iri)
    assert held[1:] == (1, 2), "ev-2 and its victim are out"
    output = cli(settings, "ingest", "--data", str(DATA), "--meta", str(HXL_META), str(HXL))
    assert f"unchanged {first.graph_iri}: 1 incident(s), 2 victim(s), {held[0]} triple(s) in the graph" in output
    assert f"{len(first.graph) - held[0]} triple(s) of the file are not in the graph" in output
    [again] = ingest([str(HXL)], settings, meta=HXL_META)
    assert again.unchanged and (again.triples, again.incidents, again.victims) == held


def test_a_reingest_after_withdraw_source_reports_the_graph_as_the_store_holds_it(settings: Settings) -> None:
    [first] = ingest([str(HXL)], settings, meta=HXL_META)
    withdraw_source("test-hxl-incidents", settings, "withdrawn for a test")
    [again] = ingest([str(HXL)], settings, meta=HXL_META)
    assert (again.triples, again.incidents, again.victims) == in_store(settings, first.graph_iri)
    assert again.unchanged and again.triples == 0, "a withdrawn source is written no more"
    assert any("not written: its source document was withdrawn" in notice for notice in again.notices)


# --- withdraw-source: the source named as the curator knows it -------------------------------------------------

def test_withdraw_source_by_the_file_that_was_ingested(settings: Settings, tmp_path: Path) -> None:
    [seed] = ingest([str(SEED_SOURCE)], settings)  # a record file: its source.id
    assert withdraw_source(str(SEED_SOURCE), settings, "test") > 0
    assert seed.graph_iri not in graphs(settings)
    [hxl] = ingest([str(HXL)], settings, meta=HXL_META)
    store = EmbeddedStore(settings.store)
    turtle = store.dump(RdfFormat.TURTLE, graph=hxl.graph_iri)
    store.close()
    copy = tmp_path / "Export 2024.ttl"  # an RDF file: its id from the file name, as ingest derives it
    copy.write_bytes(turtle)
    [rdf] = ingest([str(copy)], settings)
    assert rdf.source_id == "export-2024"
    withdraw_source(str(copy), settings, "test")  # (no tombstone: the HXL graph still describes its things)
    assert rdf.graph_iri not in graphs(settings) and hxl.graph_iri in graphs(settings)


def test_withdraw_source_cli_takes_the_file_with_its_meta_or_mapping(settings: Settings) -> None:
    [hxl] = ingest([str(HXL)], settings, meta=HXL_META)
    [table] = ingest([str(SAMPLE)], settings, mapping="colombia-victims")
    # the file name alone names another source (incidents-hxl): said, with what was tried
    output = cli(settings, "withdraw-source", str(HXL), "--reason", "test", code=1)
    assert "no source document" in output and "source id `incidents`" in output
    output = cli(settings, "withdraw-source", str(HXL), "--meta", str(HXL_META), "--reason", "test")
    assert "withdrew test-hxl-incidents: 7 tombstone(s) added" in output  # 2 incidents, 3 victims, source, statement
    output = cli(settings, "withdraw-source", str(SAMPLE), "--mapping", "colombia-victims", "--data", str(DATA),
                 "--reason", "test")
    assert "withdrew colombia-oacp-victims-map-muse: 403 tombstone(s) added" in output
    assert hxl.graph_iri not in graphs(settings) and table.graph_iri not in graphs(settings)


def test_withdraw_source_by_the_meta_file_alone_and_its_help(settings: Settings) -> None:
    [hxl] = ingest([str(HXL)], settings, meta=HXL_META)
    assert "withdrew test-hxl-incidents" in cli(settings, "withdraw-source", "--meta", str(HXL_META), "--reason", "x")
    assert hxl.graph_iri not in graphs(settings)
    helped = CliRunner().invoke(main, ["withdraw-source", "--help"])
    assert helped.exit_code == 0
    for words in ("SOURCE names the source document", "the file that was ingested", "its source id", "its key",
                  "graph IRI", "--meta"):
        assert words in " ".join(helped.output.split()), helped.output
