"""The SHACL gate: validation of one named graph at a time, and readable reports.

A graph is validated together with what it points to (ontology, concept schemes, places, agents: the write door
passes exactly that, :meth:`minegraph.store.overlay.Overlay.context`), so the cost grows with the graph, not with
the store. Only results about nodes of the graph itself are reported. The privacy rules run beside the shapes,
in the door (:mod:`minegraph.store.privacy`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyshacl
from rdflib import RDF, RDFS, Graph, Literal, Node, URIRef
from rdflib.namespace import DCTERMS, PROV

from minegraph.core.resources import concepts_graph, ontology_graph, shapes_graph
from minegraph.core.vocab import MG, OA, PREFIXES, SH

#: predicate -> the record field it comes from (for readable reports)
FIELD_OF: dict[URIRef, str] = {
    MG.killedCount: "killed", MG.injuredCount: "injured", MG.place: "place",
    MG.explosiveOrdnanceType: "device", MG.context: "context", MG.earliestDate: "date.earliest",
    MG.latestDate: "date.latest", MG.datePrecision: "date", MG.dateAsReported: "date.reported",
    MG.outcome: "outcome", MG.status: "status", MG.sex: "sex", MG.ageBand: "age_band",
    MG.activity: "activity", MG.supportedBy: "supports (of a statement)", MG.victim: "victims",
    MG.quote: "quotes", OA.exact: "quotes", PROV.wasAttributedTo: "speaker", DCTERMS.publisher: "publisher",
    MG.sha256: "sha256", MG.retrieved: "retrieved", DCTERMS.issued: "issued", MG["count"]: "count",
    MG.area: "area", MG.allegedResponsibleParty: "alleged_responsible", MG.adminLevel: "level",
    RDFS.label: "label", DCTERMS.title: "title", MG.speech: "speech", DCTERMS.type: "type",
}


def locate(where: Mapping[str, tuple[str, str]] | None, node: str) -> tuple[str, str] | None:
    """(file, record) that ``node`` came from, by ``where`` (node IRI -> (file, record)); a ``#`` node is found
    through the thing it belongs to. None when ``where`` does not know it."""
    if where is None:
        return None
    found = where.get(node)
    if found is None and "#" in node:
        found = where.get(node.split("#", 1)[0])
    return found


VIOLATION, WARNING, INFO = SH.Violation, SH.Warning, SH.Info
_SEVERITY_WORD = {VIOLATION: "violation", WARNING: "warning", INFO: "info"}
REDACTED = "[redacted]"
#: Graphs larger than this (the gazetteer, big sources) go through the fast gate, which reports the same
#: results as pyshacl on every shapes fixture (tests/test_ingest_gate.py); smaller ones through pyshacl.
FAST_GATE_TRIPLES = 1_000


@dataclass(frozen=True)
class Result:
    """One finding, in the curator's terms and in SHACL's."""

    severity: URIRef
    message: str
    focus: str
    path: str | None = None
    value: str | None = None
    shape: str | None = None
    file: str | None = None
    record: str | None = None

    @property
    def field(self) -> str | None:
        if self.path is None:
            return None
        return FIELD_OF.get(URIRef(self.path), compact(self.path))

    def text(self) -> str:
        where = ", ".join(part for part in (self.file, self.record) if part) or f"<{self.focus}>"
        parts = [f"{_SEVERITY_WORD.get(self.severity, 'result').upper()}: {where}"]
        if self.path:
            parts.append(f"field {self.field} ({compact(self.path)})")
        if self.value is not None:
            parts.append(f"value {self.value}")
        line = ", ".join(parts) + f": {self.message}"
        return line + (f" [rule {compact(self.shape)}]" if self.shape else "")


@dataclass
class ValidationReport:
    results: list[Result] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)

    @property
    def conforms(self) -> bool:
        """True when there is no violation (warnings do not stop a write)."""
        return not self.violations

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == VIOLATION]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == WARNING]

    def text(self) -> str:
        if not self.results:
            return "conforms: no violations, no warnings"
        lines = [r.text() for r in sorted(self.results, key=lambda r: (r.severity != VIOLATION, r.file or "",
                                                                     r.record or "", r.path or ""))]
        lines.append(f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)

    def extend(self, other: ValidationReport) -> None:
        self.results.extend(other.results)
        self.graph += other.graph

    def turtle(self) -> str:
        """The sh:ValidationReport, in Turtle."""
        graph = Graph()
        graph += self.graph
        report = next(iter(graph.subjects(RDF.type, SH.ValidationReport)), None)
        if report is None:
            report = URIRef("urn:minegraph:report")
            graph.add((report, RDF.type, SH.ValidationReport))
        graph.set((report, SH.conforms, Literal(self.conforms)))
        for prefix, iri in PREFIXES.items():
            graph.bind(prefix, iri)
        graph.bind("sh", str(SH))
        return graph.serialize(format="turtle")


def compact(iri: str | None) -> str:
    if iri is None:
        return ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


def reference_graph(*graphs: Graph) -> Graph:
    """The ontology and concept schemes plus the given graphs (places, agents)."""
    merged = Graph()
    merged += ontology_graph()
    merged += concepts_graph()
    for graph in graphs:
        merged += graph
    return merged


def validate(
    data: Graph,
    *,
    reference: Graph | None = None,
    where: Mapping[str, tuple[str, str]] | None = None,
) -> ValidationReport:
    """Validate ``data`` against the shapes, with ``reference`` (default: ontology + concepts) mixed in; ``where``
    locates nodes in the input (node IRI -> (file, record))."""
    reference = reference if reference is not None else reference_graph()
    combined = Graph()
    combined += data
    combined += reference
    # (pyshacl's focus_nodes option would also skip the sh:node checks of values outside the list,
    # so keep references small instead: the door passes only what the data points at, Overlay.context.)
    _conforms, report_graph, _ = pyshacl.validate(
        combined, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True,
    )
    own_subjects = set(data.subjects())
    report = ValidationReport(graph=report_graph)
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        focus = report_graph.value(node, SH.focusNode)
        if focus not in own_subjects:
            continue
        report.results.append(_result(report_graph, node, focus, where))
    return report


def _result(report: Graph, node: Node, focus: Node, where: Mapping[str, tuple[str, str]] | None) -> Result:
    def text(predicate: URIRef) -> str | None:
        value = report.value(node, predicate)
        return None if value is None else str(value)

    value = report.value(node, SH.value)
    if value == focus:
        value = None
    located = locate(where, str(focus))
    return Result(
        severity=URIRef(text(SH.resultSeverity) or VIOLATION),
        message=text(SH.resultMessage) or "does not conform",
        focus=str(focus),
        path=text(SH.resultPath) if isinstance(report.value(node, SH.resultPath), URIRef) else None,
        value=None if value is None else (compact(str(value)) if isinstance(value, URIRef) else repr(str(value))),
        shape=text(SH.sourceShape) if isinstance(report.value(node, SH.sourceShape), URIRef) else None,
        file=located[0] if located else None,
        record=located[1] if located else None,
    )
