"""One ingest: a file -> records -> N-Triples -> the fast gate -> one named graph, replaced atomically.

Each input file is one source document and one graph ``{base}graph/source/{key}``. Things that were in a
source's previous version and are not in the new one get a tombstone in ``{base}graph/tombstones`` (so
their IRIs answer 410, not 404); a thing that comes back loses it.

Test hook: ``MINEGRAPH_TEST_CRASH_AT=<stage>`` kills the process with SIGKILL at a named stage
(:data:`CRASH_STAGES`), so tests can show that a crash leaves the store as it was. Never set it otherwise.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minegraph.core.errors import InputError, ValidationFailed
from minegraph.core.ntriples import NTriplesGraph, literal, typed
from minegraph.core.vocab import MG, source_graph_iri, source_iri
from minegraph.ingest.emit import SourceMeta, emit_incidents, emit_places, emit_source
from minegraph.ingest.rows import TableRecords, map_victim_table
from minegraph.ingest.table import RowError, Table, fail_on, read_table
from minegraph.store.fastgate import Row, as_row, from_row, located, validate_in_processes, validate_ntriples
from minegraph.store.gate import ValidationReport
from minegraph.store.tombstones import tombstones_graph_iri

PROV = "http://www.w3.org/ns/prov#"

Progress = Callable[[str], None]
#: Incidents per batch of the fast gate (see :func:`validate_table`).
GATE_BATCH = 10_000


def meter_of(say: Progress | None, what: str, total: int) -> Callable[[int], None] | None:
    """A progress bar of ``total`` ``what``, when the reporter ``say`` draws bars (the CLI's does: ``meter``)."""
    meter = getattr(say, "meter", None)
    return meter(what, total) if meter is not None else None


@dataclass
class Ingested:
    """What one file became: its graph, and everything the report says about it."""

    file: str
    source_id: str
    graph_iri: str
    graph: NTriplesGraph
    report: ValidationReport
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
    #: Lines of ``graph`` before the first incident (the source, its statement, places); None: unknown.
    head: int | None = None


@dataclass
class Emitted:
    """A table's graph, where each triple came from, and the line where each incident's triples start."""

    graph: NTriplesGraph
    locate: dict[str, tuple[str, str]]
    starts: list[int]


def emit_table(records: TableRecords, meta: SourceMeta, base: str, table: Table,
               skip_rows: set[int] = frozenset()) -> Emitted:  # type: ignore[assignment]
    graph = NTriplesGraph()
    sha = hashlib.sha256(table.raw).hexdigest()
    statement = emit_source(graph, meta, base, sha, table.header_line, records.dropped)
    incidents = [i for i in records.incidents if i.row not in skip_rows]
    used = {i.place for i in incidents}
    places = {p.iri: p for p in records.places.values()}
    for iri in list(used):  # keep the enclosing places of every place used
        parent = places[iri].parent if iri in places else None
        while parent and parent not in used:
            used.add(parent)
            parent = places[parent].parent if parent in places else None
    emit_places(graph, (p for p in records.places.values() if p.iri in used))
    starts = []
    for incident in incidents:
        starts.append(len(graph.lines))
        emit_incidents(graph, (incident,), statement)
    locate: dict[str, tuple[str, str]] = {}
    for i in incidents:
        where = (table.file, f"row {i.row}")
        locate[i.iri] = where
        for v in i.victims:
            locate[v.iri] = where
    locate[str(source_iri(base, meta.id))] = (table.file, "source (meta)")
    return Emitted(graph, locate, starts)


def validate_table(emitted: Emitted, reference: str, batch: int = GATE_BATCH, workers: int | None = None,
                   progress: Callable[[int], None] | None = None) -> ValidationReport:
    """The fast gate over a table's graph, ``batch`` incidents at a time, batches in parallel processes.

    Every shape constrains one focus node and what hangs off it (an incident with its victims and date), so
    each batch — the source, its statement and the places, plus a slice of the incidents — is checked
    exactly; results about the shared part repeat in every batch and are reported once. Batches keep the
    cost linear (one pass over 100,000 incidents costs twice as much per incident as batches of 10,000)
    and let ``workers`` processes (default: one per CPU) share them. ``progress`` gets the number of
    incidents of each batch done.
    """
    lines, starts = emitted.graph.lines, emitted.starts
    shared = "".join(lines[: starts[0]]) if starts else ""
    bounds = [*starts[::batch], len(lines)] if starts else [0, len(lines)]
    spans = list(itertools.pairwise(bounds))

    def text_of(index: int) -> str:  # made when it is validated: one batch's text at a time per process
        first, end = spans[index]
        return shared + "".join(lines[first:end])

    sizes = [len(starts[i:i + batch]) for i in range(0, len(starts), batch)] or [0]
    workers = min(len(spans), os.cpu_count() or 1) if workers is None else min(workers, len(spans))
    if workers > 1:
        done = validate_in_processes(len(spans), text_of, reference, workers)
    else:
        done = ((i, [as_row(r) for r in validate_ntriples(text_of(i), reference).results]) for i in range(len(spans)))
    parts: dict[int, list[Row]] = {}
    for index, rows in done:
        parts[index] = rows
        if progress:
            progress(sizes[index])
    report = ValidationReport()
    seen: set[Row] = set()
    for index in range(len(spans)):
        for row in parts[index]:
            if row not in seen:
                seen.add(row)
                report.results.append(located(from_row(row), emitted.locate))
    return report


def gate_table(records: TableRecords, meta: SourceMeta, base: str, table: Table, reference: str,
               on_error: str, say: Progress) -> Ingested:
    """Map, validate and (with ``on_error='skip'``) drop bad rows; raise when the file is refused."""
    structural = [e for e in records.errors if e.row <= 1 and e.column and "header" in e.rule]
    if structural or (records.errors and on_error == "reject"):
        raise fail_on(records.errors, table.file)
    skip = records.rejected_rows()
    emitted = emit_table(records, meta, base, table, skip)
    say(f"validating {len(emitted.graph):,} triples ({len(records.incidents) - len(skip):,} incidents)")
    report = validate_table(emitted, reference, progress=meter_of(say, "incidents validated", len(emitted.starts)))
    rejected = list(records.errors)
    if not report.conforms:
        bad_rows = {int(r.record.split()[-1]) for r in report.violations if r.record and r.record.startswith("row ")}
        unlocated = [r for r in report.violations if not (r.record and r.record.startswith("row "))]
        if on_error == "reject" or unlocated:
            raise ValidationFailed(f"{len(report.violations)} violation(s): the file was refused (nothing written)",
                                   report=report, file=table.file)
        rejected += [RowError(table.file, int(r.record.split()[-1]), r.field, r.value, r.message)  # type: ignore[union-attr]
                     for r in report.violations]
        skip |= bad_rows
        emitted = emit_table(records, meta, base, table, skip)
        report = validate_table(emitted, reference)
        if not report.conforms:
            raise ValidationFailed("violations remain after skipping the bad rows: nothing written",
                                   report=report, file=table.file)
    kept = [i for i in records.incidents if i.row not in skip]
    head = emitted.starts[0] if emitted.starts else len(emitted.graph.lines)
    return Ingested(table.file, meta.id, str(source_graph_iri(base, meta.id)), emitted.graph, report, head=head,
                    incidents=len(kept), victims=sum(len(i.victims) for i in kept), places=len(records.places),
                    rejected=sorted(rejected, key=lambda e: e.row), notices=list(records.notices),
                    dropped=records.dropped, unknown_columns=records.unknown_columns)


def write_rejects(result: Ingested, table: Table, path: Path) -> None:
    """Every rejected row, with its reasons, as CSV: row, column, value, rule, then the row's cells."""
    cells = dict(table.rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "value", "rule", *table.columns])
        for error in result.rejected:
            writer.writerow([error.row, error.column or "", error.value or "", error.rule, *cells.get(error.row, [])])
    result.rejects_file = str(path)


