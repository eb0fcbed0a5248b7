"""The document cache: files written atomically for the generation they were rendered at, ``current`` repointed
by every commit (so nginx never serves a stale document), nothing cached but 200s, and ``minegraph render``
writing exactly the app's bytes."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from minegraph.core.settings import Settings
from minegraph.publish import doccache
from minegraph.publish.doccache import DocumentCache
from minegraph.store import generations
from minegraph.store.generations import documents_dir
from minegraph.store.locks import StoreLocks
from tests.conftest import BASE, DATA

KEEP, DROP, GONE = "k318zecnq29", "j044rzcgyy3", "78ft77tf9p2"
VICTIM = "x2j252khg5g"  # a victim of KEEP (DROP's victims leave with it)
EXTENSIONS = ("ttl", "jsonld", "nt", "rdf", "html")


@dataclass
class World:
    settings: Settings
    app: Flask
    client: FlaskClient
    locks: StoreLocks

    @property
    def root(self) -> Path:
        return documents_dir(self.settings.store)

    def file(self, path: str, generation: int | None = None) -> Path:
        return self.root / str(self.locks.generation() if generation is None else generation) / path

    def current(self, path: str) -> Path:
        return self.root / "current" / path


@pytest.fixture(scope="module")
def world(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from minegraph.cli.release import write_tombstone
    from minegraph.store.tombstones import MERGED, WITHDRAWN, Tombstone, now
    from minegraph.web import create_app

    root = tmp_path_factory.mktemp("doccache")
    shutil.copytree(built_settings.store, root / "store")
    settings = Settings(store=root / "store", data_dir=DATA, base_uri=BASE)
    write_tombstone(settings, Tombstone(f"{BASE}id/incident/{DROP}", MERGED, "the same explosion", now(),
                                       f"{BASE}id/incident/{KEEP}"))
    write_tombstone(settings, Tombstone(f"{BASE}id/incident/{GONE}", WITHDRAWN, "recorded in error", now()))
    app = create_app(settings, {"QUERY_WORKERS": 1, "TESTING": True})
    yield World(settings, app, app.test_client(), StoreLocks(settings.store))
    app.extensions["minegraph"].close()


def fetch(world: World, path: str, **headers: str):  # type: ignore[no-untyped-def]
    reply = world.client.get(path, headers=headers)
    reply.get_data()
    reply.close()
    return reply


# --- files ------------------------------------------------------------------------------------------------

def test_a_file_is_written_whole_readable_by_all_with_its_mtime(tmp_path: Path) -> None:
    target = tmp_path / "doc" / "incident" / "x.ttl"
    generations.write_file(target, b"first", 1_700_000_000)
    generations.write_file(target, b"second", 1_700_000_100)
    assert target.read_bytes() == b"second"
    assert target.stat().st_mtime == 1_700_000_100
    assert target.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["x.ttl"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.ttl"
    generations.write_file(target, b"old", 1_700_000_000)

    def fail(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(generations.os, "replace", fail)
    with pytest.raises(OSError):
        generations.write_file(target, b"new", 1_700_000_100)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.ttl"]


# --- generations ------------------------------------------------------------------------------------------

def test_every_bump_repoints_current_at_the_new_generation(tmp_path: Path) -> None:
    locks = StoreLocks(tmp_path / "store")
    locks.bump()  # no cache yet: nothing is created
    assert not locks.documents.exists()
    assert locks.point_documents() == 1
    assert os.readlink(locks.documents / "current") == "1"
    (locks.documents / "1" / "doc").mkdir(parents=True)
    assert locks.bump() == 2
    assert os.readlink(locks.documents / "current") == "2"
    assert not (locks.documents / "2").exists()  # the new generation starts empty: every request goes to the app
    assert (locks.generation_file.read_text(), locks.generation()) == ("2", 2)


def test_a_commit_repoints_before_the_readers_come_back_and_prunes_after(tmp_path: Path) -> None:
    locks = StoreLocks(tmp_path / "store")
    locks.point_documents()
    (locks.documents / "0" / "doc").mkdir(parents=True)
    with locks.writer(5), locks.readers_paused(5):
        # a commit is under way: what generation 0 cached is served no more (even if the writer dies here)
        assert os.readlink(locks.documents / "current") == "1"
        assert not (locks.documents / "1").exists()
    assert os.readlink(locks.documents / "current") == "1"
    assert not (locks.documents / "0").exists()  # generation 0 is gone at once, its files soon after
    _eventually(lambda: sorted(p.name for p in locks.documents.iterdir()) == ["current"])


def _eventually(check: Callable[[], bool], seconds: float = 30) -> None:
    """``check`` holds within ``seconds`` (files are deleted by a detached process)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not done in time"
        time.sleep(0.05)


