"""Fuzzing every route and parameter of the app: odd input is a 4xx, never a 5xx.

10,000 requests in all, seeded (``derandomize``), through the Flask test client over a copy of the store built
from data/ with a write token and one release: every route of ``app.url_map`` with odd path segments, query
parameters and Accept headers; the SPARQL endpoint's queries, updates and dataset parameters; the Graph Store's
graphs, media types and bodies in every RDF syntax, with a token and without. Inputs stay small: a query
timeout (503) is no more acceptable from them than a crash.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import quote, urlencode

import pytest
from click.testing import CliRunner
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minegraph.core.settings import Settings

TOKEN = "fuzz-token"
BASE = "https://w3id.org/minegraph/"
FUZZ = settings(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def app(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from minegraph.cli.release import COMMANDS
    from minegraph.web import create_app

    store = tmp_path_factory.mktemp("fuzz") / "store"
    shutil.copytree(built_settings.store, store)
    release = next(command for command in COMMANDS if command.name == "release")
    assert CliRunner().invoke(release, ["-q", "--store", str(store)]).exit_code == 0
    application = create_app(replace(built_settings, store=store, write_token=TOKEN),
                             {"TESTING": True, "QUERY_WORKERS": 1})
    yield application
    application.extensions["minegraph"].close()


# --- what a request is made of ----------------------------------------------------------------------------------

ODD = ["", " ", "%", "%zz", "%00", "..", "../..", "\u00e9t\u00e9", "\U0001f4a3", "<x>", '"', "'", "\\", "{}", "()",
       "?", "#", "&", "=", ";", ",", "*", "x" * 300, "200-13-45", "_:b", "a b", "http://ex/a", "urn:x",
       "k318zecnq29", "j044rzcgyy3", "1", "0", "-1", "99999999999999999999", "1e9", "null", "true"]
KEYS = ["incident", "place", "source", "victim", "statement", "organisation", "k318zecnq29", "j044rzcgyy3",
        "78ft77tf9p2"]
segment = st.one_of(st.sampled_from(ODD + KEYS),
                    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12))
EXTENSIONS = ["", ".html", ".ttl", ".jsonld", ".nt", ".rdf", ".json", ".csv", ".xml", ".hxl", ".svg", ".zip",
              ".ttl.gz", ".", ".TTL", ".exe"]
MEDIA = ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml", "application/json",
         "text/plain", "text/html", "application/xml", "application/sparql-results+json", "text/csv",
         "application/sparql-query", "application/sparql-update", "application/x-www-form-urlencoded",
         "multipart/form-data; boundary=x", "*/*", "text/*", "", "garbage", "text/turtle; charset=latin-1",
         "application/ld+json;q=0.1, text/html;q=0.9", "text/turtle;q=abc", ";;;", "a/b/c"]
FORMATS = ["json", "xml", "csv", "tsv", "ttl", "turtle", "jsonld", "json-ld", "nt", "rdf", "html", "hxl", "",
           "text/turtle", "application/json", "garbage", "\u00e9"]
media = st.sampled_from(MEDIA)
PARAM_NAMES = ["format", "output", "q", "page", "after", "before", "limit", "offset", "kind", "from", "to",
               "country", "date", "query", "graph", "default", "lang", "callback", "sort", "type", "x"]

QUERY_PARTS = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "ASK {}", "ASK { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2",
    "DESCRIBE <https://w3id.org/minegraph/id/incident/k318zecnq29>", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "SELECT * FROM <http://ex/g> WHERE { ?s ?p ?o }", "SELECT * FROM NAMED <relative> { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <relative> { ?s ?p ?o } }", "SELECT * WHERE { SERVICE <http://ex/> {} }",
    "SELECT * { BIND(\"200-13-45\"^^<http://www.w3.org/2001/XMLSchema#date> AS ?d) FILTER(?d > NOW()) }",
    "SELECT * { VALUES ?x { 1 \"a\" _:b <x> } }", "SELECT * { ?s ?p ?o FILTER(REGEX(?o, \"(\")) } LIMIT 1",
    "SELECT (STRDT(\"x\", <http://www.w3.org/2001/XMLSchema#integer>) + 1 AS ?x) {}",
    "SELECT * { BIND(IRI(\"not an iri\") AS ?x) }", "SELECT * { BIND(BNODE(\"\u00e9t\u00e9\") AS ?x) }",
    "SELECT ?x { } GROUP BY ?x HAVING (?x)", "BASE <relative> SELECT * { ?s ?p <x> }", "PREFIX : <> ASK { :a :b :c }",
    "SELECT * { ?s <http://ex/p>* ?o } LIMIT 1", "SELECT * { ?s (<http://ex/a>|^<http://ex/b>)+ ?o } LIMIT 1",
    "LOAD <http://ex/>", "SELECT * WHERE { { { { ?s ?p ?o } } } } LIMIT 1", "SELECT", "{", "}", "\"", "#", "<",
    "?x", "1SERVICE <x> {}", "SELECT * { ?s ?p ?o } ORDER BY RAND() LIMIT 1 OFFSET 99999999999999999999",
]
UPDATE_PARTS = [
    "INSERT DATA { GRAPH <http://example.org/fuzz> { <http://ex/s> <http://ex/p> \"x\" } }",
    "INSERT DATA { GRAPH <http://example.org/fuzz> { _:a.b <http://ex/p> _:\u00e9t\u00e9 } }",
    "INSERT DATA { GRAPH <http://example.org/fuzz> { <http://ex/s> <http://ex/p> "
    "\"200-13-45\"^^<http://www.w3.org/2001/XMLSchema#date> } }",
    "DELETE WHERE { GRAPH <http://example.org/fuzz> { ?s ?p ?o } }", "DROP GRAPH <http://example.org/fuzz>",
    "DROP SILENT GRAPH <http://example.org/none>", "CLEAR DEFAULT", "CREATE GRAPH <relative>",
    "INSERT { GRAPH <http://example.org/fuzz> { ?s <http://ex/p> ?o } } WHERE { BIND(BNODE() AS ?s) "
    "BIND(STRDT(\"200-13-45\", <http://www.w3.org/2001/XMLSchema#date>) AS ?o) }",
    "WITH <http://example.org/fuzz> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "LOAD <http://ex/> INTO GRAPH <x>",
    "INSERT DATA { GRAPH <https://w3id.org/minegraph/graph/ontology> { <http://ex/s> <http://ex/p> 1 } }",
    "ADD <x> TO <y>", "INSERT DATA {", "DELETE DATA { <a> <b> <c> }",
]
texts = st.one_of(
    st.sampled_from(QUERY_PARTS + UPDATE_PARTS),
    st.lists(st.sampled_from(QUERY_PARTS + UPDATE_PARTS + ODD), min_size=1, max_size=3).map(" ".join),
    st.text(max_size=40),
)
iris = st.one_of(st.sampled_from(["http://ex/g", "not an iri", "relative", "<http://ex/>", "", "urn:x", "a:b",
                                  "http://ex/a b", f"{BASE}graph/ontology", f"{BASE}graph/restricted/redactions",
                                  "http://ex/\u00e9", "_:b", "http://[::1", "x" * 300]), segment)

TURTLE = ['<http://ex/s> <http://ex/p> "x" .', '_:a.b-c <http://ex/p> _:\u00e9t\u00e9 .',
          '<http://ex/s> <http://ex/p> "200-13-45"^^<http://www.w3.org/2001/XMLSchema#date> .',
          "@prefix : <relative#> . :a :b :c .", "<s> <p> <o> .", '<http://ex/s> <http://ex/p> "x"@en--rtl .',
          "<< <http://ex/a> <http://ex/b> <http://ex/c> >> <http://ex/p> 1 .", "@base <x> . <a> <b> ( 1 2 [ ] ) .",
          "<http://ex/s> <http://ex/p> [ <http://ex/q> [ <http://ex/r> 1 ] ] .", "x", ""]
JSONLD = ['{"@id": "http://ex/s", "http://ex/p": "x"}', '{"@id": "_:x", "http://ex/p": {"@value": "200-13-45", '
          '"@type": "http://www.w3.org/2001/XMLSchema#date"}}', '{"@context": "http://ex/ctx", "a": 1}',
          '{"@context": {"@vocab": "relative"}, "a": 1}', '[[[[{"@id": "http://ex/s"}]]]]', "{", "[]", "null",
          '{"@id": "http://ex/s", "http://ex/p": {"@list": [1, [2]]}}', '{"@graph": [{"@id": "x"}]}']
NTRIPLES = ['<http://ex/s> <http://ex/p> "x" .', "_:b0 <http://ex/p> _:b1 .", "<s> <p> <o> .",
            '<http://ex/s> <http://ex/p> "\\uD800" .', "<http://ex/s> <http://ex/p> <http://ex/o>"]
RDFXML = ['<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://ex/">'
          '<rdf:Description rdf:about="http://ex/s"><e:p>x</e:p></rdf:Description></rdf:RDF>',
          '<!DOCTYPE r [<!ENTITY a "lol">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
          '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:nodeID="1x"/>'
          "</rdf:RDF>", "<rdf:RDF", "<?xml version='1.0' encoding='latin-1'?><a/>"]
bodies = st.one_of(st.sampled_from(TURTLE + JSONLD + NTRIPLES + RDFXML).map(str.encode),
                   st.binary(max_size=40), st.text(max_size=40).map(str.encode))
auth = st.sampled_from([None, f"Bearer {TOKEN}", "Bearer wrong", "Basic xyz", "Bearer", ""])


def _headers(accept: str | None, content_type: str | None, authorization: str | None) -> dict[str, str]:
    found = {"Accept": accept, "Content-Type": content_type, "Authorization": authorization}
    return {name: value for name, value in found.items() if value is not None}


def _check(reply) -> None:  # type: ignore[no-untyped-def]
    body = reply.get_data()
    reply.close()
    assert reply.status_code < 500, body[:500]


# --- every route --------------------------------------------------------------------------------------------------

def _routes(app: Flask) -> list[tuple[str, list[str]]]:
    return sorted((rule.rule, sorted(rule.methods or ())) for rule in app.url_map.iter_rules()
                  if rule.endpoint != "static")


_CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


@st.composite
def _route_request(draw, routes: list[tuple[str, list[str]]]):  # type: ignore[no-untyped-def]
    rule, methods = draw(st.sampled_from(routes))

    def fill(match: re.Match[str]) -> str:
        if match.group(1) == "int":
            return str(draw(st.one_of(st.integers(0, 3), st.integers(0, 10**20))))
        value = draw(segment) + draw(st.sampled_from(EXTENSIONS))
        return quote(value, safe="/" if match.group(1) == "path" else "")

    path = _CONVERTER.sub(fill, rule)
    params = draw(st.lists(st.tuples(st.sampled_from(PARAM_NAMES), st.one_of(segment, st.sampled_from(FORMATS))),
                           max_size=3))
    method = draw(st.sampled_from([m for m in methods if m != "OPTIONS"] + ["OPTIONS"]))
    accept = draw(st.one_of(st.none(), media))
    return method, path + ("?" + urlencode(params) if params else ""), accept


def test_every_route_answers_odd_paths_parameters_and_accept_headers_without_a_5xx(app: Flask) -> None:
    client, routes = app.test_client(), _routes(app)
    assert len(routes) > 20

    @settings(FUZZ, max_examples=4000)
    @given(_route_request(routes))
    def check(request: tuple[str, str, str | None]) -> None:
        method, url, accept = request
        _check(client.open(url, method=method, headers=_headers(accept, None, None)))

    check()


# --- the SPARQL endpoint ------------------------------------------------------------------------------------------

@st.composite
def _sparql_request(draw):  # type: ignore[no-untyped-def]
    operation = draw(st.sampled_from(["query", "update"]))
    params = [(operation, draw(texts))]
    for name in draw(st.lists(st.sampled_from(["default-graph-uri", "named-graph-uri", "using-graph-uri",
                                               "using-named-graph-uri", "format", "output", "query"]), max_size=3)):
        params.append((name, draw(st.sampled_from(FORMATS)) if name in ("format", "output") else draw(iris)))
    how = draw(st.sampled_from(["get", "form", "direct", "body-type"]))
    return how, params, draw(st.one_of(st.none(), media)), draw(st.one_of(st.none(), media)), draw(auth)


def test_the_sparql_endpoint_answers_odd_queries_updates_and_parameters_without_a_5xx(app: Flask) -> None:
    client = app.test_client()

    @settings(FUZZ, max_examples=3500)
    @given(_sparql_request())
    def check(request) -> None:  # type: ignore[no-untyped-def]
        how, params, accept, content_type, authorization = request
        if how == "get":
            reply = client.get("/sparql?" + urlencode(params), headers=_headers(accept, None, authorization))
        elif how == "form":
            reply = client.post("/sparql", data=urlencode(params).encode(), headers=_headers(
                accept, "application/x-www-form-urlencoded", authorization))
        else:
            (operation, text), rest = params[0], params[1:]
            kind = f"application/sparql-{operation}" if how == "direct" else content_type
            reply = client.post("/sparql?" + urlencode(rest), data=text.encode(),
                                headers=_headers(accept, kind, authorization))
        _check(reply)

    check()


# --- the Graph Store ------------------------------------------------------------------------------------------------

@st.composite
def _store_request(draw):  # type: ignore[no-untyped-def]
    method = draw(st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE"]))
    target = draw(st.one_of(st.just(""), st.just("default"), iris.map(lambda iri: urlencode({"graph": iri})),
                            st.just("graph=http://example.org/fuzz&default"), st.just("graph=a&graph=b")))
    content_type = draw(st.one_of(st.none(), media))
    return method, target, draw(bodies), draw(st.one_of(st.none(), media)), content_type, draw(auth)


def test_the_graph_store_answers_odd_graphs_media_types_and_bodies_without_a_5xx(app: Flask) -> None:
    client = app.test_client()

    @settings(FUZZ, max_examples=2500)
    @given(_store_request())
    def check(request) -> None:  # type: ignore[no-untyped-def]
        method, target, body, accept, content_type, authorization = request
        reply = client.open("/store" + (f"?{target}" if target else ""), method=method,
                            data=body if method in ("PUT", "POST") else None,
                            headers=_headers(accept, content_type, authorization))
        _check(reply)

    check()