def tombstones_for(store: Any, base: str, ingested: Ingested, before: set[str], when: str, *,
                   reason: str | None = None) -> NTriplesGraph:
    """The tombstone graph after this ingest: vanished things of this source added, returning ones removed.

    ``before`` holds the subjects (IRIs) of the source's graph as it was.
    """
    target = tombstones_graph_iri(base)
    kept = [f"{t.subject} {t.predicate} {t.object} .\n"
            for t in store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}")]
    now = {line.split(" ", 1)[0][1:-1] for line in ingested.graph.lines}
    things = f"{base}id/"
    shared = (f"{things}place/", f"{things}agent/")  # reference things other sources may name too
    vanished = sorted(s for s in before - now if s.startswith(things) and "#" not in s and not s.startswith(shared))
    kept = [line for line in kept if line.split(" ", 1)[0][1:-1] not in now]
    why = literal(reason or f"No longer in the current version of its source ({ingested.source_id}).", "en")
    stamp = typed(when, "dateTime")
    tombstoned = {line.split(" ", 1)[0] for line in kept}
    for iri in vanished:
        node = f"<{iri}>"
        if node not in tombstoned:
            kept += [f"{node} <{MG}withdrawnReason> {why} .\n", f"{node} <{PROV}invalidatedAtTime> {stamp} .\n"]
    ingested.tombstoned = len(vanished)
    return NTriplesGraph(sorted(set(kept)))


def refuse(message: str, file: str) -> InputError:
    return InputError(message, file=file)


__all__ = ["Ingested", "emit_table", "gate_table", "map_victim_table", "read_table", "tombstones_for", "write_rejects"]
