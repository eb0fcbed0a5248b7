"""Real SPARQL servers for the tests: Oxigraph server (PyPI ``oxigraph``) and Virtuoso (Debian
``virtuoso-opensource-7-bin``), each started on a free loopback port in a scratch directory and stopped after."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.sparql_support import free_port

#: Virtuoso's result limit in the tests: small, so that paging past it is exercised.
VIRTUOSO_MAX_ROWS = 100


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@dataclass
class SparqlServer:
    """A SPARQL server process; ``endpoint`` is its query endpoint."""

    kind: str
    directory: Path
    command: list[str]
    port: int
    endpoint: str
    ready_path: str
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.directory / f"{self.kind}.log"

    def start(self, timeout: float = 60) -> SparqlServer:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT, cwd=self.directory)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} stopped: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{self.ready_path}", timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self  # it answers
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.kind} did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


def oxigraph_server(directory: Path, *, union: bool = True, port: int | None = None,
                    timeout_s: int | None = None) -> SparqlServer:
    """``oxigraph serve`` on a store in ``directory`` (with ``--union-default-graph`` when ``union``)."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server is not installed: pip install oxigraph")
    port = port or free_port()
    command = [binary, "serve", "--location", str(directory / "data"), "--bind", f"127.0.0.1:{port}"]
    if union:
        command.append("--union-default-graph")
    if timeout_s:
        command += ["--timeout-s", str(timeout_s)]
    endpoint = f"http://127.0.0.1:{port}/query"
    return SparqlServer("oxigraph", directory, command, port, endpoint, "/query?query=ASK%7B%7D")


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {d}

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
MaxClientConnections = 10
ServerThreads = 10

[SPARQL]
ResultSetMaxRows = {rows}
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 400
"""


def virtuoso_available() -> bool:
    return shutil.which("virtuoso-t") is not None and shutil.which("isql-vt") is not None


def virtuoso_server(directory: Path) -> SparqlServer:
    """Virtuoso 7 in ``directory``, its SPARQL user allowed to update (as a Virtuoso deployment would be)."""
    http, sql = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=directory, sql=sql, http=http, rows=VIRTUOSO_MAX_ROWS))
    server = SparqlServer("virtuoso", directory, ["virtuoso-t", "-c", str(ini), "+foreground"], http,
                          f"http://127.0.0.1:{http}/sparql", "/sparql?query=ASK%7B%7D")
    server.start(timeout=120)
    subprocess.run(["isql-vt", f"127.0.0.1:{sql}", "dba", "dba",
                    'exec=GRANT SPARQL_UPDATE TO "SPARQL"; GRANT EXECUTE ON DB.DBA.L_O_LOOK TO "SPARQL";'],
                   check=True, capture_output=True, timeout=60)
    return server
