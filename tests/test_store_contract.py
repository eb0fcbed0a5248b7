"""One contract, every store: the embedded pyoxigraph store and real SPARQL servers behind RemoteStore.

Stores: ``embedded``; ``oxigraph`` (Oxigraph server with ``--union-default-graph``, union by the server);
``oxigraph-graphs`` (Oxigraph server without it: the adapter names the graphs, ``union="graphs"``);
``virtuoso`` (Virtuoso 7 with a result limit of 100 rows, so the adapter must page). Virtuoso is skipped
only where its Debian package is not installed (.ci/run installs it).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, QueryTriples, RdfFormat, parse
from rdflib import BNode, Graph, Literal, URIRef

from minegraph.core.errors import QueryError, StoreError
from minegraph.core.ntriples import NTriplesGraph
from minegraph.core.settings import Settings
from minegraph.store import Store, open_configured
from minegraph.store.commit import GraphChange, commit
from minegraph.store.embedded import STAGING_PREFIX, EmbeddedStore
from minegraph.store.remote import RemoteStore, StoreTimeout
from tests.store_servers import SparqlServer, oxigraph_server, virtuoso_available, virtuoso_server

EX = "http://example.org/"
G1, G2 = f"{EX}graph/one", f"{EX}graph/two"
KINDS = ["embedded", "oxigraph", "oxigraph-graphs", "virtuoso"]


def _skip_virtuoso() -> None:
    if os.environ.get("MINEGRAPH_REQUIRE_VIRTUOSO"):  # CI (.ci/run) installs it: there, missing is a failure
        pytest.fail("Virtuoso is required (MINEGRAPH_REQUIRE_VIRTUOSO) but virtuoso-t is not installed")
    pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource-7-bin)")


def graph(*pairs: tuple[str, str], predicate: str = "label") -> Graph:
    found = Graph()
    for subject, value in pairs:
        found.add((URIRef(f"{EX}{subject}"), URIRef(f"{EX}{predicate}"), Literal(value)))
    return found


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SparqlServer]]:
    started: dict[str, SparqlServer] = {}
    try:
        started["oxigraph"] = oxigraph_server(tmp_path_factory.mktemp("oxigraph")).start()
        started["oxigraph-graphs"] = oxigraph_server(tmp_path_factory.mktemp("oxigraph-plain"), union=False).start()
        if virtuoso_available():
            started["virtuoso"] = virtuoso_server(tmp_path_factory.mktemp("virtuoso"))
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, servers: dict[str, SparqlServer], tmp_path: Path) -> Iterator[Store]:
    kind = request.param
    if kind == "embedded":
        opened: Store = EmbeddedStore(tmp_path / "store")
    else:
        if kind not in servers:
            _skip_virtuoso()
        opened = RemoteStore(servers[kind].endpoint, timeout=20,
                             union="graphs" if kind == "oxigraph-graphs" else "auto")
        clean(opened)  # a clean store for every test
    yield opened
    opened.close()


def put(store: Store, graphs: dict[str, Graph | None], *, bulk_above: int = 50_000) -> None:
    """Make the graphs hold these triples (None: remove the graph) as the write door's last step does."""
    existing = set(store.graphs())
    commit(store, [GraphChange(iri, None if g is None else NTriplesGraph.of(g.serialize(format="nt", encoding="utf-8")),
                               store.graph_triples(iri) if iri in existing else set(), iri in existing)
                   for iri, g in graphs.items()], bulk_above=bulk_above)


def clean(store: Store) -> None:
    """An empty store for the next test (setup, not a minegraph write)."""
    graphs = store.graphs()
    if graphs:
        store.apply_update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))


def values(result: object, name: str = "v") -> list[str]:
    assert isinstance(result, QuerySolutions)
    return sorted(str(row[name].value) for row in result)


def test_graphs_are_written_and_listed(store: Store) -> None:
    put(store, {G1: graph(("a", "one"), ("b", "two")), G2: graph(("c", "three"))})
    assert store.graphs() == [G1, G2]
    assert len(store) == 3
    put(store, {G1: graph(("a", "uno")), G2: None})
    assert store.graphs() == [G1]
    assert values(store.query(f"SELECT ?v WHERE {{ ?s <{EX}label> ?v }}")) == ["uno"]


