"""Dereferencing: ``/id`` (303), ``/doc`` (negotiated documents), ``/def`` and ``/concept`` (the vocabulary,
after the W3C "Best Practice Recipes for Publishing RDF Vocabularies"), ``/release`` (immutable releases),
``/.well-known/void`` and ``/catalog``.

Request paths map onto canonical IRIs: ``/id/{kind}/{key}`` is ``{base}id/{kind}/{key}`` whatever host
serves it; ``/def/`` and ``/concept/`` are always the software's fixed namespaces. Keys are checked against
the key alphabet and check character before anything reaches the store. Retired things answer 301 (merged)
or 410 (withdrawn, or gone from the data after a release); only what was never published answers 404.
Rendered documents are cached until the store, the tombstones or the releases change; current documents of
things are also written as files (:mod:`minegraph.publish.doccache`) for nginx to serve.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Flask, Response, request, send_file
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as BaseResponse

from minegraph.core.errors import StoreError
from minegraph.core.formats import DOCUMENT_FORMATS, HTML, RDF_FORMATS, Format, by_name, content_type, negotiate
from minegraph.core.vocab import KINDS
from minegraph.publish.documents import (
    Target,
    concept_target,
    def_target,
    key_problem,
    suggestions,
    target_of_path,
    thing_target,
)
from minegraph.publish.releases import Archive, document_format, link_header
from minegraph.store.tombstones import MERGED, Tombstone
from minegraph.web import resource_html as html
from minegraph.web.published import Published, Rendered, published, rendered_document, root

blueprint = Blueprint("resources", __name__)
LIVE_CACHE = "public, max-age=60"
IMMUTABLE = "public, max-age=31536000, immutable"


# --- responses --------------------------------------------------------------------------------------------

def _chosen(formats: tuple[Format, ...] = DOCUMENT_FORMATS) -> Format | None:
    """The format a request asks for: ``?format=`` first, then Accept (no Accept header: Turtle)."""
    name = request.args.get("format")
    if name:
        return by_name(name, formats)
    return negotiate(request.headers.get("Accept"), formats)


def send_document(rendered: Rendered, prefix: str, fmt: Format, *, negotiated: bool, immutable: bool = False
                  ) -> BaseResponse:
    """A document with its validators, alternates and (when negotiated) Vary and Content-Location."""
    response = Response(rendered.body, 200, content_type=content_type(rendered.media_type))
    response.set_etag(rendered.etag)
    response.last_modified = rendered.last_modified
    response.headers["Link"] = link_header(prefix)
    response.headers["Cache-Control"] = IMMUTABLE if immutable else LIVE_CACHE
    if negotiated:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"{prefix}.{fmt.extension}"
    return response.make_conditional(request)


def not_acceptable(prefix: str) -> BaseResponse:
    names = ", ".join(f"{f.media_type} (.{f.extension})" for f in DOCUMENT_FORMATS)
    response = Response(f"406 Not Acceptable: this document is available as {names}\n", 406,
                        content_type="text/plain; charset=utf-8")
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = link_header(prefix)
    return response


def redirect(location: str, status: int, vary: bool = True) -> BaseResponse:
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    response = Response(f"{status}: see {location}\n", status, content_type="text/plain; charset=utf-8")
    response.headers["Location"] = location
    if vary:
        response.headers["Vary"] = "Accept"
    return response


def split_name(name: str) -> tuple[str, Format | None, bool]:
    """``("KEY", format, has_extension)`` from ``KEY`` or ``KEY.ttl``; format None for an unknown one."""
    stem, dot, extension = name.partition(".")
    if not dot:
        return stem, None, False
    return stem, document_format(extension), True


# --- things -----------------------------------------------------------------------------------------------

@blueprint.get("/id/<kind>/<key>")
def thing_iri(kind: str, key: str) -> BaseResponse:
    """A thing's IRI: 303 See Other to its document (301 when merged, 410 when withdrawn or gone)."""
    target = _target_or_404(kind, key)
    answer = _retired(target, "id", None) or _missing(target)
    return answer or redirect(f"{root()}doc/{kind}/{key}", 303)


@blueprint.get("/doc/<kind>/<name>")
def thing_document(kind: str, name: str) -> BaseResponse:
    """A thing's document: negotiated, or in the format its extension names."""
    key, fmt, explicit = split_name(name)
    target = _target_or_404(kind, key, extension_ok=not explicit or fmt is not None)
    return _serve(target, fmt, explicit, "doc")


def _target_or_404(kind: str, key: str, extension_ok: bool = True) -> Target:
    target = thing_target(published().base, kind, key)
    if target is None or not extension_ok:
        raise _not_found(kind, key, extension_ok)
    return target


