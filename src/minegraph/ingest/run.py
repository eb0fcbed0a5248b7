"""One ingest: a file -> records (:mod:`minegraph.ingest.model`) -> N-Triples (:mod:`minegraph.ingest.emit`, the
emitter a build uses too) -> the write door -> one named graph.

Each input file is one source document and one graph ``{base}graph/source/{key}``, written through
:func:`minegraph.store.door.write` like every other write: privacy rules, the SHACL gate (the fast gate, in
batches, for a table), tombstones for the things a new version of the source no longer has (their IRIs answer
410, not 404; a thing that comes back loses its tombstone), the aggregates, the audit line, one transaction.

A table's places join the shared places graph (``{base}graph/places``), so that a place two sources name is
described once. With ``on_error="skip"``, the rows the gate refuses are written to a rejects file and the file
is written again without them.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from minegraph.core.errors import InputError, ValidationFailed
from minegraph.core.ntriples import NTriplesGraph
from minegraph.core.settings import Settings
from minegraph.core.vocab import MG, graph_iri, source_graph_iri
from minegraph.ingest.build import (
    changes_of,
    data_dir_of,
    left_out,
    load_data,
    merge_described,
    shared_graphs,
    stored_lines,
    withdrawn_sources,
)
from minegraph.ingest.emit import Emitted, emit_source
from minegraph.ingest.model import Quote, SourceMeta, SourceRecords, Statement
from minegraph.ingest.rows import TableRecords
from minegraph.ingest.table import RowError, Table, fail_on
from minegraph.store import Store, open_configured
from minegraph.store.door import ChangeSet, Written, write
from minegraph.store.gate import ValidationReport
from minegraph.store.locks import StoreLocks

Progress = Callable[[str], None]
ON_ERROR = ("reject", "skip")


@dataclass
class Ingested:
    """What one file became: its graph, and everything the report says about it."""

    file: str
    source_id: str
    graph_iri: str
    graph: NTriplesGraph
    report: ValidationReport = field(default_factory=ValidationReport)
    incidents: int = 0
    victims: int = 0
    places: int = 0
    rejected: list[RowError] = field(default_factory=list)
    rejects_file: str | None = None
    notices: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    tombstoned: int = 0
    unchanged: bool = False
    #: triples in the source graph after the write (the file's, less what the door took out: withdrawn things)
    triples: int = 0
    #: triples the write added and removed, in all the graphs it changed (places, tombstones, aggregates included)
    added: int = 0
    removed: int = 0

    @property
    def left_out(self) -> int:
        """Triples of the file that are not in the graph: they described things withdrawn or merged earlier."""
        return max(len(self.graph) - self.triples, 0)


#: the record id of a table's one statement: "the rows of this table" (a record file may have a statement of this id)
ROWS_STATEMENT = "rows"


def table_records(records: TableRecords, meta: SourceMeta, table: Table, skip_rows: Iterable[int] = ()
                  ) -> SourceRecords:
    """A table's records as one source's: its document (the file's hash, the columns not published in a note), the
    one statement that supports every row (quoting the header), the incidents of the rows not skipped, and the
    places they name with the places enclosing them."""
    skip = set(skip_rows)
    incidents = tuple(i for i in records.incidents if i.row not in skip)
    notes: tuple[str, ...] = ()
    if records.dropped:
        text = "; ".join(f"{column}: {reason}" for column, reason in sorted(records.dropped.items()))
        notes = (f"Columns of the source not published: {text}",)
    source = meta.document(hashlib.sha256(table.raw).hexdigest(), notes)
    header = table.header_line
    statement = Statement(
        ROWS_STATEMENT, "incident-report", f"The rows of “{meta.title}”", meta.publisher_id, "direct",
        (Quote(header, 0, len(header)),) if header else (),
        supports=tuple(r for i in incidents for r in (i.id, *(v.id for v in i.victims))))
    by_iri = {p.iri: p for p in records.places.values()}
    used = {records.places[i.place].iri for i in incidents}
    for iri in list(used):  # the enclosing places of every place used
        parent = by_iri[iri].parent
        while parent and parent not in used and parent in by_iri:
            used.add(parent)
            parent = by_iri[parent].parent
    return SourceRecords(table.file, source, (statement,), incidents, meta.agents,
                         tuple(p for p in records.places.values() if p.iri in used))


def emit_table(records: TableRecords, meta: SourceMeta, base: str, table: Table,
               skip_rows: Iterable[int] = ()) -> Emitted:
    return emit_source(table_records(records, meta, table, skip_rows), base)


def write_rejects(result: Ingested, table: Table, path: Path) -> None:
    """Every rejected row, with its reasons, as CSV: row, column, value, rule, then the row's cells."""
    cells = dict(table.rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "value", "rule", *table.columns])
        for error in result.rejected:
            writer.writerow([error.row, error.column or "", error.value or "", error.rule, *cells.get(error.row, [])])
    result.rejects_file = str(path)


