"""Source metadata (``--meta``), source ids, and the RDF reader.

A source id names a source document for ever: its graph and every key in it are minted from it. It is the
``id`` of the meta file when there is one, else derived from the file name (``colombia-victims.csv`` ->
``colombia-victims``); stdin needs a meta file.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, parse

from minegraph.core.bounds import refuse_unbounded_rdf
from minegraph.core.errors import InputError, UnreadableInput
from minegraph.core.ntriples import NTriplesGraph
from minegraph.core.schema import check
from minegraph.core.yamlio import load_yaml
from minegraph.ingest.model import Agent, SourceMeta
from minegraph.ingest.schema import MetaFile
from minegraph.ingest.table import decode

RDF_EXTENSIONS = {".ttl": RdfFormat.TURTLE, ".jsonld": RdfFormat.JSON_LD, ".nq": RdfFormat.N_QUADS,
                  ".nt": RdfFormat.N_TRIPLES, ".trig": RdfFormat.TRIG}
_ID_CHARS = re.compile(r"[^a-z0-9]+")


def source_id_from_name(path: str) -> str:
    """``Colombia Victims (2018).csv`` -> ``colombia-victims-2018``."""
    stem = Path(path).name.split(".", 1)[0]
    ident = _ID_CHARS.sub("-", stem.lower()).strip("-")[:80]
    if not ident:
        raise InputError("a source id cannot be derived from this file name: give --meta with an id", file=path)
    return ident


def load_meta(path: Path, *, fallback_id: str | None = None, today: dt.date | None = None) -> SourceMeta:
    """Read a source meta file (YAML): id, title, publisher (an agent id or a mapping), dates, licence."""
    file = str(path)
    data = load_yaml(path)
    nested = isinstance(data, dict) and isinstance(data.get("source"), dict)
    meta = check(MetaFile, data["source"] if nested else data, file=file, records={"publisher": "one"})
    ident = meta.id or fallback_id
    if not ident:
        raise InputError("is required", file=file, record="source", field="id")
    p = meta.publisher
    publisher = p if isinstance(p, str) else Agent(p.id, p.label, p.description, p.homepage, p.wikidata)
    return SourceMeta(
        id=ident, title=meta.title, publisher=publisher, retrieved=meta.retrieved or today or dt.date.today(),
        language=meta.language, type=meta.type, issued=meta.issued, url=meta.url, licence=meta.licence,
        notes=tuple(meta.notes),
    )


def read_rdf(path: str, data: bytes) -> tuple[NTriplesGraph, list[str]]:
    """An RDF file as the triples of one source graph; graph names of quads are dropped (and said).

    RDF 1.2 terms are refused (:func:`refuse_rdf12`): triple terms (``<<( … )>>``, and the reifiers, ``<< … >>``,
    ``~``, ``{| … |}``, that stand for them) and literals with a base direction (``"…"@ar--rtl``). The gate, the
    stores and the exports speak RDF 1.1.
    """
    fmt = RDF_EXTENSIONS.get(Path(path).suffix.lower())
    if fmt is None:
        raise UnreadableInput(f"has no known RDF extension ({', '.join(RDF_EXTENSIONS)})", file=path)
    text = decode(data, path)  # a clear message for a wrong encoding
    try:
        refuse_unbounded_rdf(data, fmt, "it")
    except InputError as error:
        raise UnreadableInput(error.message, file=path) from error
    graph, names = NTriplesGraph(), set()
    try:
        for quad in parse(data, format=fmt):
            refuse_rdf12(quad, path, text)
            graph.lines.append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
            if getattr(quad, "graph_name", None) is not None and str(quad.graph_name) != "DEFAULT":
                names.add(str(quad.graph_name))
    except SyntaxError as error:
        raise UnreadableInput(f"is not valid {fmt.name}: {error}", file=path) from error
    notices = [f"{path}: everything was read into the file's own source graph; the graph names "
               f"{', '.join(sorted(names))} were not kept"] if names else []
    graph.lines = sorted(set(graph.lines))
    return graph, notices


#: where RDF 1.2 syntax is, in the text of a file: triple terms and reifiers, a base direction
_TRIPLE_TERM_SYNTAX = re.compile(r"<<|\{\||\"@triple\"|\"@annotation\"")
_DIRECTION_SYNTAX = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*--(?:ltr|rtl)\b|\"@direction\"")


def refuse_rdf12(quad: Quad, path: str, text: str) -> None:
    """Refuse a quad with an RDF 1.2 term, naming the file, the line of the first such syntax in it, and the term
    (a literal's text is not shown, only its tag: it may be anything)."""
    for term in (quad.subject, quad.object):
        if isinstance(term, Triple):
            inner = term.subject.value if isinstance(term.subject, NamedNode) else None
            exact = re.compile(rf"<<\(?\s*<{re.escape(inner)}>") if inner else _TRIPLE_TERM_SYNTAX
            raise UnreadableInput(f"RDF 1.2 triple terms are not supported: "
                                  f"{_where(exact, text) or _where(_TRIPLE_TERM_SYNTAX, text)}"
                                  f"{_shown(term)} (give the statement as a plain triple, or describe it with "
                                  "rdf:Statement / rdf:subject / rdf:predicate / rdf:object)", file=path)
        if isinstance(term, Literal) and getattr(term, "direction", None):
            exact = re.compile(rf"@{re.escape(term.language or '')}--{term.direction}\b", re.IGNORECASE)
            raise UnreadableInput(f"RDF 1.2 base directions are not supported: "
                                  f"{_where(exact, text) or _where(_DIRECTION_SYNTAX, text)}"
                                  f"{_shown(term)} (give the language tag without --{term.direction})", file=path)


def _where(syntax: re.Pattern[str], text: str) -> str:
    found = syntax.search(text)
    return f"line {text.count(chr(10), 0, found.start()) + 1}: " if found else ""


def _shown(term: object) -> str:
    """A term as N-Triples would write it, literals reduced to their tag or datatype."""
    if isinstance(term, Triple):
        return f"<<( {_shown(term.subject)} {_shown(term.predicate)} {_shown(term.object)} )>>"
    if isinstance(term, Literal):
        if term.language:
            direction = getattr(term, "direction", None)
            return f'"…"@{term.language}' + (f"--{direction}" if direction else "")
        return f'"…"^^<{term.datatype.value}>'
    return str(term)
