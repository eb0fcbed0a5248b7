"""Every command the README and docs/ show runs, as a newcomer would type it (issue 18).

The shell blocks of each document are read here line by line (a line ending in ``\\`` goes on): each command is
run in a fresh copy of data/, queries/ and server/, in the document's order, and must exit 0. A ``minegraph
serve`` (or ``gunicorn``) line starts the server the next lines talk to, as ``$MG``; each ``curl`` must get no error
status; ``export NAME=value`` sets a variable for the lines after it. What a document assumes and does not show
is given here per document: placeholders (``FILE.csv``, ``KEY``…) and what they stand for, the small files its
uploads name, a store built first. A line not run here is listed, with where it is run, in the document's
``elsewhere``: a new line in a document is either run here or listed there, deliberately.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT
from tests.sparql_support import free_port

pytestmark = pytest.mark.e2e

#: a small graph the Graph Store examples upload (N-Triples is Turtle too)
NTRIPLES = '<https://example.org/s> <https://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'


@dataclass(frozen=True)
class Document:
    #: lines not run by this test (the line as written, or its command without the comment) and where they are run
    elsewhere: dict[str, str] = field(default_factory=dict)
    #: what the document's placeholders stand for here
    placeholders: dict[str, str] = field(default_factory=dict)
    #: files the document's commands read, written before they run
    files: dict[str, str] = field(default_factory=dict)
    #: ``minegraph build`` before the first line (the document starts where the README's build left off)
    built: bool = False
    #: commands whose output (stdout) becomes a variable for the lines after them
    captures: dict[str, str] = field(default_factory=dict)
    #: commands run after every other line, and why
    last: dict[str, str] = field(default_factory=dict)
    #: every line of the document is run elsewhere, for this reason
    all_elsewhere: str = ""


DOCUMENTS: dict[str, Document] = {
    "README.md": Document(
        elsewhere={
            "./scripts/serve.sh": "by the newcomer check of every change (it installs into .venv and serves for ever)",
            "./scripts/test.sh": "by CI: .ci/run runs it (it runs this test)",
            ". .venv/bin/activate": "a shell built-in: here minegraph is on PATH already",
        },
        placeholders={
            "FILE.csv": str(ROOT / "tests" / "fixtures" / "colombia" / "sample.csv"),
            "data/sources/NAME.yaml": "data/sources/newsaz-ombudsperson-april-6.yaml",
            "KEEP DROP": "k318zecnq29 j044rzcgyy3",  # two of the seed's incidents
            "withdraw KEY": "withdraw 78ft77tf9p2",
            "token create NAME": "token create readme",
            '"…"': '"checked by tests/test_documented_commands.py"',
        },
    ),
    "docs/sparql.md": Document(
        built=True,
        placeholders={"--host 0.0.0.0": "--host 127.0.0.1", "/srv/minegraph/store": ".minegraph/store"},
        files={"graph.ttl": NTRIPLES, "more.nt": NTRIPLES, "a.ttl": NTRIPLES, "b.ttl": NTRIPLES},
        captures={"minegraph token create alice": "TOKEN"},
        last={"minegraph token revoke alice": "revoking first would refuse the writes the document shows next"},
    ),
    "docs/deployment.md": Document(
        built=True,
        placeholders={"/etc/nginx/sites-enabled/minegraph": "nginx-site.conf"},
        elsewhere={
            "curl -I https://data.example.org/id/incident/KEY": "needs the deployer's own domain; the redirects it "
            "relies on are checked behind a real nginx in tests/test_nginx_e2e.py",
            "export MINEGRAPH_ENDPOINT=https://store.internal/query": "needs a remote store at the deployer's "
            "address: the same commands against real Oxigraph and Virtuoso servers run in tests/test_store_contract.py "
            "and tests/test_remote_web.py",
            "export MINEGRAPH_AUTH=bearer:…": "as MINEGRAPH_ENDPOINT (tests/test_store_contract.py)",
            "minegraph build                  # or ingest, release, merge, withdraw, withdraw-source, query":
                "as MINEGRAPH_ENDPOINT (tests/test_store_contract.py)",
            "gunicorn -c server/gunicorn.conf.py server.wsgi:app             # on every web machine":
                "as MINEGRAPH_ENDPOINT (tests/test_remote_web.py serves a remote store)",
        },
    ),
    "docs/uris.md": Document(built=True),
    "docs/benchmarks.md": Document(
        all_elsewhere="benchmarks are run by hand (each takes minutes and measures, it does not check); the tables "
                      "in the document are their output",
    ),
}


def commands(document: str) -> list[tuple[str, str]]:
    """``(line as written, command)`` of the document's ``sh`` blocks: continued lines joined, comments off."""
    found, inside, pending = [], False, ""
    for line in (ROOT / document).read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = line.strip() in ("```sh", "```bash", "```shell")
            continue
        if not inside:
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1].rstrip() + " "
            continue
        written = (pending + line.strip()).strip()
        pending = ""
        command = re.sub(r"(^|\s+)#\s.*$", "", written).strip()
        if command:
            found.append((written, re.sub(r"\s+", " ", command)))
    return found


