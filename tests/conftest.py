"""Shared fixtures: the repository's paths, settings for a scratch store, a store built from data/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from minegraph.core.redaction import Register
from minegraph.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SEED_SOURCE = DATA / "sources" / "newsaz-ombudsperson-april-6.yaml"
BASE = "https://w3id.org/minegraph/"


def listed_for_redaction() -> Register:
    """Every string that data/sources lists for redaction (as digests: the names themselves are nowhere)."""
    entries = []
    for path in sorted((DATA / "sources").glob("*.yaml")):
        entries += (yaml.safe_load(path.read_text(encoding="utf-8"))["source"].get("redact")) or []
    assert entries, "data/sources lists at least one string for redaction"
    return Register.of(entries)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of data/ to break on purpose."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose store has been built from the repository's data/ (once per test session)."""
    from minegraph.ingest.build import build

    settings = Settings(store=tmp_path_factory.mktemp("store") / "store", data_dir=DATA, base_uri=BASE)
    build(settings)
    return settings


@pytest.fixture(scope="session")
def built_store(built_settings: Settings):
    from minegraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(built_settings.store, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="session")
def web_app(built_settings: Settings):
    """The Flask app over the store built from data/ (one query worker), as ``minegraph serve`` makes it."""
    from minegraph.web import create_app

    app = create_app(built_settings, {"TESTING": True, "QUERY_WORKERS": 1})
    yield app
    app.extensions["minegraph"].close()


@pytest.fixture
def web_client(web_app):
    return web_app.test_client()


# --- CI runs everything: MINEGRAPH_NO_SKIPS=1 (set by .ci/run) turns any skipped test into a failed run -----------

_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and os.environ.get("MINEGRAPH_NO_SKIPS"):
        _SKIPPED.append(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped and os.environ.get("MINEGRAPH_NO_SKIPS"):  # a whole module skipped
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED:
        print(f"\nMINEGRAPH_NO_SKIPS: {len(_SKIPPED)} test(s) were skipped, and CI runs every test:\n  "
              + "\n  ".join(_SKIPPED[:20]))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
