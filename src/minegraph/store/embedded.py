"""The embedded store: pyoxigraph on disk.

Only :mod:`minegraph.store.door` writes, through the primitives below, and every write ends in one SPARQL
update (one RocksDB transaction) that publishes all of it at once. What it needs before that is private
until then:

- a graph with blank nodes is loaded into a **staging graph** (``urn:minegraph:staging:…``) and moved onto its
  target by that update; a crash before leaves only the staging graph, which the next writer drops;
- a graph new to the store is written with pyoxigraph's **bulk loader**, several times faster than a
  transaction and not atomic by itself (:meth:`EmbeddedStore.begin_bulk`): a marker quad in the private graph
  :data:`PENDING_GRAPH` names the graph while it loads, readers leave marked graphs out
  (:data:`minegraph.store.view.GRAPHS_QUERY`), and the final update removes the marker. A crash in between
  leaves the marker, and the next writer that opens the store drops the half-loaded graph.
"""
from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Triple, serialize
from pyoxigraph import Store as OxStore

from minegraph.core.errors import QueryError, StoreError
from minegraph.core.sparql import refuse_unsafe
from minegraph.store import QueryResult
from minegraph.store.view import PENDING, PENDING_GRAPH, STAGING_PREFIX


class ChunkReader(io.RawIOBase):
    """A binary file over pieces of bytes, read as they come (what pyoxigraph's loaders read from)."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._pieces: Iterator[bytes] = iter(pieces)
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._left:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._left = memoryview(piece)
        count = min(len(buffer), len(self._left))
        buffer[:count] = self._left[:count]
        self._left = self._left[count:]
        return count


class EmbeddedStore:
    """A pyoxigraph store on disk (or in memory when ``path`` is None)."""

    def __init__(self, path: str | Path | None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        try:
            if self.path is None:
                self._store = OxStore()
            elif read_only:
                if not self.path.exists():
                    raise StoreError(f"no store at {self.path}: run `minegraph build` first")
                self._store = OxStore.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = OxStore(str(self.path))
        except OSError as error:
            raise StoreError(f"cannot open the store at {self.path}: {error}") from error
        self.read_only = read_only
        if not read_only:
            self._recover_pending()
            self._drop_staging()

    @property
    def oxigraph(self) -> OxStore:
        """The underlying pyoxigraph store, for reading (``query`` with ``prefixes``, ``quads_for_pattern``).
        Never write through it: every write goes through :mod:`minegraph.store.door`."""
        return self._store

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        refuse_unsafe(sparql)
        options: dict[str, object] = {"base_iri": base_iri}
        if default_graphs is None and self._has_private_graphs():
            default_graphs = self.graphs()  # a graph still loading or staged is not data yet
        if default_graphs is not None:
            options["default_graph"] = [NamedNode(g) for g in default_graphs]
        else:
            options["use_default_graph_as_union"] = True
        if named_graphs is not None:
            options["named_graphs"] = [NamedNode(g) for g in named_graphs]
        try:
            return self._store.query(sparql, **options)  # type: ignore[arg-type]
        except SyntaxError as error:
            raise QueryError(f"the query does not parse: {error}") from error

    def _has_private_graphs(self) -> bool:
        """Whether a write left staging graphs or graphs still loading (dropped by the next writer)."""
        return any(_is_staging(g) for g in self._store.named_graphs())

    def union_is_public(self, base: str) -> bool:
        from minegraph.store.view import union_is_public

        return union_is_public(self._store, base)

    def graph_triples(self, graph: str | None) -> set[Triple]:
        name = NamedNode(graph) if graph is not None else DefaultGraph()
        return {q.triple for q in self._store.quads_for_pattern(None, None, None, name)}

    # --- writing: the primitives of minegraph.store.door ------------------------------------------------------
    def apply_update(self, sparql: str) -> None:
        try:
            self._store.update(sparql)
            self._store.flush()
        except SyntaxError as error:  # the door writes only updates it made: a bug, not a user error
            raise StoreError(f"minegraph made an update the store cannot read: {error}") from error
        except OSError as error:
            raise StoreError(f"the store could not be written: {error}") from error

    def stage(self, data: bytes) -> str:
        staging = f"{STAGING_PREFIX}{uuid.uuid4()}"
        try:
            self._store.load(data, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(staging))
        except OSError as error:
            self._drop_staging()
            raise StoreError(f"the store could not be written: {error}") from error
        return staging

    def drop_staged(self, graphs: Iterable[str]) -> None:
        for graph in graphs:
            node = NamedNode(graph)
            if self._store.contains_named_graph(node):
                self._store.remove_graph(node)

    def begin_bulk(self, targets: Iterable[str]) -> None:
        """Mark ``targets`` (graphs not in the store) as loading, in one transaction, before bulk loads."""
        quads = [Quad(NamedNode(t), NamedNode(PENDING), Literal("loading"), NamedNode(PENDING_GRAPH)) for t in targets]
        try:
            self._store.extend(quads)
        except OSError as error:
            raise StoreError(f"the store could not be written: {error}") from error

    def bulk_load(self, target: str, data: bytes | Iterable[bytes]) -> None:
        """Load N-Triples ``data`` (bytes, or pieces that each end at a line end, read as they come) into the
        marked graph ``target`` with the bulk loader (not atomic alone)."""
        source = data if isinstance(data, bytes) else io.BufferedReader(ChunkReader(data), 1 << 20)
        try:
            self._store.bulk_load(source, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(target))
        except OSError as error:
            raise StoreError(f"the store could not be written: {error}") from error

    def finish_bulk(self, targets: Iterable[str], update: str = "") -> None:
        """Publish the bulk-loaded ``targets``: remove their markers and apply ``update``, in one transaction."""
        marks = " ".join(f"<{t}> <{PENDING}> \"loading\" ." for t in targets)
        operations = [f"DELETE DATA {{ GRAPH <{PENDING_GRAPH}> {{ {marks} }} }}"] + ([update] if update else [])
        try:
            self._store.update(" ;\n".join(operations))
            self._forget_pending_graph()
            self._store.flush()
        except OSError as error:
            raise StoreError(f"the store could not be written: {error}") from error

    def abandon_bulk(self, targets: Iterable[str]) -> None:
        """Undo :meth:`begin_bulk` after a failure: drop the marked graphs and their markers."""
        for target in targets:
            node = NamedNode(target)
            if self._store.contains_named_graph(node):
                self._store.remove_graph(node)
            for quad in list(self._store.quads_for_pattern(node, NamedNode(PENDING), None, NamedNode(PENDING_GRAPH))):
                self._store.remove(quad)
        self._forget_pending_graph()

    def _forget_pending_graph(self) -> None:
        """Drop the marker graph once it is empty: an emptied graph stays named, and a store that names no
        private graph lets public queries run over the union (:func:`minegraph.store.view.union_is_public`).
        Writers are serialized, so no other bulk write can have put a marker there meanwhile."""
        marker = NamedNode(PENDING_GRAPH)
        if next(iter(self._store.quads_for_pattern(None, None, None, marker)), None) is None:
            self._store.remove_graph(marker)

    def graphs(self) -> list[str]:
        loading = {q.subject for q in self._store.quads_for_pattern(None, NamedNode(PENDING), None,
                                                                     NamedNode(PENDING_GRAPH))}
        return sorted(g.value for g in self._store.named_graphs()
                      if isinstance(g, NamedNode) and not _is_staging(g) and g not in loading)

    def dump(self, rdf_format: RdfFormat, *, graph: str | None = None) -> bytes:
        if graph is not None:
            return self._store.dump(format=rdf_format, from_graph=NamedNode(graph)) or b""
        quads = (q for q in self._store if not _is_staging(q.graph_name))
        if rdf_format.supports_datasets:
            return serialize(quads, format=rdf_format) or b""
        return serialize((q.triple for q in quads), format=rdf_format) or b""

    def __len__(self) -> int:
        return len(self._store)

    def close(self) -> None:
        if not hasattr(self, "_store"):  # closed already
            return
        if not self.read_only:
            self._store.flush()
        del self._store

    def _recover_pending(self) -> None:
        """Drop the graphs a crashed bulk write left half-loaded (see :meth:`begin_bulk`)."""
        marker = NamedNode(PENDING_GRAPH)
        for quad in list(self._store.quads_for_pattern(None, NamedNode(PENDING), None, marker)):
            if isinstance(quad.subject, NamedNode) and self._store.contains_named_graph(quad.subject):
                self._store.remove_graph(quad.subject)
            self._store.remove(quad)

    def _drop_staging(self) -> None:
        for graph in list(self._store.named_graphs()):
            if _is_staging(graph):
                self._store.remove_graph(graph)


def _is_staging(graph: object) -> bool:
    return isinstance(graph, NamedNode) and graph.value.startswith(STAGING_PREFIX)
