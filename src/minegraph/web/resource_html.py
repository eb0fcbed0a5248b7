"""The HTML (and tombstone RDF) answers of the dereferencing blueprint.

Pages for things come from :mod:`minegraph.web.pages` (``render_resource``, ``render_tombstone``,
``render_not_found``; imported where used: it imports the views these answers share). The release list and index
pages are small and live here.
"""

from __future__ import annotations

from html import escape
from typing import Any

from flask import Response, request
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from minegraph.core.formats import DOCUMENT_FORMATS, HTML, Format, negotiate
from minegraph.store.tombstones import MERGED, Tombstone, tombstone_graph

HTML_TYPE = "text/html; charset=utf-8"


def _page(title: str, body: str, current_path: str = "") -> str:
    """A small page in the site's shell; ``body`` is HTML whose every value the caller has escaped."""
    from minegraph.web import pages

    return str(pages.render("pages/simple.html", title=title, body=body, current_path=current_path))


def resource(kind: str, iri: str, graph: Graph, *, release: Any, alternates: list[tuple[str, str, str]],
             base: str) -> str:
    """The HTML page of a thing, term, concept or dataset description."""
    from minegraph.web import pages

    return str(pages.render_resource(kind, iri, graph, release=release, alternates=alternates, base=base))


def tombstone_page(iri: str, status: int, reason: str, replaced_by: str | None, base: str, *,
                   label: str | None = None, date: str = "", releases: int = 0) -> str:
    from minegraph.web import pages

    return str(pages.render_tombstone(iri, status, reason, replaced_by, base, label=label, date=date,
                                      releases=releases))


def gone(tombstone: Tombstone, fmt: Format | None, base: str, *, label: str | None = None,
         see_also: str | None = None, releases: int = 0) -> Response:
    """410 Gone for a withdrawn thing (or one no longer in the data), in HTML or the RDF format asked for."""
    negotiated = fmt is None
    chosen = fmt or negotiate(request.headers.get("Accept"), DOCUMENT_FORMATS) or HTML
    if chosen is HTML:
        body = tombstone_page(tombstone.iri, 410, tombstone.reason, None, base, label=label, date=tombstone.date,
                              releases=releases).encode("utf-8")
        content_type = HTML_TYPE
    else:
        if tombstone.status in ("withdrawn", MERGED):
            graph = tombstone_graph(tombstone, label)
        else:
            graph = Graph(bind_namespaces="none")
            graph.bind("rdfs", RDFS)
            subject = URIRef(tombstone.iri)
            graph.add((subject, RDFS.comment, Literal(tombstone.reason, lang="en")))
            if label:
                graph.add((subject, RDFS.label, Literal(label, lang="en")))
            if see_also:
                graph.add((subject, RDFS.seeAlso, URIRef(see_also)))
        body = graph.serialize(format=chosen.rdflib or "turtle", encoding="utf-8")
        content_type = f"{chosen.media_type}; charset=utf-8"
    response = Response(body, 410, content_type=content_type)
    if negotiated:
        response.headers["Vary"] = "Accept"
    return response


class NotFoundPage(Exception):
    """Raised for a path that never named anything; answered by :func:`not_found_response`."""

    code = 404

    def __init__(self, path: str, message: str, suggestions: list[str], base: str) -> None:
        super().__init__(message)
        self.path, self.message, self.suggestions, self.base = path, message, suggestions, base


def not_found_response(error: NotFoundPage) -> Response:
    """404 with what was wrong (a mistyped key, its check character) and what may have been meant."""
    wants_html = negotiate(request.headers.get("Accept"), DOCUMENT_FORMATS) is HTML
    if wants_html:
        from minegraph.web import pages

        body = pages.render_not_found(error.path, error.message, error.suggestions, error.base)
        response = Response(body, 404, content_type=HTML_TYPE)
    else:
        text = f"404 Not Found: {error.path}\n{error.message}\n"
        if error.suggestions:
            text += "did you mean:\n" + "".join(f"  {s}\n" for s in error.suggestions)
        response = Response(text, 404, content_type="text/plain; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def release_list(archives: list[Any], base: str) -> str:
    rows = "".join(
        f'<tr><td><a href="/release/{a.number}/">{a.number}</a></td><td>{escape(a.issued)}</td>'
        f'<td>{a.manifest.get("documents", 0)}</td><td>{a.manifest.get("triples", 0)}</td></tr>'
        for a in reversed(archives))
    table = (f"<table><thead><tr><th>release</th><th>issued</th><th>documents</th><th>triples</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>") if rows else (
        "<p>No release has been cut yet. A curator makes one with <code>minegraph release</code>: it freezes the "
        "current data — its dumps, checksums, VoID and DCAT descriptions and every document — under "
        "<code>/release/1/</code>, <code>/release/2/</code>… Until then, cite a thing by its URI: it always "
        "resolves to its current description.</p>")
    intro = ("<p>Each release is an immutable snapshot: its documents and dumps never change. "
             "The <a href=\"/catalog\">DCAT catalog</a> describes them for machines.</p>")
    return _page("Releases", intro + table, current_path="/release/")


def release_index(archive: Any, base: str) -> str:
    n = archive.number
    files = "".join(f'<li><a href="/release/{n}/{escape(name)}">{escape(name)}</a></li>' for name in archive.files())
    sums = archive.file("SHA256SUMS")
    checks = f"<pre>{escape(sums.read_text(encoding='utf-8'))}</pre>" if sums else ""
    return _page(f"Release {n}", f"<p>Cut {escape(archive.issued)}; canonical URL "
                                 f"<code>{escape(base)}release/{n}/</code>. Documents of things are at "
                                 f"<code>/release/{n}/doc/{{kind}}/{{key}}.{{html,ttl,jsonld,nt,rdf}}</code>.</p>"
                                 f"<ul>{files}</ul><h2>Checksums</h2>{checks}")
