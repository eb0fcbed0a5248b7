"""Bounds on RDF bodies, checked on the bytes before any parser sees them: a parser that recurses or expands
entities would crash or fill the memory, not refuse.

>>> json_depth(b'{"@id": "http://ex/a", "http://ex/p": [[{"@value": "[[[{"}]]]}')
4
>>> refuse_unbounded_rdf(b'<!DOCTYPE r [<!ENTITY a "lol">]><r/>', RdfFormat.RDF_XML, "the body") # doctest: +ELLIPSIS
Traceback (most recent call last):
...
minegraph.core.errors.InputError: the body is RDF/XML with a document type declaration (<!DOCTYPE or ...
"""

from __future__ import annotations

import re

from pyoxigraph import RdfFormat

from minegraph.core.errors import InputError

#: The deepest nesting of arrays and objects a JSON-LD body may have: pyoxigraph's JSON-LD reader recurses, and
#: 10,000 nested objects crash the process that reads them.
MAX_JSON_DEPTH = 64
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*+"?|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL)
#: A markup declaration (<!DOCTYPE, <!ENTITY, <!ELEMENT…), not a comment or a CDATA section.
_DECLARATION = re.compile(rb"<!(?!--|\[CDATA\[)")


def json_depth(data: bytes) -> int:
    """The deepest nesting of ``[`` and ``{`` in JSON bytes, outside strings, read without recursion."""
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(data):
        if match.group("open"):
            depth += 1
            deepest = max(deepest, depth)
        elif match.group("close"):
            depth = max(0, depth - 1)
    return deepest


def refuse_unbounded_rdf(data: bytes, fmt: RdfFormat, where: str) -> None:
    """Refuse (:class:`InputError`, 400) RDF/XML with a document type declaration ("billion laughs": a few
    hundred bytes of entities grew a worker to 8.7 GB) and JSON-LD nested deeper than :data:`MAX_JSON_DEPTH`.

    ``where`` names the input in the message ("the body", a file name)."""
    if fmt == RdfFormat.RDF_XML and _DECLARATION.search(data.replace(b"\0", b"")):  # NULs: UTF-16 text
        raise InputError(f"{where} is RDF/XML with a document type declaration (<!DOCTYPE or <!ENTITY): minegraph "
                         "reads no DTD and expands no entity; send it without one")
    if fmt == RdfFormat.JSON_LD:
        depth = json_depth(data)
        if depth > MAX_JSON_DEPTH:
            raise InputError(f"{where} is JSON-LD nested {depth} arrays or objects deep; at most {MAX_JSON_DEPTH} "
                             "are allowed")
