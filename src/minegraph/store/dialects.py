"""What differs between SPARQL servers, as query rewrites the remote store applies.

Virtuoso cuts every result at its ``ResultSetMaxRows`` (virtuoso.ini, [SPARQL]) without an error: a cut
SELECT answer carries ``X-SPARQL-MaxRows``; a cut CONSTRUCT answer carries nothing. So on Virtuoso the remote
store pages: a SELECT that comes back cut is asked again as ``SELECT * { original } LIMIT n OFFSET k`` until
a page is short, and a ``CONSTRUCT { ?s ?p ?o } WHERE {…}`` (the shape minegraph itself uses) is run as a paged
SELECT of the three variables. Any other CONSTRUCT or DESCRIBE that reaches the limit is refused with a
message naming the setting, never returned half.

>>> split_prologue("PREFIX a: <http://a/>\\nSELECT * { ?s ?p ?o }")
('PREFIX a: <http://a/>\\n', 'SELECT * { ?s ?p ?o }')
>>> construct_as_select("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <g> { ?s ?p ?o } }")
('SELECT DISTINCT ?s ?p ?o WHERE { GRAPH <g> { ?s ?p ?o } }', ('s', 'p', 'o'))
"""

from __future__ import annotations

import re

_PROLOGUE = re.compile(r"^(?:\s+|#[^\n]*\n|BASE\s*<[^>]*>|PREFIX\s+[\w.-]*:\s*<[^>]*>)*", re.IGNORECASE)
_SIMPLE_CONSTRUCT = re.compile(
    r"^CONSTRUCT\s*\{\s*\?(\w+)\s+\?(\w+)\s+\?(\w+)\s*\.?\s*\}\s*(?:WHERE\s*)?(\{.*\})\s*$",
    re.IGNORECASE | re.DOTALL,
)


def split_prologue(query: str) -> tuple[str, str]:
    """(BASE and PREFIX declarations, the rest of the query)."""
    match = _PROLOGUE.match(query)
    end = match.end() if match else 0
    return query[:end], query[end:]


_OWN_SLICE = re.compile(r"\b(LIMIT|OFFSET)\s+\d+\s*(?:(?:LIMIT|OFFSET)\s+\d+\s*)?$", re.IGNORECASE)


def page_of_select(query: str, limit: int, offset: int) -> str:
    """One page of the answers of a SELECT query.

    LIMIT/OFFSET are appended; a query with its own LIMIT or OFFSET becomes a subquery, so that they still
    hold. (Virtuoso 7.2 ignores the outer OFFSET over a ``SELECT DISTINCT`` subquery, so appending is preferred.)

    >>> page_of_select("SELECT ?s { ?s ?p ?o }", 10, 20)
    'SELECT ?s { ?s ?p ?o }\nLIMIT 10 OFFSET 20'
    """
    if _OWN_SLICE.search(query) is None:
        return f"{query}\nLIMIT {limit} OFFSET {offset}"
    prologue, body = split_prologue(query)
    return f"{prologue}SELECT * WHERE {{ {body}\n}} LIMIT {limit} OFFSET {offset}"


def construct_as_select(query: str) -> tuple[str, tuple[str, str, str]] | None:
    """``CONSTRUCT { ?s ?p ?o } WHERE {…}`` as a SELECT of its three variables; None for any other shape."""
    prologue, body = split_prologue(query)
    match = _SIMPLE_CONSTRUCT.match(body)
    if match is None:
        return None
    s, p, o, where = match.groups()
    return f"{prologue}SELECT DISTINCT ?{s} ?{p} ?{o} WHERE {where}", (s, p, o)
