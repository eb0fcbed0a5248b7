"""HTTP details of the remote store: credentials, endpoint conventions, error words."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request

from minegraph.core.errors import QueryError, StoreError


def parse_auth(auth: str) -> tuple[str, str, str] | None:
    """``user:password`` (basic), ``digest:user:password`` or ``bearer:TOKEN`` as (scheme, user/token, password)."""
    if not auth:
        return None
    scheme, _, rest = auth.partition(":")
    if scheme.lower() == "bearer" and rest:
        return "bearer", rest, ""
    if scheme.lower() == "digest" and ":" in rest:
        user, _, password = rest.partition(":")
        return "digest", user, password
    if rest:
        return "basic", scheme, rest
    raise StoreError("--auth must be user:password, digest:user:password or bearer:TOKEN")


def derived_endpoints(endpoint: str) -> tuple[str, str]:
    """The usual update and Graph Store endpoints next to a query endpoint (Oxigraph, Virtuoso, Fuseki)."""
    head, _, last = endpoint.rstrip("/").rpartition("/")
    if last == "query":  # Oxigraph server, Fuseki: /query, /update, /store (Fuseki: /data)
        return f"{head}/update", f"{head}/store"
    if last in ("sparql", "sparql-auth"):  # Virtuoso: updates on the same endpoint
        return endpoint, f"{head}/sparql-graph-crud" + ("-auth" if last == "sparql-auth" else "")
    return endpoint, f"{head}/store"



def auth_opener(request: urllib.request.Request, auth: tuple[str, str, str] | None,
                endpoint: str) -> urllib.request.OpenerDirector:
    """An opener that sends ``auth`` (basic and bearer as headers on ``request``, digest by challenge)."""
    if auth is None:
        return urllib.request.build_opener()
    scheme, user, secret = auth
    if scheme == "bearer":
        request.add_header("Authorization", f"Bearer {user}")
        return urllib.request.build_opener()
    if scheme == "basic":
        token = base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")
        request.add_header("Authorization", f"Basic {token}")
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, endpoint, user, secret)
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))


def error_words(error: Exception) -> str:
    text = str(error)
    if "Response:" in text:  # SPARQLWrapper: "QueryBadFormed: A bad request ... Response: b'...'"
        text = text.split("Response:", 1)[1].strip()
        if text[:2] in ("b'", 'b"'):
            text = text[2:-1].encode("latin-1", "replace").decode("unicode_escape", "replace")
    return " ".join(text.split())[:500]


def http_error(error: urllib.error.HTTPError, endpoint: str) -> Exception:
    try:
        detail = " ".join(error.read().decode("utf-8", "replace").split())[:500]
    except OSError:
        detail = ""
    if error.code == 400:
        return QueryError(f"the store refused the request: {detail or error.reason}")
    if error.code in (401, 403):
        return StoreError(f"the store at {endpoint} refused the credentials ({error.code}): "
                          "check --auth (MINEGRAPH_AUTH)")
    return StoreError(f"the store at {endpoint} answered {error.code} {error.reason}: {detail}")
