"""Every input has a bound that answers 4xx before any parser sees it, and odd input is a 4xx, never a 5xx.

A parser that recurses crashes on deep nesting (a query worker died with 20,000 nested groups, a web worker
with an update of them); an XML parser that expands entities fills the memory ("billion laughs"); a URL of
20 MB came back whole in a 303. Each bound is checked on the text or the bytes, by a scan that does not
recurse, and named in the refusal (docs/sparql.md and SECURITY.md state them).
"""

from __future__ import annotations

import doctest
import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from minegraph.core.bounds import MAX_JSON_DEPTH
from minegraph.core.errors import QueryError
from minegraph.core.settings import Settings
from minegraph.core.sparql import MAX_NESTING, MAX_OPERATORS, operators, outbound
from minegraph.web.limits import MAX_URL_BYTES

TOKEN = "bounds-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}
QUERY = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
GRAPH = "http://example.org/bounds"


@pytest.fixture(scope="module")
def writable(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app over a copy of the built store, with a write token, and release 1 of it."""
    from minegraph.cli.release import COMMANDS
    from minegraph.web import create_app

    store = tmp_path_factory.mktemp("bounds") / "store"
    shutil.copytree(built_settings.store, store)
    settings = replace(built_settings, store=store, write_token=TOKEN)
    release = next(command for command in COMMANDS if command.name == "release")
    result = CliRunner().invoke(release, ["-q", "--store", str(store)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    app = create_app(settings, {"TESTING": True, "QUERY_WORKERS": 1})
    yield app
    app.extensions["minegraph"].close()


@pytest.fixture
def client(writable: Flask) -> FlaskClient:
    return writable.test_client()


def _refused(reply, *words: str, status: int = 400) -> str:  # type: ignore[no-untyped-def]
    text = reply.get_data(as_text=True)
    assert reply.status_code == status, text[:500]
    for word in words:
        assert word in text, text[:500]
    return text


# --- SPARQL: nesting and operators ----------------------------------------------------------------------------

@pytest.mark.parametrize("opening, closing", [("{", "}"), ("(", ")"), ("[ <http://ex/p> ", "]")])
def test_a_deeply_nested_query_is_refused_before_it_is_parsed(client: FlaskClient, opening: str, closing: str) -> None:
    """20,000 nested groups crashed the query worker (503); now the endpoint refuses them, saying the bound."""
    n = 20_000
    if opening == "{":
        text = "SELECT * WHERE " + "{" * n + "}" * n
    elif opening == "(":
        text = "SELECT * WHERE { FILTER(" + "(" * n + "1" + ")" * n + ") }"
    else:
        text = "SELECT * WHERE { ?s <http://ex/p> " + opening * n + closing * n + " }"
    _refused(client.post("/sparql", data=text, headers=QUERY), "deep; at most", str(MAX_NESTING))
    assert client.post("/sparql", data="ASK { { { ?s ?p ?o } } }", headers=QUERY).status_code == 200


def test_a_long_chain_of_operators_is_refused(client: FlaskClient) -> None:
    """A flat chain of 8,000 ``+ 1`` (or OPTIONALs, UNIONs, path steps) crashed pyoxigraph as surely as nesting."""
    for text in ("SELECT * WHERE { FILTER(1" + " + 1" * 8000 + ") }",
                 "SELECT * WHERE { " + "{ } UNION " * 8000 + "{ } }",
                 "SELECT * WHERE { ?s <http://ex/p>" + "/<http://ex/p>" * 8000 + " ?o }"):
        _refused(client.post("/sparql", data=text, headers=QUERY), str(MAX_OPERATORS), "operators")


def test_a_deeply_nested_update_is_refused_before_it_is_applied(client: FlaskClient) -> None:
    """An update is parsed in the web worker itself: nesting it deeply killed the gunicorn worker."""
    deep = "INSERT { <http://ex/s> <http://ex/p> 1 } WHERE " + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1)
    _refused(client.post("/sparql", data=deep, headers=UPDATE), f"{MAX_NESTING + 1} deep", "update")
    shallow = "INSERT { <http://ex/s> <http://ex/p> 1 } WHERE " + "{" * MAX_NESTING + "}" * MAX_NESTING
    assert client.post("/sparql", data=shallow, headers=UPDATE).status_code in (200, 422)


def test_the_stores_and_the_cli_refuse_a_deep_query(built_settings: Settings, built_store) -> None:  # type: ignore[no-untyped-def]
    from minegraph.cli.main import main

    deep = "ASK " + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1)
    with pytest.raises(QueryError, match=f"{MAX_NESTING + 1} deep"):
        built_store.query(deep)
    result = CliRunner().invoke(main, ["query", "-", "--store", str(built_settings.store)], input=deep)
    assert result.exit_code != 0
    assert f"at most {MAX_NESTING}" in result.output


def test_the_scanner_reads_hostile_text_in_linear_time() -> None:
    """``outbound`` runs on every query in the web process: 40 KB of ``"\\`` once took it a minute."""
    for piece in ('"\\', "'\\", "a.", "a-", "'''", "<a", "@a-", "?a", "(", "1e"):
        started = time.perf_counter()
        outbound(piece * 100_000)
        operators(piece * 100_000)
        assert time.perf_counter() - started < 5, piece


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?s ?p 1SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }",
    "PREFIX : <http://127.0.0.1:1/> SELECT * WHERE { ?s ?p ?o SERVICE:q { ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p 1e1SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p ?o # a comment ended by a carriage return\r SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } \n}",
    "SELECT * WHERE { <http://ex/a> a ?o # light before the comment\r SERVICE <http://127.0.0.1:1/> { ?x ?y ?z } \n}",
])
def test_service_is_found_however_it_touches_its_neighbours(client: FlaskClient, text: str) -> None:
    """pyoxigraph reads ``1SERVICE`` as ``1 SERVICE`` and ``SERVICE:q`` as ``SERVICE :q``, and fetched the URL; it
    ends a comment at a carriage return, where the scanner read on to the line feed (an attacker's finding)."""
    assert outbound(text) == ["SERVICE"]
    _refused(client.post("/sparql", data=text, headers=QUERY), "SERVICE is not allowed")


