"""The one emitter: records -> RDF, compared as graphs with reviewed golden files, never as text; the same fact as
a record and as a table row gives the same triples; a count a source does not state is left out."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from minegraph.core.gazetteer import place_index, read_places
from minegraph.core.vocab import MG, OA, check_key, source_graph_iri
from minegraph.ingest.emit import Emitted, emit_agents, emit_places, emit_source
from minegraph.ingest.model import SourceRecords, gazetteer_places
from minegraph.ingest.records import read_agents, read_source

from .conftest import BASE, DATA, SEED_SOURCE

GOLDEN = Path(__file__).parent / "golden"
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
