"""Records -> RDF: compared as graphs with reviewed golden files, never as text."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from minegraph.core.gazetteer import place_index, read_places
from minegraph.core.vocab import MG, OA, check_key, source_graph_iri
from minegraph.ingest.mapping import map_agents, map_places, map_source
from minegraph.ingest.records import read_agents, read_source

from .conftest import BASE, DATA, SEED_SOURCE

GOLDEN = Path(__file__).parent / "golden"
PLACES = place_index(read_places(DATA / "places.yaml"), BASE)


def _assert_isomorphic(actual: Graph, golden_file: Path) -> None:
    expected = Graph().parse(golden_file, format="turtle")
    if not isomorphic(actual, expected):
        _both, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
        raise AssertionError(
            f"mapping differs from {golden_file.name}\nonly in mapping:\n{only_actual.serialize(format='nt')}"
            f"\nonly in golden:\n{only_expected.serialize(format='nt')}")


def test_seed_source_matches_golden() -> None:
    mapped = map_source(read_source(SEED_SOURCE), BASE, PLACES)
    _assert_isomorphic(mapped.graph, GOLDEN / "newsaz-ombudsperson-april-6.ttl")


def test_places_and_agents_match_golden() -> None:
    graph = map_places(read_places(DATA / "places.yaml"), BASE, "places.yaml").graph
    graph += map_agents(read_agents(DATA / "agents.yaml"), BASE, "agents.yaml").graph
    _assert_isomorphic(graph, GOLDEN / "places-and-agents.ttl")


def test_every_thing_iri_carries_a_valid_key() -> None:
    mapped = map_source(read_source(SEED_SOURCE), BASE, PLACES)
    things = {s for s in mapped.graph.subjects() if isinstance(s, URIRef) and "#" not in s}
    assert things
    for iri in things:
        assert iri.startswith(f"{BASE}id/"), iri
        assert check_key(iri.rsplit("/", 1)[1]), iri
    assert str(mapped.graph_iri) == str(source_graph_iri(BASE, "newsaz-ombudsperson-april-6"))


def test_quotes_are_verbatim_with_positions() -> None:
    records = read_source(SEED_SOURCE)
    text = records.source.text_path.read_text(encoding="utf-8")
    graph = map_source(records, BASE, PLACES).graph
    quotes = list(graph.subject_objects(OA.exact))
    assert len(quotes) == sum(len(s.quotes) for s in records.statements)
    for selector, exact in quotes:
        position = URIRef(str(selector).replace("-text", "-position"))
        start, end = graph.value(position, OA.start), graph.value(position, OA.end)
        assert isinstance(start, Literal) and isinstance(end, Literal)
        assert text[start.toPython():end.toPython()] == str(exact)


def test_support_is_recorded_both_ways() -> None:
    graph = map_source(read_source(SEED_SOURCE), BASE, PLACES).graph
    pairs = set(graph.subject_objects(MG.supports))
    assert pairs and pairs == {(s, o) for o, s in graph.subject_objects(MG.supportedBy)}
