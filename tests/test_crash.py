"""kill -9 at any moment of any write leaves the store as before or as after it, derived graphs included; a killed
writer never keeps readers out.

Each kind of write runs as a real process (the command line, or the HTTP server) and is killed with SIGKILL at
the named stages of the write door (``MINEGRAPH_TEST_CRASH_AT``, :data:`minegraph.store.commit.CRASH_STAGES`):
before the commit the store must be exactly as before; after it, exactly as a clean run leaves it. Time stamps of
tombstones differ between runs and are left out of the comparison.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyoxigraph import CanonicalizationAlgorithm, Dataset, RdfFormat, parse

from minegraph.store.commit import CRASH_STAGES
from minegraph.store.embedded import EmbeddedStore
from minegraph.store.locks import StoreLocks
from tests.conftest import DATA

SAMPLE = Path(__file__).parent / "fixtures" / "colombia" / "sample.csv"
BEFORE = ("read", "checked", "audited", "loading")
AFTER = ("written", "bumped")
assert set(BEFORE) | set(AFTER) == set(CRASH_STAGES)
RDF = """@prefix ex: <http://example.org/> .
ex:a ex:has [ ex:label "a blank node: this graph is staged and moved" ] .
"""


def minegraph(store: Path, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MINEGRAPH_TEST_CRASH_AT"}
    if crash_at:
        env["MINEGRAPH_TEST_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "minegraph", *args, "--store", str(store)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def state(store: Path) -> list[str]:
    """The store's quads, blank nodes canonicalized, sorted, without the tombstones' time stamps."""
    handle = EmbeddedStore(store)  # opening for writing is what the next writer does: it drops leftovers
    try:
        data = handle.dump(RdfFormat.N_QUADS)
    finally:
        handle.close()
    dataset = Dataset(parse(data, format=RdfFormat.N_QUADS))
    dataset.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
    return sorted(str(quad) for quad in dataset if "invalidatedAtTime" not in str(quad.predicate))


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample table with one value corrected and one row removed (a tombstone to derive)."""
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    table[3][table[0].index("estado")] = "Muerto"
    del table[10]
    path = tmp_path_factory.mktemp("crash") / "colombia.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(table)
    return path