def test_command_line_writers_repoint_too(tmp_path: Path) -> None:
    from minegraph.core.ntriples import NTriplesGraph
    from minegraph.store.door import ChangeSet, write

    settings = Settings(store=tmp_path / "store")
    locks = StoreLocks(settings.store)
    before = locks.point_documents()
    write(settings, ChangeSet({"http://example.org/g": NTriplesGraph(["<http://a> <http://b> <http://c> .\n"])}))
    assert generations.current_generation(locks.documents) == before + 1 == locks.generation()


def test_the_code_stamp_covers_everything_documents_are_rendered_with() -> None:
    """A page rendered by older templates or view code is never served after an upgrade (doccache once moved into
    publish/ and fingerprinted that folder only: a template change kept serving the old pages)."""
    package = Path(doccache.__file__).resolve().parents[1]
    stamped = {str(path.relative_to(package)) for path in doccache.stamped_files()}
    for needed in ("web/kinds.py", "web/templates/pages/incident.html", "publish/describe.py", "store/view.py",
                   "shapes/minegraph-shapes.ttl", "ontology/minegraph.ttl"):
        assert needed in stamped, needed
    assert not any("/static/" in f"/{path}" or "__pycache__" in path for path in stamped)


def test_prune_keeps_newer_generations(tmp_path: Path) -> None:
    for name in ("3", "4", "5"):
        (tmp_path / name).mkdir()
    generations.point_current(tmp_path, 4)
    generations.prune(tmp_path, wait=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["4", "5", "current"]


def test_prune_never_waits_for_the_files_and_finishes_what_it_left(tmp_path: Path) -> None:
    old = tmp_path / "1" / "doc" / "incident"
    old.mkdir(parents=True)
    for n in range(200):
        (old / f"{n}.ttl").write_bytes(b"x")
    (tmp_path / f"{generations.TRASH}0-left-by-a-crash").mkdir()
    generations.point_current(tmp_path, 2)
    generations.prune(tmp_path)
    assert not (tmp_path / "1").exists()
    _eventually(lambda: sorted(p.name for p in tmp_path.iterdir()) == ["current"])


def test_a_failed_repoint_removes_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generations.point_current(tmp_path, 1)

    def fail(*_args: object) -> None:
        raise OSError("no space left")

    monkeypatch.setattr(generations.os, "symlink", fail)
    with pytest.raises(OSError):
        generations.point_current(tmp_path, 2)
    assert not (tmp_path / "current").is_symlink()  # nginx asks the app: slower, never stale


def test_a_write_for_a_past_generation_is_dropped(tmp_path: Path) -> None:
    locks = StoreLocks(tmp_path / "store")
    files = DocumentCache(locks, BASE)
    assert files.ready()
    rendered_at = locks.generation()
    locks.bump()  # a commit while the document was being rendered
    assert not files.write(rendered_at, "doc/incident/x.ttl", b"stale", dt.datetime.now(dt.UTC))
    assert not files.path(rendered_at, "doc/incident/x.ttl").exists()
    assert files.write(locks.generation(), "doc/incident/x.ttl", b"fresh", dt.datetime.now(dt.UTC))
    assert (locks.documents / "current" / "doc/incident/x.ttl").read_bytes() == b"fresh"


def test_documents_of_other_code_are_never_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locks = StoreLocks(tmp_path / "store")
    old = DocumentCache(locks, BASE)
    assert old.ready()
    assert old.write(locks.generation(), "doc/incident/x.ttl", b"old code", dt.datetime.now(dt.UTC))
    monkeypatch.setattr(doccache, "code_stamp", lambda base: "minegraph (the next version)\n")
    new = DocumentCache(locks, BASE)  # an upgrade: the new code starts while the old one still runs
    assert new.ready()
    assert not (locks.documents / "current" / "doc/incident/x.ttl").exists()
    assert not old.write(locks.generation(), "doc/incident/y.ttl", b"old code", dt.datetime.now(dt.UTC))
    assert new.write(locks.generation(), "doc/incident/y.ttl", b"new code", dt.datetime.now(dt.UTC))


def test_a_release_bumps_the_generation(world: World) -> None:
    from minegraph.publish.releases import cut_release
    from minegraph.store.embedded import EmbeddedStore
    from minegraph.store.tombstones import now
    from minegraph.web.resource_html import resource

    before = world.locks.generation()
    fetch(world, f"/doc/incident/{KEEP}.html")
    assert world.current(f"doc/incident/{KEEP}.html").exists()
    handle = EmbeddedStore(world.settings.store, read_only=True)
    try:
        with world.app.test_request_context("/"):
            cut_release(world.settings, handle, resource, issued=now())
    finally:
        handle.close()
    assert world.locks.generation() == before + 1
    assert not world.current(f"doc/incident/{KEEP}.html").exists()  # pages name the latest release
    page = fetch(world, f"/doc/incident/{KEEP}.html")
    assert world.current(f"doc/incident/{KEEP}.html").read_bytes() == page.data


# --- what the app writes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("extension", EXTENSIONS)
def test_the_app_writes_what_it_serves(world: World, extension: str) -> None:
    path = f"doc/incident/{KEEP}.{extension}"
    reply = fetch(world, f"/{path}")
    assert reply.status_code == 200
    stored = world.current(path)
    assert stored.read_bytes() == reply.data
    assert dt.datetime.fromtimestamp(stored.stat().st_mtime, dt.UTC) == reply.last_modified


def test_a_negotiated_request_writes_its_format(world: World) -> None:
    reply = fetch(world, f"/doc/victim/{VICTIM}", Accept="application/n-triples")
    assert reply.status_code == 200
    assert world.current(f"doc/victim/{VICTIM}.nt").read_bytes() == reply.data


@pytest.mark.parametrize(("path", "status"), [
    (f"doc/incident/{DROP}.ttl", 301),
    (f"doc/incident/{GONE}.ttl", 410),
    (f"doc/incident/{GONE}.html", 410),
    ("doc/incident/k318zecnq2x.ttl", 404),  # the check character does not match
    ("doc/incident/zzzzzzzzzzz.ttl", 404),
])
def test_retired_and_missing_things_are_never_files(world: World, path: str, status: int) -> None:
    assert fetch(world, f"/{path}").status_code == status
    assert not world.file(path).exists()


def test_pages_under_a_prefix_are_not_files(world: World) -> None:
    path = f"doc/place/{_place(world)}.html"
    reply = world.client.get(f"/{path}", environ_overrides={"SCRIPT_NAME": "/minegraph"})
    assert reply.status_code == 200 and b"/minegraph/doc/place/" in reply.data
    assert not world.file(path).exists()


def test_the_app_answers_from_the_file_of_its_generation(world: World) -> None:
    path = f"doc/agent/{_agent(world)}.ttl"
    world.file(path).parent.mkdir(parents=True, exist_ok=True)
    generations.write_file(world.file(path), b"# from the file\n", 1_700_000_000)
    reply = fetch(world, f"/{path}")
    assert reply.data == b"# from the file\n"
    assert reply.last_modified == dt.datetime.fromtimestamp(1_700_000_000, dt.UTC)


def test_a_remote_store_has_no_document_files(tmp_path: Path) -> None:
    from minegraph.web import create_app

    settings = Settings(store=tmp_path / "store", endpoint="http://127.0.0.1:9/query")
    app = create_app(settings, {"QUERY_WORKERS": 1, "TESTING": True})
    assert app.extensions["minegraph.core.resources"].files is None
    assert not documents_dir(settings.store).exists()


def _place(world: World) -> str:
    return _first(world, "place")


def _agent(world: World) -> str:
    return _first(world, "agent")


def _first(world: World, kind: str) -> str:
    from minegraph.web.prerender import things

    return next(key for found, key in things(world.settings, [kind]) if found == kind)


# --- minegraph render -------------------------------------------------------------------------------------

@pytest.mark.parametrize("workers", [1, 2])
def test_render_writes_exactly_the_apps_bytes(built_settings: Settings, tmp_path: Path, workers: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from minegraph.cli import main
    from minegraph.web import create_app, prerender
    from minegraph.web.prerender import things

    monkeypatch.setattr(prerender, "CHUNK", 2)  # several chunks: with workers, several processes

    shutil.copytree(built_settings.store, tmp_path / "store")
    settings = Settings(store=tmp_path / "store", data_dir=DATA, base_uri=BASE)
    app = create_app(settings, {"QUERY_WORKERS": 1, "TESTING": True})
    app.extensions["minegraph.core.resources"].files = None  # the app as it renders without any file
    client = app.test_client()
    expected = {}
    for kind, key in things(settings, ["incident", "victim"]):
        for extension in EXTENSIONS:
            expected[f"doc/{kind}/{key}.{extension}"] = client.get(f"/doc/{kind}/{key}.{extension}").data
    app.extensions["minegraph"].close()
    result = CliRunner().invoke(main, ["render", "--store", str(settings.store), "--kind", "incident", "--kind",
                                       "victim", "--workers", str(workers), "-q"])
    assert result.exit_code == 0, result.output
    assert f"{len(expected)} rendered" in result.output
    current = documents_dir(settings.store) / "current"
    written = {str(p.relative_to(current)): p.read_bytes() for p in current.rglob("*") if p.is_file()}
    assert written == expected
    again = CliRunner().invoke(main, ["render", "--store", str(settings.store), "--kind", "incident", "-q",
                                      "--format", "ttl,html"])
    assert again.exit_code == 0 and "cached" in again.output and "rendered" not in again.output


def test_render_skips_retired_things(world: World) -> None:
    from minegraph.cli import main

    result = CliRunner().invoke(main, ["render", "--store", str(world.settings.store), "--kind", "incident",
                                       "--format", "ttl", "-q"])
    assert result.exit_code == 0, result.output
    assert not world.current(f"doc/incident/{GONE}.ttl").exists()
    assert not world.current(f"doc/incident/{DROP}.ttl").exists()
    assert world.current(f"doc/incident/{KEEP}.ttl").exists()


# --- nginx configuration ----------------------------------------------------------------------------------

def test_the_example_configuration_is_what_the_command_prints() -> None:
    from minegraph.cli import main

    result = CliRunner().invoke(main, ["nginx-config", "--listen", "443 ssl http2", "--server-name",
                                       "minegraph.example.org", "--cache", "/srv/minegraph/.minegraph/store.docs"])
    assert result.exit_code == 0
    example = Path(__file__).resolve().parents[1] / "server" / "nginx.conf.example"
    assert result.output == example.read_text(encoding="utf-8"), "regenerate server/nginx.conf.example"

