"""``/sparql``: the SPARQL 1.1 Protocol (query, update), the service description and the query page.

A query asked for by a client that prefers HTML — a browser following a ``/sparql?query=`` link — gets the query
page with that query in its editor, run there (:func:`wants_page`); every client asking for a results format gets
the protocol's answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from minegraph.core.errors import QueryError
from minegraph.core.formats import HTML, RDF_FORMATS, RESULT_FORMATS, Format, negotiate
from minegraph.core.sparql import bounded, dataset, refuse_unsafe
from minegraph.core.sparql_errors import explain
from minegraph.core.vocab import FORMATS as FORMATS_NS
from minegraph.core.vocab import SD
from minegraph.store.auth import TokenRegistry
from minegraph.web.protocol import ProtocolError, SparqlRequest, absolute_iri, inject_using, read_request
from minegraph.web.public import is_public_graph, public_job
from minegraph.web.ratelimit import requesting_client
from minegraph.web.run import Answer
from minegraph.web.state import state
from minegraph.web.writes import apply_write, check_token

SD_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
              "Turtle", "JSON-LD", "N-Triples", "RDF_XML")
#: ``format`` / ``output`` parameter values and the file extension they mean.
FORMAT_NAMES = {
    "json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv",
    "ttl": "ttl", "turtle": "ttl", "jsonld": "jsonld", "json-ld": "jsonld", "nt": "nt", "ntriples": "nt",
    "n-triples": "nt", "rdf": "rdf", "rdfxml": "rdf", "rdf/xml": "rdf",
}

blueprint = Blueprint("sparql", __name__)


def _by_name(value: str) -> tuple[str | None, str | None]:
    """The (results, graph) extensions a ``format`` parameter asks for."""
    value = value.strip().lower()
    extension = FORMAT_NAMES.get(value)
    if extension is None:
        results, graph = negotiate(value, RESULT_FORMATS), negotiate(value, RDF_FORMATS)
        return (results.extension if results else None), (graph.extension if graph else None)
    if extension in ("json", "xml"):  # "xml" asks RDF/XML for graphs, "json" JSON-LD
        return extension, ("rdf" if extension == "xml" else "jsonld")
    if extension in ("csv", "tsv"):
        return extension, None
    return ("json" if extension == "jsonld" else "xml" if extension == "rdf" else None), extension


def negotiated(req: SparqlRequest) -> tuple[str | None, str | None]:
    """The formats for solutions and for triples: ``format``/``output`` parameter first, then Accept."""
    return formats_for(req.param("format") or req.param("output"), request.headers.get("Accept"))


def formats_for(name: str | None, accept: str | None) -> tuple[str | None, str | None]:
    """The extensions of the formats for solutions and for triples a ``format`` name or an Accept header asks."""
    if name:
        return _by_name(name)
    results, graph = negotiate(accept, RESULT_FORMATS), negotiate(accept, RDF_FORMATS)
    if results is None and graph is None and accept and ("html" in accept or "*" in accept):
        results, graph = RESULT_FORMATS[0], RDF_FORMATS[0]
    return (results.extension if results else None), (graph.extension if graph else None)


#: What a query's answer may be, HTML last: ``*/*`` or no Accept header gets a results format, not the page.
ANSWER_FORMATS = (*RESULT_FORMATS, *RDF_FORMATS, HTML)


def wants_page(name: str | None, accept: str | None) -> bool:
    """Whether a query request asks for the query page rather than results: no ``format`` parameter, and HTML
    preferred to every results format — what a browser sends following a link (``text/html`` first,
    ``application/xml;q=0.9``), which would otherwise get a download of SPARQL XML.

    >>> wants_page(None, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    True
    >>> wants_page(None, "*/*"), wants_page("json", "text/html"), wants_page(None, None)
    (False, False, False)
    """
    return not name and negotiate(accept, ANSWER_FORMATS) is HTML


def query_job(req: SparqlRequest, results: str | None, graph: str | None, defaults: list[str] | None,
              named: list[str] | None, base_iri: str) -> dict[str, Any]:
    """The job of a query (public routes narrow it to the public dataset: :func:`~minegraph.web.public.public_job`)."""
    return {"kind": "query", "sparql": req.text, "default_graphs": defaults, "named_graphs": named,
            "base_iri": base_iri, "results": results, "graph": graph}


def answer_headers(answer: Answer, row_limit: int) -> list[tuple[str, str]]:
    """The headers of a query's answer (200) besides its Content-Type."""
    found = [("Vary", "Accept"), ("X-Minegraph-Rows", str(answer.rows))]
    if answer.truncated:
        found += [("X-Minegraph-Truncated", "true"), ("X-Minegraph-Row-Limit", str(row_limit)),
                  ("Warning", f'199 minegraph "results cut at {row_limit} rows: page with LIMIT/OFFSET"')]
    return found


def _query(req: SparqlRequest) -> Response:
    patterns = bounded(req.text)  # a light query: no SERVICE, no nesting, no FROM (it says so by being one)
    if patterns is None:
        refuse_unsafe(req.text, "query")
    results, graph = negotiated(req)
    defaults, named = req.default_graphs, req.named_graphs
    if defaults is None and named is None and patterns is None:  # the query's own FROM / FROM NAMED
        defaults, named = dataset(req.text)
        for iri in (defaults or []) + (named or []):
            try:
                absolute_iri(iri, "FROM")
            except ProtocolError as error:
                raise QueryError(f"{error}: give FROM and FROM NAMED absolute IRIs") from error
    web = state()
    job = public_job(query_job(req, results, graph, defaults, named, request.base_url))
    answer = web.run(job, client=requesting_client(), bounded=patterns)
    response = Response(answer.body, answer.status, content_type=answer.media_type)
    response.headers["Vary"] = "Accept"
    if answer.status == 200:
        response.headers.update(answer_headers(answer, web.settings.max_rows))
        if answer.truncated:
            web.metrics.truncated.inc()
    elif answer.status == 400:
        raise QueryError(answer.body.decode("utf-8", "replace"))
    return response


def _update(req: SparqlRequest) -> Response:
    web = state()
    check_token(web.settings, request.headers.get("Authorization"))
    refuse_unsafe(req.text, "update")
    text = req.text
    if req.default_graphs or req.named_graphs:
        text = inject_using(text, req.default_graphs or [], req.named_graphs or [])
    base = request.base_url

    def change(scratch: Any) -> None:
        try:
            scratch.update(text, base_iri=base)
        except SyntaxError as error:
            raise QueryError(f"the update does not parse: {explain(error, text, update=True)}") from error
        except (OSError, RuntimeError, ValueError) as error:  # e.g. DROP GRAPH of a graph that does not exist
            raise QueryError(f"the update could not be applied: {error}") from error

    result = apply_write(web.settings, change, lock_timeout=web.settings.query_timeout + 10,
                         action="sparql-update")
    changed = "\n".join(result.changed)
    message = f"updated {len(result.changed)} graph(s)\n{changed}\n" if result.changed else "nothing changed\n"
    return Response(message, 200, content_type="text/plain; charset=utf-8")


def service_description(fmt: Format) -> Response:
    """The service description, with ``sd:endpoint`` the URL the client used."""
    web = state()
    endpoint = URIRef(request.base_url)
    graph = Graph(bind_namespaces="core")
    graph.bind("sd", SD)
    service = BNode()
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, endpoint))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if TokenRegistry(web.settings).writes_enabled():
        graph.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for name in SD_FORMATS:
        graph.add((service, SD.resultFormat, FORMATS_NS[name]))
    dataset, default = BNode(), BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    for name in filter(is_public_graph, web.stats().get("graphs", [])):
        named = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
    graph.add((service, RDFS.comment,
               Literal(f"Queries stop after {web.settings.query_timeout:g} s; at most "
                       f"{web.settings.max_rows} rows are returned (X-Minegraph-Truncated says when).")))
    body = graph.serialize(format=fmt.rdflib or "turtle", encoding="utf-8")
    response = Response(body, 200, content_type=f"{fmt.media_type}; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def examples() -> list[dict[str, str]]:
    """The example queries of the ``queries/`` folder (title, description, text)."""
    folder = Path(current_app.config.get("QUERIES_DIR") or _default_queries_dir())
    found = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        meta = {"name": path.stem, "title": path.stem, "description": "", "query": text}
        for line in text.splitlines():
            for key in ("title", "description"):
                if line.startswith(f"# {key}:"):
                    meta[key] = line.split(":", 1)[1].strip()
        found.append(meta)
    return found


def _default_queries_dir() -> Path:
    packaged = Path(__file__).parent / "queries"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "queries"


def query_page(req: SparqlRequest | None) -> Response:
    """The query page; with ``req``, its query in the editor, run as the page opens (with its dataset, if the
    request named graphs)."""
    linked = None
    if req is not None:
        graphs = [{"name": "default-graph-uri", "value": iri} for iri in req.default_graphs or []]
        graphs += [{"name": "named-graph-uri", "value": iri} for iri in req.named_graphs or []]
        linked = {"query": req.text, "args": graphs}
    page = render_template("sparql.html", examples=examples(), settings=state().settings, current_path="/sparql",
                           endpoint=request.base_url, linked=linked)
    response = Response(page, 200, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/sparql", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def sparql() -> Response:
    try:
        if request.content_length and request.content_length > state().settings.max_request_bytes:
            raise ProtocolError("the request body is larger than this server accepts", 413)
        req = read_request(request.method, request.query_string, request.headers.get("Content-Type"),
                           request.get_data(cache=False))
    except ProtocolError as error:
        response = Response(f"{error}\n", error.status, content_type="text/plain; charset=utf-8")
        if error.status == 405:
            response.headers["Allow"] = "GET, POST, OPTIONS"
        return response
    if req.kind == "query":
        if wants_page(req.param("format") or req.param("output"), request.headers.get("Accept")):
            return query_page(req)
        return _query(req)
    if req.kind == "update":
        return _update(req)
    fmt = negotiate(request.headers.get("Accept"), (*RDF_FORMATS, HTML), RDF_FORMATS[0]) or RDF_FORMATS[0]
    if fmt is HTML:
        return query_page(None)
    return service_description(fmt)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
