"""Parser errors in plain words (issue 14): the translator of pyoxigraph's messages, and what the endpoint and
``minegraph query`` say with it; the CLI's QUERY argument (a long query is not a file name, a mistyped file
name is not a query)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import Store

from minegraph.cli import main
from minegraph.core.settings import Settings
from minegraph.core.sparql_errors import Unclosed, explain, tokens
from minegraph.core.vocab import PREFIXES, sparql_prefixes

CHARACTER_RANGES = "\\u{"  # what pyoxigraph's message on an unknown prefix is mostly made of


def parse_error(text: str, prefixes: str = "") -> SyntaxError:
    try:
        Store().query(prefixes + text)
    except SyntaxError as error:
        return error
    raise AssertionError(f"{text!r} parses")


def words(text: str) -> str:
    return explain(parse_error(text), text)


@pytest.mark.parametrize(("text", "expected"), [
    ("SELECT ?x WHERE { ?x foo:bar ?y }",
     "line 1, column 22: unknown prefix `foo:` — declare it with PREFIX foo: <…>"),
    ("SELECT ?i WHERE {\n  ?i a mg:Incident }",
     "line 2, column 8: unknown prefix `mg:` — declare it with PREFIX mg: <https://w3id.org/minegraph/def/>"),
    ("PREFIX mg: <https://w3id.org/minegraph/def/>\nSELECT ?i { ?i a mgg:Incident }",
     "line 2, column 18: unknown prefix `mgg:` — declare it with PREFIX mgg: <…> (did you mean `mg:`?)"),
    ("SELEC ?x WHERE { ?x ?p ?o }",
     "line 1, column 1: a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE (after PREFIX/BASE); found `SELEC` "
     "(SELECT?)"),
    ("PREFIX a: <http://a.example/>\n# a comment\nFETCH ?x { ?x ?p ?o }",
     "line 3, column 1: a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE (after PREFIX/BASE); found `FETCH`"),
    ("INSERT DATA { <a> <b> <c> }", "line 1, column 1: `INSERT` begins a SPARQL Update, not a query"),
    ("SELECT ?x WHERE { ?x ?p ?o ", "line 1, column 17: this `{` is never closed (a `}` is missing)"),
    ("ASK { ?x ?p ?o }}", "line 1, column 17: this `}` closes nothing"),
    ("SELECT (COUNT(*) AS ?n WHERE { ?s ?p ?o }", "line 1, column 8: this `(` is never closed (a `)` is missing)"),
    ("SELECT * {\n  ?s ?p ?o FILTER(?o > 3\n}",
     "line 3, column 1: this `}` does not match the `(` opened at line 2, column 18"),
    ("SELECT * { ?s ?p \"no end }", "line 1, column 18: this string is never closed: a \" is missing"),
    ("", "the query is empty"),
    ("PREFIX a: <http://a.example/>", "the query has only PREFIX or BASE declarations"),
])
def test_the_usual_mistakes_in_plain_words(text: str, expected: str) -> None:
    said = words(text)
    assert said.startswith(expected), said
    assert CHARACTER_RANGES not in said


def test_other_mistakes_keep_the_position_and_the_parsers_words_for_experts() -> None:
    said = words("SELECT * {\n  ?s ?p ?o } LIMIT 3 ORDER BY ?s")
    first, source, caret, parser = said.split("\n")
    assert first == "line 2, column 28: here"
    assert source.strip() == "?s ?p ?o } LIMIT 3 ORDER BY ?s"
    assert caret.index("^") == source.index("BY")
    assert parser.startswith("(parser: error at 2:28: expected ") and "OFFSET" in parser
    ended = words("SELECT ?s WHERE { ?s ?p ?o } LIMIT")
    assert ended.startswith("line 1, column 35: the query ends before it is complete")


def test_a_long_line_is_shown_around_the_mistake() -> None:
    text = "SELECT ?s WHERE { " + " ".join(f"?s <http://example.org/p{i}> ?o{i} ." for i in range(40)) + " ?s ?p }"
    said = words(text)
    line = said.split("\n")[1]
    assert len(line) < 90 and line.strip().startswith("…")


def test_the_character_ranges_never_reach_the_user() -> None:
    error = parse_error("DESCRIBE")
    assert CHARACTER_RANGES in str(error)
    said = explain(error, "DESCRIBE")
    assert CHARACTER_RANGES not in said
    assert said.endswith('(parser: error at 1:9: expected one of "$", "*", ":", "<", "?")')


def test_an_unknown_prefix_is_found_when_the_parser_does_not_name_it() -> None:
    text = "ASK { ?s ?p ?o . ?s ex:p ?o . FILTER(?o = ex:q) }"
    assert "Prefix not found" not in str(parse_error(text))  # "expected OPTIONAL", after ex:p
    assert words(text).startswith("line 1, column 21: unknown prefix `ex:`")


def test_lines_of_predeclared_prefixes_are_not_counted() -> None:
    text = "SELECT ?i WHERE {\n  ?i a mgg:Incident }"
    said = explain(parse_error(text, sparql_prefixes()), text, predeclared=PREFIXES,
                   line_offset=sparql_prefixes().count("\n"))
    assert said.startswith("line 2, column 8: unknown prefix `mgg:` — declare it with PREFIX mgg: <…> or use one of "
                           "mg:, mgc:, ")
    assert "(did you mean `mg:`?)" in said


def test_the_lexer_skips_comments_strings_and_iris() -> None:
    found = [t.text for t in tokens("# {\nSELECT * { ?s <http://a.example/#x> '}' , \"\"\"a\n{\"\"\" }")]
    assert found == ["SELECT", "*", "{", "?s", "<http://a.example/#x>", "'}'", ",", '"""a\n{"""', "}"]
    with pytest.raises(Unclosed):
        list(tokens("ASK { ?s ?p 'x\n' }"))


SPARQLISH = st.text(alphabet=st.sampled_from(list("SELECTASK?x{}()[]<>:'\"#.\n \\ab_-mgé")), max_size=120)


@settings(max_examples=300, deadline=None)
@given(SPARQLISH)
def test_any_text_that_does_not_parse_is_explained_without_a_crash(text: str) -> None:
    """The translator runs on whatever a client sends, in the query worker: it never raises."""
    try:
        Store().query(text)
    except SyntaxError as error:
        said = explain(error, text)
        assert said and CHARACTER_RANGES not in said and len(said) < 2000
    except (OSError, ValueError, RuntimeError, TypeError):
        pass  # parsed, and failed to run (or an oddity of the engine): nothing to explain


def test_a_huge_query_is_explained_quickly() -> None:
    import time

    text = "SELECT * WHERE { ?s ?p " + "a." * 300_000
    started = time.monotonic()
    said = explain(parse_error(text), text)
    assert time.monotonic() - started < 2 and len(said) < 2000


# --- on the endpoint and in the query page's answers --------------------------------------------------------------

@pytest.mark.parametrize("accept", ["text/plain", "application/json"])
def test_the_endpoint_answers_400_in_plain_words(web_client: FlaskClient, accept: str) -> None:
    response = web_client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x foo:bar ?y }"},
                              headers={"Accept": accept})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "line 1, column 22: unknown prefix `foo:` — declare it with PREFIX foo: <…>" in text
    assert CHARACTER_RANGES not in text and "\\\\u{" not in text
    keyword = web_client.get("/sparql", query_string={"query": "SELEC ?x WHERE { ?x ?p ?o }"},
                             headers={"Accept": accept}).get_data(as_text=True)
    assert "found `SELEC`" in keyword and "expected CONSTRUCT" not in keyword


@pytest.mark.parametrize(("update", "expected"), [
    ("INSRT DATA { <http://a> <http://b> <http://c> }", "an update starts with INSERT, DELETE"),
    ("INSERT DATA { <http://a> foo:b <http://c> }", "unknown prefix `foo:`"),
    ("SELECT * WHERE { ?s ?p ?o }", "`SELECT` begins a query, not an update"),
])
def test_an_update_that_does_not_parse_is_explained_as_an_update(update: str, expected: str) -> None:
    try:
        Store().update(update)
    except SyntaxError as error:
        said = explain(error, update, update=True)
    else:
        raise AssertionError("the update parsed")
    assert expected in said and "begins a SPARQL Update" not in said


# --- minegraph query -----------------------------------------------------------------------------------------------

def query(runner: CliRunner, settings: Settings, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, ["query", "--store", str(settings.store), *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_cli_says_why_a_query_does_not_parse(runner: CliRunner, built_settings: Settings) -> None:
    code, _, err = query(runner, built_settings, "SELECT ?i WHERE {\n  ?i a mgg:Incident }")
    assert code == 1
    assert "line 2, column 8: unknown prefix `mgg:`" in err and "or use one of mg:, mgc:, " in err
    assert CHARACTER_RANGES not in err
    code, _, err = query(runner, built_settings, "SELEC ?x WHERE { ?x ?p ?o }")
    assert code == 1 and "found `SELEC`" in err


def test_a_long_inline_query_is_not_taken_for_a_file_name(runner: CliRunner, built_settings: Settings) -> None:
    values = " ".join(f"<http://example.org/thing/{i}>" for i in range(20))
    text = f"SELECT (COUNT(?x) AS ?n) WHERE {{ VALUES ?x {{ {values} }} }}"
    assert len(text) > 255
    code, out, err = query(runner, built_settings, text)
    assert code == 0, err
    assert "20" in out


def test_a_mistyped_file_name_is_not_parsed_as_a_query(runner: CliRunner, built_settings: Settings,
                                                       tmp_path: Path) -> None:
    code, _, err = query(runner, built_settings, "nope")
    assert code == 2
    assert "no such file: nope (give a query text or the path of a .rq file)" in err
    assert "does not parse" not in err
    code, _, err = query(runner, built_settings, "x" * 300)
    assert code == 2 and "no such file" in err and "File name too long" not in err
    saved = tmp_path / "ask"
    saved.write_text("ASK { ?s ?p ?o }", encoding="utf-8")
    code, out, _ = query(runner, built_settings, str(saved))
    assert code == 0 and out.strip() == "true"
