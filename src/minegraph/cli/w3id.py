"""``minegraph w3id-htaccess``: the w3id.org redirect that makes the canonical base IRI resolve to a deployment."""

from __future__ import annotations

import click

from minegraph.cli.common import base_option, fail
from minegraph.core.errors import MinegraphError
from minegraph.core.settings import load_settings


@click.command("w3id-htaccess")
@click.option("--target", required=True, metavar="URL",
              help="Where the deployment answers, e.g. https://data.example.org/ (the root nginx-config serves).")
@base_option
def w3id_htaccess(target: str, base_uri: str | None) -> None:
    """Print the .htaccess to submit to w3id.org for the base IRI (https://w3id.org/minegraph/ by default).

    \b
    Every path under the base is redirected to the same path under --target, query string kept:
    302 (the deployment negotiates the format), 307 for /sparql (a POST keeps its body).
    Submit it as minegraph/.htaccess to https://github.com/perma-id/w3id.org (fork, add, pull request).
    A base on your own domain needs no redirect: point the domain at nginx (`minegraph nginx-config`).
    """
    from minegraph.web.w3id import htaccess

    try:
        click.echo(htaccess(load_settings(base_uri=base_uri).base_uri, target), nl=False)
    except MinegraphError as error:
        fail(error)
