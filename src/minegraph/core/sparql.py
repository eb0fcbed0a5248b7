"""What a SPARQL text asks for, read before it runs: the keywords that reach out of the store, and its dataset.

A tokenizer skips strings, IRIs and comments, so that ``"SERVICE"`` in a literal, ``<http://…/service>`` or
``ex:load`` are not mistaken for keywords.

>>> outbound("SELECT * WHERE { SERVICE <http://127.0.0.1:7878/query> { ?s ?p ?o } }")
['SERVICE']
>>> outbound('SELECT * WHERE { ?s <http://ex/SERVICE> "LOAD" . ?s ex:load ?o } # SERVICE')
[]
>>> outbound("LOAD SILENT <http://example.org/data.ttl> INTO GRAPH <http://ex/g>")
['LOAD']
>>> dataset("SELECT * FROM <http://ex/a> FROM NAMED <http://ex/b> WHERE { ?s ?p ?o }")
(['http://ex/a'], ['http://ex/b'])
>>> dataset("PREFIX g: <http://ex/> SELECT * FROM g:a WHERE { ?s ?p ?o }")
(['http://ex/a'], [])
>>> dataset("SELECT * WHERE { ?s ?p ?o }")
(None, None)
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""(?P<skip>'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|\#[^\n]*)
      |<(?P<iri>[^<>"{}|^`\\\s]*)>
      |(?P<open>\{)|(?P<close>\})
      |(?P<pname>(?<![\w?$])(?:[A-Za-z][\w.-]*)?:[\w.%-]*)
      |(?P<word>(?<![\w:?$-])[A-Za-z]+(?![\w:-]))""",
    re.DOTALL | re.VERBOSE,
)
#: Keywords that make the engine fetch a URL: SERVICE (queries and updates), LOAD (updates).
OUTBOUND = ("SERVICE", "LOAD")


def outbound(text: str) -> list[str]:
    """The keywords of ``text`` that would make the engine fetch something from the network, in order."""
    return [word for match in _TOKEN.finditer(text)
            if (word := (match.group("word") or "").upper()) in OUTBOUND]


def dataset(text: str) -> tuple[list[str] | None, list[str] | None]:
    """The graphs a query's own ``FROM`` and ``FROM NAMED`` clauses name (before its ``WHERE``): (default graphs,
    named graphs), each None when the query has no such clause. Relative IRIs are returned as written."""
    defaults: list[str] = []
    named: list[str] = []
    prefixes: dict[str, str] = {}
    pending: str | None = None
    declaring: str | None = None
    seen_from = False
    for match in _TOKEN.finditer(text):
        if match.group("open"):
            break  # the dataset clause comes before the query pattern
        word = (match.group("word") or "").upper()
        pname, iri = match.group("pname"), match.group("iri")
        if declaring is not None and iri is not None:
            prefixes[declaring] = iri
            declaring = None
            continue
        if word == "PREFIX":
            declaring = ""
        elif pname is not None and declaring == "":
            declaring = pname.split(":", 1)[0]
        elif word == "FROM":
            pending, seen_from = "default", True
        elif word == "NAMED" and pending == "default":
            pending = "named"
        elif (iri is not None or pname is not None) and pending:
            if iri is None:
                prefix, _, local = (pname or "").partition(":")
                iri = prefixes.get(prefix, prefix + ":") + local
            (named if pending == "named" else defaults).append(iri)
            pending = None
        elif word or iri is not None:
            pending = None
    if not seen_from:
        return None, None
    return defaults, named
