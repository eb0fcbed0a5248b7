"""One error handler: every error answers with its status and words for a user, in one shape.

Machines get ``text/plain`` (or JSON when they prefer it: ``{"status", "error", "message", "report"}``);
browsers get a small page. The headers every answer carries (CORS, security) are :mod:`minegraph.web.headers`.
"""

from __future__ import annotations

import json
import re
import time

from flask import Flask, Response, current_app, g, render_template, request
from werkzeug.exceptions import HTTPException

from minegraph.core.errors import MinegraphError, ValidationFailed
from minegraph.core.formats import HTML, negotiate
from minegraph.web import headers
from minegraph.web.workers import QueryTimeout

PLAIN = "text/plain; charset=utf-8"
JSON_TYPES = ("application/json",)
#: Seconds a client should wait before trying again after a 503 (the store is down, slow or busy).
RETRY_AFTER = 5


def error_response(status: int, message: str, report: str | None = None, title: str | None = None) -> Response:
    """An error in the format the client prefers."""
    accept = request.headers.get("Accept", "")
    if "json" in accept and "html" not in accept:
        body = {"status": status, "error": title or "error", "message": message}
        if report:
            body["report"] = report
        return Response(json.dumps(body, ensure_ascii=False), status, mimetype="application/json")
    if request.method == "GET" and negotiate(accept, (HTML,)) is HTML and "html" in accept:
        html = render_template("error.html", status=status, title=title or "Error", message=message, report=report)
        return Response(html, status, mimetype="text/html")
    text = message + (f"\n\n{report}" if report else "") + "\n"
    return Response(text, status, content_type=PLAIN)


#: An absolute file path in a message (not a URL's path): the server's layout is not the client's business.
_PATH = re.compile(r"(?<![\w:/.])/(?:[\w.@+-]+/)*[\w.@+-]+")


def public_message(message: str) -> str:
    """A server error's message for the client: file paths replaced (the full message goes to the log).

    >>> public_message("the audit log /srv/minegraph/store.auth/audit.log cannot be written (Is a directory)")
    'the audit log [a file on the server] cannot be written (Is a directory)'
    >>> public_message("the store at http://store:7878/query did not answer")
    'the store at http://store:7878/query did not answer'
    """
    return _PATH.sub("[a file on the server]", message)


def _handle_minegraph(error: MinegraphError) -> Response:
    report = None
    if isinstance(error, ValidationFailed) and error.report is not None:
        report = error.report.text() if hasattr(error.report, "text") else str(error.report)
    message = str(error)
    if error.status >= 500:
        current_app.logger.error("%s: %s", type(error).__name__, message)
        message = public_message(message)
    response = error_response(error.status, message, report, type(error).__name__)
    if isinstance(error, QueryTimeout):
        from minegraph.web.state import state

        state().metrics.timeouts.inc()
    if error.status in (429, 503):
        response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def _handle_http(error: HTTPException) -> Response:
    status = error.code or 500
    too_large = "the request is larger than this server accepts"
    message = too_large if status == 413 else (error.description or error.name)
    response = error_response(status, message, title=error.name)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _start_timer() -> None:
    g.started = time.perf_counter()


def _record(response: Response) -> Response:
    from minegraph.web.state import state

    endpoint = (request.blueprint or request.endpoint or "other") if request.url_rule else "unmatched"
    started = g.get("started")
    if started is not None:
        state().metrics.observe(endpoint, request.method, response.status_code, time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(MinegraphError, _handle_minegraph)
    app.register_error_handler(HTTPException, _handle_http)
    app.before_request(_start_timer)
    headers.init_app(app)  # every answer, errors included, gets them
    app.after_request(_record)
