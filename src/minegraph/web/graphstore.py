"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol with indirect identification (``?graph=``, ``?default``).

``?default`` is the store's own default graph (minegraph keeps its data in named graphs; the query
endpoint's default graph is their union). Direct identification does not apply: graph IRIs are minted under
the canonical base, not under this server's URL, so ``/store/...`` paths would not name them.
Writes need the write token and pass through the SHACL gate like SPARQL updates.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Flask, Response, request
from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, Triple, parse
from pyoxigraph import Store as OxStore
from werkzeug.datastructures import FileStorage

from minegraph.core.bounds import refuse_unbounded_rdf
from minegraph.core.errors import InputError
from minegraph.core.formats import RDF_FORMATS, Format, negotiate
from minegraph.core.vocab import graph_iri
from minegraph.web.protocol import ProtocolError, absolute_iri, media_type_of
from minegraph.web.public import is_public_graph
from minegraph.web.ratelimit import requesting_client
from minegraph.web.state import state
from minegraph.web.writes import apply_write, check_token

blueprint = Blueprint("graphstore", __name__)
GraphName = NamedNode | DefaultGraph


def _target(required: bool) -> GraphName | None:
    graphs = request.args.getlist("graph")
    if "default" in request.args and graphs:
        raise ProtocolError("use either ?graph= or ?default, not both")
    if len(graphs) > 1:
        raise ProtocolError("name one graph: the request has several `graph` parameters")
    if graphs:
        if not graphs[0]:
            raise ProtocolError("`graph` is empty: give the IRI of a graph")
        return NamedNode(absolute_iri(graphs[0], "graph"))
    if "default" in request.args:
        return DefaultGraph()
    if required:
        raise ProtocolError("name the graph with ?graph=IRI or ?default")
    return None


def _rdf_format(content_type: str | None, filename: str | None = None) -> Format:
    media, _ = media_type_of(content_type)
    for fmt in RDF_FORMATS:
        if media in fmt.media_types and media not in ("application/json", "text/plain"):
            return fmt
    if filename and "." in filename:
        extension = filename.rsplit(".", 1)[1].lower()
        for fmt in RDF_FORMATS:
            if fmt.extension == extension:
                return fmt
    if media == "text/plain":
        return RDF_FORMATS[2]
    raise ProtocolError(f"cannot read RDF from {media or 'a body without Content-Type'}: send Turtle, "
                        "JSON-LD, N-Triples or RDF/XML", 415)


def _triples(data: bytes, fmt: Format, base: str | None) -> list[Any]:
    refuse_unbounded_rdf(data, fmt.oxigraph, f"the {fmt.extension} body")  # type: ignore[arg-type]
    fresh: dict[str, BlankNode] = {}
    try:
        return [_relabelled(q.triple if isinstance(q, Quad) else q, fresh)
                for q in parse(data, format=fmt.oxigraph, base_iri=base)]  # type: ignore[arg-type]
    except SyntaxError as error:
        raise InputError(f"the {fmt.extension} body does not parse: {error}") from error


def _relabelled(triple: Triple, fresh: dict[str, BlankNode]) -> Triple:
    """``triple`` with new blank nodes for the body's: a body's labels are its own (``_:b0`` of a POST is not the
    ``_:b0`` the graph holds), and some (``_:été``) are more than every reader downstream accepts."""
    subject, obj = triple.subject, triple.object
    if isinstance(subject, BlankNode):
        subject = fresh.setdefault(subject.value, BlankNode())
    if isinstance(obj, BlankNode):
        obj = fresh.setdefault(obj.value, BlankNode())
    return Triple(subject, triple.predicate, obj)


def _payload(base: str | None) -> list[Any]:
    media, _ = media_type_of(request.headers.get("Content-Type"))
    if media == "multipart/form-data":
        triples: list[Any] = []
        files: list[FileStorage] = list(request.files.values())
        if not files:
            raise ProtocolError("the multipart body has no parts")
        for part in files:
            triples += _triples(part.read(), _rdf_format(part.content_type, part.filename), base)
        return triples
    return _triples(request.get_data(), _rdf_format(request.headers.get("Content-Type")), base)


def _write(target: GraphName, triples: list[Any], replace: bool) -> Response:
    web = state()

    def change(scratch: OxStore) -> bool:
        created = isinstance(target, NamedNode) and not scratch.contains_named_graph(target)
        if replace:
            if isinstance(target, NamedNode):
                if not created:
                    scratch.remove_graph(target)
                scratch.add_graph(target)
            else:
                scratch.clear_graph(target)
        elif isinstance(target, NamedNode):
            scratch.add_graph(target)
        scratch.extend(Quad(t.subject, t.predicate, t.object, target) for t in triples)
        return created

    result = apply_write(web.settings, change, graphs=[target],
                         lock_timeout=web.settings.query_timeout + 10, action=f"graph-store {request.method}")
    return Response(status=201 if result.created else 204)


@blueprint.route("/store", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    try:
        web = state()
        if request.method in ("GET", "HEAD"):
            target = _target(required=False)
            fmt = negotiate(request.headers.get("Accept"), RDF_FORMATS, RDF_FORMATS[0])
            if fmt is None:
                return Response("the graph can be given as Turtle, JSON-LD, N-Triples or RDF/XML\n", 406)
            if target is None:
                raise ProtocolError("name the graph with ?graph=IRI or ?default")
            name = target.value if isinstance(target, NamedNode) else None
            if name is not None and not is_public_graph(name):
                return Response(f"there is no graph <{name}>\n", 404, content_type="text/plain; charset=utf-8")
            answer = web.run({"kind": "graph", "graph": name, "format": fmt.extension}, client=requesting_client())
            response = Response(answer.body, answer.status, content_type=answer.media_type)
            response.headers["Vary"] = "Accept"
            return response
        check_token(web.settings, request.headers.get("Authorization"))
        if request.method == "DELETE":
            doomed = _target(required=True)
            assert doomed is not None
            if isinstance(doomed, NamedNode) and doomed.value not in web.stats().get("graphs", []):
                return Response(f"there is no graph <{doomed.value}>\n", 404)

            def drop(scratch: OxStore) -> None:
                if isinstance(doomed, NamedNode):
                    scratch.remove_graph(doomed)
                else:
                    scratch.clear_graph(DefaultGraph())

            apply_write(web.settings, drop, graphs=[doomed], lock_timeout=web.settings.query_timeout + 10,
                        action="graph-store DELETE")
            return Response(status=204)
        target = _target(required=request.method == "PUT")
        if target is None:  # POST to the service: a new graph
            target = NamedNode(f"{graph_iri(web.settings.base_uri, 'upload')}/{uuid.uuid4()}")
            response = _write(target, _payload(target.value), replace=False)
            response.status_code = 201
            response.headers["Location"] = target.value
            return response
        base = target.value if isinstance(target, NamedNode) else request.base_url
        return _write(target, _payload(base), replace=request.method == "PUT")
    except ProtocolError as error:
        return Response(f"{error}\n", error.status, content_type="text/plain; charset=utf-8")


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
