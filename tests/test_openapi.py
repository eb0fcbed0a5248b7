"""The OpenAPI description (docs/openapi.yaml) checked against a running server with schemathesis.

Every documented operation is fuzzed (a bounded number of examples, a time budget) over loopback; the
checks: no server error, documented status codes, content types, headers and response schemas.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import DATA, ROOT
from tests.needs import need
from tests.sparql_support import Server, start_server

pytestmark = pytest.mark.e2e
SPEC = ROOT / "src" / "minegraph" / "web" / "openapi.yaml"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("openapi"), build=True, env={"MINEGRAPH_DATA_DIR": str(DATA)})
    yield running
    running.stop()


def test_the_description_is_served_and_covers_the_routes(server: Server) -> None:
    reply = server.request("GET", "/openapi.yaml")
    assert reply.status == 200 and reply.body == SPEC.read_bytes()
    paths = set(yaml.safe_load(reply.body)["paths"])
    for path in ("/", "/incidents", "/id/{kind}/{key}", "/doc/{kind}/{name}", "/def/{name}", "/concept/{scheme}",
                 "/release/", "/.well-known/void", "/catalog", "/reconcile", "/health", "/metrics"):
        assert path in paths
    assert not any(p.startswith(("/sparql", "/store")) for p in paths)
    assert (ROOT / "docs" / "openapi.yaml").resolve() == SPEC.resolve()


def test_schemathesis_finds_nothing(server: Server, tmp_path: Path) -> None:
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")
    need(executable is not None, switch="MINEGRAPH_REQUIRE_SCHEMATHESIS",
         missing="schemathesis is not installed (pip install -e '.[test]')")
    assert executable is not None
    command = [executable, "run", f"{server.url}/openapi.yaml", "--max-examples", "10", "--max-time", "45",
               "--max-redirects", "0", "--generation-deterministic", "--phases", "examples,fuzzing",
               "--checks", "all", "--exclude-checks", "positive_data_acceptance,negative_data_rejection",
               "--request-timeout", "20", "--workers", "2"]
    environ = {**os.environ, "HOME": str(tmp_path), "NO_COLOR": "1"}
    result = subprocess.run(command, cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=180,
                            check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
