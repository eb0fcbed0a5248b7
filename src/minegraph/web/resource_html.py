"""The HTML (and tombstone RDF) answers of the dereferencing blueprint.

Pages for things come from :mod:`minegraph.web.pages` (``render_resource``, ``render_tombstone``,
``render_not_found``); when that module is missing this falls back to a minimal escaped rendering, so the
dereferencing works on its own. The release list and index pages are small and live here.
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


def _pages() -> Any:
    try:
        from minegraph.web import pages
    except ImportError:
        return None
    return pages


def _local(url: str, base: str) -> str:
    return "/" + url[len(base):] if url.startswith(base) else url


def _page(title: str, body: str, current_path: str = "") -> str:
    """A small page in the site's shell; ``body`` is HTML whose every value the caller has escaped."""
    pages = _pages()
    if pages is not None and hasattr(pages, "render"):
        return str(pages.render("pages/simple.html", title=title, body=body, current_path=current_path))
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} · minegraph'
            f'</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>\n'
            f'<body><main>\n<h1>{escape(title)}</h1>\n{body}\n</main></body></html>\n')


def resource(kind: str, iri: str, graph: Graph, *, release: Any, alternates: list[tuple[str, str, str]],
             base: str) -> str:
    """The HTML page of a thing, term, concept or dataset description."""
    pages = _pages()
    if pages is not None and hasattr(pages, "render_resource"):
        return str(pages.render_resource(kind, iri, graph, release=release, alternates=alternates, base=base))
    rows = "".join(f"<tr><td>{escape(str(p))}</td><td>{escape(str(o))}</td></tr>"
                   for s, p, o in sorted(graph) if str(s) == iri)
    links = " · ".join(f'<a href="{escape(u)}" type="{escape(m)}">{escape(e)}</a>' for u, m, e in alternates)
    shown = f"release {release.number} ({release.date})" if getattr(release, "number", None) else "current data"
    return _page(str(graph.value(URIRef(iri), RDFS.label) or iri),
                 f"<p><code>{escape(iri)}</code> · {escape(shown)}</p><table>{rows}</table><p>{links}</p>")


def tombstone_page(iri: str, status: int, reason: str, replaced_by: str | None, base: str) -> str:
    pages = _pages()
    if pages is not None and hasattr(pages, "render_tombstone"):
        return str(pages.render_tombstone(iri, status, reason, replaced_by, base))
    also = f'<p>Now: <a href="{escape(_local(replaced_by, base))}">{escape(replaced_by)}</a></p>' if replaced_by else ""
    return _page("No longer published", f"<p><code>{escape(iri)}</code></p><p>{escape(reason)}</p>{also}")


def gone(tombstone: Tombstone, fmt: Format | None, base: str, *, label: str | None = None,
         see_also: str | None = None) -> Response:
    """410 Gone for a withdrawn thing (or one no longer in the data), in HTML or the RDF format asked for."""
    negotiated = fmt is None
    chosen = fmt or negotiate(request.headers.get("Accept"), DOCUMENT_FORMATS) or HTML
    if chosen is HTML:
        body = tombstone_page(tombstone.iri, 410, tombstone.reason, None, base).encode("utf-8")
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
        pages = _pages()
        if pages is not None and hasattr(pages, "render_not_found"):
            body = pages.render_not_found(error.path, error.message, error.suggestions, error.base)
        else:
            items = "".join(f'<li><a href="{escape(_local(s, error.base))}">{escape(s)}</a></li>'
                            for s in error.suggestions)
            body = _page("Not found", f"<p>Nothing is published at <code>{escape(error.path)}</code>.</p>"
                                      f"<p>{escape(error.message)}</p>" + (f"<ul>{items}</ul>" if items else ""))
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