def _writes(corrected: Path, rdf: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Each kind of write: (what runs first, on a store built from data/; the write that is killed)."""
    table = ["ingest", str(SAMPLE), "--mapping", "colombia-victims", "--data", str(DATA), "-q"]
    return {
        "build": ([], ["build", "--data", str(DATA), "-q"]),
        "first-ingest": ([], table),  # a new graph: bulk-loaded under its marker
        "correction": (table, ["ingest", str(corrected), "--mapping", "colombia-victims", "--data", str(DATA),
                               "-q"]),  # a difference, a tombstone for the removed row, new aggregates
        "rdf": ([], ["ingest", str(rdf), "--data", str(DATA), "-q"]),  # blank nodes: staged and moved
        "withdraw": ([], ["withdraw", "incident/78ft77tf9p2", "--reason", "test"]),
        "withdraw-source": (table, ["withdraw-source", "colombia-oacp-victims-map-muse", "--reason", "test"]),
    }


KINDS = ("build", "first-ingest", "correction", "rdf", "withdraw", "withdraw-source")


@pytest.mark.parametrize("kind", KINDS)
def test_a_killed_write_leaves_the_store_as_before_or_as_after(tmp_path: Path, corrected: Path, kind: str) -> None:
    rdf = tmp_path / "extra.ttl"
    rdf.write_text(RDF, encoding="utf-8")
    first, killed = _writes(corrected, rdf)[kind]
    stores = {}
    for name in ("clean", *BEFORE, *AFTER):
        store = tmp_path / name / "store"
        built = minegraph(store, "build", "--data", str(DATA), "-q")
        assert built.returncode == 0, built.stderr
        if first:
            assert minegraph(store, *first).returncode == 0
        stores[name] = store
    before = state(stores["clean"])
    done = minegraph(stores["clean"], *killed)
    assert done.returncode == 0, done.stderr
    after = state(stores["clean"])
    assert after != before or kind == "build"  # (a build of unchanged data/ changes nothing)
    for stage in (*BEFORE, *AFTER):
        generation = StoreLocks(stores[stage]).generation()
        crashed = minegraph(stores[stage], *killed, crash_at=stage)
        if kind == "build" and after == before:
            continue  # nothing to write: the door returns before any stage past "checked"
        assert crashed.returncode == -9, f"{stage}: {crashed.stderr}"
        if stage in AFTER:  # the cached documents of the old data are never served again
            assert StoreLocks(stores[stage]).generation() > generation, stage
        assert state(stores[stage]) == (before if stage in BEFORE else after), stage


def test_a_build_of_new_data_killed_at_every_stage(tmp_path: Path, data_copy: Path) -> None:
    """A build that changes something (a source added), killed at every stage."""
    import shutil

    source = data_copy / "sources" / "newsaz-ombudsperson-april-6.yaml"
    stores = {}
    for name in ("clean", *BEFORE, *AFTER):
        store = tmp_path / name / "store"
        assert minegraph(store, "build", "--data", str(DATA), "-q").returncode == 0
        stores[name] = store
    text = source.read_text(encoding="utf-8").replace("injured: 3", "injured: 4")
    source.write_text(text, encoding="utf-8")
    before = state(stores["clean"])
    assert minegraph(stores["clean"], "build", "--data", str(data_copy), "-q").returncode == 0
    after = state(stores["clean"])
    assert after != before
    for stage in (*BEFORE, *AFTER):
        crashed = minegraph(stores[stage], "build", "--data", str(data_copy), "-q", crash_at=stage)
        assert crashed.returncode == -9, f"{stage}: {crashed.stderr}"
        assert state(stores[stage]) == (before if stage in BEFORE else after), stage
    shutil.rmtree(tmp_path / "clean")


@pytest.mark.parametrize("stage", ["loading", "written"])
def test_a_write_killed_mid_commit_is_whole_when_run_again(tmp_path: Path, stage: str) -> None:
    """The tester's finding: an ingest killed while its graph was loading, run again at once, said "unchanged"
    (it compared itself with its own hidden leftover) and the data never appeared."""
    table = ["ingest", str(SAMPLE), "--mapping", "colombia-victims", "--data", str(DATA)]
    clean, crashed = tmp_path / "clean" / "store", tmp_path / "crashed" / "store"
    for store in (clean, crashed):
        assert minegraph(store, "build", "--data", str(DATA), "-q").returncode == 0
    assert minegraph(clean, *table, "-q").returncode == 0
    assert minegraph(crashed, *table, "-q", crash_at=stage).returncode == -9
    again = minegraph(crashed, *table)
    assert again.returncode == 0, again.stderr
    assert ("unchanged" in again.stdout + again.stderr) is (stage == "written")
    assert state(crashed) == state(clean)


def test_a_killed_writer_never_keeps_readers_out(tmp_path: Path) -> None:
    """Killed while readers are held off (bulk-loading), the writer's locks die with it: a reader gets in at once."""
    store = tmp_path / "store"
    assert minegraph(store, "build", "--data", str(DATA), "-q").returncode == 0
    crashed = minegraph(store, "ingest", str(SAMPLE), "--mapping", "colombia-victims", "--data", str(DATA), "-q",
                        crash_at="loading")
    assert crashed.returncode == -9
    locks = StoreLocks(store)
    assert not locks.write_pending()
    started = time.monotonic()
    fd = locks.acquire_shared()
    locks.release(fd)
    assert time.monotonic() - started < 1.0


def test_a_server_answers_within_a_second_of_a_writer_killed_mid_commit(tmp_path: Path) -> None:
    """A real server's query workers step aside for a command-line ingest; the ingest is killed while they are
    out; /health and /sparql answer within a second, and show the store as it was."""
    from urllib.parse import quote

    from tests.sparql_support import start_server

    server = start_server(tmp_path, build=True, args=("--data-dir", str(DATA)))
    try:
        count = quote("SELECT (COUNT(*) AS ?n) WHERE { ?i a <https://w3id.org/minegraph/def/Incident> }")
        before = server.request("GET", f"/sparql?query={count}", headers={"Accept": "text/csv"}).body
        crashed = minegraph(server.store, "ingest", str(SAMPLE), "--mapping", "colombia-victims", "--data",
                            str(DATA), "-q", crash_at="loading")
        assert crashed.returncode == -9
        started = time.monotonic()
        assert server.request("GET", "/health", timeout=5).status == 200
        reply = server.request("GET", f"/sparql?query={count}", headers={"Accept": "text/csv"}, timeout=5)
        assert time.monotonic() - started < 1.0
        assert reply.status == 200 and reply.body == before
    finally:
        server.stop()


def test_a_server_killed_in_an_http_write_leaves_the_store_as_before_or_after(tmp_path: Path) -> None:
    """A SPARQL Update over HTTP, the server killed in the middle of it (its worker process, at each stage)."""
    from tests.sparql_support import start_server

    update = ('INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> '
              '<http://www.w3.org/2000/01/rdf-schema#label> "written over HTTP" } }')
    for stage in ("audited", "written"):
        workdir = tmp_path / stage
        assert minegraph(workdir / "store", "build", "--data", str(DATA), "-q").returncode == 0
        server = start_server(workdir, env={"MINEGRAPH_TEST_CRASH_AT": stage})
        try:
            with pytest.raises(OSError):  # the connection dies with the worker
                server.update(update)
        finally:
            server.stop()
        handle = EmbeddedStore(server.store, read_only=True)
        try:
            graphs = handle.graphs()
        finally:
            handle.close()
        assert ("http://example.org/g" in graphs) == (stage == "written"), stage