def ingest(
    paths: Iterable[str],
    settings: Settings,
    *,
    mapping: str | None = None,
    meta: Path | None = None,
    on_error: str = "reject",
    rejects_dir: Path | None = None,
    store: Store | None = None,
    progress: Progress | None = None,
) -> list[Ingested]:
    """Ingest each file as one source document (see docs/ingest.md); each file is written atomically.

    Returns one :class:`Ingested` per file. Raises :class:`InputError` (or :class:`ValidationFailed`) for a
    refused file; files before it stay written.
    """
    if on_error not in ON_ERROR:
        raise InputError(f"--on-error must be one of {', '.join(ON_ERROR)}", value=on_error)
    say = progress or (lambda message: None)
    results = []
    for path in paths:
        say(f"reading {path}")
        results.append(_ingest_one(path, settings, mapping, meta, on_error, rejects_dir, store, say))
    return results


def _ingest_one(path: str, settings: Settings, mapping: str | None, meta: Path | None, on_error: str,
                rejects_dir: Path | None, store: Store | None, say: Progress) -> Ingested:
    from minegraph.ingest import sources, table

    suffix = "" if path == "-" else Path(path).suffix.lower()
    if suffix in (".yaml", ".yml") and mapping is None:
        return _ingest_records(Path(path), settings, store, say)
    if suffix in sources.RDF_EXTENSIONS and mapping is None:
        data = table.read_bytes(path, settings.max_ingest_bytes)
        graph, notices = sources.read_rdf(path, data)
        source_id = sources.load_meta(meta).id if meta else sources.source_id_from_name(path)
        ingested = Ingested(path, source_id, str(source_graph_iri(settings.base_uri, source_id)), graph,
                            notices=notices)

        def plan(reader: Store) -> ChangeSet:
            graphs = shared_graphs(settings, reader) | {ingested.graph_iri: graph}
            _leave_out_withdrawn(graphs, ingested.graph_iri, path, settings, reader, ingested.notices)
            return ChangeSet(graphs, action="ingest", file=path, audit={"file": path})

        return _written(ingested, write(settings, plan, store=store, progress=say), settings, store)
    tab, records, source_meta = _read_table(path, settings, mapping, meta)
    say(f"read {len(tab.rows):,} rows: {len(records.incidents):,} incidents, "
        f"{len(records.rejected_rows()):,} bad row(s) ({len(records.errors):,} problem(s))")
    structural = [e for e in records.errors if e.row <= 1 and e.column and "header" in e.rule]
    if structural or (records.errors and on_error == "reject"):
        raise fail_on(records.errors, tab.file)
    rejected = list(records.errors)
    notices = list(records.notices)
    skip = records.rejected_rows()
    while True:
        emitted = emit_table(records, source_meta, settings.base_uri, tab, skip)
        say(f"writing {len(emitted.graph):,} triples ({len(emitted.graph.units or []):,} incidents)")
        try:
            written = write(settings, _table_plan(settings, emitted, source_meta, path, notices), store=store,
                            progress=say)
            break
        except ValidationFailed as error:
            rows = {int(r.record.split()[-1]) for r in error.report.violations
                    if r.file == tab.file and r.record and r.record.startswith("row ")}
            unlocated = [r for r in error.report.violations if not (r.record and r.record.startswith("row "))]
            if on_error == "reject" or unlocated or not rows or rows <= skip:
                raise
            rejected += [RowError(tab.file, int(r.record.split()[-1]), r.field, r.value, r.message)
                         for r in error.report.violations]
            skip |= rows
            say(f"{len(rows)} row(s) refused by the gate: writing the file without them")
    ingested = Ingested(tab.file, source_meta.id, emitted.graph_iri, emitted.graph, incidents=emitted.incidents,
                        victims=emitted.victims, places=len(records.places),
                        rejected=sorted(rejected, key=lambda e: e.row),
                        notices=notices, dropped=records.dropped,
                        unknown_columns=records.unknown_columns)
    if ingested.rejected:
        where = rejects_dir or (Path.cwd() if path == "-" else Path(path).resolve().parent)
        write_rejects(ingested, tab, where / f"{Path(ingested.source_id).name}.rejects.csv")
    return _written(ingested, written, settings, store)


