"""Helpers for the page tests: the store's triples as one rdflib graph (to look things up by label), and a
release stand-in for the duck-typed ``release`` of :func:`minegraph.web.pages.render_resource`."""

from __future__ import annotations

from rdflib import Graph


def union_graph(store_path: str) -> Graph:
    """Every triple of every graph of the store at ``store_path``, as one rdflib graph."""
    from pyoxigraph import RdfFormat, Store, serialize

    store = Store.read_only(store_path)
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    data = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    del store
    return Graph().parse(data=data.decode(), format="nt")


class Release:
    def __init__(self, number: int, date: str, releases: list[int]) -> None:
        self.number, self.date, self.releases = number, date, releases