def test_the_write_door_writes_every_store_alike(store: Store, tmp_path: Path) -> None:
    """The door on each store: the write, an unchanged write that commits nothing, a removal; each audited."""
    from minegraph.store.auth import audit_lines
    from minegraph.store.door import ChangeSet, write

    settings = Settings(store=tmp_path / "door-store")
    text = NTriplesGraph.of(graph(("a", "one")).serialize(format="nt", encoding="utf-8"))
    assert write(settings, ChangeSet({G1: text}, action="test"), store=store).changed == [G1]
    assert write(settings, ChangeSet({G1: text}, action="test"), store=store).unchanged
    assert values(store.query(f"SELECT ?v WHERE {{ ?s <{EX}label> ?v }}")) == ["one"]
    assert write(settings, ChangeSet({G1: None}, action="test"), store=store).changed == [G1]
    assert store.graphs() == []
    lines = audit_lines(settings)
    assert [line["action"] for line in lines] == ["test", "test"] and all(line["committed"] for line in lines)


def test_default_graph_is_the_union_of_the_graphs(store: Store) -> None:
    put(store, {G1: graph(("a", "one")), G2: graph(("b", "two"))})
    assert values(store.query(f"SELECT ?v WHERE {{ ?s <{EX}label> ?v }}")) == ["one", "two"]
    assert values(store.query(f"SELECT ?v WHERE {{ ?s <{EX}label> ?v }}", default_graphs=[G2])) == ["two"]
    named = store.query(f"SELECT ?v WHERE {{ GRAPH ?g {{ ?s <{EX}label> ?v }} }}", named_graphs=[G1],
                        default_graphs=[])
    assert values(named) == ["one"]


def test_result_types_are_pyoxigraph_types(store: Store) -> None:
    put(store, {G1: graph(("a", "one"))})
    yes, no = store.query(f"ASK {{ <{EX}a> ?p ?o }}"), store.query(f"ASK {{ <{EX}zz> ?p ?o }}")
    assert isinstance(yes, QueryBoolean) and bool(yes) and isinstance(no, QueryBoolean) and not bool(no)
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(triples, QueryTriples)
    assert [t.object.value for t in triples] == ["one"]
    assert isinstance(store.query("SELECT * WHERE { ?s ?p ?o }"), QuerySolutions)


def test_base_iri_resolves_relative_iris(store: Store) -> None:
    put(store, {G1: graph(("a", "one"))})
    assert bool(store.query("ASK { <a> ?p ?o }", base_iri=EX))


def test_update_is_applied(store: Store) -> None:
    put(store, {G1: graph(("a", "one"))})
    store.apply_update(f'INSERT DATA {{ GRAPH <{G2}> {{ <{EX}b> <{EX}label> "two" }} }}')
    store.apply_update(f'DELETE DATA {{ GRAPH <{G1}> {{ <{EX}a> <{EX}label> "one" }} }}')
    assert values(store.query(f"SELECT ?v WHERE {{ ?s <{EX}label> ?v }}")) == ["two"]
    assert G2 in store.graphs()


def test_dump_whole_and_one_graph(store: Store) -> None:
    put(store, {G1: graph(("a", "one")), G2: graph(("b", "two"))})
    quads = list(parse(store.dump(RdfFormat.N_QUADS), format=RdfFormat.N_QUADS))
    assert sorted((q.graph_name.value, q.object.value) for q in quads) == [(G1, "one"), (G2, "two")]  # type: ignore[union-attr]
    triples = list(parse(store.dump(RdfFormat.N_TRIPLES, graph=G2), format=RdfFormat.N_TRIPLES))
    assert [t.object.value for t in triples] == ["two"]


def test_results_past_the_server_row_limit_are_all_returned(store: Store) -> None:
    many = graph(*((f"s{i}", str(i)) for i in range(250)))
    put(store, {G1: many})
    assert len(values(store.query(f"SELECT ?v WHERE {{ ?s <{EX}label> ?v }}"))) == 250
    assert len(values(store.query(f"SELECT ?v WHERE {{ ?s <{EX}label> ?v }} LIMIT 120"))) == 120
    assert len(list(store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))) == 250  # type: ignore[arg-type]
    assert len(list(parse(store.dump(RdfFormat.N_TRIPLES, graph=G1), format=RdfFormat.N_TRIPLES))) == 250


