"""The Store protocol: everything minegraph asks of a triple store.

Two implementations: :class:`~minegraph.store.embedded.EmbeddedStore` (pyoxigraph on disk, the default)
and, for scale, :class:`~minegraph.store.remote.RemoteStore` (any SPARQL 1.1 server). Query results are
pyoxigraph result objects in both cases (``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``), so callers
serialize them one way. :func:`open_configured` opens the one the settings name; use it, not the classes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples, RdfFormat
from rdflib import Graph

if TYPE_CHECKING:
    from minegraph.core.settings import Settings

QueryResult = QuerySolutions | QueryBoolean | QueryTriples


@runtime_checkable
class Store(Protocol):
    """A set of named graphs that can be queried as their union."""

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

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update atomically."""
        ...

    def replace_graphs(self, graphs: Mapping[str, Graph | None]) -> None:
        """Replace each named graph with the given triples (None removes it), all or nothing."""
        ...

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs."""
        ...

    def dump(self, rdf_format: RdfFormat, *, graph: str | None = None) -> bytes:
        """The whole dataset (N-Quads, TriG) or one named graph (triple formats)."""
        ...

    def __len__(self) -> int: ...

    def close(self) -> None: ...


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
