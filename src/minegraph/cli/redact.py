"""``minegraph redact``: mask the strings of a source text that identify a person, and list only their digests."""

from __future__ import annotations

from pathlib import Path

import click

from minegraph.cli.common import fail
from minegraph.core.errors import MinegraphError


@click.command()
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--add", "add", multiple=True, metavar="STRING",
              help="Another string of the text that identifies a person (repeatable).")
def redact(source: Path, add: tuple[str, ...]) -> None:
    """Redact the record file SOURCE and its kept text.

    Every plain-text entry of `redact:` in SOURCE (and every --add STRING) must occur in the text. Each is masked
    in the text under data/texts/ (█ characters of the same length, so quotes keep their places) and replaced in
    SOURCE by its digest (sha256:WORDS:HEX); `kept_sha256` records the hash of the masked text, while `sha256`
    stays the hash of the text as the source published it. Comments and layout of SOURCE are kept.

    The text must match `sha256` or `kept_sha256` (otherwise nothing is done), and the result must validate;
    nothing is written otherwise. Running it again on a redacted file changes nothing. The strings are never
    printed.

    \b
    Example:
      minegraph redact data/sources/newsaz-ombudsperson-april-6.yaml
    """
    from minegraph.ingest.redact import redact_source

    try:
        result = redact_source(source, add)
    except MinegraphError as error:
        fail(error)
        return
    if not result.changed:
        click.echo(f"{source}: already redacted ({result.entries} digest(s) listed; the text holds none of their "
                   "strings): nothing changed")
        return
    click.echo(f"{source}: {result.digested} string(s) now listed as digests ({result.entries} in all); "
               f"{result.masked} occurrence(s) masked in {result.text_path.name}; kept_sha256 {result.kept_sha256}")
