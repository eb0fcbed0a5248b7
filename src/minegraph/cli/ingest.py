"""``minegraph ingest`` and ``minegraph withdraw-source``."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from minegraph.cli.common import Reporter, base_option, data_option, fail, store_option
from minegraph.cli.remote import remote_options, remote_settings
from minegraph.core.errors import MinegraphError, ValidationFailed
from minegraph.core.settings import load_settings
from minegraph.store import open_configured


class _Progress(Reporter):
    """Progress lines, and a bar while a long step runs (stderr, so stdout stays the summary).

    Bars are drawn by tqdm on a terminal only (not in logs or pipes, where the timed lines suffice).
    """

    def __init__(self, quiet: bool = False) -> None:
        super().__init__(quiet)
        self._bar: Any = None

    def __call__(self, message: str) -> None:
        self._close()
        super().__call__(message)

    def meter(self, what: str, total: int) -> Callable[[int], None]:
        """A bar of ``total`` ``what`` (e.g. "incidents validated"); returns the function that advances it."""
        from tqdm import tqdm

        self._close()
        self._bar = bar = tqdm(total=total, unit=" " + what.split()[0], desc=what.split(" ", 1)[-1], file=sys.stderr,
                               disable=True if self.quiet else None, leave=False, dynamic_ncols=True)
        return bar.update

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--mapping", help="A mapping file name in data/mappings/ (e.g. colombia-victims), or a path.")
@click.option("--meta", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Source metadata (YAML: id, title, publisher, retrieved, licence…); its id names the source.")
@click.option("--on-error", type=click.Choice(["reject", "skip"]), default="reject", show_default=True,
              help="reject: refuse a file with any bad row. skip: load the good rows, write the bad ones to a "
                   "rejects file.")
@click.option("--rejects-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where --on-error skip writes SOURCE.rejects.csv [default: beside the input].")
@store_option
@remote_options
@base_option
@data_option
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def ingest(paths: tuple[str, ...], mapping: str | None, meta: Path | None, on_error: str, rejects_dir: Path | None,
           store: Path | None, base_uri: str | None, data_dir: Path | None, quiet: bool,
           **remote: str | None) -> None:
    """Ingest files (or - for stdin) as source documents, each into its own named graph, atomically.

    \b
    Formats: curated records (.yaml), RDF (.ttl .jsonld .nt .nq .trig), HXL-tagged CSV (needs --meta),
    other tables with --mapping. The same file again changes nothing; a corrected file replaces its graph.
    Exit status: 0 written, 1 refused (bad rows or violations), 2 unreadable input.
    """
    from minegraph.ingest.run import ingest as run_ingest

    settings = load_settings(store=store, base_uri=base_uri, data_dir=data_dir, **remote_settings(remote))
    target = open_configured(settings) if settings.remote else None  # None: the embedded store, as before
    progress = _Progress(quiet)
    start = time.monotonic()
    for path in paths:
        try:
            results = run_ingest([path], settings, mapping=mapping, meta=meta, on_error=on_error,
                                 rejects_dir=rejects_dir, progress=progress, store=target)
        except ValidationFailed as error:
            _summarise(error.report, limit=40)
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)
        except MinegraphError as error:
            fail(error)
            return
        for result in results:
            for notice in result.notices:
                click.echo(f"notice: {notice}", err=True)
            if result.dropped:
                click.echo(f"notice: {result.file}: not published (identifying or sensitive): "
                           + "; ".join(f"{c} ({r})" for c, r in result.dropped.items()), err=True)
            if result.unknown_columns:
                click.echo(f"notice: {result.file}: unknown columns, ignored: {', '.join(result.unknown_columns)}",
                           err=True)
            if not quiet:
                _summarise(result.report, limit=10)
            if result.rejects_file:
                click.echo(f"rejected {len(result.rejected)} problem(s) in "
                           f"{len({e.row for e in result.rejected})} row(s): see {result.rejects_file}", err=True)
            if result.left_out:
                click.echo(f"notice: {result.file}: {result.left_out:,} triple(s) of the file are not in the graph: "
                           "they describe things withdrawn or merged earlier (their tombstones stand)", err=True)
            state = "unchanged" if result.unchanged else (
                f"written ({result.added:,} triple(s) added, {result.removed:,} removed in all)")
            click.echo(f"{result.file}: {state} {result.graph_iri}: {result.incidents:,} incident(s), "
                       f"{result.victims:,} victim(s), {result.triples:,} triple(s) in the graph; "
                       f"{len(result.report.warnings)} warning(s); {result.tombstoned} tombstone(s) added "
                       f"[{time.monotonic() - start:.1f}s]")


def _summarise(report: object, limit: int) -> None:
    """Violations line by line (up to ``limit``); warnings counted by rule."""
    violations = report.violations  # type: ignore[attr-defined]
    for result in violations[:limit]:
        click.echo(result.text(), err=True)
    if len(violations) > limit:
        click.echo(f"… and {len(violations) - limit} more violation(s)", err=True)
    by_rule = Counter(w.shape or w.message for w in report.warnings)  # type: ignore[attr-defined]
    for rule, count in by_rule.most_common():
        click.echo(f"WARNING x{count}: {rule}", err=True)


@click.command("withdraw-source")
@click.argument("source", required=False, default="")
@click.option("--reason", required=True, help="Why it is withdrawn (shown with the 410 answers).")
@click.option("--meta", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The source metadata the file was ingested with: its id names the source.")
@click.option("--mapping", help="The mapping the table was ingested with (its `meta:` file names the source).")
@store_option
@remote_options
@base_option
@data_option
def withdraw_source(source: str, reason: str, meta: Path | None, mapping: str | None, store: Path | None,
                    base_uri: str | None, data_dir: Path | None, **remote: str | None) -> None:
    """Remove a source document; its things answer 410 Gone from now on.

    \b
    SOURCE names the source document, as any of:
      - the file that was ingested (data/sources/NAME.yaml, table.csv, export.ttl…): its source id is derived as
        `minegraph ingest` derives it; give the same --meta (or --mapping) as the ingest, if it had one;
      - its source id (the `id` of the record file or of --meta, e.g. colombia-oacp-victims-map-muse);
      - its key, its document IRI ({base}id/source/KEY) or its graph IRI ({base}graph/source/KEY).
    With --meta alone, SOURCE may be left out.
    """
    from minegraph.ingest.run import ingested_source_id
    from minegraph.ingest.run import withdraw_source as run_withdraw

    settings = load_settings(store=store, base_uri=base_uri, data_dir=data_dir, **remote_settings(remote))
    try:
        target = ingested_source_id(source or None, settings, meta=meta, mapping=mapping) if meta or mapping \
            else source
        if not target:
            raise click.UsageError("give SOURCE (an id, a key or the ingested file) or --meta")
        count = run_withdraw(target, settings, reason)
    except MinegraphError as error:
        fail(error)
        return
    click.echo(f"withdrew {target}: {count} tombstone(s) added")
