"""The ``minegraph`` command line: build, validate, query, serve."""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

from minegraph import __version__
from minegraph.cli.common import Reporter, base_option, data_option, fail, store_option
from minegraph.cli.remote import remote_options, remote_settings
from minegraph.core.errors import InputError, MinegraphError, StoreError, UnreadableInput, ValidationFailed
from minegraph.core.settings import load_settings
from minegraph.store.view import is_restricted

if TYPE_CHECKING:
    from minegraph.ingest.build import BuildResult


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="minegraph")
def main() -> None:
    """minegraph: landmine and ERW incidents as linked open data.

    \b
    Typical use:
      minegraph build                 build the store from data/ (validated by the SHACL gate)
      minegraph query 'SELECT ...'    ask it a SPARQL question
      minegraph serve                 serve SPARQL and the pages over HTTP
      minegraph validate data/        check record files without writing anything
    """


@main.command()
@store_option
@remote_options
@base_option
@data_option
@click.option("--report", "report_file", type=click.Path(path_type=Path),
              help="Also write the SHACL validation report (sh:ValidationReport, Turtle) to this file.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def build(store: Path | None, base_uri: str | None, data_dir: Path | None, report_file: Path | None,
          quiet: bool, **remote: str | None) -> None:
    """Build the store from the curated records in data/.

    Every source file is mapped to RDF and checked by the SHACL gate. If anything violates a shape,
    the report is printed, nothing is written (the previous store stays as it was) and the exit code is 1.
    """
    from minegraph.ingest.build import build as run_build

    settings = load_settings(store=store, base_uri=base_uri, data_dir=data_dir, **remote_settings(remote))
    progress = Reporter(quiet)
    try:
        result = run_build(settings, progress)  # a server running on this store steps aside for the commit
    except ValidationFailed as error:
        if report_file:
            report_file.write_text(error.report.turtle(), encoding="utf-8")
        fail(error)
        return
    except MinegraphError as error:
        fail(error)
        return
    if report_file:
        report_file.write_text(result.report.turtle(), encoding="utf-8")
    for notice in result.notices:
        click.echo(f"notice: {notice}", err=True)
    for warning in result.report.warnings:
        click.echo(warning.text(), err=True)
    click.echo(build_summary(result, settings.endpoint or str(settings.store), settings.base_uri))


def build_summary(result: BuildResult, where: str, base: str) -> str:
    """The build's last line, counting what the endpoint will serve (``/health`` counts the same public graphs)
    apart from the restricted graphs it never serves."""
    public = {g: n for g, n in result.graphs.items() if not is_restricted(g, base)}
    restricted = len(result.graphs) - len(public)
    sources = sum(1 for g in public if "/graph/source/" in g)
    state = "unchanged" if result.written.unchanged else f"{len(result.written.changed)} graph(s) written"
    kept = f", and {restricted} restricted graph(s) never served" if restricted else ""
    return (f"built {where}: {sum(public.values())} public triples in {len(public)} graphs "
            f"({sources} source document(s)){kept}; {state}; {len(result.report.warnings)} warning(s)")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@base_option
@click.option("--report", "report_file", type=click.Path(path_type=Path),
              help="Also write the sh:ValidationReport (Turtle) to this file.")
def validate(paths: tuple[Path, ...], base_uri: str | None, report_file: Path | None) -> None:
    """Check record files (or a data directory) against the shapes without writing anything.

    Exit status: 0 conforms (warnings allowed), 1 violations, 2 unreadable input.
    """
    from minegraph.ingest.build import validate_records

    settings = load_settings(base_uri=base_uri)
    for path in paths:
        if not path.exists():
            click.echo(f"error: {path}: no such file or directory", err=True)
            sys.exit(2)
    try:
        report, _dataset = validate_records(paths, settings)
    except UnreadableInput as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except InputError as error:
        click.echo(f"VIOLATION: {error}", err=True)
        sys.exit(1)
    if report_file:
        report_file.write_text(report.turtle(), encoding="utf-8")
    click.echo(report.text())
    sys.exit(0 if report.conforms else 1)


