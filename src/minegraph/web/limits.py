"""Request bodies are read whole, up to the limit, before anything handles them: over the limit is 413, never cut.

A body announced by ``Content-Length`` over the limit is refused unread. A chunked body has no length: werkzeug's
own limit hands a handler the first ``max_request_bytes`` of it as if that were the whole body (a PUT of 33,975
triples stored 32,975 and answered 201). So every request body is read here, as the WSGI server delivers it,
into memory up to one byte past the limit; over it, the request is refused with 413 before any handler runs;
under it, handlers see an ordinary body of known length.

A URL is bounded too: gunicorn refuses a request line over :data:`MAX_URL_BYTES` (:data:`GUNICORN_LIMITS`, set by
``minegraph serve`` and server/gunicorn.conf.py alike), and the app answers 414 to a longer path or query string
under any other server (a 20 MB URL once came back whole in a 303's Location).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge, RequestURITooLarge

TOO_LARGE = "minegraph.body_too_large"
#: The longest URL (path and query string) answered: longer SPARQL queries are sent with POST.
MAX_URL_BYTES = 8190
#: gunicorn's bounds on the request line and the headers, in the one place both ways of serving read them.
GUNICORN_LIMITS = {"limit_request_line": MAX_URL_BYTES, "limit_request_fields": 100, "limit_request_field_size": 8190}
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class BoundedBody:
    """WSGI middleware: buffer each request body of at most ``limit`` bytes; mark larger ones."""

    def __init__(self, app: WsgiApp, limit: int) -> None:
        self.app, self.limit = app, limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        try:
            declared = int(environ.get("CONTENT_LENGTH") or 0) if not chunked else None
        except ValueError:
            declared = 0
        if chunked or declared:
            if declared is not None and declared > self.limit:
                body, too_large = b"", True
            else:
                body = _read(environ["wsgi.input"], self.limit + 1 if declared is None else declared)
                too_large = len(body) > self.limit
            if too_large:
                environ[TOO_LARGE] = True
                body = b""
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)


def _read(stream: Any, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream`` (fewer at its end)."""
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = stream.read(min(left, 1 << 16))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _refuse_too_large() -> None:
    if request.environ.get(TOO_LARGE):
        raise RequestEntityTooLarge()


def _refuse_long_url() -> None:
    """414 for a URL gunicorn would not have read: the same answer under the development server and in tests."""
    environ = request.environ
    size = len(environ.get("PATH_INFO", "").encode("latin-1", "replace")) + len(environ.get("QUERY_STRING", ""))
    if size > MAX_URL_BYTES:
        raise RequestURITooLarge(f"the URL is {size} bytes long; at most {MAX_URL_BYTES} are allowed (send a long "
                                 "SPARQL query with POST)")


def init_app(app: Flask) -> None:
    """Bound every request body by ``MAX_CONTENT_LENGTH`` (the ``max_request_bytes`` setting), and every URL by
    :data:`MAX_URL_BYTES`."""
    app.wsgi_app = BoundedBody(app.wsgi_app, int(app.config["MAX_CONTENT_LENGTH"]))  # type: ignore[method-assign]
    app.before_request(_refuse_long_url)
    app.before_request(_refuse_too_large)
