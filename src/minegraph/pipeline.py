"""build / validate: source records -> RDF -> SHACL gate -> store, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from minegraph.errors import InputError, ValidationFailed
from minegraph.gate import ValidationReport, reference_graph, validate
from minegraph.mapping import Index, Mapped, map_agents, map_places, map_source, place_index
from minegraph.records import Agent, Place, SourceRecords, read_agents, read_places, read_source
from minegraph.resources import concepts_graph, ontology_graph
from minegraph.settings import Settings
from minegraph.store import Store
from minegraph.store.embedded import EmbeddedStore
from minegraph.vocab import graph_iri, sparql_prefixes

Progress = Callable[[str], None]


@dataclass
class DataSet:
    """Everything read from a data directory, mapped to named graphs."""

    places: Mapped
    agents: Mapped
    sources: list[Mapped] = field(default_factory=list)

    @property
    def redact(self) -> tuple[str, ...]:
        return tuple(s for mapped in self.sources for s in mapped.redact)

    @property
    def notices(self) -> list[str]:
        return [n for mapped in self.sources for n in mapped.notices]


@dataclass
class BuildResult:
    report: ValidationReport
    graphs: dict[str, int]
    triples: int
    notices: list[str]


def source_files(paths: Iterable[Path]) -> list[Path]:
    """The record files named by ``paths``: files as given, directories searched for ``*.yaml``."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.yaml") if p.parent.name == "sources"
                                or (p.parent == path and p.name not in ("places.yaml", "agents.yaml"))))
        else:
            found.append(path)
    return found


def load_data(data_dir: Path, base: str, sources: Iterable[Path] | None = None) -> DataSet:
    """Read places, agents and source files of ``data_dir`` and map them to RDF."""
    places_file, agents_file = data_dir / "places.yaml", data_dir / "agents.yaml"
    places = read_places(places_file)
    agents = read_agents(agents_file)
    dataset = DataSet(map_places(places, base, str(places_file)), map_agents(agents, base, str(agents_file)))
    files = source_files([data_dir / "sources"]) if sources is None else list(sources)
    for path in files:
        records = read_source(path)
        check_references(records, places, agents)
        dataset.sources.append(map_source(records, base, place_index(places, base)))
    return dataset


def check_references(records: SourceRecords, places: tuple[Place, ...], agents: tuple[Agent, ...]) -> None:
    """Every place and agent a source file names exists in the gazetteer and the agent list."""
    place_ids, agent_ids = {p.id for p in places}, {a.id for a in agents}
    file = str(records.path)
    checks: list[tuple[str, str, str | None, set[str], str]] = [
        ("source", "publisher", records.source.publisher, agent_ids, "agents.yaml"),
    ]
    for s in records.statements:
        record = f"statements[{s.id}]"
        checks += [(record, "speaker", s.speaker, agent_ids, "agents.yaml"),
                   (record, "area", s.area, place_ids, "places.yaml"),
                   (record, "alleged_responsible", s.alleged_responsible, agent_ids, "agents.yaml")]
    for i in records.incidents:
        checks.append((f"incidents[{i.id}]", "place", i.place, place_ids, "places.yaml"))
    for record, name, value, known, where in checks:
        if value is not None and value not in known:
            raise InputError(f"names nothing in {where}", file=file, record=record, field=name, value=value)


def validate_dataset(dataset: DataSet, progress: Progress | None = None) -> ValidationReport:
    """The gate over every graph of ``dataset``, each with the reference graphs it points to."""
    report = ValidationReport()
    redact = dataset.redact
    shared = reference_graph(dataset.places.graph, dataset.agents.graph)
    for mapped in (dataset.places, dataset.agents, *dataset.sources):
        if progress:
            progress(f"validating {mapped.graph_iri} ({len(mapped.graph)} triples)")
        report.extend(validate(mapped.graph, reference=shared, index=mapped.index, redact=redact))
    report.extend(dataset_checks(dataset))
    return report


DANGLING = """
SELECT DISTINCT ?s ?p ?o WHERE {
  VALUES ?p { mg:place mg:supportedBy mg:supports mg:victim mg:incident mg:about mg:area
              prov:wasAttributedTo prov:wasDerivedFrom dcterms:publisher mg:allegedResponsibleParty
              schema:containedInPlace }
  ?s ?p ?o .
  FILTER NOT EXISTS { ?o a ?class }
}
"""


def dataset_checks(dataset: DataSet) -> ValidationReport:
    """Dataset-wide rules as SPARQL: no dangling references, no key used by two records."""
    from minegraph.gate import VIOLATION, Result

    scratch = EmbeddedStore(None)
    graphs = {str(m.graph_iri): m.graph for m in (dataset.places, dataset.agents, *dataset.sources)}
    scratch.replace_graphs(graphs | {"urn:minegraph:reference": reference_graph()})
    index = Index()
    for mapped in (dataset.places, dataset.agents, *dataset.sources):
        index.merge(mapped.index)
    report = ValidationReport()
    for row in scratch.query(sparql_prefixes() + DANGLING):  # type: ignore[union-attr]
        s, p, o = (row[name].value for name in ("s", "p", "o"))
        located = index.locate(s)
        report.results.append(Result(VIOLATION, "points at something that does not exist (a dangling reference)",
                                     s, p, f"<{o}>", None, *(located or (None, None))))
    seen: dict[str, str] = {}
    for mapped in dataset.sources:
        for node, (file, record) in mapped.index.records.items():
            if node in seen and seen[node] != f"{file} {record}":
                report.results.append(Result(VIOLATION, f"has the same key as {seen[node]}: rename one record id",
                                             node, None, None, None, file, record))
            seen[node] = f"{file} {record}"
    return report


def build(settings: Settings, progress: Progress | None = None, store: Store | None = None) -> BuildResult:
    """Build the store from ``settings.data_dir``: every graph is replaced at once, or nothing is."""
    say = progress or (lambda message: None)
    say(f"reading records from {settings.data_dir}")
    dataset = load_data(settings.data_dir, settings.base_uri)
    report = validate_dataset(dataset, say)
    if not report.conforms:
        raise ValidationFailed(f"{len(report.violations)} violation(s): the store was not changed", report=report,
                               file=str(settings.data_dir))
    graphs: dict[str, Graph | None] = {
        str(graph_iri(settings.base_uri, "ontology")): ontology_graph(),
        str(graph_iri(settings.base_uri, "concepts")): concepts_graph(),
    }
    graphs |= {str(m.graph_iri): m.graph for m in (dataset.places, dataset.agents, *dataset.sources)}
    own = store is None
    target = store if store is not None else EmbeddedStore(settings.store)
    try:
        say(f"writing {len(graphs)} graphs to {settings.store if own else 'the store'}")
        target.replace_graphs(graphs)
        triples = len(target)
    finally:
        if own:
            target.close()
    return BuildResult(report, {g: len(t) if t is not None else 0 for g, t in graphs.items()}, triples,
                       dataset.notices)


def check(paths: Iterable[Path], settings: Settings) -> tuple[ValidationReport, DataSet]:
    """Validate the given record files (or directories) without writing anything."""
    paths = list(paths)
    data_dir = _data_dir_of(paths, settings.data_dir)
    dataset = load_data(data_dir, settings.base_uri, source_files(paths))
    return validate_dataset(dataset), dataset


def _data_dir_of(paths: list[Path], default: Path) -> Path:
    """The data directory (with places.yaml and agents.yaml) that the given paths belong to."""
    for path in paths:
        for candidate in (path, *path.resolve().parents):
            if (candidate / "places.yaml").exists() and (candidate / "agents.yaml").exists():
                return candidate
    return default
