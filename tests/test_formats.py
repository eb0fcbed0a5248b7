from __future__ import annotations

import pytest

from minegraph.core.formats import RDF_FORMATS, RESULT_FORMATS, by_extension, negotiate, parse_accept


def test_accept_is_ordered_by_q_value() -> None:
    assert parse_accept("text/html;q=0.5, text/turtle") == [("text/turtle", 1.0), ("text/html", 0.5)]


@pytest.mark.parametrize(
    ("accept", "extension"),
    [
        (None, "ttl"),
        ("", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.8", "rdf"),
        ("text/*;q=0.5, application/n-triples;q=0.4", "ttl"),
        ("*/*", "ttl"),
        ("*/*;q=0.1, application/n-triples", "nt"),
        ("text/turtle;q=0, */*", "jsonld"),
        # a quoted parameter may hold a comma: its q-value still belongs to it (a split on "," gave JSON-LD q=1)
        ('application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted,x";q=0.1, text/turtle;q=0.5', "ttl"),
    ],
)
def test_rdf_negotiation(accept: str | None, extension: str) -> None:
    chosen = negotiate(accept, RDF_FORMATS)
    assert chosen is not None and chosen.extension == extension


def test_nothing_acceptable() -> None:
    assert negotiate("image/png", RDF_FORMATS) is None


def test_results_negotiation_and_lookup() -> None:
    chosen = negotiate("application/sparql-results+xml", RESULT_FORMATS)
    assert chosen is not None and chosen.extension == "xml"
    assert by_extension("nq").media_type == "application/n-quads"
    with pytest.raises(KeyError):
        by_extension("docx")
