"""One ingest: a file -> records -> N-Triples -> the write door -> one named graph.

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

from rdflib import RDF
from rdflib.namespace import DCTERMS

from minegraph.core.errors import InputError, ValidationFailed
from minegraph.core.ntriples import NTriplesGraph, thing_of
from minegraph.core.settings import Settings
from minegraph.core.vocab import MG, graph_iri, source_graph_iri, source_iri
from minegraph.ingest.build import (
    changes_of,
    data_dir_of,
    load_data,
    merge_described,
    shared_graphs,
    stored_lines,
)
from minegraph.ingest.emit import SourceMeta, emit_incidents, emit_places, emit_source
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


@dataclass
class Emitted:
    """A table's graph (its ``units`` where each incident's triples start) and where each node came from."""

    graph: NTriplesGraph
    locate: dict[str, tuple[str, str]]


def emit_table(records: TableRecords, meta: SourceMeta, base: str, table: Table,
               skip_rows: Iterable[int] = ()) -> Emitted:
    graph = NTriplesGraph()
    skip = set(skip_rows)
    sha = hashlib.sha256(table.raw).hexdigest()
    statement = emit_source(graph, meta, base, sha, table.header_line, records.dropped)
    incidents = [i for i in records.incidents if i.row not in skip]
    used = {i.place for i in incidents}
    places = {p.iri: p for p in records.places.values()}
    for iri in list(used):  # keep the enclosing places of every place used
        parent = places[iri].parent if iri in places else None
        while parent and parent not in used:
            used.add(parent)
            parent = places[parent].parent if parent in places else None
    emit_places(graph, (p for p in records.places.values() if p.iri in used))
    graph.units = []
    for incident in incidents:
        graph.units.append(len(graph.lines))
        emit_incidents(graph, (incident,), statement)
    locate: dict[str, tuple[str, str]] = {}
    for i in incidents:
        where = (table.file, f"row {i.row}")
        locate[i.iri] = where
        for v in i.victims:
            locate[v.iri] = where
    locate[str(source_iri(base, meta.id))] = (table.file, "source (meta)")
    return Emitted(graph, locate)


def split_places(graph: NTriplesGraph) -> tuple[list[str], NTriplesGraph]:
    """The lines of a table's graph that describe places (all before its first incident), and the rest."""
    head = graph.units[0] if graph.units else len(graph.lines)
    place_type = f"<{RDF.type}> <{MG.Place}>"
    places = {line.split(" ", 1)[0][1:-1] for line in graph.lines[:head] if place_type in line}

    def is_place(line: str) -> bool:
        return thing_of(line.split(" ", 1)[0][1:-1]) in places

    ours = [line for line in graph.lines[:head] if is_place(line)]
    return ours, graph.filtered([None if is_place(line) else line for line in graph.lines[:head]]
                                + list(graph.lines[head:]))


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
    kept = [i for i in records.incidents if i.row not in skip]
    ingested = Ingested(tab.file, source_meta.id, str(source_graph_iri(settings.base_uri, source_meta.id)),
                        emitted.graph, incidents=len(kept), victims=sum(len(i.victims) for i in kept),
                        places=len(records.places), rejected=sorted(rejected, key=lambda e: e.row),
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
        return tab, map_victim_table(tab, mapping_spec, source_meta.id, settings.base_uri), source_meta
    tab = table.read_table(path, settings.max_ingest_bytes, require_hxl=True)
    if meta is None:
        raise InputError("an HXL table needs source metadata: give --meta FILE", file=path)
    source_meta = sources.load_meta(meta, fallback_id=sources.source_id_from_name(path) if path != "-" else None)
    return tab, hxl.map_hxl_table(tab, source_meta.id, settings), source_meta


def _table_plan(settings: Settings, emitted: Emitted, meta: SourceMeta, path: str) -> Callable[[Store], ChangeSet]:
    """The change set of a table, made under the write lock: its graph, and its places joined to the places the
    store has."""
    def plan(reader: Store) -> ChangeSet:
        places_iri = str(graph_iri(settings.base_uri, "places"))
        place_lines, graph = split_places(emitted.graph)
        places = merge_described(stored_lines(reader, places_iri), NTriplesGraph(place_lines))
        graphs = shared_graphs(settings, reader) | {
            str(source_graph_iri(settings.base_uri, meta.id)): graph, places_iri: places}
        return ChangeSet(graphs, action="ingest", locate=emitted.locate, file=path, audit={"file": path})

    return plan


def _ingest_records(path: Path, settings: Settings, store: Store | None, say: Progress) -> Ingested:
    """A curated record file (data/sources/*.yaml): its source graph, with the places it names and the agents of
    its data directory, as a build would write them."""
    data_dir = data_dir_of([path], settings.data_dir)
    dataset = load_data(data_dir, settings.base_uri, [path])
    mapped = dataset.sources[0]

    def plan(reader: Store) -> ChangeSet:
        changes = changes_of(dataset, settings, reader, action="ingest", whole=False)
        changes.file, changes.audit = str(path), {"file": str(path)}
        return changes

    written = write(settings, plan, store=store, progress=say)
    source_id = str(next(iter(mapped.graph.objects(None, DCTERMS.identifier)), path.stem))
    graph = NTriplesGraph.of(mapped.graph.serialize(format="nt", encoding="utf-8"))
    ingested = Ingested(str(path), source_id, str(mapped.graph_iri), graph,
                        incidents=len(list(mapped.graph.subjects(RDF.type, MG.Incident))), notices=mapped.notices)
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


__all__ = ["Emitted", "Ingested", "emit_table", "ingest", "split_places", "withdraw_source", "write_rejects"]

