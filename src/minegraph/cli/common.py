"""What the commands share: the store, base and data options, progress lines, and how an error ends a command."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from minegraph.core.errors import MinegraphError, ValidationFailed
from minegraph.core.settings import SETTINGS, env_name

_HELP = {name: text for name, _default, text in SETTINGS}


def store_option(function: click.decorators.FC) -> click.decorators.FC:
    return click.option("--store", type=click.Path(path_type=Path), envvar=env_name("store"),
                        help=f"{_HELP['store']} [env {env_name('store')}; default .minegraph/store]")(function)


def base_option(function: click.decorators.FC) -> click.decorators.FC:
    return click.option("--base-uri", envvar=env_name("base_uri"),
                        help=f"{_HELP['base_uri']} [env {env_name('base_uri')}]")(function)


def data_option(function: click.decorators.FC) -> click.decorators.FC:
    """``--data-dir`` (as MINEGRAPH_DATA_DIR says) on every command; ``--data``, its older name, still works."""
    return click.option("--data-dir", "--data", "data_dir", type=click.Path(path_type=Path),
                        envvar=env_name("data_dir"),
                        help=f"{_HELP['data_dir']} [env {env_name('data_dir')}; default data]")(function)


class Reporter:
    """Progress lines on stderr, with the seconds since the start."""

    def __init__(self, quiet: bool = False) -> None:
        self.start, self.quiet = time.monotonic(), quiet

    def __call__(self, message: str) -> None:
        if not self.quiet:
            click.echo(f"[{time.monotonic() - self.start:6.2f}s] {message}", err=True)


def fail(error: MinegraphError) -> None:
    if isinstance(error, ValidationFailed):
        click.echo(error.report.text(), err=True)
    click.echo(f"error: {error}", err=True)
    sys.exit(error.exit_code)
