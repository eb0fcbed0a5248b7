"""The options that point a command at a remote SPARQL store instead of the embedded one."""

from __future__ import annotations

from typing import Any

import click

from minegraph.core.settings import SETTINGS, env_name

_HELP = {name: text for name, _default, text in SETTINGS}

REMOTE_OPTIONS = (
    ("--endpoint", "endpoint", "URL"),
    ("--update-endpoint", "update_endpoint", "URL"),
    ("--store-endpoint", "store_endpoint", "URL"),
    ("--auth", "auth", "user:password|bearer:TOKEN"),
)


def remote_options(function: click.decorators.FC) -> click.decorators.FC:
    """``--endpoint``, ``--update-endpoint``, ``--store-endpoint``, ``--auth``: use a remote SPARQL store."""
    for flag, name, metavar in reversed(REMOTE_OPTIONS):
        function = click.option(flag, name, metavar=metavar, envvar=env_name(name), show_envvar=False,
                                help=f"{_HELP[name]} [env {env_name(name)}]")(function)
    return function


def remote_settings(options: dict[str, str | None]) -> dict[str, Any]:
    """The remote-store settings among a command's keyword arguments (None: not given)."""
    return {name: options.get(name) or None for _flag, name, _metavar in REMOTE_OPTIONS}
