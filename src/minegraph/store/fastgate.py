"""The fast gate: the same shapes as :mod:`minegraph.store.gate`, for graphs of hundreds of thousands of triples.

pyshacl stays the reference (about 4.6 ms per incident); here the core constraints run in the Rust
validator of the ``shacl`` package (about 0.1 ms) and every SPARQL-based constraint (``sh:sparql``) runs
as a SPARQL query in pyoxigraph, because that validator misses some of them (comparisons of
``xsd:date`` values). tests/test_ingest_gate.py checks that the two paths report the same results
(focus node, path, severity, shape) on every fixture of tests/fixtures/shapes/.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, partial
from multiprocessing.connection import Connection

import shacl
from pyoxigraph import NamedNode, RdfFormat
from pyoxigraph import Store as OxStore
from rdflib import Graph, URIRef

from minegraph.core.children import answer_items, map_in_children
from minegraph.core.ntriples import NTriplesGraph
from minegraph.core.resources import concepts_graph, ontology_graph, shapes_graph
from minegraph.core.vocab import PREFIXES, SH
from minegraph.store.gate import VIOLATION, Result, ValidationReport

_THIS = re.compile(r"\$this\b")
_VAR = re.compile(r"\{\?([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class SparqlConstraint:
    shape: str
    target_class: str
    query: str
    message: str
    severity: str


@cache
def fast_shapes() -> tuple[shacl.Shapes, tuple[SparqlConstraint, ...]]:
    """The shapes without their SPARQL constraints, compiled; and the SPARQL constraints apart."""
    shapes = shapes_graph()
    core = Graph()
    core += shapes
    constraints: list[SparqlConstraint] = []
    prefixes = dict(PREFIXES) | {str(shapes.value(d, SH.prefix)): str(shapes.value(d, SH.namespace))
                                 for d in shapes.objects(None, SH.declare)}
    header = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items())
    for shape, sparql in list(shapes.subject_objects(SH.sparql)):
        core.remove((shape, SH.sparql, sparql))
        select = shapes.value(sparql, SH.select)
        message = shapes.value(sparql, SH.message) or shapes.value(shape, SH.message) or "does not conform"
        severity = shapes.value(shape, SH.severity) or VIOLATION
        for target in shapes.objects(shape, SH.targetClass):
            query = _THIS.sub("?this", str(select))
            where = query.index("{", query.upper().index("WHERE"))
            query = query[: where + 1] + f" ?this a <{target}> . " + query[where + 1:]
            constraints.append(SparqlConstraint(str(shape), str(target), header + query, str(message), str(severity)))
    if any(True for _ in core.triples((None, SH.sparql, None))):  # pragma: no cover - defensive
        raise RuntimeError("SPARQL constraints left in the core shapes")
    compiled = shacl.Shapes.from_text(core.serialize(format="nt"), format="ntriples")
    return compiled, tuple(constraints)


@cache
def base_reference_text() -> str:
    """The ontology and concept schemes as N-Triples (the reference every graph is validated with)."""
    graph = Graph()
    graph += ontology_graph()
    graph += concepts_graph()
    return graph.serialize(format="nt")


def _term(text: str) -> str:
    """An N-Triples term as the plain string the readable report shows."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    return text


def validate_ntriples(data: str, reference: str, *, locate: dict[str, tuple[str, str]] | None = None,
                      subjects: Iterable[str] | None = None) -> ValidationReport:
    """Validate N-Triples ``data`` with ``reference`` mixed in; only results about ``data``'s subjects count."""
    compiled, constraints = fast_shapes()
    combined = data + "\n" + reference
    own = set(subjects) if subjects is not None else {line.split(" ", 1)[0] for line in data.splitlines() if line}
    report = ValidationReport()
    fast = compiled.validate_text(combined, format="ntriples", allow_warnings=True)
    for r in fast.results:
        if r.focus_node not in own and not r.focus_node.startswith("_:"):
            continue
        path = r.path[1:-1] if r.path and r.path.startswith("<") and r.path.endswith(">") else None
        value = None if r.value is None or r.value == r.focus_node else r.value
        report.results.append(located(Result(
            severity=_severity(r.severity_iri), message=r.message or "does not conform", focus=_term(r.focus_node),
            path=path, value=_readable(value), shape=(r.root_shape or "").strip("<>") or None,
        ), locate))
    if constraints:
        store = OxStore()
        store.load(combined.encode("utf-8"), format=RdfFormat.N_TRIPLES)
        for c in constraints:
            for row in store.query(c.query):  # type: ignore[union-attr]
                focus = row["this"]
                if not isinstance(focus, NamedNode) or f"<{focus.value}>" not in own:
                    continue
                message = _VAR.sub(partial(_substitute, row), c.message)
                report.results.append(located(Result(
                    severity=_severity(c.severity), message=message, focus=focus.value, shape=c.shape,
                ), locate))
    return report


