"""Reading a SPARQL 1.1 Protocol request: operation, text, dataset, and the errors the protocol asks for.

Pure functions over the method, query string, content type and body, so they are tested without a server.

>>> request = read_request("GET", b"query=ASK%20%7B%7D&default-graph-uri=http%3A%2F%2Fex%2Fg", None, b"")
>>> request.kind, request.text, request.default_graphs
('query', 'ASK {}', ['http://ex/g'])
>>> inject_using("INSERT { ?s a ?t } WHERE { ?s a ?t }", ["http://ex/g"], [])
'INSERT { ?s a ?t } USING <http://ex/g> WHERE { ?s a ?t }'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from pyoxigraph import NamedNode
from werkzeug.http import parse_options_header

from minegraph.core.errors import MinegraphError

FORM = "application/x-www-form-urlencoded"
QUERY_MEDIA_TYPE = "application/sparql-query"
UPDATE_MEDIA_TYPE = "application/sparql-update"


class ProtocolError(MinegraphError):
    """A request the SPARQL protocol refuses; ``status`` is set per instance."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class SparqlRequest:
    """One protocol operation: ``kind`` is ``query``, ``update`` or ``none`` (no operation: describe the service)."""

    kind: str
    text: str = ""
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    params: dict[str, list[str]] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


def parse_params(raw: bytes, where: str) -> dict[str, list[str]]:
    """Decode ``application/x-www-form-urlencoded`` bytes strictly as UTF-8."""
    try:
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise ProtocolError(f"the {where} is not UTF-8 percent-encoded text: {error.reason}") from error
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def media_type_of(content_type: str | None) -> tuple[str, dict[str, str]]:
    """The lower-case media type of a Content-Type header and its parameters (werkzeug's parser: quoted values,
    RFC 2231 encodings)."""
    if not content_type:
        return "", {}
    media, options = parse_options_header(content_type)
    return media.strip().lower(), {name.lower(): value for name, value in options.items()}


def _decode_body(body: bytes, options: dict[str, str]) -> str:
    charset = options.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(f"the body must be UTF-8, not {charset}")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(f"the body is not valid UTF-8 (byte {error.start})") from error


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise ProtocolError(f"the request has {len(values)} `{name}` parameters; send exactly one")
    return values[0] if values else None


def absolute_iri(value: str, name: str) -> str:
    """``value``, if it is an absolute IRI; else :class:`ProtocolError` (400) naming the parameter ``name``.

    Checked when the request is read: an invalid IRI reaching the store is an error there, not a refusal."""
    try:
        NamedNode(value)
    except ValueError as error:
        shown = value if len(value) <= 100 else value[:100] + "…"
        raise ProtocolError(f"`{name}` is not an absolute IRI: {shown!r} ({error})") from error
    return value


def _graphs(params: dict[str, list[str]], name: str) -> list[str] | None:
    values = params.get(name)
    return None if values is None else [absolute_iri(value, name) for value in values]


def read_request(method: str, query_string: bytes, content_type: str | None, body: bytes) -> SparqlRequest:
    """Read the operation of a request to the SPARQL endpoint, or raise :class:`ProtocolError`."""
    params = parse_params(query_string, "query string")
    text: str | None
    if method in ("GET", "HEAD"):
        if "update" in params:
            raise ProtocolError("updates must be sent with POST, never GET", 400)
        text, kind = _single(params, "query"), "query"
    elif method == "POST":
        media, options = media_type_of(content_type)
        if media == FORM:
            _decode_body(body, options)
            form = parse_params(body, "form body")
            for name, values in form.items():
                params.setdefault(name, []).extend(values)
            query, update = _single(params, "query"), _single(params, "update")
            if query is not None and update is not None:
                raise ProtocolError("the request has both `query` and `update`; send one")
            text, kind = (update, "update") if update is not None else (query, "query")
            if text is None:
                raise ProtocolError("the form has neither a `query` nor an `update` parameter")
        elif media in (QUERY_MEDIA_TYPE, UPDATE_MEDIA_TYPE):
            text = _decode_body(body, options)
            kind = "query" if media == QUERY_MEDIA_TYPE else "update"
        else:
            shown = media or "no Content-Type"
            raise ProtocolError(
                f"cannot read a POST body of {shown}: send {FORM}, {QUERY_MEDIA_TYPE} or {UPDATE_MEDIA_TYPE}", 415
            )
    else:
        raise ProtocolError(f"{method} is not allowed on the SPARQL endpoint: use GET or POST", 405)
    if text is None:
        return SparqlRequest("none", params=params)
    if kind == "query":
        defaults, named = _graphs(params, "default-graph-uri"), _graphs(params, "named-graph-uri")
    else:
        defaults, named = _graphs(params, "using-graph-uri"), _graphs(params, "using-named-graph-uri")
    return SparqlRequest(kind, text, defaults, named, params)


# --- USING injection for updates (using-graph-uri / using-named-graph-uri) ---------------------------------

_TOKEN = re.compile(
    r"""(?P<skip>'''.*?(?:'''|\Z)|\"\"\".*?(?:\"\"\"|\Z)|'(?:[^'\\\n]|\\.)*+'?|"(?:[^"\\\n]|\\.)*+"?
              |<[^<>"{}|^`\\\s]*+>|\#[^\n]*+)
      |(?P<open>\{)|(?P<close>\})
      |(?P<word>\b(?:WHERE|USING|WITH|DELETE|INSERT)\b)""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)


def inject_using(update: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """Add ``USING`` / ``USING NAMED`` clauses for the protocol's dataset to every ``… WHERE`` operation.

    Raises :class:`ProtocolError` when the update already has ``USING`` or ``WITH`` (the protocol forbids both).
    """
    clause = " ".join([f"USING <{g}>" for g in default_graphs] + [f"USING NAMED <{g}>" for g in named_graphs])
    depth, out, last, previous = 0, [], 0, ""
    for match in _TOKEN.finditer(update):
        if match.group("skip"):
            if not match.group("skip").startswith("#"):
                previous = "x"
            continue
        if match.group("open"):
            depth, previous = depth + 1, "{"
        elif match.group("close"):
            depth, previous = depth - 1, "}"
        elif depth == 0:
            word = match.group("word").upper()
            if word in ("USING", "WITH"):
                raise ProtocolError(
                    f"the update has a {word} clause and the request sets using-graph-uri or "
                    "using-named-graph-uri: use one or the other"
                )
            if word == "WHERE" and previous == "}":  # a Modify's WHERE, not DELETE WHERE
                out.append(update[last:match.start()] + clause + " ")
                last = match.start()
            previous = "w"
    out.append(update[last:])
    return "".join(out)
