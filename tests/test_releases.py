"""`minegraph release`, `merge`, `withdraw`: numbering, immutability, checksums, the registry, refusals."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from minegraph.cli.release import COMMANDS
from minegraph.core.settings import Settings
from minegraph.core.vocab import mint_key
from minegraph.publish.releases import Releases
from minegraph.store.registry import releases_dir
from tests.conftest import BASE, DATA

KEEP, DROP, GONE = "k318zecnq29", "j044rzcgyy3", "78ft77tf9p2"


@click.group()
def cli() -> None:
    """The commands as `minegraph` will have them."""


for command in COMMANDS:
    cli.add_command(command)


@pytest.fixture
def settings(built_settings: Settings, tmp_path: Path) -> Settings:
    shutil.copytree(built_settings.store, tmp_path / "store")
    return Settings(store=tmp_path / "store", data_dir=DATA, base_uri=BASE)


def run(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--store", str(settings.store)], catch_exceptions=False)
    return result.exit_code, result.output


def documents(settings: Settings, number: int) -> dict[str, bytes]:
    path = releases_dir(settings) / str(number) / "documents.sqlite"
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as db:
        return {p: bytes(b) for p, b in db.execute("SELECT path, body FROM documents")}


def test_release_writes_an_immutable_checked_snapshot(settings: Settings) -> None:
    code, output = run(settings, "release", "-q")
    assert code == 0 and "release 1" in output
    directory = releases_dir(settings) / "1"
    assert directory.parent == settings.store.parent.resolve() / "releases"
    manifest = json.loads((directory / "release.json").read_text())
    assert manifest["number"] == 1 and manifest["base"] == BASE and manifest["documents"] > 50
    for line in (directory / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest
    names = {p.name for p in directory.iterdir()}
    assert {"minegraph-1.nq", "minegraph-1.ttl", "void.ttl", "dcat.ttl", "documents.sqlite"} <= names
    for path in directory.iterdir():
        assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    docs = documents(settings, 1)
    for kind_path in (f"doc/incident/{KEEP}", "def/Incident", "concept/outcome/killed", "def/index"):
        assert {f"{kind_path}.{ext}" for ext in ("html", "ttl", "jsonld", "nt", "rdf")} <= set(docs)


def test_release_bytes_survive_later_builds_merges_and_withdrawals(settings: Settings) -> None:
    from minegraph.ingest.build import build

    assert run(settings, "release", "-q")[0] == 0
    before = documents(settings, 1)
    dumps = {p.name: p.read_bytes() for p in (releases_dir(settings) / "1").iterdir()}
    build(settings)
    assert run(settings, "merge", KEEP, DROP, "--reason", "duplicate")[0] == 0
    assert run(settings, "withdraw", GONE, "--reason", "recorded in error")[0] == 0
    assert run(settings, "release", "-q")[0] == 0
    assert documents(settings, 1) == before
    assert {p.name: p.read_bytes() for p in (releases_dir(settings) / "1").iterdir()} == dumps
    second = documents(settings, 2)
    assert f"doc/incident/{GONE}.ttl" not in second and f"doc/incident/{DROP}.ttl" not in second
    assert f"doc/incident/{KEEP}.ttl" in second
    assert Releases(releases_dir(settings)).numbers() == [1, 2]


def test_the_registry_remembers_every_published_iri(settings: Settings) -> None:
    assert run(settings, "release", "-q")[0] == 0
    registry = Releases(releases_dir(settings)).registry()
    entry = registry.lookup(f"{BASE}id/incident/{KEEP}")
    assert entry is not None and entry.kind == "incident" and entry.last_release == 1 and entry.label
    assert registry.lookup(f"{BASE}id/incident/{mint_key('incident', 'no', 'such')}") is None


def test_every_write_records_what_it_published(tmp_path: Path) -> None:
    """The write door records each thing it publishes in the registry, so that it answers 410 (never 404) if it
    ever leaves the data without a tombstone."""
    from minegraph.ingest.build import build

    settings = Settings(store=tmp_path / "store", data_dir=DATA, base_uri=BASE)
    build(settings)
    entry = Releases(releases_dir(settings)).registry().lookup(f"{BASE}id/incident/{KEEP}")
    assert entry is not None and entry.kind == "incident" and entry.label and entry.last_release is None


def test_a_failed_release_leaves_nothing_behind(settings: Settings) -> None:
    from minegraph.publish.releases import cut_release
    from minegraph.store.embedded import EmbeddedStore

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("renderer failed")

    store = EmbeddedStore(settings.store, read_only=True)
    try:
        with pytest.raises(RuntimeError):
            cut_release(settings, store, broken, issued="2026-01-01T00:00:00Z")
    finally:
        store.close()
    root = releases_dir(settings)
    assert Releases(root).numbers() == []
    assert not [p for p in root.iterdir() if p.name.startswith(".staging")]


@pytest.mark.parametrize(("args", "message"), [
    (("merge", KEEP, KEEP, "--reason", "x"), "itself"),
    (("merge", KEEP, "x7cbn16a1kt", "--reason", "x"), "same kind"),
    (("merge", KEEP, KEEP[:-1] + "0", "--reason", "x"), "check character"),
    (("withdraw", mint_key("incident", "no", "such"), "--reason", "x"), "published"),
    (("withdraw", "widget/" + KEEP, "--reason", "x"), "kinds"),
])
def test_refusals(settings: Settings, args: tuple[str, ...], message: str) -> None:
    code, output = run(settings, *args)
    assert code == 1 and message in output


def test_nothing_is_retired_twice(settings: Settings) -> None:
    assert run(settings, "withdraw", f"incident/{GONE}", "--reason", "recorded in error")[0] == 0
    code, output = run(settings, "withdraw", f"{BASE}id/incident/{GONE}", "--reason", "again")
    assert code == 1 and "already" in output
    code, output = run(settings, "merge", GONE, DROP, "--reason", "x")
    assert code == 1 and "already" in output
