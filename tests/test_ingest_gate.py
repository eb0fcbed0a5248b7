"""The fast gate (Rust ``shacl`` + SPARQL constraints in pyoxigraph) reports what pyshacl reports.

Compared on every fixture of tests/fixtures/shapes/: the set of (focus node, path, severity, shape) of the
top-level results, where the shape is the named shape (a property shape's node shape when it is a blank node).
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, URIRef

from minegraph.core.resources import concepts_graph, shapes_graph
from minegraph.core.vocab import SH
from minegraph.store.fastgate import validate_ntriples

CONCEPTS = concepts_graph().serialize(format="nt")  # as tests/test_shapes.py: fixtures + concept schemes
FIXTURES = sorted((Path(__file__).parent / "fixtures" / "shapes").glob("*.ttl"))
Key = tuple[str, str | None, str, str | None]


def _named(shapes: Graph, shape: object) -> str | None:
    if isinstance(shape, URIRef):
        return str(shape)
    parent = next(iter(shapes.subjects(SH.property, shape)), None)
    return str(parent) if parent is not None else None


def _focus(node: object) -> str:
    return "_:" if isinstance(node, BNode) or str(node).startswith("_:") else str(node)


def reference_results(data: Graph) -> set[Key]:
    shapes = shapes_graph()
    combined = Graph()
    combined += data
    combined += concepts_graph()
    _conforms, report, _ = pyshacl.validate(combined, shacl_graph=shapes, inference="none", advanced=True,
                                            allow_warnings=True)
    own = set(data.subjects())
    found = set()
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        if focus not in own:
            continue
        path = report.value(result, SH.resultPath)
        found.add((_focus(focus), str(path) if isinstance(path, URIRef) else None,
                   str(report.value(result, SH.resultSeverity)), _named(shapes, report.value(result, SH.sourceShape))))
    return found


def fast_results(data: Graph) -> set[Key]:
    report = validate_ntriples(data.serialize(format="nt"), CONCEPTS)
    return {(_focus(r.focus), r.path, str(r.severity), r.shape) for r in report.results}


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_fast_gate_reports_what_pyshacl_reports(fixture: Path) -> None:
    data = Graph().parse(fixture)
    assert fast_results(data) == reference_results(data)


def test_there_are_fixtures() -> None:
    assert len(FIXTURES) > 50


def test_the_gate_in_batches_reports_what_one_pass_reports() -> None:
    """Batches of incidents (shared part repeated) give exactly the results of one pass over the table."""
    from minegraph.ingest.rows import map_victim_table
    from minegraph.ingest.run import emit_table
    from minegraph.ingest.sources import load_meta
    from minegraph.ingest.spec import find_mapping, load_mapping
    from minegraph.ingest.table import read_table
    from minegraph.store.fastgate import base_reference_text, validate_graph

    from .conftest import BASE, DATA

    sample = Path(__file__).parent / "fixtures" / "colombia" / "sample.csv"
    table = read_table(str(sample), 10_000_000)
    spec = load_mapping(find_mapping("colombia-victims", DATA))
    assert spec.meta is not None
    meta = load_meta(spec.meta)
    records = map_victim_table(table, spec, BASE)
    emitted = emit_table(records, meta, BASE, table)
    # a violation in a middle batch: an incident whose killed count is negative
    starts = emitted.graph.units or []
    killed_line = next(n for n in range(starts[7], starts[8])
                       if "killedCount" in emitted.graph.lines[n])
    emitted.graph.lines[killed_line] = emitted.graph.lines[killed_line].split('"')[0] + \
        '"-1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    reference = base_reference_text() + emitted.places.text()  # the places the table describes
    whole = validate_graph(emitted.graph, reference, locate=emitted.locate, batch=len(starts))
    batched = validate_graph(emitted.graph, reference, locate=emitted.locate, batch=3)
    assert len(starts) > 9
    assert not whole.conforms and whole.warnings
    assert sorted(map(repr, batched.results)) == sorted(map(repr, whole.results))
