"""Light queries answered in the web process keep every promise of the query workers (issue 14, item 8).

A query whose work is bounded in advance (:func:`minegraph.core.sparql.bounded`, :func:`minegraph.web.run.run_bounded`)
runs on the web process's own read-only handle instead of a query worker (:mod:`minegraph.web.local`). Here: it
answers exactly what a worker answers; it never sees a restricted graph; a query shaped like a light one that would
match too much still goes to a worker and is stopped at the time limit, while light queries go on being answered;
and a write is neither blocked by the handle nor hidden from the next query.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse

from minegraph.core.settings import Settings
from minegraph.store.view import restricted_prefix
from minegraph.web.local import LocalReader
from tests.conftest import BASE, DATA

LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
INCIDENT = f"{BASE}id/incident/k318zecnq29"  # a seed incident
WIDE = f"{BASE}id/place/wide"
VICTIM = f"{BASE}id/victim/v0000000000"
TIME_LIMIT = 3.0
JSON = "application/sparql-results+json"
#: light queries a linked-data client sends, and the Accept it sends them with
LIGHT = {
    f"DESCRIBE <{INCIDENT}>": "text/turtle",
    f"PREFIX mg: <{BASE}def/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    f"SELECT ?label ?place ?killed WHERE {{ <{INCIDENT}> rdfs:label ?label ; mg:place ?place ; "
    "mg:killedCount ?killed }": JSON,
    f"ASK {{ <{INCIDENT}> a <{BASE}def/Incident> }}": JSON,
    f"SELECT DISTINCT ?p WHERE {{ <{INCIDENT}> ?p ?o }} LIMIT 5 OFFSET 1": "text/csv",
}


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The queries the web process answered itself."""
    answered: list[str] = []
    original = LocalReader.run

    def run(self: LocalReader, job: dict, patterns: list) -> object:  # type: ignore[type-arg]
        answer = original(self, job, patterns)
        if answer is not None:
            answered.append(job["sparql"])
        return answer

    monkeypatch.setattr(LocalReader, "run", run)
    return answered


def _ask(app: Flask, query: str, accept: str = JSON, client: str = "10.0.0.7") -> tuple[int, bytes]:
    answer = app.test_client().get(f"/sparql?query={quote(query)}", headers={"Accept": accept},
                                   environ_base={"REMOTE_ADDR": client})
    return answer.status_code, answer.data


def _same(body: bytes, other: bytes, accept: str) -> bool:
    if accept == "text/turtle":
        return set(parse(body, format=RdfFormat.TURTLE)) == set(parse(other, format=RdfFormat.TURTLE))
    if accept == JSON:
        return json.loads(body) == json.loads(other)
    return body == other