def _serve(target: Target, fmt: Format | None, explicit: bool, space: str) -> BaseResponse:
    prefix = root() + target.path
    generation = published().file_generation()  # first: the answer below is at this generation or later
    chosen = fmt if explicit else _chosen()
    retired = _retired(target, space, fmt if explicit else None)
    if retired is not None:
        return retired
    if chosen is None:
        return not_acceptable(prefix)
    rendered = published().document(target, chosen, generation)
    if rendered is None:
        gone = _missing(target, chosen)
        if gone is not None:
            return gone
        raise _not_found(target.kind, target.path.rsplit("/", 1)[-1], True) if target.is_thing else NotFound()
    published().keep(target, chosen, rendered, generation)
    return send_document(rendered, prefix, chosen, negotiated=not explicit)


def _retired(target: Target, space: str, fmt: Format | None) -> BaseResponse | None:
    """301 to the survivor of a merge, 410 for a withdrawn thing; None for a live one."""
    if not target.is_thing:
        return None
    view = published()
    tombstone, seen = view.tombstone(target.iri), {target.iri}
    while tombstone is not None and tombstone.status == MERGED and tombstone.replaced_by:
        survivor = view.tombstone(tombstone.replaced_by)
        if survivor is None or survivor.iri in seen:
            keep = tombstone.replaced_by.rsplit("/", 1)[-1]
            suffix = f".{fmt.extension}" if fmt else ""
            return redirect(f"{root()}{space}/{target.kind}/{keep}{suffix}", 301)
        seen.add(survivor.iri)
        tombstone = survivor
    if tombstone is None:
        return None
    return html.gone(tombstone, fmt, view.base, label=_label(target.iri),
                     releases=len(view.releases.containing(target.path)))


def _missing(target: Target, fmt: Format | None = None) -> BaseResponse | None:
    """For a thing without data: 410 if it was ever published (in a release or a build), else None."""
    view = published()
    if target.is_thing and view.triples(target):
        return None
    entry = view.releases.registry().lookup(target.iri)
    last = entry.last_release if entry else None
    if last is None:
        found = view.releases.containing(target.path)
        last = found[-1] if found else None
    if entry is None and last is None:
        return None
    if last is not None:
        reason = f"no longer in the current data; see release {last}: {root()}release/{last}/{target.path}.html"
    else:
        reason = "no longer in the current data (it was published before it was removed)"
    tombstone = Tombstone(target.iri, "gone", reason, "", None)
    return html.gone(tombstone, fmt, view.base, label=entry.label if entry else None,
                     see_also=f"{view.base}release/{last}/{target.path}" if last else None,
                     releases=1 if last is not None else 0)


def _label(iri: str) -> str | None:
    entry = published().releases.registry().lookup(iri)
    return entry.label if entry else None


def _not_found(kind: str, key: str, extension_ok: bool) -> Exception:
    view = published()
    if kind not in KINDS:
        message = f"there is no kind of thing called {kind!r}: kinds are {', '.join(KINDS)}"
    elif not extension_ok:
        message = f"documents end in one of {', '.join('.' + f.extension for f in DOCUMENT_FORMATS)}"
    else:
        message = key_problem(key) or f"no {kind} has the key {key!r}"
    try:
        found = suggestions(view.store, view.base, kind, key) if extension_ok else []
    except StoreError:
        found = []
    return html.NotFoundPage(request.path, message, found, view.base)


# --- the vocabulary ---------------------------------------------------------------------------------------

@blueprint.get("/def/")
@blueprint.get("/def/<name>")
def ontology(name: str = "") -> BaseResponse:
    """Recipe 5 of the W3C recipes: a term (or the namespace) 303s to its document in the negotiated format."""
    stem, fmt, explicit = split_name(name)
    target = def_target(stem)
    return _vocabulary(target, fmt, explicit, f"{root()}def/{stem or 'index'}")


@blueprint.get("/concept/")
@blueprint.get("/concept/<scheme>")
@blueprint.get("/concept/<scheme>/<name>")
def concept(scheme: str = "", name: str | None = None) -> BaseResponse:
    if name is None:
        stem, fmt, explicit = split_name(scheme)
        target, prefix = concept_target(stem), f"{root()}concept/{stem or 'index'}"
    else:
        stem, fmt, explicit = split_name(name)
        target, prefix = concept_target(scheme, stem), f"{root()}concept/{scheme}/{stem}"
    return _vocabulary(target, fmt, explicit, prefix)


def _vocabulary(target: Target | None, fmt: Format | None, explicit: bool, prefix: str) -> BaseResponse:
    if target is None or (explicit and fmt is None):
        raise NotFound("no such term or concept: ontology terms are /def/{Term}, concepts /concept/{scheme}/{code}")
    if explicit:
        return _serve(target, fmt, True, "")
    chosen = _chosen()
    if chosen is None:
        return not_acceptable(prefix)
    if not published().triples(target):
        raise NotFound(f"{target.iri} is not a term of the minegraph vocabulary")
    return redirect(f"{prefix}.{chosen.extension}", 303)


