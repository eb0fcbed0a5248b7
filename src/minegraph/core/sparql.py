"""What a SPARQL text asks for, read before it runs: the keywords that reach out of the store, its dataset, and
how deep and how long its patterns and expressions are.

A tokenizer skips strings, IRIs, comments, variables, numbers, language tags and blank node labels, so that
``"SERVICE"`` in a literal, ``<http://…/service>`` or ``ex:load`` are not mistaken for keywords. It reads any text
in time linear in its length: an unterminated string ends at the end of its line (or, for a long string, of the
text), and no token is retried from inside another (a 40 KB query of ``"\\"\\"…`` once took a minute).

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
>>> nesting('SELECT * WHERE { { FILTER((?x > 1) && "((((" != ?y) } }  # ((((')
4
>>> operators("SELECT * WHERE { ?s <http://ex/a-b>/ex:c-d ?o FILTER(?o > -1 || ?o = 2) } # + + +")
8
"""

from __future__ import annotations

import re

from minegraph.core.errors import QueryError

_TOKEN = re.compile(
    r"""(?P<skip>'''.*?(?:'''|\Z)|\"\"\".*?(?:\"\"\"|\Z)|'(?:[^'\\\n]|\\.)*+'?|"(?:[^"\\\n]|\\.)*+"?|\#[^\n]*+
              |[?$]\w*+|_:[\w.-]*+|@[A-Za-z]++(?:-[A-Za-z0-9]++)*+|\^\^|\d++(?:\.\d*+)?(?:[eE][+-]?\d++)?)
      |<(?P<iri>[^<>"{}|^`\\\s]*+)>
      |(?P<open>\{)|(?P<close>\})|(?P<nest>[(\[])|(?P<unnest>[)\]])
      |(?P<name>[A-Za-z][\w.:%-]*+)
      |(?P<op>\|\||&&|!=|<=|>=|[!|/^+*=<>-])""",
    re.DOTALL | re.VERBOSE,
)
#: Keywords that make the engine fetch a URL: SERVICE (queries and updates), LOAD (updates).
OUTBOUND = ("SERVICE", "LOAD")
#: The deepest nesting of ``{``, ``(`` and ``[`` a query or an update may have. pyoxigraph parses and evaluates
#: nested patterns recursively: 5,000 nested groups crash the process that parses them.
MAX_NESTING = 64
#: The most operators a query or an update may have: groups, UNION, OPTIONAL, MINUS, FILTER, BIND, and the
#: operators of expressions and property paths. Each makes the algebra one level deeper: a flat chain of 8,000
#: ``+ 1`` or ``OPTIONAL {…}`` crashes pyoxigraph too.
MAX_OPERATORS = 2_000
_CHAINING = ("UNION", "OPTIONAL", "MINUS", "FILTER", "BIND", "GRAPH", "SERVICE", "VALUES", "IN")


def _names(run: str) -> tuple[str | None, list[str]]:
    """A run of name characters as (prefixed name or None, the words a parser could read as keywords in it).

    A scannerless parser reads ``1SERVICE`` as ``1 SERVICE`` and ``SERVICE:q`` as ``SERVICE :q``: every word
    outside a prefixed name's local part counts, whatever touches it."""
    if ":" in run:
        prefix, _, _local = run.partition(":")
        return run.rstrip("."), re.findall(r"[A-Za-z]+", prefix)
    return None, re.findall(r"[A-Za-z]+", run)


def measure(text: str) -> tuple[list[str], int, int]:
    """In one pass over ``text``: the keywords that would make the engine fetch something from the network (in
    order), the deepest nesting of groups, brackets and parentheses, and the number of operators (groups, pattern
    keywords, expression and path operators) — outside strings, IRIs and comments.

    Conservative: a word that holds SERVICE or LOAD (``trueSERVICE``) counts, as does a prefix (``SERVICE:q``)."""
    found: list[str] = []
    depth = deepest = count = 0
    for match in _TOKEN.finditer(text):
        if match.group("open") or match.group("nest"):
            depth += 1
            deepest = max(deepest, depth)
            count += bool(match.group("open"))
        elif match.group("close") or match.group("unnest"):
            depth = max(0, depth - 1)
        elif match.group("op"):
            count += 1
        elif match.group("name"):
            for word in _names(match.group("name"))[1]:
                upper = word.upper()
                found += [keyword for keyword in OUTBOUND if keyword in upper]
                count += upper in _CHAINING
    return found, deepest, count


def outbound(text: str) -> list[str]:
    """The keywords of ``text`` that would make the engine fetch something from the network, in order."""
    return measure(text)[0]


def nesting(text: str) -> int:
    """The deepest nesting of groups, brackets and parentheses in ``text``, outside strings, IRIs and comments."""
    return measure(text)[1]


def operators(text: str) -> int:
    """How many groups, pattern keywords and expression or path operators ``text`` has."""
    return measure(text)[2]


def refuse_unsafe(text: str, what: str = "query") -> None:
    """Refuse (:class:`QueryError`, 400), before any parser sees it, a query or an update that is nested deeper
    than :data:`MAX_NESTING` or has more than :data:`MAX_OPERATORS` operators (the engine would crash, not
    refuse), or that would make the engine fetch something (SERVICE, LOAD: no request ever leaves the server on
    behalf of a query or an update). One pass over the text, for the endpoint and both stores alike."""
    found, deepest, count = measure(text)
    if deepest > MAX_NESTING:
        raise QueryError(f"the {what} nests groups, brackets or parentheses {deepest} deep; at most {MAX_NESTING} "
                         "are allowed")
    if count > MAX_OPERATORS:
        raise QueryError(f"the {what} has {count} operators (groups, UNION, OPTIONAL, FILTER, expression and path "
                         f"operators); at most {MAX_OPERATORS} are allowed")
    if found:
        raise QueryError(f"{found[0]} is not allowed here: minegraph never fetches anything from the network on "
                         "behalf of a query or an update (SERVICE, LOAD). Query the other endpoint yourself, or load "
                         "data with `minegraph ingest`")


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
        pname, words = _names(match.group("name") or "")
        word = words[0].upper() if words and pname is None and len(words) == 1 else ""
        iri = match.group("iri")
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
