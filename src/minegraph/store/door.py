"""The one door every write goes through.

Whatever its path — ``minegraph build`` from data/, ``minegraph ingest`` of a record file, a table, HXL or RDF,
a SPARQL Update, every Graph Store method, a merge, a withdrawal — a write is a :class:`ChangeSet`: the new
content of the named graphs it changes, the tombstones it adds, the redaction digests its sources list. It is
handed to :func:`write`, which, holding the store's write lock:

1. reads the store as it is (tombstones, the redaction register, the graphs the write replaces);
2. takes retired things out of every public graph written, and out of the graphs that hold something the
   write retires (:mod:`minegraph.store.retire`): the one public view, kept at write time;
3. applies the privacy rules to every public graph touched (:mod:`minegraph.store.privacy`): no string any
   source lists, victims by category only, no person records;
4. runs the SHACL gate over every public graph touched, each with what it points at in the store as it will
   be (pyshacl, or the fast gate for big graphs: :mod:`minegraph.store.gate`, :mod:`minegraph.store.fastgate`),
   and refuses references to nothing;
5. derives what depends on the data — tombstones of things that vanished (and of those that came back), the
   casualty aggregates — from the store as it will be (:mod:`minegraph.store.overlay`);
6. writes the audit line, and refuses the write if it cannot;
7. commits everything in one transaction (:mod:`minegraph.store.commit`), readers of the embedded store
   stepping aside meanwhile, and bumps the generation that caches key on.

Nothing else in minegraph writes to a store (tests/test_layers.py checks it). A violation at any step raises
before anything is written; a crash at any moment leaves the store as it was before or after the write.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, NamedNode
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDFS

from minegraph.core.errors import InputError, ValidationFailed
from minegraph.core.ntriples import RDF_TYPE, NTriplesGraph, iri_value, is_text, lexical, split_line
from minegraph.core.redaction import Register, words
from minegraph.core.settings import Settings
from minegraph.core.vocab import MG, SCHEMA, graph_iri, normalise_base, split_thing_iri
from minegraph.store import Store, open_configured
from minegraph.store.aggregates import SCANNED, aggregates_graph_iri, count_cells, cube_graph
from minegraph.store.auth import audit, audit_outcome, cli_actor
from minegraph.store.commit import GraphChange, commit, crash_point, has_blank_nodes, triples_of
from minegraph.store.gate import (
    FAST_GATE_TRIPLES,
    REDACTED,
    VIOLATION,
    Result,
    ValidationReport,
    locate,
    reference_graph,
    validate,
)
from minegraph.store.locks import StoreLocks
from minegraph.store.overlay import Overlay, graphs_mentioning
from minegraph.store.privacy import (
    VICTIM_TYPE,
    check_graph,
    is_person_class,
    listed_in,
    person_class_iris,
    register_entries,
    register_graph,
    register_lines,
    typed_terms,
)
from minegraph.store.retire import Retired, cascade, without_retired
from minegraph.store.tombstones import WITHDRAWN, Tombstone, now, tombstones_graph, tombstones_graph_iri, tombstones_of
from minegraph.store.view import STAGING_PREFIX, is_restricted

#: How long a writer waits for another write and for running queries.
LOCK_TIMEOUT = 120.0
#: A graph new to the store is bulk-loaded above this many triples (smaller ones: in the final transaction).
BULK_ABOVE = 50_000
#: Objects of these predicates must be something the store describes (typed), or the write is refused.
REFERENCES = tuple(f"<{iri}>" for iri in (
    f"{MG}place", f"{MG}supportedBy", f"{MG}supports", f"{MG}victim", f"{MG}incident", f"{MG}about", f"{MG}area",
    PROV.wasAttributedTo, PROV.wasDerivedFrom, DCTERMS.publisher, f"{MG}allegedResponsibleParty",
    SCHEMA.containedInPlace))
#: Reference graphs: the gate's own reference, never validated against the shapes.
VOCABULARY_GRAPHS = ("ontology", "concepts")

#: None: the store's own default graph (never public; the Graph Store Protocol's ``?default``).
GraphKey = str | None


@dataclass
class ChangeSet:
    """One write.

    ``graphs``: the complete new content of each graph the write changes (None: remove the graph; an empty
    graph: keep it, empty). ``retire``: tombstones a curator adds (withdraw, merge). ``deliberate``: what the
    write takes out of the store is retired by a curator (``withdraw-source``), for ever, like ``retire``: the
    tombstones of the things nothing describes any more are deliberate, and a rebuild from data/ that writes the
    graph again keeps them out; otherwise a vanished thing comes back when a graph describes it again.
    ``redactions``: digests (``sha256:…``) each source graph lists, added to the register. ``locate``: node IRI ->
    (file, record), so that reports name the input. ``action``, ``actor`` and ``audit`` go into the audit line.
    """

    graphs: dict[GraphKey, NTriplesGraph | None] = field(default_factory=dict)
    action: str = "write"
    actor: str = ""
    retire: list[Tombstone] = field(default_factory=list)
    redactions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    locate: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    file: str | None = None
    audit: dict[str, Any] = field(default_factory=dict)
    deliberate: bool = False


@dataclass
class Written:
    """What a write did."""

    changed: list[str] = field(default_factory=list)
    removed: int = 0
    added: int = 0
    report: ValidationReport = field(default_factory=ValidationReport)
    tombstoned: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    observations: int = 0
    generation: int | None = None

    @property
    def unchanged(self) -> bool:
        return not self.changed


Plan = ChangeSet | Callable[[Store], ChangeSet]
Progress = Callable[[str], None]


@dataclass
class _Prepared:
    changes: list[GraphChange]
    written: Written
    things: list[tuple[str, str, str]]


def write(settings: Settings, plan: Plan, *, store: Store | None = None, lock_timeout: float = LOCK_TIMEOUT,
          progress: Progress | None = None) -> Written:
    """Check, derive, audit and commit one write (see the module's text); raises :class:`ValidationFailed` (with
    the whole report) or :class:`InputError` before anything is written.

    ``plan`` is the :class:`ChangeSet`, or a function that makes it from the store as it is, under the write lock
    (a table ingest keeps the places the store has; an HTTP write applies an update to a copy of the graphs).
    ``store``: write to this store instead of the one ``settings`` name (an in-memory store, in tests).
    """
    say = progress or (lambda message: None)
    locks = StoreLocks(settings.store)
    with locks.writer(lock_timeout):
        own = store is None
        reader = _reader(settings) if own else store
        assert reader is not None
        try:
            changes = plan(reader) if callable(plan) else plan
            crash_point("read")
            prepared = _prepare(settings, reader, changes, say)
        finally:
            if own:
                reader.close()
        written = prepared.written
        if not prepared.changes:
            return written
        crash_point("checked")
        write_id = audit(settings, changes.actor or cli_actor(), changes.action, written.changed, **changes.audit)
        crash_point("audited")
        try:
            say(f"committing {len(prepared.changes)} graph(s)")
            if own and not settings.remote:
                with locks.readers_paused(lock_timeout):
                    target = open_configured(settings)
                    try:
                        done = commit(target, prepared.changes, bulk_above=BULK_ABOVE)
                    finally:
                        target.close()
                written.generation = locks.generation()
            else:
                target = reader if not own else open_configured(settings)
                try:
                    done = commit(target, prepared.changes, bulk_above=BULK_ABOVE)
                finally:
                    if own:
                        target.close()
                written.generation = locks.bump()
        except BaseException as error:
            audit_outcome(settings, write_id, failed=str(error) or type(error).__name__)
            raise
        crash_point("bumped")
        audit_outcome(settings, write_id, committed=True, generation=written.generation)
    written.removed, written.added = done.removed, done.added
    if prepared.things:
        from minegraph.store.registry import Registry, releases_dir

        with contextlib.suppress(OSError, sqlite3.Error):  # best effort: the tombstones answer 410 without it
            Registry(releases_dir(settings) / "published.sqlite").record(prepared.things, now())
    return written


def check(settings: Settings, plan: Plan, *, store: Store | None = None) -> ValidationReport:
    """What :func:`write` would report for ``plan`` (violations and warnings), without writing anything: against
    ``store``, or an empty in-memory store (``minegraph validate``)."""
    from minegraph.store.embedded import EmbeddedStore

    target = store if store is not None else EmbeddedStore(None)
    try:
        changes = plan(target) if callable(plan) else plan
        return _prepare(settings, target, changes, lambda message: None).written.report
    except ValidationFailed as error:
        report: ValidationReport = error.report
        return report
    finally:
        if store is None:
            target.close()


def _reader(settings: Settings) -> Store:
    """The store to read before writing: read-only for the embedded store (query workers stay open meanwhile);
    an empty in-memory store when there is no store yet."""
    from minegraph.store.embedded import EmbeddedStore

    if not settings.remote and not settings.store.exists():
        return EmbeddedStore(None)
    return open_configured(settings, read_only=True)


# --- checking and deriving ----------------------------------------------------------------------------------

def _prepare(settings: Settings, store: Store, changes: ChangeSet, say: Progress) -> _Prepared:
    base = normalise_base(settings.base_uri)
    when = now()
    tombstones_iri, aggregates_iri, register_iri = (tombstones_graph_iri(base), aggregates_graph_iri(base),
                                                    register_graph(base))
    graphs: dict[GraphKey, NTriplesGraph | None] = dict(changes.graphs)
    _refuse_managed(graphs, (tombstones_iri, aggregates_iri, register_iri))
    _keep_vocabulary(graphs, base)
    _refuse_rdf_12(graphs)
    old = _Old(store, set(store.graphs()))

    # 1-2. tombstones: the curator's new ones and the victims of retired incidents; retired things taken out
    old_tombstones = tombstones_of(NTriplesGraph.from_triples(old(tombstones_iri)))
    added = {t.iri: t for t in changes.retire}
    added |= {t.iri: t for t in cascade(store, changes.retire, when) if t.iri not in old_tombstones | added}
    tombstones = old_tombstones | added
    if added:
        for iri in sorted(graphs_mentioning(store, added) - set(graphs)):
            if not is_restricted(iri, base) and iri not in (tombstones_iri, aggregates_iri):
                graphs[iri] = NTriplesGraph.from_triples(old(iri))
    public: dict[GraphKey, NTriplesGraph] = {}  # None, the store's default graph, is public too (/store?default)
    retired = Retired(tombstones)
    for key, content in list(graphs.items()):
        if content is not None and (key is None or not is_restricted(key, base)):
            graphs[key] = public[key] = without_retired(content, retired)
    overlay = Overlay(store, base, graphs, leave_out=(tombstones_iri, aggregates_iri), scanned=SCANNED)

    # 3. privacy
    old_register = register_entries(old(register_iri))
    entries = {graph: set(digests) for graph, digests in old_register.items()}
    for source, digests in changes.redactions.items():
        entries.setdefault(source, set()).update(Register.of(digests).entries)
    register = Register(frozenset(entry for digests in entries.values() for entry in digests))
    report = ValidationReport()
    report.results.extend(_privacy(public, old, overlay, register, base, changes.locate))
    report.results.extend(_copied_from_restricted(public, graphs, old, base, changes.locate))
    fresh = Register(register.entries - frozenset(e for digests in old_register.values() for e in digests))
    if fresh:
        say("checking the data already published for the strings the register now lists")
        published = overlay.unchanged_lines()
        if None not in public:  # the store's default graph (/store?default)
            published = itertools.chain(published, (f"{t.subject} {t.predicate} {t.object} .\n" for t in old(None)))
        for subject, predicate in listed_in(published, fresh):
            report.results.append(Result(VIOLATION, "contains a string a source now lists as identifying a person: "
                                         "withdraw or correct it before the source is written", subject.strip("<>"),
                                         predicate.strip("<>"), "[redacted]"))

    # 4. the gate
    vocabulary = {str(graph_iri(base, name)) for name in VOCABULARY_GRAPHS}
    for key, graph in public.items():
        if graph.lines and key not in vocabulary:
            say(f"validating {key or 'the default graph'} ({len(graph):,} triples)")
            report.extend(_gate(graph, overlay, changes.locate, say))
    if not report.conforms:
        raise ValidationFailed(f"{len(report.violations)} violation(s): nothing was written", report=report,
                               file=changes.file)

    # 5. derived: tombstones of vanished and returned things, the aggregates, the register
    vanished, restored = _vanished(base, graphs, old, overlay, tombstones, changes.audit.get("reason"), when,
                                   deliberate=changes.deliberate)
    report.results.extend(_left_dangling(base, graphs, old, overlay))
    if not report.conforms:
        raise ValidationFailed(f"{len(report.violations)} violation(s): nothing was written", report=report,
                               file=changes.file)
    tombstones = {iri: t for iri, t in (tombstones | vanished).items() if iri not in restored}
    derived: dict[GraphKey, NTriplesGraph | None] = {}
    if tombstones != old_tombstones:
        derived[tombstones_iri] = tombstones_graph(tombstones)
    if register and (tombstones != old_tombstones or fresh):  # a reason is public text too
        for subject, predicate in listed_in(tombstones_graph(tombstones).lines, register):
            report.results.append(Result(VIOLATION, "the reason given contains a string a source lists as "
                                         "identifying a person: it must not be published", subject.strip("<>"),
                                         predicate.strip("<>"), "[redacted]"))
        if not report.conforms:
            raise ValidationFailed(f"{len(report.violations)} violation(s): nothing was written", report=report,
                                   file=changes.file)
    cells = None
    if public or len(derived):
        say("counting the casualty aggregates")
        cells = count_cells(overlay.scan)
        derived[aggregates_iri] = cube_graph(cells, base) if cells else None
    if entries != old_register:
        derived[register_iri] = register_lines(entries)

    # 6. what changes, graph by graph
    out = [change for iri, graph in [*graphs.items(), *derived.items()]
           if (change := _change(iri, graph, old)) is not None]
    changed = sorted(c.iri or "default" for c in out)
    written = Written(changed=changed, report=report, tombstoned=sorted(set(added) | set(vanished)),
                      restored=sorted(restored), observations=len(cells) if cells is not None else 0)
    return _Prepared(out, written, _things(base, [g for iri, g in public.items() if iri in changed]))


def _privacy(public: Mapping[GraphKey, NTriplesGraph], old: _Old, overlay: Overlay, register: Register, base: str,
             where: Mapping[str, tuple[str, str]]) -> list[Result]:
    """The privacy rules over every public graph written, with the victims and person records of the dataset as
    it will be; and, for what the write newly makes a victim or a person, over what the other graphs say of it."""
    if not public:
        return []
    typed = {iri: typed_terms(graph) for iri, graph in public.items()}
    stored_victims, stored_persons = (overlay.typed_unchanged([VICTIM_TYPE[1:-1]]),
                                      overlay.typed_unchanged(person_class_iris()))
    victims = stored_victims | {v for vs, _ps in typed.values() for v in vs}
    persons = stored_persons | {p for _vs, ps in typed.values() for p in ps}
    results = [r for graph in public.values() for r in check_graph(graph, register, victims, base, where, persons)]
    before = stored_victims | stored_persons
    for iri in public:
        if iri is None or iri in old.existing:
            before |= {f"<{t.subject.value}>" for t in old(iri) if isinstance(t.subject, NamedNode)
                       and str(t.predicate) == RDF_TYPE and (str(t.object) == VICTIM_TYPE or is_person_class(
                           str(t.object)))}
    newly = {term[1:-1] for vs, ps in typed.values() for term in vs | ps if term not in before and term[0] == "<"}
    if newly:
        lines = overlay.unchanged_links(newly)
        if None not in public:  # the store's default graph, public too, is not among the overlay's graphs
            terms = {f"<{iri}>" for iri in newly}
            lines += [f"{t.subject} {t.predicate} {t.object} .\n" for t in old(None)
                      if str(t.subject) in terms or str(t.object) in terms]
        elsewhere = NTriplesGraph(lines)
        results += check_graph(elsewhere, Register(), victims, base, where, persons)
    return results


def _copied_from_restricted(public: Mapping[GraphKey, NTriplesGraph], graphs: Mapping[GraphKey, NTriplesGraph | None],
                            old: _Old, base: str, where: Mapping[str, tuple[str, str]]) -> list[Result]:
    """A public text that is, word for word, a text of a restricted graph (a name kept there, a register digest):
    refused. The restricted graphs' texts of two words or more (not their dates or numbers) are compared with
    every public literal, normalised as the register reads them."""
    if not public:
        return []
    restricted = {iri for iri in old.existing if is_restricted(iri, base)} | {
        iri for iri in graphs if iri is not None and is_restricted(iri, base)}
    kept: set[str] = set()
    for iri in restricted:
        content = graphs.get(iri)
        objects = ([o for _s, _p, o in content.triples()] if content is not None
                   else [] if iri in graphs else [str(t.object) for t in old(iri)])
        for obj in objects:
            text = lexical(obj)
            found = words(text) if text is not None and is_text(obj) else ()
            if len(found) >= 2:
                kept.add(" ".join(found))
    if not kept:
        return []
    results = []
    for graph in public.values():
        for subject, predicate, obj in graph.triples():
            text = lexical(obj)
            if text is not None and " ".join(words(text)) in kept:  # any datatype: a name is a name
                focus = iri_value(subject) or subject
                results.append(Result(VIOLATION, "is a text kept in a restricted graph (identifying data is never "
                                      "published): it must not be copied into a public graph", focus,
                                      iri_value(predicate), REDACTED, None, *(locate(where, focus) or (None, None))))
    return results


class _Old:
    """The triples each graph holds before the write, each read once."""

    def __init__(self, store: Store, existing: set[str]) -> None:
        self.store, self.existing = store, existing
        self._read: dict[GraphKey, set[Any]] = {}

    def exists(self, iri: GraphKey) -> bool:
        """The default graph always; a named graph when the store lists it (a graph still loading — what a
        writer that died left — does not exist: it is written anew, never compared with)."""
        return iri is None or iri in self.existing

    def __call__(self, iri: GraphKey) -> set[Any]:
        if not self.exists(iri):
            return set()
        if iri not in self._read:
            self._read[iri] = self.store.graph_triples(iri)
        return self._read[iri]


def _refuse_managed(graphs: Mapping[GraphKey, NTriplesGraph | None], managed: tuple[str, ...]) -> None:
    for iri in graphs:
        if iri is not None and iri in managed:
            raise InputError("is written by minegraph itself (tombstones by `minegraph withdraw` and `merge`, the "
                             "aggregates from the data, the redaction register from the sources): it cannot be "
                             "written directly", value=iri)
        if iri is not None and iri.startswith(STAGING_PREFIX):
            raise InputError("is a private graph of minegraph's writes: it cannot be written", value=iri)


def _refuse_rdf_12(graphs: Mapping[GraphKey, NTriplesGraph | None]) -> None:
    """minegraph publishes RDF 1.1: a triple term (``<<( … )>>``) or a base direction (``"…"@ar--rtl``), which
    RDF 1.2 parsers accept, would break the readers of the dumps; refused, naming the graph and the line."""
    for iri, graph in graphs.items():
        for subject, _predicate, obj in graph.triples() if graph is not None else ():
            direction = obj.startswith('"') and "--" in obj[obj.rindex('"'):]
            if subject.startswith("<<") or obj.startswith("<<") or direction:
                feature = "a base direction (--ltr, --rtl)" if direction else "a triple term (<< … >>)"
                raise InputError(f"holds {feature}, which is RDF 1.2: minegraph publishes RDF 1.1 (in "
                                 f"{subject} …)", value=iri or "the default graph")


@functools.cache
def _package_vocabulary(name: str) -> frozenset[str]:
    from minegraph.core.resources import concepts_graph, ontology_graph

    made = ontology_graph() if name == "ontology" else concepts_graph()
    return frozenset(NTriplesGraph.of(made.serialize(format="nt", encoding="utf-8")).lines)


def _keep_vocabulary(graphs: Mapping[GraphKey, NTriplesGraph | None], base: str) -> None:
    """The ontology and concept graphs hold what this version of minegraph ships (``ontology/``), or nothing
    new: the gate and every page read them; they change with minegraph itself, by ``minegraph build``."""
    for name in VOCABULARY_GRAPHS:
        iri = str(graph_iri(base, name))
        if iri not in graphs:
            continue
        content = graphs[iri]
        if content is None:
            raise InputError("is minegraph's own vocabulary: it cannot be removed", value=iri)
        shipped = _package_vocabulary(name)
        if set(content.lines) != shipped and not (
                len(content) == len(shipped) and isomorphic(content.to_rdflib(),
                                                            NTriplesGraph(sorted(shipped)).to_rdflib())):
            raise InputError("is minegraph's own vocabulary (ontology/ of the installed version): it is written "
                             "by `minegraph build` only, as shipped", value=iri)


def _left_dangling(base: str, graphs: Mapping[GraphKey, NTriplesGraph | None], old: _Old, overlay: Overlay
                   ) -> list[Result]:
    """References, in the graphs the write leaves alone, to things it removes from the dataset (a place, an
    agent, a statement…): refused, naming the graph that still points at them."""
    removed: set[str] = set()
    for iri, graph in graphs.items():
        if iri is None or is_restricted(iri, base) or not old.exists(iri):
            continue
        after = graph.subjects() if graph is not None else set()
        removed |= {t.subject.value for t in old(iri) if isinstance(t.subject, NamedNode)
                    and f"<{t.subject.value}>" not in after}
    if not removed:
        return []
    removed -= overlay.present(removed)
    results = []
    for line in overlay.unchanged_links(removed) if removed else []:
        subject, predicate, obj = split_line(line)
        target = iri_value(obj)
        if predicate in REFERENCES and target in removed:
            results.append(Result(VIOLATION, "the write removes what this points at, and its graph still points at "
                                  "it: change that graph in the same write, or retire the thing with `minegraph "
                                  "withdraw` (which takes it out of every graph)", iri_value(subject) or subject,
                                  predicate[1:-1], obj))
    return results


def _typed_subjects(graph: NTriplesGraph) -> set[str]:
    return {s[1:-1] for s, p, _o in graph.triples() if p == RDF_TYPE and s.startswith("<")}


def _gate(graph: NTriplesGraph, overlay: Overlay, where: Mapping[str, tuple[str, str]], say: Progress
          ) -> ValidationReport:
    """The shapes over one graph, with what it points at in the store as it will be; and no reference to
    something the store does not describe."""
    context = overlay.context(graph)
    if len(graph) > FAST_GATE_TRIPLES:
        from minegraph.store.fastgate import base_reference_text, validate_graph

        meter = getattr(say, "meter", None)
        report = validate_graph(graph, base_reference_text() + "".join(context), locate=dict(where),
                                progress=meter("incidents validated", len(graph.units or [])) if meter else None)
    else:
        reference = reference_graph(NTriplesGraph(context).to_rdflib())
        report = validate(graph.to_rdflib(), reference=reference, where=where)
    typed = _typed_subjects(graph) | _typed_subjects(NTriplesGraph(context))
    for subject, predicate, obj in graph.triples():
        target = iri_value(obj)
        if predicate in REFERENCES and target is not None and target not in typed:
            focus = iri_value(subject) or subject
            report.results.append(Result(VIOLATION, "points at something that does not exist (a dangling reference)",
                                         focus, predicate[1:-1], obj, None, *(locate(where, focus) or (None, None))))
    return report


def _vanished(base: str, graphs: Mapping[GraphKey, NTriplesGraph | None], old: _Old, overlay: Overlay,
              tombstones: Mapping[str, Tombstone], reason: str | None, when: str, *, deliberate: bool = False
              ) -> tuple[dict[str, Tombstone], set[str]]:
    """Tombstones for the things a changed public graph described and nothing describes after the write (a
    curator's, for ever, when the write is ``deliberate``; else they remember the graph they were last seen in);
    and the vanished things (not a curator's withdrawals) that a graph describes again."""
    gone: dict[str, Tombstone] = {}
    for iri, graph in graphs.items():
        if iri is None or is_restricted(iri, base) or iri not in old.existing:
            continue
        before = {t.subject.value for t in old(iri) if isinstance(t.subject, NamedNode)}
        after = {s[1:-1] for s in graph.subjects()} if graph is not None else set()
        candidates = {s for s in before - after
                      if "#" not in s and split_thing_iri(base, s) is not None and s not in tombstones}
        if not candidates:
            continue
        still = overlay.present(candidates)
        words = reason or f"No longer in the current version of its graph <{iri}>."
        for thing in sorted(candidates - still):
            gone[thing] = Tombstone(thing, WITHDRAWN, words, when, last_seen_in=None if deliberate else iri)
    vanished = [t.iri for t in tombstones.values() if not t.deliberate]
    restored = overlay.present(vanished) if vanished else set()
    return gone, restored


def _change(iri: GraphKey, graph: NTriplesGraph | None, old: _Old) -> GraphChange | None:
    """The :class:`GraphChange` that makes ``iri`` hold ``graph``; None when it holds it already."""
    exists = old.exists(iri)
    before = old(iri) if exists else set()
    if graph is None:
        return GraphChange(iri, None, before, exists) if exists and (before or iri is not None) else None
    if has_blank_nodes(graph) or any(_blank(t) for t in before):
        if exists and len(before) == len(graph) and len(before) < 50_000 and isomorphic(
                NTriplesGraph.from_triples(before).to_rdflib(), graph.to_rdflib()):
            return None
        return GraphChange(iri, graph, before, exists)
    if not exists:
        if not graph.lines and iri is None:
            return None
        return GraphChange(iri, graph, before, exists)  # new: bulk-loaded or inserted, never parsed here
    new = triples_of(graph)
    if new == before:
        return None
    return GraphChange(iri, graph, before, exists, new_set=new)


def _blank(triple: Any) -> bool:
    return isinstance(triple.subject, BlankNode) or isinstance(triple.object, BlankNode)


LABELS = (f"<{RDFS.label}>", f"<{DCTERMS.title}>")


def _things(base: str, graphs: Iterable[NTriplesGraph]) -> list[tuple[str, str, str]]:
    """(iri, kind, label) of the things the written public graphs describe (for the registry)."""
    found: dict[str, tuple[str, str]] = {}
    for graph in graphs:
        for subject, predicate, obj in graph.triples():
            if predicate != RDF_TYPE and predicate not in LABELS:
                continue  # every thing is typed; its label is one of LABELS
            iri = iri_value(subject)
            split = split_thing_iri(base, iri) if iri is not None and "#" not in iri else None
            if iri is None or split is None:
                continue
            label = found.get(iri, (split[0], ""))[1]
            if predicate in LABELS and not label:
                label = lexical(obj) or ""
            found[iri] = (split[0], label)
    return [(iri, kind, label) for iri, (kind, label) in sorted(found.items())]


__all__ = ["ChangeSet", "Written", "check", "write"]
