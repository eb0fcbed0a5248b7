"""N-Triples written and read as text: term helpers, and :class:`NTriplesGraph`, the graph minegraph writes.

Every write hands the store graphs as N-Triples lines, one triple per line, as minegraph's emitter and
pyoxigraph's serializer write them: ``<s> <p> <o> .`` with single spaces, literals escaped. The helpers here
read such lines without building RDF terms, so that a check over a national file's millions of triples costs a
string split per line.

>>> literal('say "hi"', "en"), typed(3, "integer")
('"say \\\\"hi\\\\""@en', '"3"^^<http://www.w3.org/2001/XMLSchema#integer>')
>>> split_line('<http://a> <http://b> "x y"@en .\\n')
('<http://a>', '<http://b>', '"x y"@en')
>>> lexical('"say \\\\"hi\\\\""@en'), lexical('"3"^^<http://www.w3.org/2001/XMLSchema#integer>'), lexical('<x>')
('say "hi"', '3', None)
>>> is_text('"x"@en'), is_text('"3"^^<http://www.w3.org/2001/XMLSchema#integer>')
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rdflib import Graph, namespace

XSD = str(namespace.XSD)
RDF_TYPE = f"<{namespace.RDF.type}>"
_TEXT_TYPES = (f"^^<{XSD}string>", f"^^<{namespace.RDF.langString}>")
_ESCAPE = re.compile(r'\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)')
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def literal(text: str, lang: str | None = None) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r"))
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def iri(value: str) -> str:
    return f"<{value}>"


def split_line(line: str) -> tuple[str, str, str]:
    """``(subject, predicate, object)`` terms of one N-Triples line (the object as written, literal included)."""
    subject, predicate, rest = line.split(" ", 2)
    return subject, predicate, rest.rstrip().removesuffix(" .").removesuffix(".").rstrip()


def iri_value(term: str) -> str | None:
    """The IRI of an IRI term ``<…>``; None for a literal or a blank node."""
    return term[1:-1] if term.startswith("<") else None


def lexical(term: str) -> str | None:
    """The lexical form of a literal term, unescaped; None for an IRI or a blank node."""
    if not term.startswith('"'):
        return None
    end = term.rindex('"')
    body = term[1:end]
    return _ESCAPE.sub(_unescape, body) if "\\" in body else body


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code[0] in "uU" and len(code) > 1:
        return chr(int(code[1:], 16))
    return _ESCAPES.get(code, code)


def is_text(term: str) -> bool:
    """Whether a literal term is text (plain, language-tagged or xsd:string), not a number, date or the like."""
    if not term.startswith('"'):
        return False
    tail = term[term.rindex('"') + 1:]
    return not tail or tail.startswith("@") or tail in _TEXT_TYPES


def thing_of(iri_text: str) -> str:
    """The thing an IRI belongs to: the IRI without its ``#`` part (``…/incident/k#date`` -> ``…/incident/k``)."""
    return iri_text.split("#", 1)[0]


@dataclass
class NTriplesGraph:
    """A graph as N-Triples lines: what every write hands the store.

    ``units``: where independent parts of the graph start (line indices; e.g. each incident of a table with its
    date node and victims), so that the fast gate can check a big graph in batches — the lines before the first
    unit (the source, its statement) are shared by every batch. None: one part.
    """

    lines: list[str] = field(default_factory=list)
    units: list[int] | None = None
    _split: tuple[int, list[tuple[str, str, str]]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, text: str | bytes) -> NTriplesGraph:
        """A graph of N-Triples text (as pyoxigraph or rdflib serialize it), without empty lines or comments."""
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return cls([line + "\n" for line in text.splitlines() if line.strip() and not line.startswith("#")])

    @classmethod
    def from_triples(cls, triples: Iterable[object]) -> NTriplesGraph:
        """A graph of pyoxigraph triples (or anything with ``subject``, ``predicate``, ``object`` terms), sorted."""
        return cls(sorted(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples))  # type: ignore[attr-defined]

    def add(self, subject: str, predicate: str, obj: str) -> None:
        self.lines.append(f"{subject} {predicate} {obj} .\n")

    def serialize(self, format: str = "nt", encoding: str | None = None) -> bytes | str:
        if format not in ("nt", "ntriples", "application/n-triples"):
            return self.to_rdflib().serialize(format=format, encoding=encoding)
        text = "".join(self.lines)
        return text.encode(encoding) if encoding else text

    def text(self) -> str:
        return "".join(self.lines)

    def triples(self) -> list[tuple[str, str, str]]:
        """Every line as ``(subject, predicate, object)`` terms (split once, kept while the lines stay the same:
        the write door reads a national file's graph several times)."""
        if self._split is None or self._split[0] != len(self.lines):
            terms: dict[str, str] = {}  # one string per distinct term: a table's terms repeat (a third of the memory)
            share = terms.setdefault
            split: list[tuple[str, str, str]] = []
            for line in self.lines:
                s, p, o = split_line(line)
                split.append((share(s, s), share(p, p), share(o, o)))
            self._split = (len(self.lines), split)
        return self._split[1]

    def subjects(self) -> set[str]:
        """The subject terms of the graph."""
        return {s for s, _p, _o in self.triples()}

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The N-Triples as UTF-8 pieces of about ``size`` bytes, each ending at a line end (for bulk loads
        that must not hold a second copy of a national file's graph)."""
        piece: list[str] = []
        length = 0
        for line in self.lines:
            piece.append(line)
            length += len(line)
            if length >= size:
                yield "".join(piece).encode("utf-8")
                piece, length = [], 0
        if piece:
            yield "".join(piece).encode("utf-8")

    def filtered(self, keep: Iterable[str | None]) -> NTriplesGraph:
        """A graph of the lines of ``keep`` (one entry per line of this graph: the line to keep in its place, or
        None to drop it), with the units moved to where their first kept line now is."""
        lines: list[str] = []
        position: list[int] = []  # position[i]: where line i of this graph, or the first kept after it, now is
        for line in keep:
            position.append(len(lines))
            if line is not None:
                lines.append(line)
        position.append(len(lines))
        units = None if self.units is None else sorted({position[i] for i in self.units if position[i] < len(lines)})
        return NTriplesGraph(lines, units)

    def __len__(self) -> int:
        return len(self.lines)

    def to_rdflib(self) -> Graph:
        return Graph().parse(data=self.text(), format="nt")
