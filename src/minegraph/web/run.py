"""Running one job against an open pyoxigraph store (inside a query worker process)."""

from __future__ import annotations

from typing import Any

from pyoxigraph import DefaultGraph, NamedNode, QueryBoolean, QuerySolutions, Store, serialize

from minegraph.formats import RDF_FORMATS, RESULT_FORMATS, Format, by_extension
from minegraph.web.results import write_boolean, write_rows
from minegraph.web.workers import Answer


def _format(extension: str | None, table: tuple[Format, ...]) -> Format | None:
    if extension is None:
        return None
    try:
        return by_extension(extension, table)
    except KeyError:
        return None


def _content_type(fmt: Format) -> str:
    text = fmt.media_type.startswith("text/") or fmt.extension in ("json", "xml", "jsonld", "rdf", "nt")
    return f"{fmt.media_type}; charset=utf-8" if text else fmt.media_type


def _not_acceptable(what: str) -> Answer:
    return Answer(406, body=f"the results of this {what} cannot be given in any format the request accepts".encode())


def run_query(store: Store, job: dict[str, Any], max_rows: int) -> Answer:
    options: dict[str, Any] = {"base_iri": job.get("base_iri")}
    defaults, named = job.get("default_graphs"), job.get("named_graphs")
    if defaults is None and named is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [NamedNode(g) for g in defaults or []]
        if named is not None:
            options["named_graphs"] = [NamedNode(g) for g in named]
    try:
        result = store.query(job["sparql"], **options)
    except SyntaxError as error:
        return Answer(400, body=f"the query does not parse: {error}".encode())
    return answer_for(result, job, max_rows)


def answer_for(result: Any, job: dict[str, Any], max_rows: int) -> Answer:
    """The answer to a query job: ``result`` (pyoxigraph results) in the negotiated format, cut at ``max_rows``."""
    if isinstance(result, QueryBoolean):
        fmt = _format(job.get("results"), RESULT_FORMATS)
        if fmt is None:
            return _not_acceptable("ASK query")
        return Answer(200, _content_type(fmt), write_boolean(fmt.extension, bool(result)), rows=1)
    if isinstance(result, QuerySolutions):
        fmt = _format(job.get("results"), RESULT_FORMATS)
        if fmt is None:
            return _not_acceptable("SELECT query")
        variables = [v.value for v in result.variables]
        rows: list[list[Any]] = []
        truncated = False
        width = range(len(variables))
        for solution in result:
            if len(rows) >= max_rows:
                truncated = True
                break
            rows.append([solution[i] for i in width])
        note = _note(max_rows) if truncated else None
        body = write_rows(fmt.extension, variables, rows, note)
        return Answer(200, _content_type(fmt), body, rows=len(rows), truncated=truncated)
    fmt = _format(job.get("graph"), RDF_FORMATS)
    if fmt is None:
        return _not_acceptable("CONSTRUCT or DESCRIBE query")
    triples: list[Any] = []
    truncated = False
    for triple in result:
        if len(triples) >= max_rows:
            truncated = True
            break
        triples.append(triple)
    body = serialize(triples, format=fmt.oxigraph) or b""  # type: ignore[arg-type]
    return Answer(200, _content_type(fmt), body, rows=len(triples), truncated=truncated)


def _note(max_rows: int) -> dict[str, Any]:
    return {"truncated": True, "limit": max_rows,
            "message": f"Only the first {max_rows} results are shown: the endpoint returns at most {max_rows} "
                       "rows. Add LIMIT/OFFSET to page through the rest, or use the data dumps."}


def dump_graph(store: Store, job: dict[str, Any]) -> Answer:
    """One graph (``graph``: an IRI, or None for the default graph) in the format ``format``."""
    name = job.get("graph")
    fmt = _format(job.get("format"), RDF_FORMATS)
    assert fmt is not None
    graph: NamedNode | DefaultGraph = NamedNode(name) if name else DefaultGraph()
    if isinstance(graph, NamedNode) and not store.contains_named_graph(graph):
        return Answer(404, body=f"there is no graph <{name}>".encode())
    body = store.dump(format=fmt.oxigraph, from_graph=graph) or b""  # type: ignore[arg-type]
    return Answer(200, _content_type(fmt), body)


def stats(store: Store, job: dict[str, Any]) -> Answer:
    """The number of quads and the named graphs."""
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))
    return Answer(200, extra={"quads": len(store), "graphs": graphs})


def run_job(store: Store, job: dict[str, Any], max_rows: int) -> Answer:
    kind = job.get("kind")
    if kind == "query":
        return run_query(store, job, max_rows)
    if kind == "graph":
        return dump_graph(store, job)
    if kind == "stats":
        return stats(store, job)
    return Answer(400, body=f"unknown job {kind!r}".encode())