def documents_with_commands() -> list[str]:
    return sorted(str(path.relative_to(ROOT)) for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
                  if commands(str(path.relative_to(ROOT))))


def test_every_document_with_commands_is_known_here() -> None:
    """A new document with shell blocks is checked too, or the test says so."""
    assert documents_with_commands() == sorted(DOCUMENTS)


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_every_line_not_run_here_is_still_in_its_document(document: str) -> None:
    spec, lines = DOCUMENTS[document], commands(document)
    written = {text for pair in lines for text in pair}
    for line in [*spec.elsewhere, *spec.captures, *spec.last]:
        assert line in written, f"{line!r} is no longer in {document}: take it out of this test"


@pytest.mark.parametrize("document", sorted(name for name, spec in DOCUMENTS.items() if not spec.all_elsewhere))
def test_every_documented_command_runs(document: str, tmp_path: Path) -> None:
    spec = DOCUMENTS[document]
    shutil.copytree(DATA, tmp_path / "data")
    for directory in ("queries", "server"):
        shutil.copytree(ROOT / directory, tmp_path / directory, ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in spec.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINEGRAPH_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(tmp_path)  # server.wsgi, as from a checkout
    lines = [(written, command) for written, command in commands(document)
             if written not in spec.elsewhere and command not in spec.elsewhere]
    lines = [line for line in lines if line[1] not in spec.last] + [line for line in lines if line[1] in spec.last]
    if spec.built:
        lines.insert(0, ("minegraph build", "minegraph build"))
    server: subprocess.Popen[bytes] | None = None
    try:
        for _written, command in lines:
            line = _concrete(command, spec.placeholders)
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").partition("=")
                env[name] = value
                continue
            if "minegraph serve" in line or line.startswith("gunicorn "):
                _stop(server)
                port = free_port()
                env["MG"], env["MINEGRAPH_BIND"] = f"http://127.0.0.1:{port}", f"127.0.0.1:{port}"
                line = re.sub(r"--port \d+", f"--port {port}", line)
                if "minegraph serve" in line and "--port" not in line:
                    line += f" --port {port}"
                server = subprocess.Popen(["bash", "-c", line], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True)
                _wait(f"{env['MG']}/health", server)
                continue
            if line.startswith("curl "):
                assert server is not None, f"{document} runs curl before it starts a server"
            line = re.sub(r"(^|;\s*)curl ", r"\1curl -sS --fail -o /dev/null ", line)
            done = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 0, f"{document}: `{line}` exited {done.returncode}:\n{done.stderr[-2000:]}"
            if command in spec.captures:
                env[spec.captures[command]] = done.stdout.strip()
    finally:
        _stop(server)
    if document == "README.md":
        assert (tmp_path / "gazetteer.ttl").stat().st_size > 0 and (tmp_path / "minegraph.conf").stat().st_size > 0
        assert any((tmp_path / "export").iterdir())


def _concrete(line: str, placeholders: dict[str, str]) -> str:
    for placeholder, value in placeholders.items():
        line = line.replace(placeholder, value)
    return line


def _stop(server: subprocess.Popen[bytes] | None) -> None:
    if server is not None and server.poll() is None:
        os.killpg(server.pid, 15)
        server.wait(30)


def _wait(url: str, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server exited with status {server.returncode} before it answered"
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the server did not answer at {url}")
