"""The headers every answer carries: CORS open for reading, closed for writing; and the security headers.

CORS: anyone's page may read the data (``Access-Control-Allow-Origin: *`` on reads and query POSTs), but a
preflight never allows ``Authorization`` nor ``PUT``/``DELETE``, and ``Access-Control-Allow-Credentials`` is
never sent: a page on another site cannot make a visitor's browser write with the visitor's token.

Security headers: ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy`` on every answer; on every HTML
answer the Content-Security-Policy :data:`PAGE_POLICY` (the pages, the map and YASGUI on /sparql satisfy it:
``tests/test_browser_pages.py`` checks that no violation occurs). The nginx configuration
(:mod:`minegraph.web.nginx`) sends the same headers on the documents it serves itself.
"""

from __future__ import annotations

from flask import Flask, Response, request

EXPOSED = "X-Minegraph-Truncated, X-Minegraph-Row-Limit, X-Minegraph-Rows, Location, Retry-After"
#: What a cross-origin page may do: read. Writes need ``Authorization`` or PUT/DELETE, refused at preflight.
ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
ALLOWED_HEADERS = "Accept, Content-Type"
#: Methods that only write: their answers carry no CORS header at all.
WRITE_METHODS = frozenset({"PUT", "DELETE", "PATCH"})

#: The two ``<style>`` elements YASGUI's table (its column resizer) adds to the page, allowed by their SHA-256
#: rather than with ``'unsafe-inline'``: their text is constant (the resizer's own CSS, and the cursor while a
#: column is dragged). A new YASGUI may change them: ``tests/test_headers.py`` recomputes them from the vendored
#: script, and the browser test fails on any violation.
YASGUI_STYLES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",
)
#: The policy of every HTML page. Scripts and styles come only from this server's files (no inline script, no
#: eval; styles also YASGUI's two :data:`YASGUI_STYLES`); images may also be ``data:`` URLs (the drag image of
#: YASGUI's editor); nothing may frame a page (clickjacking), no ``<base>`` may move relative URLs elsewhere,
#: and forms post only here.
PAGE_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    f"style-src 'self' {' '.join(YASGUI_STYLES)}",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
#: The reconciliation preview (``/reconcile/preview``) is shown by OpenRefine in a frame of its own origin,
#: wherever OpenRefine runs: it may be framed by any page, and it needs nothing but its one inline style.
#: It has no script, no form and no link, so framing it gives a clickjacker nothing to click.
PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
#: Policies of the endpoints that differ from :data:`PAGE_POLICY`.
POLICIES = {"reconcile.preview": PREVIEW_POLICY}
REFERRER_POLICY = "strict-origin-when-cross-origin"


def policy_for(endpoint: str | None) -> str:
    """The Content-Security-Policy of an HTML answer of ``endpoint`` (a Flask endpoint name)."""
    return POLICIES.get(endpoint or "", PAGE_POLICY)


def read_headers() -> list[tuple[str, str]]:
    """The headers :func:`cors` and :func:`security` give the answer to a read without a token that is not HTML."""
    return [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSED),
            ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", REFERRER_POLICY)]


def cors(response: Response) -> Response:
    """CORS headers for reading from any origin; none on the answer to a write or a request with a token."""
    response.headers.pop("Access-Control-Allow-Credentials", None)
    if request.method in WRITE_METHODS or "Authorization" in request.headers:
        return response
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    response.headers.setdefault("Access-Control-Expose-Headers", EXPOSED)
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def security(response: Response) -> Response:
    """``nosniff`` and the referrer policy on every answer; the page policy on HTML."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", policy_for(request.endpoint))
    return response


def init_app(app: Flask) -> None:
    app.after_request(cors)
    app.after_request(security)