def test_a_light_query_gets_the_answer_a_worker_gives(web_app: Flask, spy: list[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    here = {query: _ask(web_app, query, accept) for query, accept in LIGHT.items()}
    assert spy == list(LIGHT), "each light query was answered in the web process"
    monkeypatch.setattr(LocalReader, "run", lambda self, job, patterns: None)  # every query to a worker
    for query, accept in LIGHT.items():
        status, body = _ask(web_app, query, accept)
        assert here[query][0] == status == 200, query
        assert _same(here[query][1], body, accept), query
    assert b"Incident" in here[f"DESCRIBE <{INCIDENT}>"][1]


@pytest.mark.parametrize("query", list(LIGHT))
@pytest.mark.parametrize("extra", ["", "&format=json", "&default-graph-uri=" + quote(f"{BASE}graph/places")])
def test_the_fast_lane_answers_what_the_app_answers_byte_for_byte(web_app: Flask, spy: list[str], query: str,
                                                                  extra: str) -> None:
    """``GET /sparql`` of a light query is answered before Flask (minegraph.web.light): the same status, headers
    and body as the app gives."""
    from minegraph.web.light import LightQueries

    lane = web_app.wsgi_app
    assert isinstance(lane, LightQueries)
    path = f"/sparql?query={quote(query)}{extra}"
    headers = {"Accept": LIGHT[query]}
    fast = web_app.test_client().get(path, headers=headers)
    lane.enabled = False
    try:
        slow = web_app.test_client().get(path, headers=headers)
    finally:
        lane.enabled = True
    assert fast.status_code == slow.status_code == 200
    assert fast.data == slow.data
    assert sorted(fast.headers.items()) == sorted(slow.headers.items())
    assert len(spy) == 2, "both times answered in the web process (the second through Flask)"


@pytest.fixture
def wide(tmp_path: Path) -> Iterator[Flask]:
    """A store with a place of 400 codes (public) and a victim with a name in a restricted graph."""
    from minegraph.web import create_app

    path = tmp_path / "store"
    store = Store(str(path))
    places = NamedNode(f"{BASE}graph/places")
    store.extend(Quad(NamedNode(WIDE), NamedNode(f"{BASE}def/code"), Literal(str(n)), places) for n in range(400))
    store.add(Quad(NamedNode(VICTIM), TYPE, NamedNode(f"{BASE}def/Victim"), NamedNode(f"{BASE}graph/source/s")))
    store.add(Quad(NamedNode(VICTIM), LABEL, Literal("Qxyzzyova"), NamedNode(f"{restricted_prefix(BASE)}victims")))
    store.flush()
    del store
    settings = Settings(store=path, data_dir=DATA, base_uri=BASE, query_timeout=TIME_LIMIT, write_token="t0ken")
    app = create_app(settings, {"TESTING": True, "QUERY_WORKERS": 3})
    yield app
    app.extensions["minegraph"].close()


def test_a_light_query_never_sees_a_restricted_graph(wide: Flask, spy: list[str]) -> None:
    status, body = _ask(wide, f"DESCRIBE <{VICTIM}>", "application/n-triples")
    assert status == 200 and b"/def/Victim>" in body and b"Qxyzzyova" not in body
    status, body = _ask(wide, f"SELECT ?o WHERE {{ <{VICTIM}> ?p ?o }}")
    assert status == 200 and b"Victim" in body and b"Qxyzzyova" not in body
    assert len(spy) == 2


def test_a_light_looking_query_that_matches_too_much_is_stopped_at_the_limit(wide: Flask, spy: list[str]) -> None:
    """400 codes four times over: 25.6 billion combinations for DISTINCT to go through."""
    runaway = f"SELECT DISTINCT ?a WHERE {{ <{WIDE}> ?p ?a , ?b , ?c , ?d }}"
    ended: list[tuple[int, float]] = []
    thread = threading.Thread(target=lambda: ended.append((_ask(wide, runaway, client="10.0.0.66")[0],
                                                          time.monotonic())))
    started = time.monotonic()
    thread.start()
    time.sleep(0.5)
    light = _ask(wide, f"SELECT ?t WHERE {{ <{VICTIM}> a ?t }}")
    light_done = time.monotonic()
    thread.join(TIME_LIMIT * 5)
    assert not thread.is_alive(), "the runaway was stopped"
    assert light[0] == 200 and b"Victim" in light[1]
    assert ended[0][0] == 503 and ended[0][1] - started >= TIME_LIMIT * 0.9, "a worker ran it, to the limit"
    assert light_done < ended[0][1], "the light query was answered while the runaway ran"
    assert runaway not in spy


def test_a_comment_ended_by_a_carriage_return_hides_nothing() -> None:
    """The engine ends a comment at CR: what follows is part of the query, so the query is not light."""
    from minegraph.core.sparql import bounded

    heavy = f"SELECT * WHERE {{ <{INCIDENT}> ?p ?o # x\r . ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) = \"z\") \n}}"
    assert bounded(heavy) is None
    assert bounded(heavy.replace("\r", " ")) == [(INCIDENT, None)]  # a comment to the end of the line


def test_how_a_query_is_answered_does_not_depend_on_restricted_data(wide: Flask) -> None:
    """The bound counts public triples only: a restricted triple about a thing changes neither the answer nor
    the way to it (a tester timed the difference to learn whether restricted data about an IRI existed)."""
    from pyoxigraph import Store

    from minegraph.web.run import Snapshot

    snapshot = Snapshot(Store.read_only(str(wide.extensions["minegraph"].settings.store)))
    assert snapshot.count(VICTIM, None, BASE) == 1, "its type, not its restricted name"
    assert snapshot.count(VICTIM, str(LABEL.value), BASE) == 0
    assert snapshot.count(WIDE, None, BASE) == 400


def test_a_write_goes_through_and_the_next_light_query_sees_it(wide: Flask) -> None:
    subject = "https://example.org/s"
    query = f"SELECT ?o WHERE {{ <{subject}> <https://example.org/p> ?o }}"
    assert _ask(wide, query)[0] == 200  # the web process holds the store open
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            _ask(wide, f"DESCRIBE <{WIDE}>", "text/turtle")

    askers = [threading.Thread(target=keep_asking) for _ in range(3)]
    for asker in askers:
        asker.start()
    try:
        started = time.monotonic()
        written = wide.test_client().post(
            "/sparql", data={"update": f"INSERT DATA {{ GRAPH <https://example.org/g> {{ <{subject}> "
                                       "<https://example.org/p> 42 } }"},
            headers={"Authorization": "Bearer t0ken"})
        took = time.monotonic() - started
    finally:
        stop.set()
        for asker in askers:
            asker.join(10)
    assert written.status_code == 200, written.get_data(as_text=True)
    assert took < 10, f"the write waited {took:.1f} s for the readers"
    status, body = _ask(wide, query)
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["o"]["value"] == "42"


def test_the_light_path_is_the_embedded_stores_only(built_settings: Settings) -> None:
    """With a remote store every query goes to the store (what the endpoint of a remote store is for)."""
    from minegraph.web.state import WebState

    web = WebState(replace(built_settings, endpoint="http://127.0.0.1:9/query"), workers=1)
    try:
        assert web.settings.remote
        with pytest.raises(Exception):  # noqa: B017 - the remote store is not there: the job went to it
            web.run({"kind": "query", "sparql": f"DESCRIBE <{INCIDENT}>", "results": "json", "graph": "ttl"}, 2,
                    bounded=[(INCIDENT, None)])
        assert web._local is None
    finally:
        web.close()
