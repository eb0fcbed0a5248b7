"""The fast lane for light queries: a ``GET /sparql`` with a bounded query, answered before Flask.

A linked-data client's queries are mostly light — what is known about this incident, its label, its place — and
for them Flask's request machinery and the round trip to a query worker cost ten times the engine's work. This
WSGI middleware answers such a request itself: the same protocol reading (:func:`minegraph.web.protocol.
read_request`), the same negotiation (:func:`minegraph.web.sparql.formats_for`; a request preferring HTML, which
gets the query page, is the app's: :func:`minegraph.web.sparql.wants_page`), the same job over the public
dataset, run on the web process's own handle (:mod:`minegraph.web.local`), the same headers (the query's, CORS
for reading, the security headers) and the same metrics. Only a complete ``200`` is answered here; anything
else — an error, a query that is not bounded or matches too much, a write pending, a request with a token, a
rate limit to apply, a remote store — goes on to the Flask app, which answers as it always has.
``tests/test_bounded_queries.py`` checks that both give the same answer, byte for byte.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_plus

from flask import Flask
from werkzeug.wsgi import get_current_url

from minegraph.core.sparql import bounded
from minegraph.web.headers import read_headers
from minegraph.web.limits import MAX_URL_BYTES
from minegraph.web.protocol import ProtocolError, SparqlRequest, read_request
from minegraph.web.public import public_job
from minegraph.web.sparql import answer_headers, formats_for, query_job, wants_page

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class LightQueries:
    """WSGI middleware in front of the app's own WSGI callable (``app.wsgi_app``)."""

    def __init__(self, app: Flask, inner: WsgiApp) -> None:
        self.web, self.inner = app.extensions["minegraph"], inner
        settings = self.web.settings
        self.enabled = not settings.remote and settings.rate_limit <= 0
        self.observe = self.web.metrics.observer("sparql", "GET", 200)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (not self.enabled or environ.get("PATH_INFO") != "/sparql" or environ.get("REQUEST_METHOD") != "GET"
                or "HTTP_AUTHORIZATION" in environ):
            return self.inner(environ, start_response)
        started = time.perf_counter()
        raw = environ.get("QUERY_STRING", "")
        if not raw.startswith("query=") or len(raw) + 7 > MAX_URL_BYTES or not raw.isascii():
            return self.inner(environ, start_response)
        try:
            if "&" in raw:
                req = read_request("GET", raw.encode("latin-1"), None, b"")
            else:  # what read_request makes of a lone `query` parameter, without the general machinery
                req = SparqlRequest("query", unquote_plus(raw[6:], errors="strict"))
        except (ProtocolError, UnicodeError):
            return self.inner(environ, start_response)
        patterns = bounded(req.text) if req.kind == "query" else None
        if not patterns:
            return self.inner(environ, start_response)
        name, accept = req.param("format") or req.param("output"), environ.get("HTTP_ACCEPT")
        if wants_page(name, accept):  # a browser following a link: the query page, which runs the query itself
            return self.inner(environ, start_response)
        results, graph = formats_for(name, accept)
        if results is None and graph is None:  # a 406 whatever the query: the app words it, without running it twice
            return self.inner(environ, start_response)
        job = query_job(req, results, graph, req.default_graphs, req.named_graphs, _base_url(environ))
        answer = self.web.local.run(public_job(job, self.web.settings), patterns)
        if answer is None or answer.status != 200:
            return self.inner(environ, start_response)
        if answer.truncated:
            self.web.metrics.truncated.inc()
        headers = [("Content-Type", answer.media_type), ("Content-Length", str(len(answer.body))),
                   *answer_headers(answer, self.web.settings.max_rows), *read_headers()]
        start_response("200 OK", headers)
        self.observe(time.perf_counter() - started)
        return [answer.body]


def _base_url(environ: dict[str, Any]) -> str:
    """Flask's ``request.base_url``: made cheaply when the host and path need no decoding."""
    host, root = environ.get("HTTP_HOST", ""), environ.get("SCRIPT_NAME", "")
    if host and "%" not in root and host.isascii() and root.isascii() and host == host.lower():
        return f"{environ['wsgi.url_scheme']}://{host}{root}/sparql"
    return get_current_url(environ, strip_querystring=True)


def init_app(app: Flask) -> None:
    app.wsgi_app = LightQueries(app, app.wsgi_app)  # type: ignore[method-assign]
