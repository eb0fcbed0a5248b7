"""Reading protocol requests, USING injection, result writers and format parameters — no server needed."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode

from minegraph.web.protocol import ProtocolError, inject_using, read_request
from minegraph.web.results import write_boolean, write_rows
from minegraph.web.sparql import _by_name

FORM = "application/x-www-form-urlencoded"


def test_get_query_with_dataset() -> None:
    request = read_request("GET", b"query=ASK%7B%7D&named-graph-uri=http%3A%2F%2Fa&named-graph-uri=http%3A%2F%2Fb&x=1",
                           None, b"")
    assert (request.kind, request.text, request.default_graphs, request.named_graphs) == (
        "query", "ASK{}", None, ["http://a", "http://b"])


def test_post_form_merges_url_and_body_parameters() -> None:
    request = read_request("POST", b"default-graph-uri=http%3A%2F%2Fg", FORM, b"query=SELECT+*+%7B%7D")
    assert request.text == "SELECT * {}" and request.default_graphs == ["http://g"]


def test_post_direct_update_reads_using_parameters() -> None:
    request = read_request("POST", b"using-graph-uri=http%3A%2F%2Fg", "application/sparql-update; charset=utf-8",
                           b"CLEAR ALL")
    assert (request.kind, request.default_graphs) == ("update", ["http://g"])


def test_no_operation_is_a_service_description_request() -> None:
    assert read_request("GET", b"", None, b"").kind == "none"


@pytest.mark.parametrize(("method", "query_string", "content_type", "body", "status"), [
    ("GET", b"query=a&query=b", None, b"", 400),
    ("GET", b"update=CLEAR%20ALL", None, b"", 400),
    ("POST", b"", FORM, b"update=a&update=b", 400),
    ("POST", b"", FORM, b"query=a&update=b", 400),
    ("POST", b"", FORM, b"nothing=here", 400),
    ("POST", b"", FORM, b"query=%FF", 400),
    ("POST", b"", "application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), 400),
    ("POST", b"", "application/sparql-query", b"ASK {\xff}", 400),
    ("POST", b"", "text/plain", b"ASK {}", 415),
    ("POST", b"", None, b"ASK {}", 415),
    ("PUT", b"query=ASK%7B%7D", FORM, b"", 405),
])
def test_bad_requests(method: str, query_string: bytes, content_type: str | None, body: bytes, status: int) -> None:
    with pytest.raises(ProtocolError) as raised:
        read_request(method, query_string, content_type, body)
    assert raised.value.status == status


def test_inject_using_skips_strings_iris_comments_and_delete_where() -> None:
    update = ('PREFIX ex: <http://ex/#where> # WHERE in a comment\n'
              'INSERT DATA { ex:a ex:b "} WHERE {" } ; DELETE WHERE { ?s ?p ?o } ;\n'
              'DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }')
    rewritten = inject_using(update, ["http://d"], ["http://n"])
    assert rewritten.count("USING <http://d> USING NAMED <http://n>") == 1
    assert rewritten.endswith("DELETE { ?s ?p ?o } USING <http://d> USING NAMED <http://n> WHERE { ?s ?p ?o }")


@pytest.mark.parametrize("clause", ["WITH <http://g>", "USING <http://g>"])
def test_inject_using_refuses_a_dataset_in_the_update(clause: str) -> None:
    update = ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }" if clause.startswith("WITH")
              else f"DELETE {{ ?s ?p ?o }} {clause} WHERE {{ ?s ?p ?o }}")
    with pytest.raises(ProtocolError):
        inject_using(update, ["http://d"], [])


ROWS = [[NamedNode("http://ex/a"), Literal("say \"hi\", then\ttab", language="en")],
        [BlankNode("b0"), Literal("5", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))],
        [None, Literal("<&>")]]


def test_json_rows() -> None:
    document = json.loads(write_rows("json", ["s", "o"], ROWS, {"truncated": True}))
    bindings = document["results"]["bindings"]
    assert bindings[0]["o"] == {"type": "literal", "value": "say \"hi\", then\ttab", "xml:lang": "en"}
    assert bindings[1] == {"s": {"type": "bnode", "value": "b0"},
                           "o": {"type": "literal", "value": "5",
                                 "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
    assert "s" not in bindings[2] and document["minegraph"]["truncated"] is True


def test_xml_rows_are_well_formed() -> None:
    root = ElementTree.fromstring(write_rows("xml", ["s", "o"], ROWS, {"message": "cut -- here"}))
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert [v.get("name") for v in root.iter(f"{ns}variable")] == ["s", "o"]
    assert [r.text for r in root.iter(f"{ns}literal")][2] == "<&>"


def test_csv_and_tsv_rows() -> None:
    csv = write_rows("csv", ["s", "o"], ROWS).decode()
    assert csv.split("\r\n")[1] == 'http://ex/a,"say ""hi"", then\ttab"'
    assert csv.split("\r\n")[2] == "_:b0,5"
    tsv = write_rows("tsv", ["s", "o"], ROWS).decode().split("\n")
    assert tsv[0] == "?s\t?o"
    assert tsv[1] == '<http://ex/a>\t"say \\"hi\\", then\\ttab"@en'


def test_boolean() -> None:
    assert json.loads(write_boolean("json", True)) == {"head": {}, "boolean": True}
    assert b"<boolean>false</boolean>" in write_boolean("xml", False)


@pytest.mark.parametrize(("name", "expected"), [
    ("json", ("json", "jsonld")), ("xml", ("xml", "rdf")), ("csv", ("csv", None)), ("turtle", (None, "ttl")),
    ("application/sparql-results+json", ("json", None)), ("text/turtle", (None, "ttl")),
])
def test_format_parameter(name: str, expected: tuple[str | None, str | None]) -> None:
    assert _by_name(name) == expected
