"""kill -9 during an ingest leaves the store as it was before it (real subprocesses, named stages)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

from minegraph.store.embedded import EmbeddedStore
from tests.conftest import DATA

SAMPLE = Path(__file__).parent / "fixtures" / "colombia" / "sample.csv"


def run(store: Path, path: Path, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("MINEGRAPH_TEST_CRASH_AT", None)
    if crash_at:
        env["MINEGRAPH_TEST_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "minegraph", "ingest", str(path), "--mapping", "colombia-victims",
                           "--store", str(store), "--data", str(DATA), "-q"],
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def dump(store: Path) -> bytes:
    handle = EmbeddedStore(store)
    try:
        return b"".join(sorted(handle.dump(RdfFormat.N_QUADS).splitlines(keepends=True)))
    finally:
        handle.close()


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    table[3][table[0].index("estado")] = "Muerto"
    del table[10]
    path = tmp_path_factory.mktemp("crash") / "colombia.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(table)
    return path


@pytest.mark.parametrize("stage", ["read", "validated", "writing"])
def test_a_crash_before_the_write_leaves_the_store_as_it_was(tmp_path: Path, corrected: Path, stage: str) -> None:
    store = tmp_path / "store"
    assert run(store, SAMPLE).returncode == 0
    before = dump(store)
    crashed = run(store, corrected, crash_at=stage)
    assert crashed.returncode == -9, crashed.stderr
    assert dump(store) == before


def test_a_crash_just_after_the_write_leaves_the_new_state(tmp_path: Path, corrected: Path) -> None:
    store, clean = tmp_path / "store", tmp_path / "clean"
    assert run(store, SAMPLE).returncode == 0
    assert run(clean, SAMPLE).returncode == 0
    assert run(clean, corrected).returncode == 0
    crashed = run(store, corrected, crash_at="written")
    assert crashed.returncode == -9
    strip = b"invalidatedAtTime"  # the tombstones' time stamps differ between the two runs
    assert [line for line in dump(store).splitlines() if strip not in line] == \
        [line for line in dump(clean).splitlines() if strip not in line]


def test_a_crash_before_a_bulk_load_is_published_is_undone_and_never_shown(tmp_path: Path) -> None:
    """A first ingest bulk-loads its new graph under a marker: killed before publishing it, readers leave the
    loaded graph out, and the next writer drops it, so the store is as it was before."""
    from pyoxigraph import NamedNode, Store

    from minegraph.store.view import GRAPHS_QUERY, PENDING_GRAPH

    store = tmp_path / "store"
    built = subprocess.run([sys.executable, "-m", "minegraph", "build", "--store", str(store), "--data", str(DATA)],
                           capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stderr
    before = dump(store)
    crashed = run(store, SAMPLE, crash_at="loading")
    assert crashed.returncode == -9, crashed.stderr
    reader = Store.read_only(str(store))
    listed = {row["g"].value for row in reader.query(GRAPHS_QUERY)}  # type: ignore[union-attr]
    marked = [q.subject.value for q in reader.quads_for_pattern(None, None, None, NamedNode(PENDING_GRAPH))]
    del reader
    assert len(marked) == 1 and marked[0] not in listed  # loaded, not published: hidden from readers
    assert dump(store) == before  # opening it for writing dropped the unpublished graph
    assert run(store, SAMPLE).returncode == 0
    assert dump(store) != before
