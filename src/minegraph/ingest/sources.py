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
from minegraph.core.yamlio import Fields as _Fields
from minegraph.core.yamlio import load_yaml
from minegraph.ingest.emit import Publisher, SourceMeta
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
    f = _Fields(data.get("source", data) if isinstance(data, dict) else data, file, "source")
    ident = f.text("id") or fallback_id
    if not ident:
        raise f.error("id", "is required")
    publisher_data = f.get("publisher", (str, dict), required=True)
    if isinstance(publisher_data, dict):
        p = _Fields(publisher_data, file, "source.publisher")
        publisher: Publisher | str = Publisher(p.ident(), p.text("label", required=True) or "",
                                               p.text("description"), p.text("homepage"), p.text("wikidata"))
    else:
        publisher = publisher_data
    notes = f.get("notes", list) or []
    return SourceMeta(
        id=ident, title=f.text("title", required=True) or "", publisher=publisher,
        retrieved=f.date("retrieved") or today or dt.date.today(), language=f.text("language") or "en",
        type=f.text("type") or "dataset", issued=f.date("issued"), url=f.text("url"), licence=f.text("licence"),
        notes=tuple(str(n) for n in notes),
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
