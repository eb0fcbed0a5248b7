"""``minegraph settings``: every setting, its environment variable, its default and the value in effect."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click
from click.core import ParameterSource

from minegraph.cli.common import base_option, data_option, store_option
from minegraph.core.settings import (
    SECRETS,
    SERVING_SETTINGS,
    SETTINGS,
    TEST_HOOKS,
    default_query_workers,
    env_name,
    env_setting,
    load_settings,
    query_workers,
)


def _shown(name: str, value: Any) -> str:
    """A value as printed: a secret only as ``(set)``, a URL without the password in it."""
    text = "" if value is None else str(value)
    if name in SECRETS:
        return "(set)" if text else ""
    if "@" in text and "://" in text:
        parts = urlsplit(text)
        if parts.password is not None:
            host = parts.netloc.rsplit("@", 1)[1]
            return urlunsplit(parts._replace(netloc=f"{parts.username}:(set)@{host}"))
    return text


def setting_rows(given: dict[str, Any]) -> list[dict[str, str]]:
    """One row a setting: kind, name, environment variable, default, value in effect, where it came from, help.

    ``given`` holds the values given as options on the command line (the others are None).
    """
    settings = load_settings(**given)
    rows: list[dict[str, str]] = []

    def row(kind: str, name: str, default: Any, value: Any, help_text: str) -> None:
        source = ("option" if given.get(name) is not None
                  else "environment" if env_name(name) in os.environ else "default")
        rows.append({"kind": kind, "name": name, "env": env_name(name), "default": _shown(name, default),
                     "value": _shown(name, value), "source": source, "help": help_text})

    for name, default, help_text in SETTINGS:
        row("setting", name, default, getattr(settings, name), help_text)
    web_workers = env_setting("web_workers")
    for name, default, help_text in SERVING_SETTINGS:
        if name == "query_workers":
            default = f"0 (= {default_query_workers(web_workers)} for {web_workers} web workers)"
            value: Any = query_workers(web_workers)
        else:
            value = env_setting(name)
        row("serving", name, default, value, help_text)
    for name, default, help_text in TEST_HOOKS:
        row("test hook", name, default, env_setting(name), help_text)
    return rows


@click.command("settings")
@store_option
@base_option
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON, for machines.")
def settings_command(store: Path | None, base_uri: str | None, data_dir: Path | None, as_json: bool) -> None:
    """List every setting: its name, environment variable, default, the value now in effect, and what it does.

    The value in effect comes from the options given here, then the MINEGRAPH_* environment variables, then
    the default. Tokens and passwords are never printed: a set one shows as (set). Kinds: setting (every
    command), serving (server/gunicorn.conf.py, `minegraph serve`), test hook (the tests alone).
    """
    context = click.get_current_context()
    options = {"store": store, "base_uri": base_uri, "data_dir": data_dir}
    # an option's envvar fills it from the environment too: only what was typed counts as given
    given = {name: value for name, value in options.items()
             if context.get_parameter_source(name) == ParameterSource.COMMANDLINE}
    rows = setting_rows(given)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    columns = [("name", "name"), ("kind", "kind"), ("env", "environment variable"), ("default", "default"),
               ("value", "in effect"), ("source", "from"), ("help", "what")]
    widths = {key: max(len(title), *(len(r[key]) for r in rows)) for key, title in columns[:-1]}
    lines = ["  ".join(title.ljust(widths[key]) if key in widths else title for key, title in columns)]
    lines.append("  ".join("-" * widths.get(key, len(title)) for key, title in columns))
    for r in rows:
        lines.append("  ".join([*(r[key].ljust(widths[key]) for key, _title in columns[:-1]), r["help"]]))
    click.echo("\n".join(line.rstrip() for line in lines))
