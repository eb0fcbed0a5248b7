"""``minegraph settings``: every ``MINEGRAPH_*`` variable the code reads is declared in one place and listed."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from minegraph.cli import main
from minegraph.core.settings import SERVING_SETTINGS, SETTINGS, TEST_HOOKS, env_name, env_setting, query_workers

from .conftest import ROOT

VARIABLE = re.compile(r"MINEGRAPH_[A-Z0-9_]*[A-Z0-9]")


def variables_in_the_code() -> set[str]:
    """Every ``MINEGRAPH_*`` name written in the Python of src/ and server/ (the web's static files aside)."""
    found: set[str] = set()
    for folder in ("src", "server"):
        for path in (ROOT / folder).rglob("*.py"):
            if "static" not in path.relative_to(ROOT).parts:
                found |= set(VARIABLE.findall(path.read_text(encoding="utf-8")))
    return found


def settings_json(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> list[dict[str, str]]:
    result = runner.invoke(main, ["settings", "--json", *args], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(autouse=True)
def no_minegraph_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in [name for name in os.environ if name.startswith("MINEGRAPH_")]:
        monkeypatch.delenv(name)


def test_every_variable_the_code_names_is_declared_and_listed(runner: CliRunner) -> None:
    """A new MINEGRAPH_ variable read anywhere fails here until it is declared in minegraph.core.settings."""
    found = variables_in_the_code()
    assert {"MINEGRAPH_STORE", "MINEGRAPH_QUERY_WORKERS", "MINEGRAPH_TEST_CRASH_AT"} <= found  # the grep works
    declared = {env_name(name) for name, _default, _help in (*SETTINGS, *SERVING_SETTINGS, *TEST_HOOKS)}
    assert found <= declared, f"not declared in minegraph.core.settings: {sorted(found - declared)}"
    table = runner.invoke(main, ["settings"])
    assert table.exit_code == 0, table.output
    listed = {row["env"] for row in settings_json(runner)}
    for variable in found:
        assert variable in table.output
        assert variable in listed
    hook = next(row for row in settings_json(runner) if row["env"] == "MINEGRAPH_TEST_CRASH_AT")
    assert hook["kind"] == "test hook"


def test_only_settings_read_os_environ_for_minegraph_variables() -> None:
    """Outside minegraph.core.settings no code reads a MINEGRAPH_ variable itself."""
    reads = re.compile(r"(os\.environ(\.get)?\s*[\[(]|os\.getenv\s*\()\s*[\"']MINEGRAPH_")
    for folder in ("src", "server"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name != "settings.py" or path.parent.name != "core":
                assert not reads.search(path.read_text(encoding="utf-8")), path


def test_a_variable_set_is_shown_in_effect(runner: CliRunner) -> None:
    rows = {row["name"]: row for row in settings_json(runner, env={"MINEGRAPH_MAX_ROWS": "17",
                                                                    "MINEGRAPH_THREADS": "3"})}
    assert rows["max_rows"]["value"] == "17" and rows["max_rows"]["source"] == "environment"
    assert rows["max_rows"]["default"] == "10000"
    assert rows["threads"]["value"] == "3" and rows["threads"]["default"] == "8"
    assert rows["query_timeout"]["source"] == "default"
    table = runner.invoke(main, ["settings"], env={"MINEGRAPH_MAX_ROWS": "17"}).output
    line = next(line for line in table.splitlines() if line.startswith("max_rows "))
    assert "MINEGRAPH_MAX_ROWS" in line and " 17 " in line and "environment" in line


def test_an_option_given_wins_over_the_environment(runner: CliRunner) -> None:
    rows = {row["name"]: row for row in settings_json(runner, "--store", "elsewhere",
                                                      env={"MINEGRAPH_STORE": "here"})}
    assert rows["store"]["value"] == "elsewhere" and rows["store"]["source"] == "option"
    rows = {row["name"]: row for row in settings_json(runner, env={"MINEGRAPH_STORE": "here"})}
    assert rows["store"]["value"] == "here" and rows["store"]["source"] == "environment"


def test_a_token_or_password_is_never_printed(runner: CliRunner) -> None:
    env = {"MINEGRAPH_WRITE_TOKEN": "s3cr3t-write-token", "MINEGRAPH_AUTH": "alice:hunter2-password",
           "MINEGRAPH_ENDPOINT": "https://bob:pa55word@example.org/sparql"}
    for args in (["settings"], ["settings", "--json"]):
        output = runner.invoke(main, args, env=env).output
        for secret in ("s3cr3t-write-token", "hunter2-password", "pa55word"):
            assert secret not in output, (args, secret)
    rows = {row["name"]: row for row in settings_json(runner, env=env)}
    assert rows["write_token"]["value"] == "(set)" and rows["auth"]["value"] == "(set)"
    assert rows["endpoint"]["value"] == "https://bob:(set)@example.org/sparql"
    assert {row["name"]: row for row in settings_json(runner)}["write_token"]["value"] == ""


def test_the_serving_settings_keep_their_defaults() -> None:
    """The values server/gunicorn.conf.py had written out before they were declared."""
    assert env_setting("bind", {}) == "127.0.0.1:8080"
    assert env_setting("web_workers", {}) == 2 and env_setting("threads", {}) == 8
    assert env_setting("query_timeout", {}) == 30.0
    assert query_workers(1, {"MINEGRAPH_QUERY_WORKERS": "5"}) == 5
    assert query_workers(1, {"MINEGRAPH_QUERY_WORKERS": "0"}) == query_workers(1, {}) >= 3
    with pytest.raises(KeyError):
        env_setting("not_declared", {})
