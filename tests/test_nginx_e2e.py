"""nginx in front of a real `minegraph serve`, configured by `minegraph nginx-config --standalone`: pre-rendered
documents come from the document cache byte for byte as the app serves them, a missing one from the app, and a
withdrawal from the command line is seen through nginx at once (410, never the cached file)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from minegraph.store.generations import documents_dir
from minegraph.web import nginx
from tests.conftest import DATA
from tests.sparql_support import Reply, Server, free_port, start_server

pytestmark = pytest.mark.e2e
INCIDENT, WITHDRAWN, VICTIM = "k318zecnq29", "78ft77tf9p2", "b7sdn3xc8s9"
NGINX_ETAG = re.compile(r'^"[0-9a-f]+-[0-9a-f]+"$')  # mtime-size: nginx served the file
APP_ETAG = re.compile(r'^"[0-9a-f]{32}"$')  # SHA-256 of the body: the app answered
SAME_HEADERS = ("content-type", "link", "cache-control", "access-control-allow-origin", "last-modified")


@dataclass
class Stack:
    app: Server
    nginx: Server

    def files(self) -> Path:
        return documents_dir(self.app.store) / "current"


def _nginx_or_skip() -> str:
    found = nginx.binary()
    if found:
        return found
    if os.environ.get("MINEGRAPH_REQUIRE_NGINX"):  # CI (.ci/run) installs it: there, missing is a failure
        pytest.fail("nginx is required (MINEGRAPH_REQUIRE_NGINX) but is not installed")
    pytest.skip("nginx is not installed (apt-get install nginx-light)")


def minegraph(*args: str) -> str:
    """Run a minegraph command as a user would; its standard output."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MINEGRAPH_")}
    done = subprocess.run([sys.executable, "-m", "minegraph", *args], capture_output=True, text=True, env=environ,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _start_nginx(executable: str, workdir: Path, app: Server) -> Server:
    port, prefix = free_port(), workdir / "nginx"
    prefix.mkdir()
    user = ["--user", "root"] if os.geteuid() == 0 else []  # its workers must read the files in a private tmp
    config = prefix / "nginx.conf"
    config.write_text(minegraph("nginx-config", "--standalone", "--listen", f"127.0.0.1:{port}", "--upstream",
                                f"127.0.0.1:{app.port}", "--store", str(app.store), *user))
    log = prefix / "stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen(nginx.command(executable, config, prefix), stdout=out, stderr=subprocess.STDOUT)
    server = Server(port, process, app.store, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx stopped: {log.read_text()} {(prefix / 'error.log').read_text()}")
        try:
            server.request("GET", "/health", timeout=5)
            return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"nginx did not answer: {(prefix / 'error.log').read_text()}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    executable = _nginx_or_skip()
    workdir = tmp_path_factory.mktemp("nginx-e2e")
    app = start_server(workdir, build=True, env={"MINEGRAPH_DATA_DIR": str(DATA)})
    try:
        minegraph("render", "--store", str(app.store), "--kind", "incident", "-q")
        front = _start_nginx(executable, workdir, app)
        try:
            yield Stack(app, front)
        finally:
            front.stop()
    finally:
        app.stop()


def get(server: Server, path: str, **headers: str) -> Reply:
    return server.request("GET", path, headers=headers)


@pytest.mark.parametrize("extension", ["ttl", "html"])
def test_a_prerendered_document_comes_from_nginx_as_the_app_serves_it(stack: Stack, extension: str) -> None:
    path = f"/doc/incident/{INCIDENT}.{extension}"
    assert (stack.files() / path.lstrip("/")).is_file()
    front, app = get(stack.nginx, path), get(stack.app, path)
    assert front.status == app.status == 200
    assert NGINX_ETAG.match(front.headers["etag"]), front.headers
    assert front.body == app.body
    for name in SAME_HEADERS:
        assert front.headers[name] == app.headers[name], name
    assert front.headers["content-type"].endswith("; charset=utf-8")
    assert f'</doc/incident/{INCIDENT}.jsonld>; rel="alternate"; type="application/ld+json"' in front.headers["link"]


@pytest.mark.parametrize("extension", ["ttl", "html"])
def test_revalidation_through_nginx_answers_304(stack: Stack, extension: str) -> None:
    path = f"/doc/incident/{INCIDENT}.{extension}"
    first = get(stack.nginx, path)
    again = get(stack.nginx, path, **{"If-None-Match": first.headers["etag"]})
    assert again.status == 304 and again.body == b""
    assert again.headers["link"] == first.headers["link"]
    assert get(stack.nginx, path, **{"If-Modified-Since": first.headers["last-modified"]}).status == 304
    assert get(stack.nginx, path, **{"If-None-Match": '"other"'}).status == 200


def test_a_missing_document_comes_from_the_app_and_is_kept(stack: Stack) -> None:
    path = f"/doc/victim/{VICTIM}.ttl"  # only incidents were rendered
    assert not (stack.files() / path.lstrip("/")).exists()
    first = get(stack.nginx, path)
    assert first.status == 200 and APP_ETAG.match(first.headers["etag"])
    assert first.headers["link"].count('rel="alternate"') == 5  # once: nginx adds nothing to the app's answer
    second = get(stack.nginx, path)
    assert NGINX_ETAG.match(second.headers["etag"]) and second.body == first.body


def test_unknown_keys_and_negotiated_urls_go_to_the_app(stack: Stack) -> None:
    missing = get(stack.nginx, "/doc/incident/k318zecnq2x.ttl", Accept="text/plain")
    assert missing.status == 404 and b"check character" in missing.body
    assert not (stack.files() / "doc/incident/k318zecnq2x.ttl").exists()
    negotiated = get(stack.nginx, f"/doc/incident/{INCIDENT}", Accept="text/turtle")
    assert negotiated.status == 200 and negotiated.headers["vary"] == "Accept"
    assert negotiated.headers["content-location"] == f"/doc/incident/{INCIDENT}.ttl"
    assert get(stack.nginx, f"/id/incident/{INCIDENT}").status == 303


def test_a_withdrawal_is_gone_through_nginx_at_once(stack: Stack) -> None:
    for extension in ("ttl", "html"):
        assert NGINX_ETAG.match(get(stack.nginx, f"/doc/incident/{WITHDRAWN}.{extension}").headers["etag"])
    minegraph("withdraw", WITHDRAWN, "--reason", "recorded twice", "--store", str(stack.app.store))
    for extension in ("ttl", "html"):
        reply = get(stack.nginx, f"/doc/incident/{WITHDRAWN}.{extension}")
        assert reply.status == 410, reply.body
        assert b"recorded twice" in reply.body
    assert not (stack.files() / f"doc/incident/{WITHDRAWN}.ttl").exists()
    assert get(stack.nginx, f"/doc/incident/{INCIDENT}.ttl").status == 200  # the others render again


@pytest.mark.parametrize("extension", ["ttl", "html"])
def test_nginx_sends_the_security_headers_of_the_app(stack: Stack, extension: str) -> None:
    """Issue 14: a document nginx serves itself has the app's Content-Security-Policy (HTML only), nosniff and
    referrer policy."""
    path = f"/doc/incident/{INCIDENT}.{extension}"
    get(stack.nginx, path)  # (re)rendered by the app if a withdrawal test repointed the cache before
    front, app = get(stack.nginx, path), get(stack.app, path)
    assert NGINX_ETAG.match(front.headers["etag"])
    for name in ("content-security-policy", "x-content-type-options", "referrer-policy"):
        assert front.headers.get(name) == app.headers.get(name), name
    assert front.headers["x-content-type-options"] == "nosniff"
    assert ("frame-ancestors 'none'" in front.headers.get("content-security-policy", "")) == (extension == "html")