def _read_table(path: str, settings: Settings, mapping: str | None, meta: Path | None
                ) -> tuple[Table, TableRecords, SourceMeta]:
    from minegraph.core.gazetteer import load as load_gazetteer
    from minegraph.ingest import hxl, sources, spec, table
    from minegraph.ingest.rows import map_event_table, map_victim_table

    if mapping is not None:
        mapping_spec = spec.load_mapping(spec.find_mapping(mapping, settings.data_dir))
        tab = (table.read_geojson(path, settings.max_ingest_bytes) if path.lower().endswith((".geojson", ".json"))
               else table.read_table(path, settings.max_ingest_bytes, encoding=mapping_spec.encoding))
        meta_path = meta or mapping_spec.meta
        fallback = sources.source_id_from_name(path) if path != "-" else None
        if meta_path is None:
            raise InputError("a table needs source metadata: give --meta FILE (or a mapping with `meta:`)", file=path)
        source_meta = sources.load_meta(meta_path, fallback_id=fallback)
        gazetteer = load_gazetteer(settings.data_dir)
        records = (map_event_table(tab, mapping_spec, settings.base_uri, gazetteer) if mapping_spec.row == "event"
                   else map_victim_table(tab, mapping_spec, settings.base_uri, gazetteer))
        records.errors.extend(table.check_width(tab))
        return tab, records, source_meta
    tab = table.read_table(path, settings.max_ingest_bytes, require_hxl=True)
    if meta is None:
        raise InputError("an HXL table needs source metadata: give --meta FILE", file=path)
    source_meta = sources.load_meta(meta, fallback_id=sources.source_id_from_name(path) if path != "-" else None)
    records = hxl.map_hxl_table(tab, settings)
    records.errors.extend(table.check_width(tab))
    return tab, records, source_meta


def _table_plan(settings: Settings, emitted: Emitted, meta: SourceMeta, path: str, notices: list[str]
                ) -> Callable[[Store], ChangeSet]:
    """The change set of a table, made under the write lock: its graph, and its places joined to the places the
    store has."""
    def plan(reader: Store) -> ChangeSet:
        places_iri = str(graph_iri(settings.base_uri, "places"))
        places = merge_described(stored_lines(reader, places_iri), emitted.places)
        graphs = shared_graphs(settings, reader) | {emitted.graph_iri: emitted.graph, places_iri: places}
        _leave_out_withdrawn(graphs, emitted.graph_iri, path, settings, reader, notices)
        return ChangeSet(graphs, action="ingest", locate=emitted.locate, file=path, audit={"file": path})

    return plan


def _leave_out_withdrawn(graphs: dict[str | None, NTriplesGraph | None], graph: str, file: str, settings: Settings,
                         reader: Store, notices: list[str]) -> None:
    """Take ``graph`` out of ``graphs`` when its source document was withdrawn by a curator (for ever: the file
    is written no more), and say so in ``notices``."""
    tombstone = withdrawn_sources(settings, reader).get(graph)
    if tombstone is not None:
        del graphs[graph]
        notice = left_out(file, tombstone)
        if notice not in notices:
            notices.append(notice)


def _ingest_records(path: Path, settings: Settings, store: Store | None, say: Progress) -> Ingested:
    """A curated record file (data/sources/*.yaml): its source graph, with the places it names and the agents of
    its data directory, as a build would write them."""
    data_dir = data_dir_of([path], settings.data_dir)
    dataset = load_data(data_dir, settings.base_uri, [path])
    emitted = dataset.sources[0]

    def plan(reader: Store) -> ChangeSet:
        changes = changes_of(dataset, settings, reader, action="ingest", whole=False)
        changes.file, changes.audit = str(path), {"file": str(path)}
        return changes

    written = write(settings, plan, store=store, progress=say)
    ingested = Ingested(str(path), emitted.source_id, emitted.graph_iri, emitted.graph, incidents=emitted.incidents,
                        victims=emitted.victims, notices=list(dataset.notices))
    return _written(ingested, written, settings, store)


def _written(ingested: Ingested, written: Written, settings: Settings, store: Store | None) -> Ingested:
    """``ingested`` with what the write did, and what its graph holds now, read back from the store: the door may
    have taken things out of it (things withdrawn or merged earlier), so the file's own counts are not the report's.
    """
    ingested.report = written.report
    ingested.unchanged = ingested.graph_iri not in written.changed
    ingested.tombstoned = len(written.tombstoned)
    ingested.added, ingested.removed = written.added, written.removed
    ingested.triples, ingested.incidents, ingested.victims = graph_counts(settings, store, ingested.graph_iri)
    return ingested


GRAPH_COUNTS = """
SELECT ?triples ?incidents ?victims WHERE {
  { SELECT (COUNT(*) AS ?triples) WHERE { GRAPH <%(g)s> { ?s ?p ?o } } }
  { SELECT (COUNT(DISTINCT ?i) AS ?incidents) WHERE { GRAPH <%(g)s> { ?i a <%(mg)sIncident> } } }
  { SELECT (COUNT(DISTINCT ?v) AS ?victims) WHERE { GRAPH <%(g)s> { ?v a <%(mg)sVictim> } } }
}"""


