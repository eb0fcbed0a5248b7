"""Helpers for the SPARQL tests: a real `minegraph serve` process on a free loopback port, and exact HTTP."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

TOKEN = "conformance-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass
class Server:
    """A running server process."""

    port: int
    process: subprocess.Popen[bytes]
    store: Path
    log: Path
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float = 30, source: str | None = None) -> Reply:
        """One request with exactly the given headers (http.client adds only Host and Content-Length); ``source``:
        the loopback address to send it from (127.0.0.2…), to be another client than the tests' 127.0.0.1."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
                                          source_address=(source, 0) if source else None)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            response = conn.getresponse()
            data = response.read()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        finally:
            conn.close()

    def update(self, sparql: str) -> Reply:
        return self.request("POST", "/sparql", sparql.encode(), {
            "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def start_server(workdir: Path, *, args: tuple[str, ...] = (), env: dict[str, str] | None = None,
                 build: bool = False) -> Server:
    """Start `minegraph serve` on a scratch store in ``workdir`` and wait until /health answers."""
    port = free_port()
    store = workdir / "store"
    log = workdir / "server.log"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MINEGRAPH_")}
    environ.update({"MINEGRAPH_WRITE_TOKEN": TOKEN, **(env or {})})
    # one web worker: fewer processes per test server (tests/test_production_server.py runs two)
    command = [sys.executable, "-m", "minegraph", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--store", str(store), "--workers", "1", "--query-workers", "3", *args]
    if not build:
        command.append("--no-build")
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environ, cwd=workdir)
    server = Server(port, process, store, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text()}")
        try:
            if server.request("GET", "/health", timeout=5).status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the server did not answer in time: {log.read_text()}")
