"""build / validate: the curated records of a data directory -> RDF -> the write door, all or nothing.

``minegraph build`` reads ``data/`` (places, agents, every source record file), emits them as named graphs (the
one emitter, :mod:`minegraph.ingest.emit`, that tables go through too) and hands them to
:func:`minegraph.store.door.write` as one change set: the door checks privacy and the shapes,
derives the aggregates and tombstones, audits and commits them in one transaction, or writes nothing.
``minegraph validate`` runs the same checks (:func:`minegraph.store.door.check`) without a store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from minegraph.core.errors import InputError, ValidationFailed
from minegraph.core.gazetteer import Gazetteer, Place, place_index, read_places
from minegraph.core.gazetteer import load as load_gazetteer
from minegraph.core.ntriples import NTriplesGraph, thing_of
from minegraph.core.resources import concepts_graph, ontology_graph
from minegraph.core.settings import Settings
from minegraph.core.vocab import agent_iri, graph_iri
from minegraph.ingest.emit import Emitted, emit_agents, emit_places, emit_source
from minegraph.ingest.model import Agent, SourceRecords, gazetteer_places
from minegraph.ingest.records import read_agents, read_source
from minegraph.store import Store, open_configured
from minegraph.store.door import ChangeSet, Written, check, write
from minegraph.store.gate import VIOLATION, Result, ValidationReport
from minegraph.store.tombstones import MERGED, Tombstone, read_tombstones

Progress = Callable[[str], None]


@dataclass
class DataSet:
    """Everything read from a data directory, emitted as named graphs."""

    places: NTriplesGraph
    agents: NTriplesGraph
    sources: list[Emitted] = field(default_factory=list)
    #: the places' and agents' nodes -> (file, record)
    shared_locate: dict[str, tuple[str, str]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def locate(self) -> dict[str, tuple[str, str]]:
        """Every node -> (file, record) it came from."""
        found = dict(self.shared_locate)
        for emitted in self.sources:
            found.update(emitted.locate)
        return found


@dataclass
class BuildResult:
    report: ValidationReport
    graphs: dict[str, int]
    triples: int
    notices: list[str]
    written: Written


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
    """Read places, agents and source files of ``data_dir`` and emit them as RDF."""
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
    published = gazetteer_places(published_places(gazetteer, named, curated=read_places(places_file)), base)
    located = {place.iri: (str(places_file), f"places[{place.id}]") for place in published}
    located |= {str(agent_iri(base, agent.id)): (str(agents_file), f"agents[{agent.id}]") for agent in agents}
    iris = {place_id: str(iri) for place_id, iri in index.items()}
    return DataSet(emit_places(published), emit_agents(agents, base),
                   [emit_source(records, base, iris) for records in records_list], located)


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


def duplicate_keys(dataset: DataSet) -> ValidationReport:
    """A key minted by two records of different files (two records would become one thing)."""
    report = ValidationReport()
    seen: dict[str, str] = {}
    for emitted in dataset.sources:
        for node, (file, record) in emitted.locate.items():
            if node in seen and seen[node] != f"{file} {record}":
                report.results.append(Result(VIOLATION, f"has the same key as {seen[node]}: rename one record id",
                                             node, None, None, None, file, record))
            seen[node] = f"{file} {record}"
    return report


def nt(graph: Graph) -> NTriplesGraph:
    """An rdflib graph as N-Triples lines, sorted."""
    return NTriplesGraph(sorted(NTriplesGraph.of(graph.serialize(format="nt", encoding="utf-8")).lines))


def merge_described(kept: Iterable[str], new: NTriplesGraph) -> NTriplesGraph:
    """A shared graph (places, agents): the lines of ``new``, and the lines of ``kept`` about things ``new`` does
    not describe (those an ingest added), each thing described by one of the two only."""
    described = {thing_of(s[1:-1]) for s in new.subjects() if s.startswith("<")}
    lines = set(new.lines)
    lines |= {line for line in kept if thing_of(line.split(" ", 1)[0][1:-1]) not in described}
    return NTriplesGraph(sorted(lines))


def stored_lines(store: Store, graph: str) -> list[str]:
    return NTriplesGraph.from_triples(store.graph_triples(graph)).lines


def changes_of(dataset: DataSet, settings: Settings, store: Store, *, action: str = "build",
               whole: bool = True) -> ChangeSet:
    """The change set that writes ``dataset``: its sources, the places and agents (keeping the places and
    agents that ingests added and data/ does not describe), and — ``whole`` — the ontology and concepts."""
    base = settings.base_uri
    places, agents = str(graph_iri(base, "places")), str(graph_iri(base, "agents"))
    graphs: dict[str | None, NTriplesGraph | None] = {
        places: merge_described(stored_lines(store, places), dataset.places),
        agents: merge_described(stored_lines(store, agents), dataset.agents),
    }
    if whole:
        graphs[str(graph_iri(base, "ontology"))] = nt(ontology_graph())
        graphs[str(graph_iri(base, "concepts"))] = nt(concepts_graph())
    else:
        graphs |= {iri: g for iri, g in shared_graphs(settings, store).items() if iri not in graphs}
    sources = kept_sources(dataset, settings, store)
    graphs |= {e.graph_iri: e.graph for e in sources}
    return ChangeSet(graphs, action=action, locate=dataset.locate(), file=str(settings.data_dir),
                     redactions={e.graph_iri: e.redact for e in sources if e.redact})


def withdrawn_sources(settings: Settings, store: Store) -> dict[str, Tombstone]:
    """The source graphs whose source document a curator withdrew or merged (``minegraph withdraw-source``,
    ``minegraph withdraw source/KEY``), each with its tombstone. A withdrawal is for ever: a build or an ingest
    leaves such a source out (:func:`left_out`)."""
    base = settings.base_uri
    documents = f"{base}id/source/"
    return {f"{base}graph/source/{iri[len(documents):]}": t
            for iri, t in read_tombstones(store, base).items() if t.deliberate and iri.startswith(documents)}


def left_out(file: str, tombstone: Tombstone) -> str:
    """The notice of a source file left out because its source document was withdrawn."""
    what = "merged into another" if tombstone.status == MERGED else "withdrawn"
    return (f"{file}: not written: its source document was {what} on {tombstone.date[:10]} ({tombstone.reason}); "
            "a withdrawal is for ever — remove the file, or keep it as the record of what was withdrawn")


def kept_sources(dataset: DataSet, settings: Settings, store: Store) -> list[Emitted]:
    """The sources of ``dataset`` to write: all but those whose source document a curator withdrew; the file of
    such a source may stay in data/ as the record of what was withdrawn, and a rebuild leaves it out, with a notice
    (added to ``dataset.notices``) that names the file, when and why."""
    withdrawn = withdrawn_sources(settings, store)
    kept: list[Emitted] = []
    for emitted in dataset.sources:
        tombstone = withdrawn.get(emitted.graph_iri)
        if tombstone is None:
            kept.append(emitted)
            continue
        files = sorted({file for file, _record in emitted.locate.values()})
        notice = left_out(", ".join(files) or emitted.source_id, tombstone)
        if notice not in dataset.notices:
            dataset.notices.append(notice)
    return kept


def shared_graphs(settings: Settings, store: Store) -> dict[str | None, NTriplesGraph | None]:
    """What every ingest writes besides its own graph, so that a store made by ingests alone is whole: the agents
    of data/agents.yaml (a source's publisher or speaker is named by its id there), merged with the agents the
    store has; and the ontology and concept schemes, when the store lacks them."""
    graphs: dict[str | None, NTriplesGraph | None] = {}
    agents_file = settings.data_dir / "agents.yaml"
    if agents_file.exists():
        agents = str(graph_iri(settings.base_uri, "agents"))
        graphs[agents] = merge_described(stored_lines(store, agents), emit_agents(read_agents(agents_file),
                                                                                  settings.base_uri))
    present = set(store.graphs())
    for name, make in (("ontology", ontology_graph), ("concepts", concepts_graph)):
        iri = str(graph_iri(settings.base_uri, name))
        if iri not in present:
            graphs[iri] = nt(make())
    return graphs


def build(settings: Settings, progress: Progress | None = None, store: Store | None = None) -> BuildResult:
    """Build the store from ``settings.data_dir``: every graph is written at once, or nothing is."""
    say = progress or (lambda message: None)
    say(f"reading records from {settings.data_dir}")
    dataset = load_data(settings.data_dir, settings.base_uri)
    duplicates = duplicate_keys(dataset)
    if not duplicates.conforms:
        raise ValidationFailed(f"{len(duplicates.violations)} violation(s): nothing was written", report=duplicates,
                               file=str(settings.data_dir))
    written = write(settings, lambda reader: changes_of(dataset, settings, reader), store=store, progress=say)
    if written.observations:
        say(f"the casualty aggregates: {written.observations} observation(s)")
    counter = store if store is not None else open_configured(settings, read_only=True)
    try:
        triples = len(counter)
        sizes = {g: len(counter.graph_triples(g)) for g in counter.graphs()}
    finally:
        if store is None:
            counter.close()
    return BuildResult(written.report, sizes, triples, dataset.notices, written)


def validate_records(paths: Iterable[Path], settings: Settings) -> tuple[ValidationReport, DataSet]:
    """Check the given record files (or directories) as a build would, without a store."""
    paths = list(paths)
    data_dir = data_dir_of(paths, settings.data_dir)
    dataset = load_data(data_dir, settings.base_uri, source_files(paths))
    report = duplicate_keys(dataset)
    report.extend(check(settings, lambda reader: changes_of(dataset, settings, reader, action="validate")))
    return report, dataset


def data_dir_of(paths: list[Path], default: Path) -> Path:
    """The data directory (with places.yaml and agents.yaml) that the given paths belong to."""
    for path in paths:
        for candidate in (path, *path.resolve().parents):
            if (candidate / "places.yaml").exists() and (candidate / "agents.yaml").exists():
                return candidate
    return default
