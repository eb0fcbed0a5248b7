"""build / validate: source records -> RDF -> SHACL gate -> store, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode
from rdflib import RDF, Graph
from rdflib.namespace import DCTERMS

from minegraph.core.errors import InputError, ValidationFailed
from minegraph.core.gazetteer import Gazetteer, Place, place_index, read_places
from minegraph.core.gazetteer import load as load_gazetteer
from minegraph.core.resources import concepts_graph, ontology_graph
from minegraph.core.settings import Settings
from minegraph.core.vocab import MG, graph_iri, source_graph_iri, sparql_prefixes
from minegraph.ingest.mapping import Mapped, map_agents, map_places, map_source
from minegraph.ingest.records import Agent, SourceRecords, read_agents, read_source
from minegraph.store import Store, aggregates, open_configured
from minegraph.store.embedded import EmbeddedStore
from minegraph.store.gate import (
    FAST_GATE_TRIPLES,
    Index,
    ValidationReport,
    reference_graph,
    referenced_subgraph,
    validate,
)
from minegraph.store.tombstones import tombstones_graph_iri

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
    gazetteer = load_gazetteer(data_dir)
    places = tuple(gazetteer.places.values())
    index = place_index(places, base, gazetteer.aliases)
    agents = read_agents(agents_file)
    records_list = [read_source(path) for path in
                    (source_files([data_dir / "sources"]) if sources is None else list(sources))]
    named: set[str] = set()
    for records in records_list:
        check_references(records, places, agents, gazetteer.aliases)
        named |= {i.place for i in records.incidents} | {s.area for s in records.statements if s.area}
    published = published_places(gazetteer, named, curated=read_places(places_file))
    dataset = DataSet(map_places(published, base, str(places_file)), map_agents(agents, base, str(agents_file)))
    dataset.sources.extend(map_source(records, base, index) for records in records_list)
    return dataset


def published_places(gazetteer: Gazetteer, named: set[str], curated: tuple[Place, ...]) -> tuple[Place, ...]:
    """The places the places graph publishes: the curated ones, those records name, and every place that
    contains them. The rest of the gazetteer serves reconciliation (``minegraph places``) and ingest; it is
    published on demand (``minegraph places export``), not as thousands of documents per release."""
    wanted = [gazetteer.aliases.get(place_id, place_id) for place_id in named | {p.id for p in curated}]
    chosen: dict[str, Place] = {}
    while wanted:
        place = gazetteer.places.get(wanted.pop())
        if place is not None and place.id not in chosen:
            chosen[place.id] = place
            if place.parent:
                wanted.append(place.parent)
    return tuple(chosen.values())


def check_references(records: SourceRecords, places: tuple[Place, ...], agents: tuple[Agent, ...],
                     aliases: dict[str, str] | None = None) -> None:
    """Every place and agent a source file names exists in the gazetteer and the agent list."""
    place_ids, agent_ids = {p.id for p in places} | set(aliases or {}), {a.id for a in agents}
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
    base_reference = reference_graph()
    context = dataset.places.graph + dataset.agents.graph
    for mapped in (dataset.places, dataset.agents, *dataset.sources):
        if progress:
            progress(f"validating {mapped.graph_iri} ({len(mapped.graph)} triples)")
        referenced = referenced_subgraph(mapped.graph, context)
        if len(mapped.graph) > FAST_GATE_TRIPLES:
            report.extend(_fast_validate(mapped, referenced, redact))
        else:
            report.extend(validate(mapped.graph, reference=base_reference + referenced, index=mapped.index,
                                   redact=redact))
    report.extend(dataset_checks(dataset))
    return report




def _fast_validate(mapped: Mapped, referenced: Graph, redact: tuple[str, ...]) -> ValidationReport:
    """The fast gate over ``mapped``, with the ontology, concepts and the places/agents it points at."""
    from minegraph.store.fastgate import reference_ntriples, validate_ntriples
    from minegraph.store.gate import privacy_check

    report = validate_ntriples(mapped.graph.serialize(format="nt"), reference_ntriples(referenced),
                               locate=mapped.index.records)
    report.results.extend(privacy_check(mapped.graph, redact, mapped.index))
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
    from minegraph.store.gate import VIOLATION, Result

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
    target = store if store is not None else open_configured(settings)
    try:
        say(f"writing {len(graphs)} graphs to {(settings.endpoint or settings.store) if own else 'the store'}")
        places_graph = str(dataset.places.graph_iri)
        graphs[places_graph] = keep_ingested_places(target, places_graph, dataset.places.graph)
        target.replace_graphs(graphs)
        # Derived data, refreshed after the sources it counts (stale at worst, never half-written).
        observations = aggregates.refresh(target, settings.base_uri)
        say(f"refreshed the casualty aggregates: {observations} observation(s)")
        # Remember every IRI now published, so that it answers 410 (never 404) if it ever disappears.
        from minegraph.store.registry import record_published
        from minegraph.store.tombstones import now
        from minegraph.store.view import PublicStore

        record_published(settings, PublicStore(target, settings.base_uri), now())
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


# ------------------------------------------------------------------------------------------------------
# places: one shared graph, so that a place named by several sources is described once
# ------------------------------------------------------------------------------------------------------
# (The union default graph is a bag: a triple held by two graphs would answer twice and double SUMs.)


def keep_ingested_places(store: Store, places_graph: str, published: Graph) -> Graph:
    """The places graph for a build: ``published`` (from data/), plus the places that ingests added and
    data/ does not describe (their triples kept as they are)."""
    from minegraph.store.commit import current_triples

    merged = Graph()
    merged += published
    described = {str(s).split("#", 1)[0] for s in published.subjects()}
    kept = [t for t in current_triples(store, places_graph)
            if str(getattr(t.subject, "value", "")).split("#", 1)[0] not in described]
    if kept:
        from pyoxigraph import RdfFormat, serialize

        merged.parse(data=serialize(kept, format=RdfFormat.N_TRIPLES) or b"", format="nt")
    return merged


def split_places(graph: Any, head: int | None = None) -> tuple[list[str], list[str]]:
    """The N-Triples lines of an ingested graph that describe places (and their ``#`` nodes), and the rest.

    ``head``: the places are all within the first ``head`` lines (a table's graph: before its incidents).
    """
    lines = graph.lines if head is None else graph.lines[:head]
    place_type = f"<{RDF.type}> <{MG.Place}>"
    places = {line.split(" ", 1)[0][1:-1] for line in lines if place_type in line}
    ours: list[str] = []
    rest: list[str] = []
    for line in lines:
        subject = line.split(" ", 1)[0][1:-1].split("#", 1)[0]
        (ours if subject in places else rest).append(line)
    return ours, rest + (graph.lines[head:] if head is not None else [])


# ------------------------------------------------------------------------------------------------------
# ingest and withdraw (issue 5): one file = one source document = one graph, replaced atomically
# ------------------------------------------------------------------------------------------------------

ON_ERROR = ("reject", "skip")


def reference_text(settings: Settings) -> str:
    """Ontology, concepts, curated places and agents of ``settings.data_dir`` as N-Triples (for the fast gate)."""
    from minegraph.store.fastgate import reference_ntriples

    graphs: list[Graph] = []
    data_dir = settings.data_dir
    if (data_dir / "places.yaml").exists():
        places = tuple(load_gazetteer(data_dir, reference=False).places.values())
        graphs.append(map_places(places, settings.base_uri, str(data_dir / "places.yaml")).graph)
    if (data_dir / "agents.yaml").exists():
        graphs.append(map_agents(read_agents(data_dir / "agents.yaml"), settings.base_uri, "agents.yaml").graph)
    return reference_ntriples(*graphs)


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
) -> list[Any]:
    """Ingest each file as one source document (see docs/ingest.md); each file is written atomically.

    Returns one :class:`minegraph.ingest.run.Ingested` per file. Raises :class:`InputError` (or
    :class:`ValidationFailed`) for a refused file; files before it stay written.
    """
    from minegraph.ingest import run
    from minegraph.store import commit
    from minegraph.store.tombstones import now

    if on_error not in ON_ERROR:
        raise InputError(f"--on-error must be one of {', '.join(ON_ERROR)}", value=on_error)
    say = progress or (lambda message: None)
    own = store is None
    target = store if store is not None else EmbeddedStore(settings.store)
    results = []
    try:
        # the reference: ontology, concepts, curated places and agents, and the places the store holds
        from pyoxigraph import RdfFormat, serialize

        from minegraph.store.commit import current_triples

        stored_places = current_triples(target, str(graph_iri(settings.base_uri, "places")))
        reference = reference_text(settings) + (
            (serialize(stored_places, format=RdfFormat.N_TRIPLES) or b"").decode("utf-8") if stored_places else "")
        for path in paths:
            say(f"reading {path}")
            ingested, table = _ingest_one(path, settings, mapping, meta, on_error, reference, say)
            commit.crash_point("validated")
            if ingested.rejected and table is not None:
                where = rejects_dir or (Path.cwd() if path == "-" else Path(path).resolve().parent)
                run.write_rejects(ingested, table, where / f"{Path(ingested.source_id).name}.rejects.csv")
            tomb_iri = tombstones_graph_iri(settings.base_uri)
            places_iri = str(graph_iri(settings.base_uri, "places"))
            old = {ingested.graph_iri: commit.current_triples(target, ingested.graph_iri),
                   tomb_iri: commit.current_triples(target, tomb_iri),
                   places_iri: commit.current_triples(target, places_iri)}
            places = None
            if hasattr(ingested.graph, "lines"):  # tables: their places join the shared places graph
                place_lines, rest = split_places(ingested.graph, ingested.head)
                ingested.graph = type(ingested.graph)(rest)
                places = type(ingested.graph)([f"{t} .\n" for t in old[places_iri]] + place_lines)
            before = {str(t.subject.value) for t in old[ingested.graph_iri] if isinstance(t.subject, NamedNode)}
            tombstones = run.tombstones_for(target, settings.base_uri, ingested, before, now())
            say(f"writing {len(ingested.graph):,} triples to {ingested.graph_iri}")
            writes = {ingested.graph_iri: ingested.graph, tomb_iri: tombstones}
            if places is not None:
                writes[places_iri] = places
            removed, added = commit.write_atomically(target, writes, old)
            ingested.unchanged = not removed and not added
            say(f"wrote {ingested.graph_iri}: {removed:,} triple(s) removed, {added:,} added")
            results.append(ingested)
        if any(not r.unchanged for r in results):
            observations = aggregates.refresh(target, settings.base_uri)
            say(f"refreshed the casualty aggregates: {observations} observation(s)")
    finally:
        if own:
            target.close()
    return results


def _ingest_one(path: str, settings: Settings, mapping: str | None, meta: Path | None, on_error: str,
                reference: str, say: Progress) -> tuple[Any, Any]:
    """Read, map and gate one file: (Ingested, the Table it was read from or None)."""
    from minegraph.ingest import hxl, run, sources, spec, table
    from minegraph.store import commit

    suffix = "" if path == "-" else Path(path).suffix.lower()
    if suffix in (".yaml", ".yml") and mapping is None:
        return _ingest_records(Path(path), settings), None
    if suffix in sources.RDF_EXTENSIONS and mapping is None:
        data = table.read_bytes(path, settings.max_ingest_bytes)
        graph, notices = sources.read_rdf(path, data)
        commit.crash_point("read")
        source_id = sources.load_meta(meta).id if meta else sources.source_id_from_name(path)
        say(f"validating {len(graph):,} triples")
        from minegraph.store.fastgate import validate_ntriples

        report = validate_ntriples(graph.text(), reference)
        if not report.conforms:
            raise ValidationFailed(f"{len(report.violations)} violation(s): the file was refused (nothing written)",
                                   report=report, file=path)
        return run.Ingested(path, source_id, str(source_graph_iri(settings.base_uri, source_id)), graph, report,
                            notices=notices), None
    if mapping is not None:
        mapping_spec = spec.load_mapping(spec.find_mapping(mapping, settings.data_dir))
        tab = table.read_table(path, settings.max_ingest_bytes, encoding=mapping_spec.encoding)
        meta_path = meta or mapping_spec.meta
        fallback = sources.source_id_from_name(path) if path != "-" else None
        if meta_path is None:
            raise InputError("a table needs source metadata: give --meta FILE (or a mapping with `meta:`)", file=path)
        source_meta = sources.load_meta(meta_path, fallback_id=fallback)
        records = run.map_victim_table(tab, mapping_spec, source_meta.id, settings.base_uri)
    else:
        tab = table.read_table(path, settings.max_ingest_bytes, require_hxl=True)
        if meta is None:
            raise InputError("an HXL table needs source metadata: give --meta FILE", file=path)
        source_meta = sources.load_meta(meta, fallback_id=sources.source_id_from_name(path) if path != "-" else None)
        records = hxl.map_hxl_table(tab, source_meta.id, settings)
    commit.crash_point("read")
    say(f"read {len(tab.rows):,} rows: {len(records.incidents):,} incidents, {len(records.errors):,} bad row(s)")
    return run.gate_table(records, source_meta, settings.base_uri, tab, reference, on_error, say), tab


def _ingest_records(path: Path, settings: Settings) -> Any:
    """A curated record file (data/sources/*.yaml), through the reference gate (pyshacl)."""
    from minegraph.core.ntriples import NTriplesGraph
    from minegraph.ingest.run import Ingested

    data_dir = _data_dir_of([path], settings.data_dir)
    dataset = load_data(data_dir, settings.base_uri, [path])
    report = validate_dataset(dataset)
    mapped = dataset.sources[0]
    if not report.conforms:
        raise ValidationFailed(f"{len(report.violations)} violation(s): the file was refused (nothing written)",
                               report=report, file=str(path))
    lines = mapped.graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines(keepends=True)
    source_id = str(next(iter(mapped.graph.objects(None, DCTERMS.identifier)), path.stem))
    return Ingested(str(path), source_id, str(mapped.graph_iri), NTriplesGraph(sorted(set(lines))), report,
                    incidents=len(list(mapped.graph.subjects(RDF.type, MG.Incident))), notices=mapped.notices)


def withdraw_source(source: str, settings: Settings, reason: str, *, store: Store | None = None) -> int:
    """Remove a source document's graph; every thing it held gets a tombstone (410). Returns their number."""
    from minegraph.core.ntriples import NTriplesGraph
    from minegraph.ingest import run
    from minegraph.store import commit
    from minegraph.store.tombstones import now

    base = settings.base_uri
    own = store is None
    target = store if store is not None else EmbeddedStore(settings.store)
    try:
        graph = source if source.startswith(f"{base}graph/source/") else str(source_graph_iri(base, source))
        if graph not in target.graphs():
            key = source.rsplit("/", 1)[-1]
            graph = str(graph_iri(base, f"source/{key}"))
            if graph not in target.graphs():
                raise InputError("no source document with this id or key in the store", value=source)
        ingested = run.Ingested("", "", graph, NTriplesGraph(), ValidationReport())
        tomb_iri = tombstones_graph_iri(base)
        old = {graph: commit.current_triples(target, graph), tomb_iri: commit.current_triples(target, tomb_iri)}
        before = {str(t.subject.value) for t in old[graph] if isinstance(t.subject, NamedNode)}
        tombstones = run.tombstones_for(target, base, ingested, before, now(), reason=reason)
        commit.write_atomically(target, {graph: None, tomb_iri: tombstones}, old)
        return ingested.tombstoned
    finally:
        if own:
            target.close()
