"""``minegraph serve``: build the store if it is empty, then serve it.

The HTTP server is granian (HTTP in Rust, the app over WSGI) unless ``--http-server gunicorn`` asks for the one
server/gunicorn.conf.py configures: light queries are answered 1.6-1.8x faster behind granian on 2 cores
(docs/benchmarks.md); everything else behaves the same on both (the app bounds URLs and bodies itself).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from minegraph.cli.common import data_option
from minegraph.cli.remote import remote_options, remote_settings
from minegraph.core.settings import Settings, as_environ, load_settings, settle_query_workers


def ensure_store(settings: Settings, echo: Any = click.echo, build_empty: bool = True) -> None:
    """Create the store; build it from ``settings.data_dir`` when it is empty (and ``build_empty``)."""
    from minegraph.store import open_configured

    store = open_configured(settings)
    try:
        empty = len(store) == 0
    finally:
        store.close()
    if empty and build_empty:
        from minegraph.ingest.build import build

        echo(f"the store at {settings.endpoint or settings.store} is empty: building it from {settings.data_dir}")
        result = build(settings, progress=echo)
        echo(f"built: {getattr(result, 'triples', '?')} triples")


def ensure_store_in_child(settings: Settings, build: bool = True) -> None:
    """:func:`ensure_store` in a child process.

    RocksDB's background threads do not survive ``fork``: a store opened in the gunicorn master would leave
    every forked worker unable to flush. So the master never opens the store itself.
    """
    environ = {**os.environ, **as_environ(settings)}
    code = f"from minegraph.cli.serve import _ensure_store_main; _ensure_store_main({build!r})"
    if subprocess.run([sys.executable, "-c", code], env=environ, check=False).returncode != 0:
        raise click.ClickException("the store could not be prepared (see above)")


def _ensure_store_main(build: bool) -> None:
    from minegraph.core.errors import MinegraphError

    try:
        ensure_store(load_settings(), build_empty=build)
    except MinegraphError as error:
        report: Any = getattr(error, "report", None)
        click.echo(f"error: {error}" + (f"\n{report.text()}" if report is not None else ""), err=True)
        raise SystemExit(error.exit_code) from error


def run_gunicorn(settings: Settings, options: dict[str, Any]) -> None:
    from gunicorn.app.base import BaseApplication

    from minegraph.web import create_app

    class Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app(settings)

    Application().run()


def check_port(host: str, port: int) -> None:
    """Refuse at once, in words, an address another server already listens on (not a server's own traceback)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error} (is another server "
                                       "running there? choose another port with --port)") from error


def run_granian(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    """Serve with granian (Rust HTTP, WSGI): every worker process makes the app from the MINEGRAPH_* variables."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    os.environ.update(as_environ(settings))
    # granian warns of "quite high" thread counts: these threads mostly wait for a query process, as intended
    logging.getLogger("_granian").addFilter(lambda record: "seems quite high" not in record.getMessage())
    Granian("minegraph.web:create_app", factory=True, address=host, port=port, interface=Interfaces.WSGI,
            workers=workers, blocking_threads=threads, log_level=LogLevels.warning, respawn_failed_workers=True).serve()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option("--store", type=click.Path(path_type=Path), help="Directory of the store (MINEGRAPH_STORE).")
@data_option
@click.option("--query-timeout", type=float, help="Seconds before a query is stopped (MINEGRAPH_QUERY_TIMEOUT).")
@click.option("--max-rows", type=int, help="Most rows a query returns (MINEGRAPH_MAX_ROWS).")
@click.option("--workers", default=2, show_default=True, type=int, help="Web worker processes.")
@click.option("--threads", default=8, show_default=True, type=int,
              help="Threads per web worker (each waits for a query process while a query runs).")
@click.option("--query-workers", type=int,
              help="Query processes per web worker (MINEGRAPH_QUERY_WORKERS; default: the CPUs shared among the "
                   "web workers, at least 3: one a client may hold, one for the other clients, one for the pages).")
@click.option("--no-build", is_flag=True, help="Do not build the store when it is empty.")
@click.option("--http-server", type=click.Choice(["granian", "gunicorn"]), default="granian", show_default=True,
              help="The HTTP server in front of the app (gunicorn: as server/gunicorn.conf.py deploys it).")
@remote_options
def serve(host: str, port: int, store: Path | None, data_dir: Path | None, query_timeout: float | None,
          max_rows: int | None, workers: int, threads: int, query_workers: int | None, no_build: bool,
          http_server: str, **remote: str | None) -> None:
    """Serve the store: SPARQL endpoint at /sparql, Graph Store at /store, /health and /metrics.

    Writes need `Authorization: Bearer <token>` with an active token: one made by `minegraph token create NAME`
    (kept in {store}.auth/) or MINEGRAPH_WRITE_TOKEN. With neither, the server is read-only.
    """
    settings = load_settings(store=store, data_dir=data_dir, query_timeout=query_timeout, max_rows=max_rows,
                             **remote_settings(remote))
    settle_query_workers(workers, query_workers)
    check_port(host, port)
    ensure_store_in_child(settings, build=not no_build)
    from minegraph.web.metrics import multiprocess_directory

    multiprocess_directory()  # /metrics adds up every worker's counts
    click.echo(f"serving {settings.endpoint or settings.store} at http://{host}:{port}/ (pages) and "
               f"http://{host}:{port}/sparql (SPARQL endpoint)", err=True)
    if http_server == "granian":
        run_granian(settings, host, port, workers, threads)
        return
    from minegraph.web.server_settings import gunicorn_settings

    run_gunicorn(settings, gunicorn_settings(f"{host}:{port}", workers, threads, settings.query_timeout,
                                             access_log=False))
