"""The SHACL shapes (shapes/minegraph-shapes.ttl) against their fixtures (tests/fixtures/shapes/).

Fixture names say what is expected:

* ``{shape}--conforms*.ttl``: no validation result at all, not even a warning;
* ``{shape}--violates-{what}.ttl``: at least one sh:Violation from the shape named in the file;
* ``{shape}--warns-{what}.ttl``: at least one sh:Warning from the shape named in the file, and no violation.

Each non-conforming fixture names the shape it expects in a comment line
``# expect: mg:SomeShape sh:Violation``; a result counts when that shape is its sh:sourceShape or the
node shape whose sh:property is its sh:sourceShape. Every fixture is validated together with the concept
schemes (ontology/concepts.ttl), because concept values are checked through their skos:inScheme.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from minegraph.core.vocab import MG, SH

ROOT = Path(__file__).parents[1]
SHAPES_FILE = ROOT / "shapes" / "minegraph-shapes.ttl"
CONCEPTS_FILE = ROOT / "ontology" / "concepts.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "minegraph.ttl"
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
FIXTURE_FILES = sorted(FIXTURES.glob("*.ttl"))

EXPECT_RE = re.compile(r"^#\s*expect:\s*(\S+)\s+(\S+)\s*$", re.MULTILINE)
KIND_RE = re.compile(r"^(?P<slug>[a-z0-9-]+?)--(?P<kind>conforms|violates|warns)(?:-(?P<what>[a-z0-9-]+))?$")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE)


@pytest.fixture(scope="module")
def concepts() -> Graph:
    return Graph().parse(CONCEPTS_FILE)


@pytest.fixture(scope="module")
def parents(shapes: Graph) -> dict[Node, set[Node]]:
    """For each property shape, the node shapes that use it through sh:property."""
    found: dict[Node, set[Node]] = {}
    for node_shape, prop in shapes.subject_objects(SH.property):
        found.setdefault(prop, set()).add(node_shape)
    return found


def _kind(path: Path) -> tuple[str, str]:
    match = KIND_RE.match(path.stem)
    assert match, f"{path.name}: fixture names are {{shape}}--conforms|violates-…|warns-….ttl"
    return match["slug"], match["kind"]


def _expectations(path: Path, shapes: Graph) -> list[tuple[URIRef, URIRef]]:
    expanded = []
    for shape, severity in EXPECT_RE.findall(path.read_text(encoding="utf-8")):
        expanded.append((shapes.namespace_manager.expand_curie(shape), shapes.namespace_manager.expand_curie(severity)))
    return expanded


def _results(report: Graph) -> list[tuple[Node, Node, str]]:
    """(severity, source shape, message) of every top-level validation result (not the sh:detail ones)."""
    out = []
    for result in report.objects(None, SH.result):
        message = " / ".join(str(m) for m in report.objects(result, SH.resultMessage))
        out.append((report.value(result, SH.resultSeverity), report.value(result, SH.sourceShape), message))
    return out


def _describe(results: list[tuple[Node, Node, str]]) -> str:
    return "\n".join(f"  {severity} {shape}: {message}" for severity, shape, message in results) or "  (none)"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_fixture(path: Path, shapes: Graph, concepts: Graph, parents: dict[Node, set[Node]]) -> None:
    _, kind = _kind(path)
    data = Graph()
    data += concepts
    data.parse(path)
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=None, inference="none", advanced=True
    )
    results = _results(report)
    expected = _expectations(path, shapes)

    if kind == "conforms":
        assert not expected, f"{path.name}: a conforming fixture expects nothing"
        assert not results, f"{path.name} should conform without any result, got:\n{_describe(results)}"
        return

    assert expected, f"{path.name}: needs a '# expect: <shape> <severity>' line"
    if kind == "warns":
        violations = [r for r in results if r[0] == SH.Violation]
        assert not violations, f"{path.name} should only warn, got:\n{_describe(results)}"
    for shape, severity in expected:
        assert severity == (SH.Violation if kind == "violates" else SH.Warning), f"{path.name}: severity {severity}"
        hits = [
            r for r in results
            if r[0] == severity and (r[1] == shape or shape in parents.get(r[1], set()))
        ]
        assert hits, f"{path.name}: expected {severity} from {shape}, got:\n{_describe(results)}"


def _named_shapes(shapes: Graph) -> set[Node]:
    """Node shapes, property shapes and SPARQL constraints: all that carry a message for curators."""
    found: set[Node] = set(shapes.subjects(RDF.type, SH.NodeShape))
    found |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    found |= set(shapes.objects(None, SH.property))
    found |= set(shapes.objects(None, SH.sparql))
    return found


def test_every_shape_has_a_name_and_a_message(shapes: Graph) -> None:
    missing = []
    for shape in _named_shapes(shapes):
        if isinstance(shape, BNode) and (None, SH.sparql, shape) in shapes:
            needed = [SH.message]  # a SPARQL constraint is named by its shape
        else:
            needed = [SH.name, SH.message]
        missing += [f"{shape} lacks {p.n3(shapes.namespace_manager)}" for p in needed if shapes.value(shape, p) is None]
    assert not missing, "\n".join(sorted(missing))


def test_every_class_has_a_shape(shapes: Graph) -> None:
    ontology = Graph().parse(ONTOLOGY_FILE)
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and c.startswith(str(MG))}
    assert classes, "ontology/minegraph.ttl defines no mg: classes"
    targets = set(shapes.objects(None, SH.targetClass))
    assert not classes - targets, f"classes without a shape: {sorted(classes - targets)}"
    unknown = {t for t in targets if t.startswith(str(MG))} - classes
    assert not unknown, f"shapes target classes the ontology does not define: {sorted(unknown)}"
    oa = "http://www.w3.org/ns/oa#"
    assert {URIRef(oa + "SpecificResource"), URIRef(oa + "TextQuoteSelector")} <= targets


def _slug(shape: URIRef) -> str:
    local = str(shape)[len(str(MG)):].removesuffix("Shape")
    return re.sub(r"(?<!^)(?=[A-Z])", "-", local).lower()


def test_every_targeted_shape_has_fixtures(shapes: Graph, parents: dict[Node, set[Node]]) -> None:
    """Each node shape with a target has a conforming fixture and a failing one that names it."""
    kinds: dict[str, set[str]] = {}
    named: set[Node] = set()
    for path in FIXTURE_FILES:
        slug, kind = _kind(path)
        kinds.setdefault(slug, set()).add(kind)
        for shape, _ in _expectations(path, shapes):
            named.add(shape)
            named |= parents.get(shape, set())
    problems = []
    for shape in sorted(set(shapes.subjects(SH.targetClass, None))):
        assert isinstance(shape, URIRef)
        slug = _slug(shape)
        if "conforms" not in kinds.get(slug, set()):
            problems.append(f"{slug}--conforms.ttl is missing")
        if not kinds.get(slug, set()) & {"violates", "warns"} or shape not in named:
            problems.append(f"no failing fixture {slug}--violates-…/--warns-… expects {shape}")
    assert not problems, "\n".join(problems)


def test_every_property_shape_is_exercised(shapes: Graph) -> None:
    """Each named property shape is expected to fail by some fixture."""
    named = {shape for path in FIXTURE_FILES for shape, _ in _expectations(path, shapes)}
    property_shapes = {s for s in shapes.objects(None, SH.property) if isinstance(s, URIRef)}
    untested = sorted(str(s) for s in property_shapes - named)
    assert not untested, "property shapes no fixture makes fail:\n" + "\n".join(untested)