#: A result as plain strings (severity IRI, message, focus, path, value, shape): cheap to pickle and to unpickle,
#: where a :class:`Result` rebuilds an rdflib URIRef per result (0.4 s per 20,000 results).
Row = tuple[str, str, str, str | None, str | None, str | None]


def as_row(result: Result) -> Row:
    return (str(result.severity), result.message, result.focus, result.path, result.value, result.shape)


@cache
def _severity(iri: str) -> URIRef:
    return URIRef(iri)


def from_row(row: Row) -> Result:
    severity, message, focus, path, value, shape = row
    return Result(_severity(severity), message, focus, path, value, shape)


#: Incidents (units) per batch of the fast gate (see :func:`validate_graph`).
GATE_BATCH = 10_000


def validate_graph(graph: NTriplesGraph, reference: str, *, locate: dict[str, tuple[str, str]] | None = None,
                   batch: int = GATE_BATCH, workers: int | None = None,
                   progress: Callable[[int], None] | None = None) -> ValidationReport:
    """The fast gate over ``graph`` with ``reference`` mixed in; a graph of many units (``graph.units``: the
    incidents of a table) ``batch`` units at a time, batches in parallel processes.

    Every shape constrains one focus node and what hangs off it (an incident with its victims and date), so
    each batch — the lines before the first unit (the source, its statement), plus a slice of the units — is
    checked exactly; results about the shared part repeat in every batch and are reported once. Batches keep the
    cost linear (one pass over 100,000 incidents costs twice as much per incident as batches of 10,000) and let
    ``workers`` processes (default: one per CPU) share them. ``progress`` gets the number of units of each batch
    done.
    """
    lines, starts = graph.lines, graph.units or []
    if len(starts) <= batch:
        report = validate_ntriples(graph.text(), reference, locate=locate)
        if progress:
            progress(len(starts))
        return report
    shared = "".join(lines[: starts[0]])
    bounds = [*starts[::batch], len(lines)]
    spans = list(itertools.pairwise(bounds))

    def text_of(index: int) -> str:  # made when it is validated: one batch's text at a time per process
        first, end = spans[index]
        return shared + "".join(lines[first:end])

    sizes = [len(starts[i:i + batch]) for i in range(0, len(starts), batch)]
    workers = min(len(spans), os.cpu_count() or 1) if workers is None else min(workers, len(spans))
    if workers > 1:
        done = map_in_children("minegraph.store.fastgate:gate_child", reference, len(spans), text_of, workers)
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
                report.results.append(located(from_row(row), locate))
    return report


def gate_child(conn: Connection) -> None:
    """A validation process (:func:`minegraph.core.children.map_in_children`): the reference first, then texts;
    answers each text's result rows."""
    reference = conn.recv()
    answer_items(conn, lambda text: [as_row(r) for r in validate_ntriples(text, reference).results])


def _substitute(row: object, match: re.Match[str]) -> str:
    return _binding(row, match.group(1))


def _binding(row: object, name: str) -> str:
    try:
        term = row[name]  # type: ignore[index]
    except (KeyError, IndexError):
        return "?"
    return "?" if term is None else str(getattr(term, "value", term))


def _readable(value: str | None) -> str | None:
    if value is None:
        return None
    if value.startswith("<"):
        from minegraph.store.gate import compact

        return compact(value[1:-1])
    if value.startswith('"'):
        return repr(value[1:value.rindex('"')])
    return value


def located(result: Result, locate: dict[str, tuple[str, str]] | None) -> Result:
    """``result`` with the file and record (row) its focus node came from, when ``locate`` knows it."""
    if not locate:
        return result
    where = locate.get(result.focus) or locate.get(result.focus.split("#", 1)[0])
    if where is None:
        return result
    return Result(result.severity, result.message, result.focus, result.path, result.value, result.shape, *where)


def results_key(report: ValidationReport) -> set[tuple[str, str | None, str, str | None]]:
    """(focus, path, severity, shape) of every result: what the parity test compares."""
    return {(r.focus, r.path, str(r.severity), r.shape) for r in report.results}

