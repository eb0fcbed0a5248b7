"""``minegraph render`` and ``minegraph nginx-config``: the document cache and the nginx in front of it (and,
from :mod:`minegraph.cli.w3id`, ``minegraph w3id-htaccess``: the w3id.org redirect to that nginx).

Register them in :mod:`minegraph.cli` with ``main.add_command``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from minegraph.cli.w3id import w3id_htaccess
from minegraph.core.errors import MinegraphError, StoreError
from minegraph.core.settings import Settings, env_name, load_settings
from minegraph.core.vocab import KINDS

_store = click.option("--store", type=click.Path(path_type=Path), envvar=env_name("store"),
                      help="Directory of the embedded store [env MINEGRAPH_STORE; default .minegraph/store].")
_base = click.option("--base-uri", envvar=env_name("base_uri"),
                     help="Canonical base IRI of the data [env MINEGRAPH_BASE_URI].")


def fail(error: MinegraphError) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(error.exit_code)


def _settings(store: Path | None, base_uri: str | None) -> Settings:
    settings = load_settings(store=store, base_uri=base_uri)
    if settings.remote:
        fail(StoreError("the document cache is for the embedded store only: other machines write a remote store"))
    if not settings.store.exists():
        fail(StoreError(f"no store at {settings.store}: run `minegraph build` first"))
    return settings


def _formats(value: str) -> list[str]:
    from minegraph.core.formats import DOCUMENT_FORMATS

    known = [f.extension for f in DOCUMENT_FORMATS]
    chosen = [part.strip().lstrip(".") for part in value.split(",") if part.strip()] if value else known
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: formats are {', '.join(known)}")
    return chosen


@click.command()
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS),
              help="Kinds of things to render (repeat the option) [default: every kind].")
@click.option("--format", "formats", default="", metavar="EXT,…",
              help="Formats to render, comma-separated: html, ttl, jsonld, nt, rdf [default: all five].")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Processes rendering at once (each runs the app with one query process).")
@_store
@_base
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def render(kinds: tuple[str, ...], formats: str, workers: int, store: Path | None, base_uri: str | None,
           quiet: bool) -> None:
    """Pre-render current documents into the document cache ({store}.docs/), for nginx to serve.

    Every document is requested from the app itself, so a file holds exactly what the app serves; retired
    things (merged, withdrawn) are skipped, and documents already rendered for the store's generation are
    kept. Any later write to the store starts a new, empty generation: run it again after writes.
    """
    from tqdm import tqdm

    from minegraph.store.generations import documents_dir
    from minegraph.web.prerender import render as run_render

    settings = _settings(store, base_uri)
    extensions = _formats(formats)
    bars: list[tqdm[None]] = []

    def start(total: int) -> None:
        bars.append(tqdm(total=total, unit="doc", disable=quiet, file=sys.stderr, dynamic_ncols=True))

    try:
        report = run_render(settings, list(kinds or KINDS), extensions, workers=max(1, workers),
                            progress=lambda done: bars[0].update(done), on_things=start)
    except MinegraphError as error:
        fail(error)
        return
    finally:
        for bar in bars:
            bar.close()
    for failure in report.failures:
        click.echo(f"failed: {failure}", err=True)
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.outcomes.items())) or "nothing to do"
    per_thing = report.seconds / report.things * 1000 if report.things else 0.0
    click.echo(f"{report.things} things, {counts} in {report.seconds:.1f} s ({per_thing:.1f} ms per thing, "
               f"{len(extensions)} formats) into {documents_dir(settings.store)}")
    if report.outcomes["failed"]:
        sys.exit(1)


@click.command("nginx-config")
@click.option("--listen", default="80", show_default=True, help="nginx's listen directive (port or address:port …).")
@click.option("--upstream", "upstreams", multiple=True, metavar="HOST:PORT",
              help="Where `minegraph serve` / gunicorn listens (repeat for several) [default 127.0.0.1:8080].")
@click.option("--cache", type=click.Path(path_type=Path),
              help="The document cache directory [default: {store}.docs of --store].")
@click.option("--server-name",
              help="nginx's server_name [default: the base IRI's host when the base is on your own domain, else _].")
@click.option("--standalone", is_flag=True,
              help="A whole nginx.conf (events, http, pid and logs relative to the prefix), runnable as "
                   "`nginx -c FILE -p PREFIX/ -e error.log -g 'daemon off;'`.")
@click.option("--user", help="With --standalone: the user nginx's workers run as (when started as root).")
@_store
@_base
def nginx_config(listen: str, upstreams: tuple[str, ...], cache: Path | None, server_name: str | None,
                 standalone: bool, user: str | None, store: Path | None, base_uri: str | None) -> None:
    """Print the nginx configuration that serves the document cache and passes everything else to the app.

    A base IRI on your own domain (MINEGRAPH_BASE_URI=https://data.example.org/) is served as it says: its host
    is the server_name, its path the location, so every URI minted under it resolves here. A w3id.org base
    resolves here through w3id.org's redirect (`minegraph w3id-htaccess`)."""
    from minegraph.store.generations import documents_dir
    from minegraph.web import nginx

    settings = load_settings(store=store, base_uri=base_uri)
    directory = (cache or documents_dir(settings.store)).resolve()
    try:
        text = nginx.site(cache=directory, upstreams=upstreams or ("127.0.0.1:8080",), listen=listen,
                          server_name=server_name, base_uri=settings.base_uri)
    except MinegraphError as error:
        fail(error)
        return
    click.echo(nginx.standalone(text, user=user) if standalone else text, nl=False)


COMMANDS = (render, nginx_config, w3id_htaccess)  # w3id-htaccess: how the base IRI reaches that nginx
