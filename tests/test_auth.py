"""Write tokens: hashed at rest, revocable, never logged; every write leaves an audit line."""

from __future__ import annotations

import json
import logging
import shutil
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from minegraph.cli import main
from minegraph.core.settings import Settings
from minegraph.store.auth import TokenRegistry, audit_lines, auth_dir
from minegraph.web import create_app

EX = "https://example.org/"
UPDATE = {"Content-Type": "application/sparql-update"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """An empty store of its own (the gate validates a write against what the store holds: keep it small)."""
    from minegraph.store.embedded import EmbeddedStore

    EmbeddedStore(tmp_path / "store").close()
    return Settings(store=tmp_path / "store", base_uri="https://w3id.org/minegraph/")


@pytest.fixture
def built_copy(built_settings: Settings, tmp_path: Path) -> Settings:
    """A private copy of the built store."""
    shutil.copytree(built_settings.store, tmp_path / "built")
    return replace(built_settings, store=tmp_path / "built", write_token="")


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    app = create_app(settings, {"QUERY_WORKERS": 1, "TESTING": True})
    yield app.test_client()
    app.extensions["minegraph"].close()


def _insert(client: FlaskClient, token: str | None, n: int = 1) -> int:
    headers = dict(UPDATE)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}s> <{EX}p> {n} }} }}"
    return client.post("/sparql", data=body, headers=headers).status_code


def test_tokens_are_hashed_at_rest_and_private(settings: Settings) -> None:
    registry = TokenRegistry(settings)
    token = registry.create("alice")
    path = auth_dir(settings) / "tokens.json"
    text = path.read_text(encoding="utf-8")
    assert token not in text and token[3:] not in text
    assert len(token) > 40 and "alice" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert registry.identify(token) == "alice"
    with pytest.raises(Exception, match="exists"):
        registry.create("alice")
    with pytest.raises(Exception, match="token name"):
        registry.create("../evil")


def test_read_only_without_tokens(client: FlaskClient) -> None:
    assert _insert(client, "anything") == 403


def test_token_lifecycle_over_http_with_audit(settings: Settings, client: FlaskClient,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = TokenRegistry(settings).create("alice")
    other = TokenRegistry(settings).create("bob")
    assert _insert(client, None) == 401
    assert _insert(client, "mg_not-a-token") == 403
    assert _insert(client, token, 1) == 200
    reply = client.put(f"/store?graph={EX}h", data=f"<{EX}s> <{EX}p> 2 .", headers={
        "Content-Type": "text/turtle", "Authorization": f"Bearer {other}"})
    assert reply.status_code == 201
    TokenRegistry(settings).revoke("alice")
    reply = client.post("/sparql", data=f"DROP GRAPH <{EX}g>", headers={**UPDATE, "Authorization": f"Bearer {token}"})
    assert reply.status_code == 403 and b"revoked" in reply.data
    assert _insert(client, other, 3) == 200
    lines = audit_lines(settings)
    assert [(line["actor"], line["action"], line["graphs"]) for line in lines] == [
        ("token:alice", "sparql-update", [f"{EX}g"]),
        ("token:bob", "graph-store PUT", [f"{EX}h"]),
        ("token:bob", "sparql-update", [f"{EX}g"]),
    ]
    assert all(line["time"].endswith("Z") for line in lines)
    log = (auth_dir(settings) / "audit.log").read_text(encoding="utf-8")
    for secret in (token, other):
        assert secret not in log
        assert secret not in caplog.text
        assert secret not in reply.get_data(as_text=True)


def test_legacy_token_still_works(settings: Settings) -> None:
    app = create_app(replace(settings, write_token="legacy-secret"), {"QUERY_WORKERS": 1, "TESTING": True})
    try:
        assert _insert(app.test_client(), "legacy-secret") == 200
        assert _insert(app.test_client(), "legacy-secre") == 403
    finally:
        app.extensions["minegraph"].close()
    assert audit_lines(settings)[-1]["actor"] == "token:legacy"


def test_cli_token_commands_and_cli_writes_are_audited(built_copy: Settings) -> None:
    settings = built_copy
    runner = CliRunner()
    store = str(settings.store)
    created = runner.invoke(main, ["token", "create", "curator", "--store", store])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("mg_")
    listed = runner.invoke(main, ["token", "list", "--store", store])
    assert "curator" in listed.output and "active" in listed.output and token not in listed.output
    assert runner.invoke(main, ["token", "revoke", "curator", "--store", store]).exit_code == 0
    assert runner.invoke(main, ["token", "revoke", "curator", "--store", store]).exit_code != 0
    withdrawn = runner.invoke(main, ["withdraw", "incident/" + _some_incident_key(settings), "--reason", "test",
                                     "--store", store, "--base-uri", settings.base_uri])
    assert withdrawn.exit_code == 0, withdrawn.output
    actions = [(line["actor"].split(":")[0], line["action"]) for line in audit_lines(settings)]
    assert actions == [("cli", "token create"), ("cli", "token revoke"), ("cli", "withdraw")]
    assert json.dumps(audit_lines(settings)).find(token) < 0


def _some_incident_key(settings: Settings) -> str:
    from minegraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(settings.store, read_only=True)
    try:
        rows = list(store.query("SELECT ?i WHERE { ?i a <https://w3id.org/minegraph/def/Incident> } LIMIT 1"))
    finally:
        store.close()
    value: str = rows[0]["i"].value
    return value.rsplit("/", 1)[1]