RESULT_FORMATS = {"csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV, "json": QueryResultsFormat.JSON}


@main.command()
@click.argument("query", required=False)
@store_option
@remote_options
@click.option("--format", "-f", "output", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True, help="Output format for SELECT results (CONSTRUCT/DESCRIBE print Turtle).")
def query(query: str | None, store: Path | None, output: str, **remote: str | None) -> None:
    """Run a SPARQL query against the store.

    QUERY is the query text, a path to a .rq file (one word, without spaces or braces, is a file name), or -
    (or nothing) to read it from stdin. The default graph is the union of all graphs.

    \b
    Example:
      minegraph query 'SELECT ?label WHERE { ?i a mg:Incident ; rdfs:label ?label }'
    (the prefixes mg:, rdfs:, skos:, prov:, oa:, schema:, dcterms: … are predefined)
    """
    text = _query_text(query)
    settings = load_settings(store=store, **remote_settings(remote))
    if not settings.remote and not settings.store.exists():
        fail(StoreError(f"no store at {settings.store}: run `minegraph build` first"))
    try:
        from minegraph.core.vocab import sparql_prefixes
        from minegraph.store import open_configured

        result = open_configured(settings, read_only=True).query(sparql_prefixes() + text)
    except SyntaxError as error:
        _does_not_parse(error, text)
    except MinegraphError as error:
        if isinstance(error.__cause__, SyntaxError):  # the embedded store's QueryError
            _does_not_parse(error.__cause__, text)
        fail(error)
        return
    if isinstance(result, QueryBoolean):
        click.echo("true" if bool(result) else "false")
    elif isinstance(result, QuerySolutions):
        if output == "table":
            click.echo(render_table(result))
        else:
            click.echo((result.serialize(format=RESULT_FORMATS[output]) or b"").decode("utf-8"), nl=False)
    else:
        from pyoxigraph import serialize

        from minegraph.core.vocab import PREFIXES

        click.echo((serialize(result, format=RdfFormat.TURTLE, prefixes=PREFIXES) or b"").decode("utf-8"))


def _does_not_parse(error: SyntaxError, text: str) -> NoReturn:
    """Say why the query does not parse, in plain words (its line numbers are those of ``text``), and exit 1."""
    from minegraph.core.sparql_errors import explain
    from minegraph.core.vocab import PREFIXES, sparql_prefixes

    words = explain(error, text, predeclared=PREFIXES, line_offset=sparql_prefixes().count("\n"))
    click.echo(f"error: the query does not parse: {words}", err=True)
    sys.exit(1)


def _query_text(query: str | None) -> str:
    """The text of the QUERY argument: stdin, a file, or the argument itself.

    A query has white space or a ``{``; a word without either is a file name, so a mistyped one is said to be
    missing rather than parsed as a query. A query is never looked up as a file (a long one is not a valid
    file name).
    """
    if query is None or query == "-":
        if sys.stdin.isatty():
            raise click.UsageError("give a query, a .rq file, or pipe one on stdin")
        return sys.stdin.read()
    if not _is_file_name(query):
        return query
    try:
        return Path(query).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError) as error:
        raise click.BadParameter(f"no such file: {query} (give a query text or the path of a .rq file)",
                                 param_hint="QUERY") from error
    except (OSError, UnicodeDecodeError) as error:
        if isinstance(error, OSError) and error.errno == errno.ENAMETOOLONG:
            raise click.BadParameter(f"no such file: {query[:60]}… (give a query text or the path of a .rq file)",
                                     param_hint="QUERY") from error
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise click.BadParameter(f"cannot read {query}: {reason}", param_hint="QUERY") from error


def _is_file_name(query: str) -> bool:
    """Whether the QUERY argument names a file: a .rq or .sparql name, or one word without ``{``."""
    if "\n" not in query and query.endswith((".rq", ".sparql")):
        return True
    return not any(char.isspace() for char in query) and "{" not in query


MAX_CELL = 60


