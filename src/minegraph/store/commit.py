"""The last step of the write door: every graph of a write made as it should be, in one transaction.

:func:`commit` gets, for each graph a write changes, the triples it holds now and the triples it must hold, and
makes the store hold them, all at once or not at all:

- a graph new to the store, larger than ``bulk_above`` triples and without blank nodes, is **bulk-loaded** in
  place under a loading marker (``Store.begin_bulk``): several times faster than a transaction, which matters
  for a national file of millions of triples; readers leave it out until the final update unmarks it;
- a graph with blank nodes (in what it holds or must hold: blank nodes cannot be matched between the two) is
  **staged**: loaded into a private staging graph that the final update moves onto it;
- every other graph is written as its **difference** (``DELETE DATA`` / ``INSERT DATA``): the difference of a
  re-ingest or of a correction is usually a few triples, even in a graph of millions.

Then one SPARQL update does the rest of the write — the differences, the moves, the graphs dropped or created,
and the removal of the loading markers — so readers see the store as it was, or as it is after the whole
write. A failure undoes the bulk loads and staging graphs at once; a crash leaves them to the next writer, who
drops them (they were never visible) — a graph the write creates is cleared of any such leftover first.

Test hook: ``MINEGRAPH_TEST_CRASH_AT=<stage>`` kills the process with SIGKILL at a named stage
(:data:`CRASH_STAGES`), so tests can show that a crash at any moment leaves the store as before or as after the
write. Never set it otherwise.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, RdfFormat, Triple, parse, serialize

from minegraph.core.ntriples import NTriplesGraph
from minegraph.core.settings import env_setting

#: Where a write can be killed by the test hook, in order: ``read`` (input read and mapped), ``checked`` (the
#: privacy rules and the gate passed, derived graphs computed), ``audited`` (the audit line written),
#: ``loading`` (bulk loads and staging graphs written, not yet published), ``written`` (the final update
#: committed, the generation not yet bumped), ``bumped`` (the generation bumped, the audit not yet confirmed).
CRASH_STAGES = ("read", "checked", "audited", "loading", "written", "bumped")


def crash_point(stage: str) -> None:
    """The test hook: SIGKILL this process when ``MINEGRAPH_TEST_CRASH_AT`` names ``stage``."""
    if env_setting("test_crash_at") == stage:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class GraphChange:
    """One graph of a write: ``iri`` (None: the store's own default graph), what it holds now (``old``, and
    whether it exists at all) and what it must hold (``new``; None: remove the graph)."""

    iri: str | None
    new: NTriplesGraph | None
    old: set[Triple] = field(default_factory=set)
    exists: bool = False
    #: ``new`` parsed, when the caller has parsed it already (it is parsed here otherwise)
    new_set: set[Triple] | None = None

    @property
    def name(self) -> str:
        return f"<{self.iri}>" if self.iri is not None else "DEFAULT"


@dataclass
class Committed:
    """What :func:`commit` wrote: triples removed and added."""

    removed: int = 0
    added: int = 0


def has_blank_nodes(graph: NTriplesGraph | None) -> bool:
    """Whether N-Triples ``graph`` may hold blank nodes (conservative: ``_:`` anywhere, even in a literal)."""
    return graph is not None and any("_:" in line for line in graph.lines)


def triples_of(graph: NTriplesGraph) -> set[Triple]:
    return {q.triple for q in parse(graph.text().encode("utf-8"), format=RdfFormat.N_TRIPLES)} if graph.lines else set()


def commit(store: Any, changes: Iterable[GraphChange], *, bulk_above: int = 50_000) -> Committed:
    """Make every graph of ``changes`` hold its ``new`` triples, in one transaction (see the module's text)."""
    changes = list(changes)
    bulk = [c for c in changes if c.iri is not None and c.new is not None and not c.exists and not c.old
            and len(c.new) > bulk_above and not has_blank_nodes(c.new)]
    operations: list[str] = []
    deleted: list[tuple[str, Triple]] = []
    inserted: list[tuple[str, Triple]] = []
    staged: dict[str, GraphChange] = {}
    done = Committed()
    for change in changes:
        if change in bulk:
            continue
        if change.new is None:
            operations.append(f"DROP SILENT {'GRAPH ' if change.iri else ''}{change.name}")
            done.removed += len(change.old)
            continue
        if has_blank_nodes(change.new) or any(_blank(t) for t in change.old):
            staged[change.name] = change
            continue
        new = change.new_set if change.new_set is not None else triples_of(change.new)
        deleted += [(change.name, t) for t in change.old - new]
        inserted += [(change.name, t) for t in new - change.old]
        if not new and not change.exists and change.iri is not None:
            operations.append(f"CREATE SILENT GRAPH {change.name}")
    difference = _data_blocks("DELETE DATA", deleted) + _data_blocks("INSERT DATA", inserted)
    done.removed += len(deleted)
    done.added += len(inserted) + sum(len(c.new) for c in bulk if c.new is not None)
    staging: list[str] = []
    fresh = [c.iri for c in changes if c.iri is not None and not c.exists]
    if fresh:  # what a writer that died left of these graphs, hidden, half-loaded: never added to
        store.abandon_bulk(fresh)
    try:
        if bulk:
            store.begin_bulk([c.iri for c in bulk])
            for change in bulk:  # one call per graph, streamed: no second copy of a national file's graph
                assert change.new is not None
                store.bulk_load(change.iri, change.new.chunks())
        for name, change in staged.items():
            assert change.new is not None
            graph = store.stage(change.new.text().encode("utf-8")) if change.new.lines else None
            if graph is not None:
                staging.append(graph)
                operations.append(f"MOVE SILENT GRAPH <{graph}> TO {'GRAPH ' if change.iri else ''}{name}")
            else:
                operations.append(f"CLEAR SILENT {'GRAPH ' if change.iri else ''}{name}")
                if change.iri is not None:
                    operations.append(f"CREATE SILENT GRAPH {name}")
            done.removed += len(change.old)
            done.added += len(change.new)
        crash_point("loading")
        update = " ;\n".join([*difference, *operations])
        if bulk:
            store.finish_bulk([c.iri for c in bulk], update)
        elif update:
            store.apply_update(update)
    except BaseException:
        if bulk:
            store.abandon_bulk([c.iri for c in bulk])
        if staging:
            store.drop_staged(staging)
        raise
    crash_point("written")
    return done


def _blank(triple: Triple) -> bool:
    return isinstance(triple.subject, BlankNode) or isinstance(triple.object, BlankNode)


def _data_blocks(keyword: str, quads: list[tuple[str, Triple]]) -> list[str]:
    """``DELETE DATA { GRAPH <g> { … } … }`` (or INSERT DATA) for ``(graph name, triple)`` pairs; [] for none."""
    if not quads:
        return []
    by_graph: dict[str, list[Triple]] = {}
    for name, triple in quads:
        by_graph.setdefault(name, []).append(triple)
    blocks = []
    for name, triples in by_graph.items():
        body = (serialize(triples, format=RdfFormat.N_TRIPLES) or b"").decode("utf-8")
        blocks.append(body if name == "DEFAULT" else f"GRAPH {name} {{\n{body}}}")
    return [f"{keyword} {{\n" + "\n".join(blocks) + "\n}"]
