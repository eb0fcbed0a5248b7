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
from minegraph.core.vocab import graph_iri, source_graph_iri
from minegraph.ingest.build import (
    changes_of,
    data_dir_of,
    load_data,
    merge_described,
    shared_graphs,
    stored_lines,
)
from minegraph.ingest.emit import Emitted, emit_source
from minegraph.ingest.model import Quote, SourceMeta, SourceRecords, Statement
from minegraph.ingest.rows import TableRecords
from minegraph.ingest.table import RowError, Table, fail_on
from minegraph.store import Store
from minegraph.store.door import ChangeSet, Written, write
from minegraph.store.gate import ValidationReport

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
            return ChangeSet(graphs, action="ingest", file=path, audit={"file": path})

        return _written(ingested, write(settings, plan, store=store, progress=say))
    tab, records, source_meta = _read_table(path, settings, mapping, meta)
    say(f"read {len(tab.rows):,} rows: {len(records.incidents):,} incidents, {len(records.errors):,} bad row(s)")
    structural = [e for e in records.errors if e.row <= 1 and e.column and "header" in e.rule]
    if structural or (records.errors and on_error == "reject"):
        raise fail_on(records.errors, tab.file)
    rejected = list(records.errors)
    skip = records.rejected_rows()
    while True:
        emitted = emit_table(records, source_meta, settings.base_uri, tab, skip)
        say(f"writing {len(emitted.graph):,} triples ({len(emitted.graph.units or []):,} incidents)")
        try:
            written = write(settings, _table_plan(settings, emitted, source_meta, path), store=store, progress=say)
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
                        notices=list(records.notices), dropped=records.dropped,
                        unknown_columns=records.unknown_columns)
    if ingested.rejected:
        where = rejects_dir or (Path.cwd() if path == "-" else Path(path).resolve().parent)
        write_rejects(ingested, tab, where / f"{Path(ingested.source_id).name}.rejects.csv")
    return _written(ingested, written)


def _read_table(path: str, settings: Settings, mapping: str | None, meta: Path | None
                ) -> tuple[Table, TableRecords, SourceMeta]:
    from minegraph.ingest import hxl, sources, spec, table
    from minegraph.ingest.rows import map_victim_table

    if mapping is not None:
        mapping_spec = spec.load_mapping(spec.find_mapping(mapping, settings.data_dir))
        tab = table.read_table(path, settings.max_ingest_bytes, encoding=mapping_spec.encoding)
        meta_path = meta or mapping_spec.meta
        fallback = sources.source_id_from_name(path) if path != "-" else None
        if meta_path is None:
            raise InputError("a table needs source metadata: give --meta FILE (or a mapping with `meta:`)", file=path)
        source_meta = sources.load_meta(meta_path, fallback_id=fallback)
        records = map_victim_table(tab, mapping_spec, settings.base_uri)
        records.errors.extend(table.check_width(tab))
        return tab, records, source_meta
    tab = table.read_table(path, settings.max_ingest_bytes, require_hxl=True)
    if meta is None:
        raise InputError("an HXL table needs source metadata: give --meta FILE", file=path)
    source_meta = sources.load_meta(meta, fallback_id=sources.source_id_from_name(path) if path != "-" else None)
    records = hxl.map_hxl_table(tab, settings)
    records.errors.extend(table.check_width(tab))
    return tab, records, source_meta


def _table_plan(settings: Settings, emitted: Emitted, meta: SourceMeta, path: str) -> Callable[[Store], ChangeSet]:
    """The change set of a table, made under the write lock: its graph, and its places joined to the places the
    store has."""
    def plan(reader: Store) -> ChangeSet:
        places_iri = str(graph_iri(settings.base_uri, "places"))
        places = merge_described(stored_lines(reader, places_iri), emitted.places)
        graphs = shared_graphs(settings, reader) | {emitted.graph_iri: emitted.graph, places_iri: places}
        return ChangeSet(graphs, action="ingest", locate=emitted.locate, file=path, audit={"file": path})

    return plan


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
    return _written(ingested, written)


def _written(ingested: Ingested, written: Written) -> Ingested:
    ingested.report = written.report
    ingested.unchanged = ingested.graph_iri not in written.changed
    ingested.tombstoned = len(written.tombstoned)
    return ingested


def withdraw_source(source: str, settings: Settings, reason: str, *, store: Store | None = None,
                    actor: str = "") -> int:
    """Remove a source document's graph; every thing it held gets a tombstone (410). Returns their number."""
    base = settings.base_uri

    def plan(reader: Store) -> ChangeSet:
        graphs = set(reader.graphs())
        graph = source if source.startswith(f"{base}graph/source/") else str(source_graph_iri(base, source))
        if graph not in graphs:
            graph = str(graph_iri(base, f"source/{source.rsplit('/', 1)[-1]}"))
            if graph not in graphs:
                raise InputError("no source document with this id or key in the store", value=source)
        return ChangeSet({graph: None}, action="withdraw-source", actor=actor,
                         audit={"source": source, "reason": reason})

    written = write(settings, plan, store=store)
    return len(written.tombstoned)


__all__ = ["Ingested", "emit_table", "ingest", "table_records", "withdraw_source", "write_rejects"]