def render_table(solutions: QuerySolutions) -> str:
    """SELECT results as an aligned text table."""
    from minegraph.core.vocab import PREFIXES

    names = [v.value for v in solutions.variables]
    rows = [[_cell(row[name], PREFIXES) for name in names] for row in solutions]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    # Every column but the last is capped (and marked with an ellipsis when cut); the last is printed whole.
    widths = [min(w, MAX_CELL) for w in widths[:-1]] + widths[-1:]

    def fit(cell: str, width: int, last: bool) -> str:
        return cell if last else (cell if len(cell) <= width else cell[: width - 1] + "…").ljust(width)

    header = "  ".join(fit(n, w, i == len(names) - 1) for i, (n, w) in enumerate(zip(names, widths, strict=True)))
    out = [header, "  ".join("-" * w for w in widths)]
    out += ["  ".join(fit(c, w, i == len(names) - 1) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _cell(term: object, prefixes: dict[str, str]) -> str:
    if term is None:
        return ""
    value = getattr(term, "value", str(term))
    if type(term).__name__ == "NamedNode":
        for prefix, iri in prefixes.items():
            if value.startswith(iri) and "/" not in value[len(iri):]:
                return f"{prefix}:{value[len(iri):]}"
    return " ".join(str(value).split())




@main.command()
@click.option("--format", "-f", "fmt", type=click.Choice(["hxl", "geojson"]), default="hxl", show_default=True,
              help="What to export: hxl = HXL-tagged CSV for HDX, with the HDX dataset metadata; geojson = the "
                   "incidents as an RFC 7946 FeatureCollection (incidents.geojson).")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("export"), show_default=True,
              help="Directory to write into.")
@store_option
@base_option
def export(fmt: str, output: Path, store: Path | None, base_uri: str | None) -> None:
    """Export the data for the Humanitarian Data Exchange (HDX), or as GeoJSON.

    hxl writes incidents.csv (one row per incident, HXL hashtags, readable back by `minegraph ingest`),
    aggregates.csv (casualties per admin-1 area and month, or year when the month is not known; breakdown
    cells of fewer than 5 people suppressed, the rule stated in the metadata) and hdx-metadata.json (the HDX
    dataset fields).

    geojson writes incidents.geojson: one Feature per incident, at the representative point of its place (or of
    the nearest place containing it that has coordinates, which the Feature names), never where anyone was
    harmed; a count the source does not state is null. The same as /incidents.geojson.

    Only public graphs are read. A store without incidents is refused.
    """
    from minegraph.publish import geojson
    from minegraph.publish.hxl_export import export as write_export
    from minegraph.store.embedded import EmbeddedStore
    from minegraph.store.view import PublicStore

    settings = load_settings(store=store, base_uri=base_uri)
    if settings.remote:  # never export, silently, an embedded store other than the one MINEGRAPH_ENDPOINT names
        fail(StoreError(f"`minegraph export` reads the embedded store only, and MINEGRAPH_ENDPOINT names a remote "
                        f"one ({settings.endpoint}): export on the machine of the embedded store, or unset it"))
    if not settings.store.exists():
        fail(StoreError(f"no store at {settings.store}: run `minegraph build` first"))
    handle = EmbeddedStore(settings.store, read_only=True)
    try:
        public = PublicStore(handle, settings.base_uri)  # restricted graphs are never exported
        if fmt == "geojson":
            path, count = geojson.export(public, output / "incidents.geojson")
            click.echo(f"wrote {path} ({count:,} incident{'' if count == 1 else 's'})")
            return
        files = write_export(public, output, base=settings.base_uri)  # type: ignore[arg-type]
    except MinegraphError as error:
        fail(error)
    finally:
        handle.close()
    for path in files.values():
        click.echo(f"wrote {path}")


@main.group()
def places() -> None:
    """The gazetteer: OCHA P-codes, ISO 3166-2, GeoNames and the curated data/places.yaml."""


@places.command("reconcile")
@click.argument("name")
@click.option("--country", help="ISO 3166-1 alpha-2 code to search within, e.g. AZ.")
@click.option("--parent", help="The enclosing place to search within: its id, P-code or name, e.g. BOYACA.")
@click.option("--level", type=int, help="Admin level: 0 country, 1, 2, 3.")
@click.option("--limit", type=int, default=5, show_default=True, help="How many candidates to show.")
@data_option
def places_reconcile(name: str, country: str | None, parent: str | None, level: int | None, limit: int,
                     data_dir: Path | None) -> None:
    """Rank the places whose names match NAME (in any script or romanisation), with scores, and say whether
    NAME names one place with certainty, several (a tie: give --parent or --level) or none.

    A score of 1.0 is an exact match of a known name variant; ingest links a name automatically only when one
    place matches at or above the certainty threshold, within the country and parent the row gives. Without
    --country or --parent only exact matches are listed. The id in the first column is what a record file's
    `place:` takes.

    \b
    Examples:
      minegraph places reconcile Djebrail --country AZ
      minegraph places reconcile Джебраил --country AZ
      minegraph places reconcile MIRAFLORES --country CO --parent BOYACA
    """
    from minegraph.core import gazetteer
    from minegraph.core.gazetteer import place_iri_of

    settings = load_settings(data_dir=data_dir)
    found = gazetteer.load(settings.data_dir)
    resolution = found.resolve(name, country=country, level=level, parent=parent)
    candidates = found.reconcile(name, country=country, level=level, parent=parent, limit=limit)
    where = " ".join(f"{what} {value}" for what, value in (("in", country), ("within", parent)) if value)
    if not candidates:
        click.echo(f"no place matches {name!r}{' ' + where if where else ''}", err=True)
        sys.exit(1)
    click.echo(f"{'score':>5}  {'level':>5}  {'P-code':<11} {'ISO':<7} place (matched name) — id — IRI")
    for candidate in candidates:
        place = candidate.place
        certain = "*" if candidate.score >= gazetteer.CERTAIN else " "
        codes = f"{place.pcode or '':<11} {place.iso3166 or '':<7}"
        chain = ", ".join(p.label for p in list(found.enclosing(place))[1:])
        click.echo(f"{candidate.score:5.2f}{certain} {place.level:>5}  {codes} "
                   f"{place.label}{' (' + chain + ')' if chain else ''} [{candidate.matched}] — {place.id} — "
                   f"{place_iri_of(settings.base_uri, place)}")
    click.echo(f"(* = certain: score >= {gazetteer.CERTAIN})")
    if resolution.place is not None:
        click.echo(f"names {resolution.place.label} ({resolution.place.id}) with certainty")
    elif resolution.status == "tie":
        click.echo(f"a tie: several places of this name{' ' + where if where else ''}; "
                   "give --parent or --level to choose", err=True)
    else:
        click.echo("no certain match: give the place's id, or add the name to data/places.yaml", err=True)


@places.command("export")
@click.option("--format", "-f", "fmt", type=click.Choice(["ttl", "nt", "jsonld", "rdf"]), default="ttl",
              show_default=True, help="RDF format.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="File to write (default: stdout).")
@base_option
@data_option
def places_export(fmt: str, output: Path | None, base_uri: str | None, data_dir: Path | None) -> None:
    """Write the whole gazetteer as RDF: every place with its P-code, ISO 3166 code, GeoNames id and name
    variants. (The store publishes only the places that data names, and the places containing them.)"""
    from minegraph.core import gazetteer
    from minegraph.core.formats import by_extension
    from minegraph.core.vocab import PREFIXES
    from minegraph.ingest.emit import emit_places
    from minegraph.ingest.model import gazetteer_places

    settings = load_settings(base_uri=base_uri, data_dir=data_dir)
    found = gazetteer.load(settings.data_dir)
    graph = emit_places(gazetteer_places(found.places.values(), settings.base_uri)).to_rdflib()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    text = graph.serialize(format=by_extension(fmt).rdflib or "turtle")
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(found.places)} places ({len(graph)} triples) to {output}", err=True)
    else:
        click.echo(text)


@places.command("review")
@data_option
def places_review(data_dir: Path | None) -> None:
    """List the reference identifiers that could not be linked to a place with certainty."""
    from minegraph.core import gazetteer

    found = gazetteer.load(load_settings(data_dir=data_dir).data_dir)
    for line in found.review:
        click.echo(line)
    click.echo(f"({len(found.review)} to review; {len(found.places)} places)")


def _register_commands() -> None:
    """Commands that live in their own modules: serving, releases and tombstones, the document cache, ingest,
    tokens, redaction, settings."""
    from minegraph.cli.ingest import ingest, withdraw_source
    from minegraph.cli.redact import redact
    from minegraph.cli.release import COMMANDS as release_commands
    from minegraph.cli.render import COMMANDS as render_commands
    from minegraph.cli.serve import serve
    from minegraph.cli.settings import settings_command
    from minegraph.cli.token import token

    for command in (serve, *release_commands, *render_commands, ingest, withdraw_source, token, redact,
                    settings_command):
        main.add_command(command)


_register_commands()