def test_a_bad_query_is_a_query_error(store: Store) -> None:
    with pytest.raises(QueryError):
        store.query("SELECT WHERE nonsense")


def test_a_query_that_would_fetch_from_the_network_is_refused(store: Store) -> None:
    """No store runs SERVICE on minegraph's behalf (Oxigraph and Virtuoso would both fetch the URL)."""
    for sparql in (f"SELECT * WHERE {{ SERVICE <{EX}sparql> {{ ?s ?p ?o }} }}",
                   f"ASK {{ ?s ?p ?o . SeRvIcE SILENT <{EX}sparql> {{ ?s ?p ?o }} }}"):
        with pytest.raises(QueryError, match="SERVICE is not allowed"):
            store.query(sparql)
    assert store.query(f'ASK {{ ?s <{EX}service> "SERVICE" }}').__bool__() is False  # words, not keywords


def test_the_outbound_rule_examples() -> None:
    import doctest

    import minegraph.core.sparql

    result = doctest.testmod(minegraph.core.sparql)
    assert result.failed == 0 and result.attempted > 0


def test_open_configured_picks_the_store(tmp_path: Path, servers: dict[str, SparqlServer]) -> None:
    embedded = open_configured(Settings(store=tmp_path / "store"))
    assert isinstance(embedded, EmbeddedStore)
    embedded.close()
    remote = open_configured(Settings(store=tmp_path / "none", endpoint=servers["oxigraph"].endpoint))
    assert isinstance(remote, RemoteStore) and remote.store_endpoint.endswith("/store")
    assert not (tmp_path / "none").exists()  # a remote store never touches the local disk


# --- remote only: atomic writes, failures ------------------------------------------------------------------

@pytest.fixture(params=["oxigraph", "oxigraph-graphs", "virtuoso"])
def remote_store(request: pytest.FixtureRequest, servers: dict[str, SparqlServer]) -> Iterator[RemoteStore]:
    if request.param not in servers:
        _skip_virtuoso()
    opened = RemoteStore(servers[request.param].endpoint, timeout=20,
                         union="graphs" if request.param == "oxigraph-graphs" else "auto")
    clean(opened)
    yield opened


def _staging(store: RemoteStore) -> list[str]:
    return [g for g in store._all_graphs() if g.startswith(STAGING_PREFIX)]


def blank_graph(value: str) -> Graph:
    """A graph with a blank node: written through a staging graph, moved onto its target by the final update."""
    found = Graph()
    node = BNode()
    found.add((URIRef(f"{EX}a"), URIRef(f"{EX}has"), node))
    found.add((node, URIRef(f"{EX}label"), Literal(value)))
    return found


