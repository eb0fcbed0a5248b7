"""The embedded store: pyoxigraph on disk.

Writes are staged: the new triples of a graph are loaded (in one transaction) into a staging graph,
then one SPARQL update moves every staged graph onto its target. A crash before the move leaves only
a staging graph behind, which the next writer drops; the published graphs are never half-written.

A graph that is not in the store yet can instead be written with pyoxigraph's bulk loader, three to four
times faster than a transaction and not atomic by itself (:meth:`EmbeddedStore.begin_bulk`): a marker
quad in the private graph :data:`PENDING_GRAPH` names the graph while it loads, readers leave marked graphs
out (:data:`minegraph.store.view.GRAPHS_QUERY`), and one transaction removes the marker together with the
other changes of the same write. A crash in between leaves the marker, and the next writer that opens the
store drops the half-loaded graph: the store is as it was before that write.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize
from pyoxigraph import Store as OxStore
from rdflib import Graph

from minegraph.core.errors import QueryError, StoreError
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
        """The underlying pyoxigraph store."""
        return self._store

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        options: dict[str, object] = {"base_iri": base_iri}
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

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        try:
            self._store.update(sparql, base_iri=base_iri)
        except SyntaxError as error:
            raise QueryError(f"the update does not parse: {error}") from error
        except OSError as error:
            raise StoreError(f"the store could not be written: {error}") from error

    def replace_graphs(self, graphs: Mapping[str, Graph | None]) -> None:
        operations: list[str] = []
        try:
            for target, triples in graphs.items():
                if triples is None or len(triples) == 0:
                    operations.append(f"DROP SILENT GRAPH <{target}>")
                    continue
                staging = f"{STAGING_PREFIX}{uuid.uuid4()}"
                data = triples.serialize(format="nt", encoding="utf-8")
                self._store.load(data, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(staging))
                operations.append(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{target}>")
            if operations:
                self._store.update(" ;\n".join(operations))
            self._store.flush()
        except OSError as error:
            self._drop_staging()
            raise StoreError(f"the store could not be written: {error}") from error

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
