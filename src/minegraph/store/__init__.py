"""The Store protocol: everything minegraph asks of a triple store.

Two implementations: :class:`~minegraph.store.embedded.EmbeddedStore` (pyoxigraph on disk, the default)
and, for scale, :class:`~minegraph.store.remote.RemoteStore` (any SPARQL 1.1 server). Query results are
pyoxigraph result objects in both cases (``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``), so callers
serialize them one way. :func:`open_configured` opens the one the settings name; use it, not the classes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples, RdfFormat, Triple

if TYPE_CHECKING:
    from minegraph.core.settings import Settings

QueryResult = QuerySolutions | QueryBoolean | QueryTriples


@runtime_checkable
class Store(Protocol):
    """A set of named graphs that can be queried as their union.

    The reading methods are for everyone. The writing methods (``stage`` … ``apply_update``) are the
    primitives of :func:`minegraph.store.door.write`, the one door every change goes through: nothing else
    calls them (tests/test_layers.py checks it).
    """

    # --- reading ---------------------------------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        default_graphs: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL query. Without ``default_graphs`` the default graph is the union of all graphs."""
        ...

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs (staging graphs and graphs still loading left out)."""
        ...

    def graph_triples(self, graph: str | None) -> set[Triple]:
        """The triples of one named graph (``None``: the store's own default graph)."""
        ...

    def dump(self, rdf_format: RdfFormat, *, graph: str | None = None) -> bytes:
        """The whole dataset (N-Quads, TriG) or one named graph (triple formats)."""
        ...

    def union_is_public(self, base: str) -> bool:
        """Whether the union of all graphs is exactly the public dataset (no restricted, staging or loading graph,
        nothing in the store's own default graph): then a public query may run over the union, which the engine
        answers much faster than an explicit list of many graphs (:mod:`minegraph.store.view`)."""
        ...

    def __len__(self) -> int: ...

    def close(self) -> None: ...

    # --- writing: the door's primitives ----------------------------------------------------------------------
    def stage(self, data: bytes) -> str:
        """Load N-Triples ``data`` into a new private staging graph (invisible to every reader; dropped by the
        next writer if this one dies); returns its IRI."""
        ...

    def drop_staged(self, graphs: Iterable[str]) -> None:
        """Drop staging graphs of a write that failed (best effort)."""
        ...

    def begin_bulk(self, targets: Iterable[str]) -> None:
        """Mark ``targets`` (graphs not in the store) as loading: readers leave them out until
        :meth:`finish_bulk`."""
        ...

    def bulk_load(self, target: str, data: bytes | Iterable[bytes]) -> None:
        """Load N-Triples into a marked graph with the bulk loader (not atomic alone)."""
        ...

    def finish_bulk(self, targets: Iterable[str], update: str = "") -> None:
        """Publish the marked ``targets`` and apply ``update``, in one transaction."""
        ...

    def abandon_bulk(self, targets: Iterable[str]) -> None:
        """Undo :meth:`begin_bulk` after a failure: drop the marked graphs and their markers."""
        ...

    def apply_update(self, sparql: str) -> None:
        """Run one SPARQL update atomically."""
        ...


def open_store(path: str, *, read_only: bool = False) -> Store:
    """Open the embedded store at ``path``."""
    from minegraph.store.embedded import EmbeddedStore

    return EmbeddedStore(path, read_only=read_only)


def open_configured(settings: Settings, *, read_only: bool = False) -> Store:
    """The store ``settings`` name: the remote SPARQL store at ``settings.endpoint``, else the embedded one.

    ``read_only`` opens the embedded store read-only (it has no meaning for a remote store).
    """
    if settings.endpoint:
        from minegraph.store.remote import RemoteStore

        return RemoteStore(settings.endpoint, update_endpoint=settings.update_endpoint or None,
                           store_endpoint=settings.store_endpoint or None, auth=settings.auth,
                           timeout=settings.query_timeout, union=settings.union)
    from minegraph.store.embedded import EmbeddedStore

    return EmbeddedStore(settings.store, read_only=read_only)


__all__ = ["QueryResult", "Store", "open_configured", "open_store"]
