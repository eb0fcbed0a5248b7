"""A query worker narrows a public query to the public dataset from the store it holds open (web/run.py).

When nothing but public graphs is in the store, the worker lets the engine answer over the union of all
graphs (much faster than an explicit list of graphs); as soon as the store holds anything a public query must
not see — a restricted graph, a graph still loading, a triple in the store's own default graph — it names
the public graphs instead. Each case is checked by what a public query sees.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

from minegraph.store.view import PENDING, PENDING_GRAPH, restricted_prefix, union_is_public
from minegraph.web.run import Snapshot, run_query

BASE = "https://w3id.org/minegraph/"
LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PUBLIC = NamedNode(f"{BASE}graph/source/news")


def _store(tmp_path: Path, *extra: Quad) -> Store:
    store = Store(str(tmp_path / "store"))
    store.add(Quad(NamedNode(f"{BASE}id/incident/a"), LABEL, Literal("public incident"), PUBLIC))
    for quad in extra:
        store.add(quad)
    return store


def _public_labels(store: Store, snapshot: Snapshot, sparql: str = "SELECT ?l WHERE { ?s ?p ?l }",
                   **dataset: list[str]) -> set[str]:
    job = {"kind": "query", "sparql": sparql, "results": "json", "public": BASE,
           "default_graphs": dataset.get("default"), "named_graphs": dataset.get("named")}
    answer = run_query(store, job, 1000, snapshot)
    assert answer.status == 200, answer.body
    return {b["l"]["value"] for b in json.loads(answer.body)["results"]["bindings"] if "l" in b}


def test_only_public_graphs_the_union_is_the_public_dataset(tmp_path: Path) -> None:
    store = _store(tmp_path, Quad(NamedNode(f"{BASE}id/place/p"), LABEL, Literal("a place"),
                                  NamedNode(f"{BASE}graph/places")))
    snapshot = Snapshot(store)
    assert snapshot.public_dataset(BASE, None, None) == (None, None)
    assert _public_labels(store, snapshot) == {"public incident", "a place"}
    assert _public_labels(store, snapshot, "SELECT ?l WHERE { GRAPH ?g { ?s ?p ?l } }") == {"public incident",
                                                                                             "a place"}


def test_a_restricted_graph_is_outside_every_public_query(tmp_path: Path) -> None:
    secret = Quad(NamedNode(f"{BASE}id/victim/v"), LABEL, Literal("Qxyzzyova"),
                  NamedNode(f"{restricted_prefix(BASE)}victims"))
    store = _store(tmp_path, secret)
    snapshot = Snapshot(store)
    assert snapshot.public_dataset(BASE, None, None) != (None, None)
    assert _public_labels(store, snapshot) == {"public incident"}
    assert _public_labels(store, snapshot, "SELECT ?l WHERE { GRAPH ?g { ?s ?p ?l } }") == {"public incident"}
    asked = [f"{restricted_prefix(BASE)}victims"]
    assert _public_labels(store, snapshot, default=asked) == set()
    assert _public_labels(store, snapshot, "SELECT ?l WHERE { GRAPH ?g { ?s ?p ?l } }", named=asked) == set()


def test_the_store_default_graph_and_loading_graphs_stay_hidden(tmp_path: Path) -> None:
    loading = NamedNode(f"{BASE}graph/source/half-loaded")
    store = _store(tmp_path,
                   Quad(NamedNode(f"{BASE}x"), LABEL, Literal("in the default graph"), DefaultGraph()),
                   Quad(NamedNode(f"{BASE}id/incident/b"), LABEL, Literal("still loading"), loading),
                   Quad(loading, NamedNode(PENDING), Literal("loading"), NamedNode(PENDING_GRAPH)))
    snapshot = Snapshot(store)
    assert not snapshot.union_is_public(BASE)
    assert _public_labels(store, snapshot) == {"public incident"}


def test_the_default_graph_alone_turns_the_union_off(tmp_path: Path) -> None:
    store = _store(tmp_path, Quad(NamedNode(f"{BASE}x"), LABEL, Literal("in the default graph"), DefaultGraph()))
    snapshot = Snapshot(store)
    assert not snapshot.union_is_public(BASE)
    assert _public_labels(store, snapshot) == {"public incident"}


def test_a_requested_dataset_is_kept(tmp_path: Path) -> None:
    other = NamedNode(f"{BASE}graph/places")
    store = _store(tmp_path, Quad(NamedNode(f"{BASE}id/place/p"), LABEL, Literal("a place"), other))
    snapshot = Snapshot(store)
    assert _public_labels(store, snapshot, default=[other.value]) == {"a place"}


def test_a_public_view_reads_the_union_only_when_it_is_the_public_dataset(tmp_path: Path) -> None:
    from minegraph.store.embedded import EmbeddedStore
    from minegraph.store.view import PublicStore

    store = EmbeddedStore(tmp_path / "embedded")
    try:
        store.oxigraph.add(Quad(NamedNode(f"{BASE}id/incident/a"), LABEL, Literal("public incident"), PUBLIC))
        query = "SELECT ?l WHERE { ?s ?p ?l }"
        assert {r["l"].value for r in PublicStore(store, BASE).query(query)} == {"public incident"}
        assert PublicStore(store, BASE)._union
        assert not PublicStore(store, BASE, leave_out=[PUBLIC.value])._union
        assert list(PublicStore(store, BASE, leave_out=[PUBLIC.value]).query(query)) == []
        store.oxigraph.add(Quad(NamedNode(f"{BASE}v"), LABEL, Literal("Qxyzzyova"),
                                NamedNode(f"{restricted_prefix(BASE)}victims")))
        store.oxigraph.add(Quad(NamedNode(f"{BASE}x"), LABEL, Literal("in the default graph"), DefaultGraph()))
        assert {r["l"].value for r in PublicStore(store, BASE).query(query)} == {"public incident"}
    finally:
        store.close()


def test_an_empty_private_graph_keeps_its_name_out_of_public_queries(tmp_path: Path) -> None:
    """An emptied graph stays named in the store: its name alone turns the union off, or GRAPH ?g would list it."""
    store = _store(tmp_path)
    store.add_graph(NamedNode(f"{restricted_prefix(BASE)}empty"))
    snapshot = Snapshot(store)
    assert not snapshot.union_is_public(BASE)
    names = "SELECT ?l WHERE { GRAPH ?l { } }"
    assert _public_labels(store, snapshot, names) == {PUBLIC.value}


def test_a_published_bulk_load_leaves_no_private_graph_behind(tmp_path: Path) -> None:
    """After an ingest's bulk load is published, the store names no staging graph: the union stays on."""
    from minegraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "embedded")
    try:
        target = f"{BASE}graph/source/national"
        store.begin_bulk([target])
        store.bulk_load(target, f'<{BASE}id/incident/n> <{LABEL.value}> "national incident" .\n'.encode())
        assert not union_is_public(store.oxigraph, BASE)  # loading: hidden
        store.finish_bulk([target])
        assert union_is_public(store.oxigraph, BASE)
        store.begin_bulk([f"{BASE}graph/source/failed"])
        store.abandon_bulk([f"{BASE}graph/source/failed"])
        assert union_is_public(store.oxigraph, BASE)
    finally:
        store.close()
