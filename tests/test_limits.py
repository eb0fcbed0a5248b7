"""A body over the limit is refused with 413 before anything is written, chunked or not — never cut and committed.

Against a real server (gunicorn): the limit is ``max_request_bytes`` (1 MB by default). A chunked body has no
Content-Length, so the server only learns its size by reading it.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from minegraph.store.embedded import EmbeddedStore
from tests.sparql_support import TOKEN, Server, start_server

GRAPH = "http://example.org/limits"
LIMIT = 1_000_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("limits"))
    yield running
    running.stop()


def triples(n: int) -> bytes:
    return b"".join(f'<http://example.org/s{i}> <http://example.org/p> "value {i}" .\n'.encode() for i in range(n))


def send(server: Server, method: str, path: str, body: bytes, content_type: str, *, chunked: bool) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Content-Type": content_type, "Authorization": f"Bearer {TOKEN}"}
    try:
        if chunked:
            pieces = (body[i:i + 8192] for i in range(0, len(body), 8192))
            conn.request(method, path, body=pieces, headers=headers, encode_chunked=True)
        else:
            conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except (ConnectionResetError, BrokenPipeError):  # refused while still sending: nothing was written either
        return 413
    finally:
        conn.close()


def stored(server: Server, graph: str) -> int:
    reply = server.request("GET", f"/store?graph={graph}", headers={"Accept": "application/n-triples"})
    return len(reply.body.splitlines()) if reply.status == 200 else 0


@pytest.mark.parametrize("chunked", [True, False])
def test_a_graph_store_put_over_the_limit_is_refused_whole(server: Server, chunked: bool) -> None:
    body = triples(33_975)
    assert len(body) > LIMIT
    status = send(server, "PUT", f"/store?graph={GRAPH}-{chunked}", body, "application/n-triples", chunked=chunked)
    assert status == 413
    assert stored(server, f"{GRAPH}-{chunked}") == 0


@pytest.mark.parametrize("chunked", [True, False])
def test_an_update_over_the_limit_applies_no_operation(server: Server, chunked: bool) -> None:
    graph = f"{GRAPH}-update-{chunked}"
    first = f"INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/first> <http://example.org/p> 1 }} }}"
    second = f"INSERT DATA {{ GRAPH <{graph}> {{ {triples(30_000).decode()} }} }}"
    body = f"{first} ;\n{second}".encode()
    assert len(first) < LIMIT < len(body)
    status = send(server, "POST", "/sparql", body, "application/sparql-update", chunked=chunked)
    assert status == 413
    assert stored(server, graph) == 0


def test_a_chunked_body_under_the_limit_is_read_whole(server: Server) -> None:
    body = triples(12_000)
    assert len(body) < LIMIT
    assert send(server, "PUT", f"/store?graph={GRAPH}-small", body, "application/n-triples", chunked=True) == 201
    assert stored(server, f"{GRAPH}-small") == 12_000


def test_nothing_over_the_limit_reached_the_store(server: Server, tmp_path: Path) -> None:
    server.stop()
    handle = EmbeddedStore(server.store, read_only=True)
    try:
        assert [g for g in handle.graphs() if g.startswith(GRAPH)] == [f"{GRAPH}-small"]
    finally:
        handle.close()