# --- releases ---------------------------------------------------------------------------------------------

@blueprint.get("/release/")
def release_list() -> BaseResponse:
    view = published()
    return Response(html.release_list(list(view.releases.archives()), view.base), 200,
                    content_type="text/html; charset=utf-8")


@blueprint.get("/release/<int:number>/")
def release_index(number: int) -> BaseResponse:
    archive = _archive(number)
    response = Response(html.release_index(archive, published().base), 200, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = LIVE_CACHE
    return response


@blueprint.get("/release/<int:number>/<path:rest>")
def release_file(number: int, rest: str) -> BaseResponse:
    """A release's dumps and descriptions, and its documents byte for byte as released."""
    archive = _archive(number)
    issued = dt.datetime.fromisoformat(archive.issued.replace("Z", "+00:00"))
    if "/" not in rest:
        path = archive.file(rest)
        if path is None:
            raise NotFound(f"release {number} has no file {rest!r}: see {root()}release/{number}/")
        response = send_file(path, mimetype=_file_type(path.name), etag=True, last_modified=issued,
                             conditional=True, max_age=31536000)
        response.headers["Cache-Control"] = IMMUTABLE
        return response
    stem, fmt, explicit = split_name(rest.rsplit("/", 1)[-1])
    doc_path = rest.rsplit("/", 1)[0] + "/" + stem
    prefix = f"{root()}release/{number}/{doc_path}"
    chosen = fmt if explicit else _chosen()
    if target_of_path(published().base, doc_path) is None or (explicit and fmt is None):
        raise NotFound(f"release {number} has no document {rest!r}")
    if chosen is None:
        return not_acceptable(prefix)
    found = archive.document(f"{doc_path}.{chosen.extension}")
    if found is None:
        raise NotFound(f"release {number} has no document {rest!r}: it was not published in that release")
    return send_document(rendered_document(found[1], found[0], issued), prefix, chosen, negotiated=not explicit,
                         immutable=True)


def _archive(number: int) -> Archive:
    archive = published().releases.archive(number)
    if archive is None:
        raise NotFound(f"there is no release {number}: see {root()}release/")
    return archive


def _file_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1]
    for fmt in (*RDF_FORMATS, *DOCUMENT_FORMATS):
        if fmt.extension == extension:
            return content_type(fmt.media_type)
    return {"nq": "application/n-quads", "json": "application/json"}.get(extension, "text/plain; charset=utf-8")


# --- dataset descriptions ---------------------------------------------------------------------------------

@blueprint.get("/.well-known/void")
def void() -> BaseResponse:
    from minegraph.publish.exports import dataset_iri, statistics, summaries, void_graph

    view = published()

    def make() -> Any:
        stats = statistics(view.store)
        return void_graph(view.base, stats, summaries(a.manifest for a in view.releases.archives()))

    return _description("void", str(dataset_iri(view.base)), make, f"{root()}.well-known/void")


@blueprint.get("/catalog")
def catalog() -> BaseResponse:
    from minegraph.publish.exports import catalog_graph, summaries

    view = published()

    def make() -> Any:
        return catalog_graph(view.base, summaries(a.manifest for a in view.releases.archives()))

    return _description("catalog", f"{view.base}catalog", make, f"{root()}catalog")


def _description(kind: str, iri: str, make: Any, url: str) -> BaseResponse:
    view = published()
    chosen = _chosen()
    if chosen is None:
        return not_acceptable(url)

    def render() -> Rendered:
        graph = view.cached((kind, "graph"), make)
        if chosen is HTML:
            links = [(f"{url}?format={f.extension}", f.media_type, f.extension) for f in DOCUMENT_FORMATS]
            body = html.resource(kind, iri, graph, release=None, alternates=links, base=view.base).encode("utf-8")
        else:
            body = graph.serialize(format=chosen.rdflib, encoding="utf-8")
        return rendered_document(body, chosen.media_type, view.last_modified())

    rendered = view.cached((kind, chosen.extension), render)
    response = send_document(rendered, url, chosen, negotiated=True)
    response.headers["Link"] = ", ".join(f'<{url}?format={f.extension}>; rel="alternate"; type="{f.media_type}"'
                                         for f in DOCUMENT_FORMATS)
    response.headers["Content-Location"] = f"{url}?format={chosen.extension}"
    return response


def init_app(app: Flask) -> None:
    """Register the dereferencing routes (``create_app`` calls this)."""
    view = app.extensions["minegraph.core.resources"] = Published(app)
    if view.files is not None:
        view.files.ready()  # now, not at the first request: files other code rendered must go before nginx serves them
    app.register_blueprint(blueprint)
    app.register_error_handler(html.NotFoundPage, html.not_found_response)