def test_a_failed_write_leaves_no_partial_graph(remote_store: RemoteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two staged graphs; the upload of the second fails: neither target changes, no staging graph is left."""
    put(remote_store, {G1: graph(("a", "old"))})
    real_put, calls = remote_store._put, []

    def failing_put(name: str, data: bytes) -> None:
        calls.append(name)
        if len(calls) == 2:
            raise StoreError("the store went away mid-write")
        real_put(name, data)

    monkeypatch.setattr(remote_store, "_put", failing_put)
    with pytest.raises(StoreError):
        put(remote_store, {G1: blank_graph("new"), G2: blank_graph("new")})
    assert remote_store.graphs() == [G1]
    assert values(remote_store.query(f"SELECT ?v WHERE {{ ?s <{EX}label> ?v }}")) == ["old"]
    assert _staging(remote_store) == []


def test_blank_node_graphs_replace_their_targets(store: Store) -> None:
    put(store, {G1: blank_graph("one")})
    put(store, {G1: blank_graph("two")})
    assert values(store.query(f"SELECT ?v WHERE {{ ?s <{EX}label> ?v }}")) == ["two"]
    assert len(store.graph_triples(G1)) == 2


def test_stale_staging_graphs_are_dropped_and_never_seen(remote_store: RemoteStore) -> None:
    stale = f"{STAGING_PREFIX}{int(time.time()) - 7200}:crashed"
    remote_store._put(stale, b'<http://example.org/x> <http://example.org/label> "half" .\n')
    assert stale not in remote_store.graphs()
    put(remote_store, {G1: graph(("a", "one"))})
    assert _staging(remote_store) == []


def test_unreachable_store_is_a_store_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = RemoteStore(f"http://127.0.0.1:{port}/query", timeout=2)
    with pytest.raises(StoreError, match="cannot be reached"):
        store.query("ASK {}")
    assert StoreError.status == 503


def test_a_silent_store_times_out() -> None:
    with socket.socket() as sock:  # accepts connections (backlog) but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        store = RemoteStore(f"http://127.0.0.1:{sock.getsockname()[1]}/query", timeout=1)
        started = time.monotonic()
        with pytest.raises(StoreTimeout, match="did not answer within 1 s"):
            store.query("ASK {}")
        assert time.monotonic() - started < 10


def test_virtuoso_system_graphs_are_not_data(servers: dict[str, SparqlServer]) -> None:
    if "virtuoso" not in servers:
        _skip_virtuoso()
    store = RemoteStore(servers["virtuoso"].endpoint)
    clean(store)
    assert store.graphs() == [] and len(store) == 0
    assert values(store.query("SELECT ?v WHERE { ?s ?p ?v }")) == []
    assert store.dialect == "virtuoso" and store._union_by_graphs()


def test_auth_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    from minegraph.store.remote import parse_auth

    assert parse_auth("bearer:abc") == ("bearer", "abc", "")
    assert parse_auth("user:pa:ss") == ("basic", "user", "pa:ss")
    assert parse_auth("digest:dba:dba") == ("digest", "dba", "dba")
    assert parse_auth("") is None
    with pytest.raises(StoreError):
        parse_auth("nonsense")
    store = RemoteStore("http://127.0.0.1:1/query", auth="bearer:abc")
    wrapper = store._wrapper("ASK {}", 5)
    assert wrapper.customHttpHeaders["Authorization"] == "Bearer abc"
    assert NamedNode(G1).value == G1


def test_virtuoso_digest_auth_on_its_protected_endpoints(servers: dict[str, SparqlServer]) -> None:
    if "virtuoso" not in servers:
        _skip_virtuoso()
    protected = servers["virtuoso"].endpoint.replace("/sparql", "/sparql-auth")
    store = RemoteStore(protected, auth="digest:dba:dba", timeout=20)
    assert store.store_endpoint.endswith("/sparql-graph-crud-auth")
    put(store, {G1: graph(("a", "secured"))})
    assert values(store.query(f"SELECT ?v WHERE {{ ?s <{EX}label> ?v }}")) == ["secured"]
    put(store, {G1: None})
    with pytest.raises(StoreError, match="credentials"):
        RemoteStore(protected, auth="digest:dba:wrong", timeout=20).query("ASK {}")


def _bulk_lines(n: int) -> list[bytes]:
    return [f'<{EX}thing/{i}> <{EX}label> "thing {i}" .\n'.encode() for i in range(n)]


def test_a_bulk_write_is_hidden_until_published_with_its_update(store: Store) -> None:
    """begin_bulk / bulk_load / finish_bulk: the new graph appears, with the other changes, in one step."""
    from minegraph.store.view import GRAPHS_QUERY

    put(store, {G2: graph(("old", "old"))})
    lines = _bulk_lines(50)
    store.begin_bulk([G1])  # type: ignore[attr-defined]
    store.bulk_load(G1, b"".join(lines[:20]))  # type: ignore[attr-defined]
    store.bulk_load(G1, iter(lines[20:]))  # type: ignore[attr-defined]  # pieces, read as they come
    listed = {row["g"].value for row in store.query(GRAPHS_QUERY)}  # type: ignore[union-attr]
    assert G1 not in listed and G1 not in store.graphs() and G2 in listed
    store.finish_bulk([G1], f'INSERT DATA {{ GRAPH <{G2}> {{ <{EX}new> <{EX}label> "new" }} }}')  # type: ignore[attr-defined]
    listed = {row["g"].value for row in store.query(GRAPHS_QUERY)}  # type: ignore[union-attr]
    assert G1 in listed and G1 in store.graphs()
    count = f"SELECT (COUNT(*) AS ?v) WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"
    assert values(store.query(count, default_graphs=[])) == ["50"]
    assert values(store.query(f"SELECT ?v WHERE {{ GRAPH <{G2}> {{ ?s <{EX}label> ?v }} }}",
                              default_graphs=[])) == ["new", "old"]


def test_a_bulk_write_abandoned_half_way_is_dropped_by_the_next_writer(store: Store, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that died mid-load leaves a marked, hidden graph; the next writer removes graph and marker."""
    from minegraph.store import remote
    from minegraph.store.view import PENDING_GRAPH

    store.begin_bulk([G1])  # type: ignore[attr-defined]
    store.bulk_load(G1, b"".join(_bulk_lines(10)))  # type: ignore[attr-defined]
    assert G1 not in store.graphs()
    if isinstance(store, EmbeddedStore):
        store.close()
        store = EmbeddedStore(tmp_path / "store")  # reopening for writing recovers
    else:
        monkeypatch.setattr(remote, "STALE_SECONDS", -1)  # the marker counts as old at once
        put(store, {G2: graph(("a", "one"))})
    leftover = f"ASK {{ {{ GRAPH <{G1}> {{ ?s ?p ?o }} }} UNION {{ GRAPH <{PENDING_GRAPH}> {{ ?s ?p ?o }} }} }}"
    assert bool(store.query(leftover, default_graphs=[])) is False  # type: ignore[arg-type]
    store.close()


@pytest.mark.parametrize("died", ["all loaded", "half loaded"])
def test_the_write_a_dead_writer_left_half_done_is_written_whole_by_the_next(store: Store, tmp_path: Path,
                                                                             died: str) -> None:
    """The same write again, at once (no reopening, no stale marker yet): it is not "unchanged", and it is
    published whole — the leftover is neither compared with nor added to."""
    from minegraph.store.door import ChangeSet, write

    lines = _bulk_lines(10)
    store.begin_bulk([G1])  # type: ignore[attr-defined]
    store.bulk_load(G1, b"".join(lines if died == "all loaded" else lines[:4] + _bulk_lines(12)[10:]))  # type: ignore[attr-defined]
    settings = Settings(store=tmp_path / "door-store")
    written = write(settings, ChangeSet({G1: NTriplesGraph([line.decode() for line in lines])}, action="retry"),
                    store=store)
    assert written.changed == [G1]
    assert G1 in store.graphs()
    count = f"SELECT (COUNT(*) AS ?v) WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"
    assert values(store.query(count, default_graphs=[])) == ["10"]


@pytest.mark.parametrize("given", ["bytes", "pieces"])
def test_a_remote_bulk_load_is_uploaded_in_pieces(remote_store: RemoteStore, monkeypatch: pytest.MonkeyPatch,
                                                  given: str) -> None:
    """Big graphs go up in several Graph Store POSTs cut at line ends, and arrive whole (given as one text or
    as pieces, as an ingest streams them)."""
    from minegraph.store import remote

    monkeypatch.setattr(remote, "UPLOAD_BYTES", 200)  # a few lines per request
    posts: list[bytes] = []
    send = remote_store._request
    monkeypatch.setattr(remote_store, "_request", lambda method, graph, data=None, *rest, **named: (
        posts.append(data or b"") if method == "POST" else None, send(method, graph, data, *rest, **named))[1])
    lines = _bulk_lines(40)
    remote_store.begin_bulk([G1])
    remote_store.bulk_load(G1, b"".join(lines) if given == "bytes" else iter(lines))
    remote_store.finish_bulk([G1])
    assert len(posts) > 5 and all(len(p) <= 200 and p.endswith(b"\n") for p in posts)
    count = f"SELECT (COUNT(*) AS ?v) WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"
    assert values(remote_store.query(count, default_graphs=[])) == ["40"]


def test_a_bulk_write_that_fails_leaves_nothing_behind(store: Store) -> None:
    """A load the store refuses (malformed N-Triples) fails the write, and neither graph nor marker remains."""
    from minegraph.store.view import PENDING_GRAPH

    broken = NTriplesGraph([line.decode() for line in _bulk_lines(5)] + ["<http://example.org/x> not a triple\n"])
    with pytest.raises(Exception):  # noqa: B017 - each store words its refusal its own way
        commit(store, [GraphChange(G1, broken)], bulk_above=0)
    leftover = f"ASK {{ {{ GRAPH <{G1}> {{ ?s ?p ?o }} }} UNION {{ GRAPH <{PENDING_GRAPH}> {{ ?s ?p ?o }} }} }}"
    assert bool(store.query(leftover, default_graphs=[])) is False  # type: ignore[arg-type]
    assert G1 not in store.graphs()
