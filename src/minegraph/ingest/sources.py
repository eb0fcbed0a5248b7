"""Source metadata (``--meta``), source ids, and the RDF reader.

A source id names a source document for ever: its graph and every key in it are minted from it. It is the
``id`` of the meta file when there is one, else derived from the file name (``colombia-victims.csv`` ->
``colombia-victims``); stdin needs a meta file.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pyoxigraph import RdfFormat, parse

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
    """An RDF file as the triples of one source graph; graph names of quads are dropped (and said)."""
    fmt = RDF_EXTENSIONS.get(Path(path).suffix.lower())
    if fmt is None:
        raise UnreadableInput(f"has no known RDF extension ({', '.join(RDF_EXTENSIONS)})", file=path)
    decode(data, path)  # a clear message for a wrong encoding
    graph, names = NTriplesGraph(), set()
    try:
        for quad in parse(data, format=fmt):
            graph.lines.append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
            if getattr(quad, "graph_name", None) is not None and str(quad.graph_name) != "DEFAULT":
                names.add(str(quad.graph_name))
    except SyntaxError as error:
        raise UnreadableInput(f"is not valid {fmt.name}: {error}", file=path) from error
    notices = [f"{path}: everything was read into the file's own source graph; the graph names "
               f"{', '.join(sorted(names))} were not kept"] if names else []
    graph.lines = sorted(set(graph.lines))
    return graph, notices
