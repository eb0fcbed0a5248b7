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
from functools import lru_cache

from rdflib.namespace import RDF

from minegraph.core.errors import QueryError

_TOKEN = re.compile(
    r"""(?P<skip>'''.*?(?:'''|\Z)|\"\"\".*?(?:\"\"\"|\Z)|'(?:[^'\\\r\n]|\\.)*+'?|"(?:[^"\\\r\n]|\\.)*+"?|\#[^\r\n]*+
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
#: The longest IRI a query or an update may write. In an expression ``<`` and ``>`` are also comparisons: what this
#: scanner reads as one IRI (``?a<((((…1…))))>?b``) the engine may read as an expression nested that deep, so a
#: longer IRI counts as nesting too deep (2,000 nested parentheses did not crash pyoxigraph 0.5.13, 3,000 did).
MAX_IRI = 2_048
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
        iri = match.group("iri")
        if iri is not None and len(iri) > MAX_IRI:  # a `<` of an expression may open what looks like an IRI
            deepest = max(deepest, MAX_NESTING + 1)
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


#: The tokens :func:`bounded` knows; anything else (a long string, a path operator, a bracket…) makes a query
#: unbounded for it.
_PLAIN = re.compile(
    r"""(?P<space>\s+|\#[^\r\n]*)
      |(?P<iri><[^<>"{}|^`\\\s]*>)
      |(?P<var>[?$]\w+)
      |(?P<literal>"(?:[^"\\\r\n]|\\.)*"(?!")|'(?:[^'\\\r\n]|\\.)*'(?!')|[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      |(?P<suffix>@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^)
      |(?P<pname>[A-Za-z][\w-]*:(?:[\w%-]+(?:\.[\w%-]+)*)?|:(?:[\w%-]+(?:\.[\w%-]+)*)?)
      |(?P<word>[A-Za-z]+)
      |(?P<punct>[{}.;,*])
      |(?P<other>.)""",
    re.DOTALL | re.VERBOSE,
)
#: The most triple patterns (or described resources) of a bounded query.
BOUNDED_PATTERNS = 16
#: A pattern of a bounded query: its subject's IRI, and its predicate's (None: a variable).
Pattern = tuple[str, str | None]


#: An absolute IRI as a bounded query may write it, and every IRI of a text.
_ABSOLUTE = re.compile(r"[A-Za-z][\w+.-]*:")
_IRIS = re.compile(r"<([^<>\"{}|^`\\\s]*)>")
_SLOT = "urn:minegraph:slot:"


def bounded(text: str) -> list[Pattern] | None:
    """:func:`bounded_shape` of ``text`` with its IRIs taken out, so that the analysis of a query is made once for
    all the queries that differ only in their IRIs (a client's light queries are the same few, about different
    things); None when ``text`` is not bounded."""
    iris = _IRIS.findall(text)
    if len(iris) > 9999 or not all(_ABSOLUTE.match(iri) for iri in iris):
        return None
    slots = iter(range(len(iris)))
    shape = _bounded_shape(_IRIS.sub(lambda _match: f"<{_SLOT}{next(slots):04d}:>", text))
    if shape is None:
        return None

    def filled(iri: str) -> str:
        if not iri.startswith(_SLOT):  # from the text: rdf:type for "a"
            return iri
        index, local = int(iri[len(_SLOT):len(_SLOT) + 4]), iri[len(_SLOT) + 5:]
        return iris[index] + local

    return [(filled(subject), None if predicate is None else filled(predicate)) for subject, predicate in shape]


@lru_cache(maxsize=1024)
def _bounded_shape(text: str) -> tuple[Pattern, ...] | None:
    found = bounded_shape(text)
    return None if found is None else tuple(found)


def bounded_shape(text: str) -> list[Pattern] | None:
    """The patterns of ``text`` when it is a query whose cost is bounded by what the store holds about the
    subjects it names (else None). The caller counts the triples each pattern can match: their product bounds
    the work of any join order (:func:`minegraph.web.run.run_bounded`).

    Such a query is a ``DESCRIBE`` of IRIs (no ``WHERE``; one pattern per IRI, any predicate), or a ``SELECT``
    (plain variables or ``*``) or ``ASK`` whose pattern is one group of at most :data:`BOUNDED_PATTERNS` triple
    patterns, each with an IRI as subject and an IRI or a variable as predicate — no variables or blank nodes as
    subjects, no paths, ``FILTER``, ``OPTIONAL``, ``UNION``, subqueries, ``GRAPH``, ``FROM``, ``BASE``, relative
    IRIs, grouping or ordering — with ``DISTINCT``, ``LIMIT`` and ``OFFSET`` allowed. Anything else, or anything
    this reader does not know, is not bounded (a query that is may be said not to be; never the other way).

    >>> bounded("DESCRIBE <http://ex/a> <http://ex/b>")
    [('http://ex/a', None), ('http://ex/b', None)]
    >>> bounded("PREFIX ex: <http://ex/> SELECT ?l WHERE { ex:a ex:label ?l ; ex:p ?t . ex:b ?p 1 } LIMIT 5")
    [('http://ex/a', 'http://ex/label'), ('http://ex/a', 'http://ex/p'), ('http://ex/b', None)]
    >>> bounded("SELECT * WHERE { ?s ?p ?o }"), bounded("SELECT * { <http://ex/a> <http://ex/p> ?o . ?o ?q ?x }")
    (None, None)
    >>> bounded("SELECT * WHERE { <http://ex/a> <http://ex/p>/<http://ex/q> ?o }"), bounded("DESCRIBE ?x { ?x ?p 1 }")
    (None, None)
    >>> bounded("SELECT (COUNT(*) AS ?n) { <http://ex/a> ?p ?o }"), bounded("SELECT * { <x:a> ?p ?o } ORDER BY 1")
    (None, None)
    >>> bounded("SELECT * { ex:a ?p ?o }"), bounded("SELECT * { <a> ?p ?o }")  # an undeclared prefix, a relative IRI
    (None, None)
    >>> bounded("PREFIX service: <http://127.0.0.1:7878/> SELECT * { service:q ?p ?o }")  # never near SERVICE

    """
    tokens = [(match.lastgroup or "", match.group()) for match in _PLAIN.finditer(text) if match.lastgroup != "space"]
    if any(kind == "other" for kind, _ in tokens):
        return None
    prefixes: dict[str, str] = {}
    position = 0

    def peek(offset: int = 0) -> tuple[str, str]:
        index = position + offset
        return tokens[index] if index < len(tokens) else ("end", "")

    def keyword(value: str) -> bool:
        kind, word = peek()
        return kind == "word" and word.upper() == value

    def iri(token: tuple[str, str]) -> str | None:
        kind, value = token
        if kind == "iri":
            return value[1:-1] if re.match(r"<[A-Za-z][\w+.-]*:", value) else None
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if any(keyword in prefix.upper() for keyword in OUTBOUND):  # SERVICE:q reads as SERVICE :q
                return None
            return prefixes[prefix] + local if prefix in prefixes else None
        return None

    while keyword("PREFIX"):  # the prologue
        name, declared = peek(1), peek(2)
        if name[0] != "pname" or not name[1].endswith(":") or iri(declared) is None:
            return None
        prefixes[name[1][:-1]] = iri(declared) or ""
        position += 3
    form = peek()[1].upper() if peek()[0] == "word" else ""
    position += 1
    patterns: list[Pattern] = []
    if form == "DESCRIBE":
        while (described := iri(peek())) is not None:
            patterns.append((described, None))
            position += 1
        return patterns if 0 < len(patterns) <= BOUNDED_PATTERNS and peek()[0] == "end" else None
    if form == "SELECT":
        if keyword("DISTINCT") or keyword("REDUCED"):
            position += 1
        if peek() == ("punct", "*"):
            position += 1
        elif peek()[0] == "var":
            while peek()[0] == "var":
                position += 1
        else:
            return None
    elif form != "ASK":
        return None
    if keyword("WHERE"):
        position += 1
    if peek() != ("punct", "{"):
        return None
    position += 1
    subject: str | None = None
    expect = "subject"
    while peek() != ("punct", "}"):
        token = peek()
        kind = token[0]
        position += 1
        if kind == "end" or len(patterns) > BOUNDED_PATTERNS:
            return None
        if expect == "subject":
            if (subject := iri(token)) is None:
                return None
            expect = "predicate"
        elif expect == "predicate":
            predicate = str(RDF.type) if token == ("word", "a") else iri(token)
            if predicate is None and kind != "var":
                return None
            patterns.append((subject or "", predicate))
            expect = "object"
        elif expect == "object":
            if iri(token) is None and kind not in ("var", "literal"):
                return None
            while peek()[0] == "suffix":  # a language tag, or ^^ and a datatype
                if peek()[1] == "^^":
                    if iri(peek(1)) is None:
                        return None
                    position += 1
                position += 1
            expect = "separator"
        elif token == ("punct", ";"):
            expect = "predicate"
        elif token == ("punct", ","):
            patterns.append(patterns[-1])
            expect = "object"
        elif token == ("punct", "."):
            expect = "subject"
        else:
            return None
    if expect not in ("subject", "separator") or not patterns or len(patterns) > BOUNDED_PATTERNS:
        return None
    position += 1
    for clause in ("LIMIT", "OFFSET", "LIMIT"):
        if keyword(clause):
            if peek(1)[0] != "literal" or not peek(1)[1].isdigit():
                return None
            position += 2
    return patterns if peek()[0] == "end" else None
