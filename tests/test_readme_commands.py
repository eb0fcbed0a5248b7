"""Every command the README shows runs, as a newcomer would type it, in a fresh copy of data/ and queries/.

The README's shell blocks are read here, line by line: each ``minegraph …`` line is run (placeholders such as
``FILE.csv`` or ``KEY`` replaced by real ones, listed in :data:`PLACEHOLDERS`) and must exit 0; ``minegraph serve``
is started, and each ``curl …`` line is run against it and must get no error status. The lines not run here are
listed in :data:`RUN_ELSEWHERE` with where they are run: a new line in the README is either run here or added
there, deliberately.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT
from tests.sparql_support import free_port

pytestmark = pytest.mark.e2e

README = ROOT / "README.md"
#: README lines not run by this test, and where they are run
RUN_ELSEWHERE = {
    "./scripts/serve.sh": "by the newcomer check of every change (it installs into .venv and serves for ever)",
    "./scripts/test.sh": "by CI: .ci/run runs it (it runs this test)",
    ". .venv/bin/activate": "a shell built-in: here minegraph is on PATH already",
}
#: what the README's placeholders stand for here
PLACEHOLDERS = {
    "FILE.csv": str(ROOT / "tests" / "fixtures" / "colombia" / "sample.csv"),
    "data/sources/NAME.yaml": "data/sources/newsaz-ombudsperson-april-6.yaml",
    "KEEP DROP": "k318zecnq29 j044rzcgyy3",  # two of the seed's incidents
    "withdraw KEY": "withdraw 78ft77tf9p2",
    "token create NAME": "token create readme",
    '"…"': '"checked by tests/test_readme_commands.py"',
}


def shell_lines() -> list[str]:
    """The commands of the README's ``sh`` blocks, comments taken off."""
    lines, inside = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = line.strip() in ("```sh", "```bash", "```shell")
            continue
        if inside and line.strip():
            lines.append(re.sub(r"\s+#\s.*$", "", line).strip())
    return lines


def concrete(line: str) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        line = line.replace(placeholder, value)
    return line


def test_the_readme_shows_commands_this_test_knows() -> None:
    lines = shell_lines()
    assert any(line.startswith("minegraph build") for line in lines) and any("curl" in line for line in lines)
    unknown = [line for line in lines if line not in RUN_ELSEWHERE and not line.startswith(("minegraph ", "curl "))]
    assert not unknown, f"README commands this test neither runs nor lists in RUN_ELSEWHERE: {unknown}"
    for line in RUN_ELSEWHERE:
        assert line in lines, f"{line!r} is no longer in the README: take it out of RUN_ELSEWHERE"


def test_every_readme_command_runs(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    shutil.copytree(ROOT / "queries", tmp_path / "queries")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINEGRAPH_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    lines = [concrete(line) for line in shell_lines() if line not in RUN_ELSEWHERE]
    server = None
    try:
        for line in lines:
            if line.startswith("minegraph serve"):
                port = free_port()
                env["MG"] = f"http://127.0.0.1:{port}"
                server = subprocess.Popen(["bash", "-c", line.replace("--port 8080", f"--port {port}")],
                                          cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True)
                _wait(f"{env['MG']}/health")
                continue
            if line.startswith("curl "):
                assert server is not None, "the README runs curl before minegraph serve"
                line = re.sub(r"\bcurl ", "curl -sS --fail -o /dev/null ", line)
            done = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 0, f"`{line}` exited {done.returncode}:\n{done.stderr[-2000:]}"
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(30)
    assert (tmp_path / "gazetteer.ttl").stat().st_size > 0 and (tmp_path / "minegraph.conf").stat().st_size > 0
    assert any((tmp_path / "export").iterdir())


def _wait(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"minegraph serve did not answer at {url}")
