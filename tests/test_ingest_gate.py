"""The fast gate (Rust ``shacl`` + SPARQL constraints in pyoxigraph) reports what pyshacl reports.

Compared on every fixture of tests/fixtures/shapes/: the set of (focus node, path, severity, shape) of the
top-level results, where the shape is the named shape (a property shape's node shape when it is a blank node).
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, URIRef

from minegraph.ingest.validate import validate_ntriples
from minegraph.resources import concepts_graph, shapes_graph
from minegraph.vocab import SH

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