def test_the_scanners_doctests() -> None:
    import minegraph.core.bounds
    import minegraph.core.sparql

    for module in (minegraph.core.sparql, minegraph.core.bounds):
        assert doctest.testmod(module).failed == 0


# --- RDF bodies: entities and depth ---------------------------------------------------------------------------

def billion_laughs(levels: int = 5) -> bytes:
    """The "billion laughs" entity bomb, made small: ``levels`` of ten, 3 x 10^levels bytes once expanded."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, levels + 1)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n{chr(10).join(entities)}\n]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
            f'<rdf:Description rdf:about="http://example.org/s"><ex:p>&lol{levels};</ex:p></rdf:Description>\n'
            "</rdf:RDF>\n").encode()


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_rdf_xml_with_entities_is_refused_unread(client: FlaskClient, method: str) -> None:
    reply = client.open(f"/store?graph={GRAPH}", method=method, data=billion_laughs(),
                        headers={"Content-Type": "application/rdf+xml", **AUTH})
    _refused(reply, "document type declaration", "<!ENTITY")
    utf16 = billion_laughs(2).decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    reply = client.put(f"/store?graph={GRAPH}", data=utf16, headers={"Content-Type": "application/rdf+xml", **AUTH})
    assert reply.status_code == 400


def test_json_ld_nested_deeper_than_the_bound_is_refused(client: FlaskClient) -> None:
    n = 10_000
    deep = ('{"@id": "http://example.org/s", "http://example.org/p": ' * n + "1" + "}" * n).encode()
    reply = client.put(f"/store?graph={GRAPH}", data=deep, headers={"Content-Type": "application/ld+json", **AUTH})
    _refused(reply, f"{n} arrays or objects deep", str(MAX_JSON_DEPTH))
    arrays = b'{"@id": "http://example.org/s", "http://example.org/p": ' + b"[" * n + b"1" + b"]" * n + b"}"
    reply = client.post(f"/store?graph={GRAPH}", data=arrays, headers={"Content-Type": "application/ld+json", **AUTH})
    _refused(reply, str(MAX_JSON_DEPTH))


def test_ingest_refuses_deep_json_ld(tmp_path: Path) -> None:
    from minegraph.core.errors import UnreadableInput
    from minegraph.ingest.sources import read_rdf

    n = 10_000
    deep = ('{"@id": "http://example.org/s", "http://example.org/p": ' * n + "1" + "}" * n).encode()
    with pytest.raises(UnreadableInput, match=f"nested {n} arrays or objects deep; at most {MAX_JSON_DEPTH}"):
        read_rdf("deep.jsonld", deep)
    shallow = json.dumps({"@id": "http://example.org/s", "http://example.org/p": [[[{"@value": "x"}]]]})
    graph, _ = read_rdf("shallow.jsonld", shallow.encode())
    assert len(graph.lines) == 1


def test_ingest_refuses_rdf_xml_with_entities() -> None:
    """``minegraph ingest`` reads no RDF/XML (.rdf is not among its extensions); the bound holds if it ever does."""
    from pyoxigraph import RdfFormat

    from minegraph.core.bounds import refuse_unbounded_rdf
    from minegraph.core.errors import InputError
    from minegraph.ingest.sources import read_rdf

    with pytest.raises(InputError, match="document type declaration"):
        refuse_unbounded_rdf(billion_laughs(), RdfFormat.RDF_XML, "laughs.rdf")
    with pytest.raises(InputError):
        read_rdf("laughs.rdf", billion_laughs())


# --- URLs -----------------------------------------------------------------------------------------------------

def test_a_long_url_is_414_not_a_long_redirect(client: FlaskClient) -> None:
    long = "x" * (MAX_URL_BYTES + 1)
    for url in (f"/id/incident/{long}", f"/sparql?query={long}", f"/doc/incident/k318zecnq29?{long}"):
        reply = client.get(url)
        text = _refused(reply, str(MAX_URL_BYTES), status=414)
        assert len(text) < 1000 and "Location" not in reply.headers


# --- odd input found by fuzzing: 4xx, never 5xx ---------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/store?graph=not%20an%20iri",
    "/store?graph=%3Chttp://ex/%3E",
    "/store?graph=http://ex/a%20b",
])
def test_an_invalid_graph_iri_on_the_graph_store_is_400(client: FlaskClient, url: str) -> None:
    _refused(client.get(url), "graph")
    _refused(client.put(url, data="<http://ex/s> <http://ex/p> 1 .", headers={"Content-Type": "text/turtle", **AUTH}),
             "graph")
    _refused(client.delete(url, headers=AUTH), "graph")


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("iri", ["not an iri", "http://ex/a b", "<http://ex/>", "relative"])
def test_an_invalid_dataset_iri_of_a_query_is_400(client: FlaskClient, param: str, iri: str) -> None:
    from urllib.parse import urlencode

    _refused(client.get("/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }", param: iri})), param)


@pytest.mark.parametrize("param", ["using-graph-uri", "using-named-graph-uri"])
def test_an_invalid_dataset_iri_of_an_update_is_400(client: FlaskClient, param: str) -> None:
    from urllib.parse import urlencode

    update = "INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    reply = client.post("/sparql", data=urlencode({"update": update, param: "not an iri"}),
                        headers={"Content-Type": "application/x-www-form-urlencoded", **AUTH})
    _refused(reply, param)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <relative> { ?s ?p ?o } }",
    "SELECT * FROM <not an iri> WHERE { ?s ?p ?o }",
    "SELECT * FROM <relative> WHERE { ?s ?p ?o }",
])
def test_odd_iris_in_a_query_are_400(client: FlaskClient, text: str) -> None:
    assert client.post("/sparql", data=text, headers=QUERY).status_code == 400


def test_an_over_long_release_file_name_is_404(client: FlaskClient) -> None:
    reply = client.get("/release/1/void.ttl")
    assert reply.status_code == 200
    reply.close()
    _refused(client.get("/release/1/" + "x" * 300), "release 1", status=404)
    _refused(client.get("/release/1/" + "é" * 200 + ".ttl"), status=404)


@pytest.mark.parametrize("body, content_type", [
    ('<http://ex/s> <http://ex/p> "200-13-45"^^<http://www.w3.org/2001/XMLSchema#date> .', "text/turtle"),
    ('_:a <http://ex/p> _:b . _:b <http://ex/p> "x" .', "application/n-triples"),
    ("_:a.b-c <http://ex/p> _:\u00e9t\u00e9 .", "text/turtle"),
    ('{"@id": "_:x", "http://ex/p": {"@value": "200-13-45", "@type": "http://www.w3.org/2001/XMLSchema#date"}}',
     "application/ld+json"),
])
@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_odd_terms_in_a_graph_store_write_are_4xx(client: FlaskClient, body: str, content_type: str,
                                                  method: str) -> None:
    reply = client.open(f"/store?graph={GRAPH}/odd", method=method, data=body.encode(),
                        headers={"Content-Type": content_type, **AUTH})
    assert 200 <= reply.status_code < 500, reply.get_data(as_text=True)[:500]


@pytest.mark.parametrize("update", [
    'INSERT DATA { GRAPH <http://example.org/bounds/u> { <http://ex/s> <http://ex/p> '
    '"200-13-45"^^<http://www.w3.org/2001/XMLSchema#date> } }',
    "INSERT DATA { GRAPH <http://example.org/bounds/u> { _:a.b <http://ex/p> _:c } }",
    "INSERT { GRAPH <http://example.org/bounds/u> { ?s <http://ex/p> ?o } } WHERE { BIND(BNODE() AS ?s) "
    'BIND(STRDT("200-13-45", <http://www.w3.org/2001/XMLSchema#date>) AS ?o) }',
])
def test_odd_terms_in_an_update_are_4xx(client: FlaskClient, update: str) -> None:
    reply = client.post("/sparql", data=update.encode(), headers=UPDATE)
    assert 200 <= reply.status_code < 500, reply.get_data(as_text=True)[:500]


@pytest.mark.parametrize("text", [
    # nesting hidden in a comment that the engine ends at a carriage return
    "SELECT * WHERE { ?s ?p ?o # x\r FILTER(" + "(" * 100 + "1" + ")" * 100 + ") \n}",
    # nesting hidden in what the scanner would read as one IRI and the engine as two comparisons
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<" + "(" * 1500 + "1" + ")" * 1500 + ">?s) }",
])
def test_nesting_hidden_from_the_scanner_is_still_refused(client: FlaskClient, text: str) -> None:
    """3,000 nested parentheses hidden this way crashed a web worker (an attacker's finding)."""
    _refused(client.post("/sparql", data=text, headers=QUERY), "nests")


def test_load_hidden_after_a_carriage_return_is_refused() -> None:
    from minegraph.core.errors import QueryError
    from minegraph.core.sparql import refuse_unsafe

    update = "INSERT DATA { <http://ex/a> <http://ex/b> 1 } # x\r ; LOAD SILENT <http://127.0.0.1:1/x.ttl>\n"
    with pytest.raises(QueryError, match="LOAD is not allowed"):
        refuse_unsafe(update, "update")


@pytest.mark.parametrize("line_end", ["\n", "\r"])
def test_every_scanner_ends_a_comment_where_the_engine_does(line_end: str) -> None:
    """Three scanners read SPARQL text before the engine (the bounds and SERVICE, the light-query classifier, the
    words of parse errors): each ends a comment at LF and at CR, as pyoxigraph does."""
    from minegraph.core.sparql import bounded
    from minegraph.core.sparql_errors import tokens

    hidden = f"SELECT * WHERE {{ <http://ex/a> ?p ?o # a comment{line_end} ?x ?y ?z \n}}"
    assert bounded(hidden) is None, "the pattern after the comment counts"
    assert outbound(f"SELECT * WHERE {{ ?s ?p ?o # x{line_end} SERVICE <http://ex/> {{ ?a ?b ?c }} }}") == ["SERVICE"]
    assert "?x" in [token.text for token in tokens(hidden)]
