"""The one table of formats: file extension, media types, rdflib and pyoxigraph names.

Content negotiation, exports and the CLI all read this table.

>>> by_extension("ttl").media_type
'text/turtle'
>>> negotiate("application/ld+json;q=0.9, text/turtle;q=0.5", RDF_FORMATS).extension
'jsonld'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    extension: str
    media_type: str
    rdflib: str | None
    oxigraph: RdfFormat | QueryResultsFormat | None
    aliases: tuple[str, ...] = ()

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


RDF_FORMATS: tuple[Format, ...] = (
    Format("ttl", "text/turtle", "turtle", RdfFormat.TURTLE, ("application/x-turtle",)),
    Format("jsonld", "application/ld+json", "json-ld", RdfFormat.JSON_LD, ("application/json",)),
    Format("nt", "application/n-triples", "nt", RdfFormat.N_TRIPLES, ("text/plain",)),
    Format("rdf", "application/rdf+xml", "xml", RdfFormat.RDF_XML, ("application/xml", "text/xml")),
)
DATASET_FORMATS: tuple[Format, ...] = (
    Format("nq", "application/n-quads", "nquads", RdfFormat.N_QUADS),
    Format("trig", "application/trig", "trig", RdfFormat.TRIG),
)
RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", None, QueryResultsFormat.JSON, ("application/json",)),
    Format("xml", "application/sparql-results+xml", None, QueryResultsFormat.XML, ("application/xml", "text/xml")),
    Format("csv", "text/csv", None, QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", None, QueryResultsFormat.TSV),
)
HTML = Format("html", "text/html", None, None, ("application/xhtml+xml",))
#: Incidents as an RFC 7946 FeatureCollection (``/incidents.geojson``, ``minegraph export --format geojson``).
GEOJSON = Format("geojson", "application/geo+json", None, None)


def by_extension(extension: str, table: tuple[Format, ...] = RDF_FORMATS + DATASET_FORMATS) -> Format:
    for fmt in table:
        if fmt.extension == extension:
            return fmt
    raise KeyError(extension)


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges of an Accept header with their q-values, best first.

    werkzeug parses the header (q-values, parameters; a malformed entry is dropped) and orders equal q-values
    most specific first, then as written. The choice among them (:func:`negotiate`) is ours: werkzeug's
    ``best_match`` would let ``*/*`` bring back a format the client excluded with ``q=0``.
    """
    ranges = parse_accept_header(header or "", MIMEAccept)
    return sorted(((value.split(";", 1)[0].strip().lower(), q) for value, q in ranges), key=lambda r: -r[1])


@lru_cache(maxsize=512)
def negotiate(header: str | None, table: tuple[Format, ...], default: Format | None = None) -> Format | None:
    """The best format of ``table`` for an Accept header; ``default`` when there is no header.

    Specific media types win over wildcards of the same q-value; q=0 excludes. Kept for the last 512 headers:
    clients send the same few again and again.
    """
    if not header or not header.strip():
        return default or table[0]
    best: tuple[float, int, int, Format] | None = None
    excluded = {media for media, q in parse_accept(header) if q == 0}
    for order, (media, q) in enumerate(parse_accept(header)):
        if q == 0:
            continue
        for position, fmt in enumerate(table):
            if fmt.media_type in excluded:
                continue
            if media == "*/*" or media in fmt.media_types:
                specificity = 0 if media == "*/*" else 1
            elif media.endswith("/*") and fmt.media_type.startswith(media[:-1]):
                specificity = 0
            else:
                continue
            rank = (q, specificity, -order * 100 - position, fmt)
            if best is None or rank[:3] > best[:3]:
                best = rank
    return best[3] if best else None


def content_type(media_type: str) -> str:
    """The Content-Type a document of ``media_type`` is sent with: text formats say they are UTF-8.

    >>> content_type("application/ld+json"), content_type("application/octet-stream")
    ('application/ld+json; charset=utf-8', 'application/octet-stream')
    """
    text = media_type.startswith("text/") or media_type.endswith(("+xml", "+json", "n-triples", "n-quads"))
    return f"{media_type}; charset=utf-8" if text else media_type


#: Every format a document (/doc, /def, /concept, releases) is published in: RDF first, so ``*/*`` and no
#: Accept header give Turtle; then HTML.
DOCUMENT_FORMATS: tuple[Format, ...] = (*RDF_FORMATS, HTML)

#: Common names of formats a ``?format=`` parameter may use, besides extensions and media types.
FORMAT_NAMES: dict[str, str] = {
    "turtle": "ttl", "json-ld": "jsonld", "json": "jsonld", "ntriples": "nt", "n-triples": "nt",
    "rdfxml": "rdf", "rdf/xml": "rdf", "xml": "rdf", "htm": "html", "nquads": "nq", "n-quads": "nq",
}


def by_name(value: str, table: tuple[Format, ...] = DOCUMENT_FORMATS) -> Format | None:
    """The format of ``table`` a ``?format=`` value names: an extension, a media type or a common name.

    >>> by_name("turtle").extension, by_name("application/ld+json").extension, by_name("x")
    ('ttl', 'jsonld', None)
    """
    value = value.strip().lower()
    value = FORMAT_NAMES.get(value, value)
    for fmt in table:
        if value == fmt.extension or value in fmt.media_types:
            return fmt
    return None
