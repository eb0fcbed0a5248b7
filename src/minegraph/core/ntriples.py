"""N-Triples written as text: term helpers and :class:`NTriplesGraph`, the graph minegraph writes without rdflib.

>>> literal('say "hi"', "en"), typed(3, "integer")
('"say \\"hi\\""@en', '"3"^^<http://www.w3.org/2001/XMLSchema#integer>')
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import Graph

XSD = "http://www.w3.org/2001/XMLSchema#"


def literal(text: str, lang: str | None = None) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r"))
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


@dataclass
class NTriplesGraph:
    """N-Triples text standing in for an rdflib Graph where a store only serializes and counts it."""

    lines: list[str] = field(default_factory=list)

    def add(self, subject: str, predicate: str, obj: str) -> None:
        self.lines.append(f"{subject} {predicate} {obj} .\n")

    def serialize(self, format: str = "nt", encoding: str | None = None) -> bytes | str:
        if format not in ("nt", "ntriples", "application/n-triples"):
            return self.to_rdflib().serialize(format=format, encoding=encoding)
        text = "".join(self.lines)
        return text.encode(encoding) if encoding else text

    def text(self) -> str:
        return "".join(self.lines)

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

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self) -> Iterator[object]:
        return iter(self.to_rdflib())

    def to_rdflib(self) -> Graph:
        return Graph().parse(data=self.text(), format="nt")