def graph_counts(settings: Settings, store: Store | None, graph: str) -> tuple[int, int, int]:
    """The triples, incidents and victims (``mg:Incident`` / ``mg:Victim`` typed subjects) of one graph, as the
    store holds it (``store``, else the one ``settings`` name, read as a query worker reads it)."""
    query = GRAPH_COUNTS % {"g": graph, "mg": MG}
    if store is not None:
        return _counts(store.query(query))
    if settings.remote:
        reader = open_configured(settings)
        try:
            return _counts(reader.query(query))
        finally:
            reader.close()
    locks = StoreLocks(settings.store)
    fd = locks.acquire_shared()
    try:
        reader = open_configured(settings, read_only=True)
        try:
            return _counts(reader.query(query))
        finally:
            reader.close()
    finally:
        locks.release(fd)


def _counts(result: object) -> tuple[int, int, int]:
    [row] = list(result)  # type: ignore[call-overload]
    return int(row["triples"].value), int(row["incidents"].value), int(row["victims"].value)


def withdraw_source(source: str, settings: Settings, reason: str, *, store: Store | None = None,
                    actor: str = "") -> int:
    """Remove a source document's graph; every thing it held gets a tombstone (410). Returns their number.

    ``source`` names the source (:func:`source_candidates`): its id, its key, its graph or document IRI, or the
    path of the file that was ingested (its id derived as ``minegraph ingest`` derives it without ``--meta``).
    """
    candidates = source_candidates(source, settings)

    def plan(reader: Store) -> ChangeSet:
        graphs = set(reader.graphs())
        graph = next((g for g, _how in candidates if g in graphs), None)
        if graph is None:
            tried = "; ".join(how for _g, how in candidates)
            raise InputError(f"no source document with this id or key in the store (tried {tried})", value=source)
        return ChangeSet({graph: None}, action="withdraw-source", actor=actor, deliberate=True,
                         audit={"source": source, "reason": reason})

    written = write(settings, plan, store=store)
    return len(written.tombstoned)


def source_candidates(source: str, settings: Settings) -> list[tuple[str, str]]:
    """The graphs ``source`` may name, most likely first, each with how it was read (for the error message): the
    path of an ingested file (:func:`ingested_source_id`), a graph IRI ``{base}graph/source/KEY``, a source
    document's IRI ``{base}id/source/KEY``, a source id or a key."""
    base = settings.base_uri
    found: list[tuple[str, str]] = []
    if source and source != "-" and Path(source).is_file():
        ident = ingested_source_id(source, settings)
        found.append((str(source_graph_iri(base, ident)), f"source id `{ident}` of the file {source}"))
    elif source.startswith(f"{base}graph/source/"):
        found.append((source, f"graph {source}"))
    elif source and not any(c.isspace() for c in source):
        found.append((str(source_graph_iri(base, source)), f"source id `{source}`"))
        key = source.rstrip("/").rsplit("/", 1)[-1]
        found.append((str(graph_iri(base, f"source/{key}")), f"key `{key}`"))
    if not found:
        raise InputError("name the source: its id or key, or the file that was ingested")
    return list(dict.fromkeys(found))


def ingested_source_id(path: str | None, settings: Settings, *, meta: Path | None = None,
                       mapping: str | None = None) -> str:
    """The source id ``minegraph ingest PATH [--meta META] [--mapping MAPPING]`` gives a file (docs/ingest.md): the
    ``id`` of ``meta``; a record file's ``source.id``; the ``id`` of the mapping's ``meta:`` file; else the id
    derived from the file name (:func:`minegraph.ingest.sources.source_id_from_name`). ``path`` may be None when
    ``meta`` is given."""
    from minegraph.ingest import sources, spec

    fallback = sources.source_id_from_name(path) if path and path != "-" else None
    if meta is not None:
        return sources.load_meta(meta, fallback_id=fallback).id
    if path and mapping is None and Path(path).suffix.lower() in (".yaml", ".yml"):
        ident = _record_file_id(Path(path))
        if ident:
            return ident
    if mapping is not None:
        mapping_meta = spec.load_mapping(spec.find_mapping(mapping, settings.data_dir)).meta
        if mapping_meta is not None:
            return sources.load_meta(mapping_meta, fallback_id=fallback).id
    if fallback is None:
        raise InputError("name the source: its id or key, the file that was ingested, or its --meta file")
    return fallback


def _record_file_id(path: Path) -> str | None:
    """The ``source.id`` of a record file (the id everything in it is minted from), or None if it has none."""
    from minegraph.core.yamlio import load_yaml

    data = load_yaml(path)
    nested = data.get("source") if isinstance(data, dict) else None
    ident = nested.get("id") if isinstance(nested, dict) else None
    return ident if isinstance(ident, str) and ident else None


__all__ = ["Ingested", "emit_table", "graph_counts", "ingest", "ingested_source_id", "source_candidates",
           "table_records", "withdraw_source", "write_rejects"]

