"""The production entry point, as docs/deployment.md gives it: ``gunicorn -c server/gunicorn.conf.py server.wsgi:app``.

A real gunicorn master with the shipped configuration (two workers by default), over a store built from data/,
answering over HTTP on loopback — adding up both workers' counts in /metrics — and, behind a reverse proxy,
naming the public URL in its service description (the app trusts ``X-Forwarded-*`` from one hop).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from minegraph.core.settings import Settings
from minegraph.ingest.build import build

from .sparql_support import free_port

ROOT = Path(__file__).resolve().parents[1]


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> object:
    store = tmp_path_factory.mktemp("production") / "store"
    build(Settings(store=store, data_dir=ROOT / "data"))
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MINEGRAPH_")}
    environ.update({"MINEGRAPH_STORE": str(store), "MINEGRAPH_BIND": f"127.0.0.1:{port}",
                    "MINEGRAPH_QUERY_WORKERS": "1"})
    log = (store.parent / "gunicorn.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "server/gunicorn.conf.py", "server.wsgi:app"],
                               cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, "/health")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((store.parent / "gunicorn.log").read_text())
            time.sleep(0.2)
        yield port, process
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def test_the_shipped_gunicorn_configuration_serves_the_store(production: tuple[int, subprocess.Popen[bytes]]) -> None:
    port, process = production
    query = "SELECT (COUNT(?i) AS ?n) WHERE { ?i a <https://w3id.org/minegraph/def/Incident> }"
    status, body = _get(port, f"/sparql?query={quote(query)}", {"Accept": "application/sparql-results+json"})
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "3"
    assert len(_children(process.pid)) == 2  # the default (their query processes are their own children)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_behind_a_proxy_the_service_description_names_the_public_url(
        production: tuple[int, subprocess.Popen[bytes]]) -> None:
    port, _process = production
    status, body = _get(port, "/sparql", {"Accept": "text/turtle", "X-Forwarded-Proto": "https",
                                          "X-Forwarded-Host": "data.example.org"})
    assert status == 200
    assert b"<https://data.example.org/sparql>" in body
    assert b"127.0.0.1" not in body


def _sparql_requests(port: int) -> float:
    status, body = _get(port, "/metrics")
    assert status == 200
    found = re.search(rb'^minegraph_http_requests_total\{endpoint="sparql",method="GET",status="200"\} (\S+)$',
                      body, re.M)
    return float(found.group(1)) if found else 0.0


def test_metrics_add_up_every_worker(production: tuple[int, subprocess.Popen[bytes]]) -> None:
    """Whichever worker answers /metrics, it counts the requests of both (a scrape must never go backwards)."""
    port, _process = production
    before = _sparql_requests(port)
    for _ in range(20):  # a new connection each: the two workers share them
        assert _get(port, f"/sparql?query={quote('ASK {}')}")[0] == 200
    assert [_sparql_requests(port) for _ in range(6)] == [before + 20] * 6


def test_a_long_url_is_refused_by_the_server_not_echoed(production: tuple[int, subprocess.Popen[bytes]]) -> None:
    """The shipped configuration bounds the request line (minegraph.web.limits.GUNICORN_LIMITS): a 100 KB URL to
    /id/ is a short 4xx, where it was once a 303 echoing it whole."""
    port, _process = production
    status, body = _get(port, "/id/incident/" + "x" * 100_000)
    assert status in (400, 414)
    assert len(body) < 2000
    assert _get(port, "/sparql?query=" + quote("ASK {}") + "&x=" + "y" * 7000)[0] == 200
