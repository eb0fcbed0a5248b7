"""A build or an ingest from the command line while `minegraph serve` serves the same store: the server's query
workers step aside for the write and then see the new data (no restart, no undefined behaviour)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import yaml

from .conftest import SEED_SOURCE
from .sparql_support import start_server

COUNT = "SELECT (SUM(?n) AS ?injured) WHERE { ?i <https://w3id.org/minegraph/def/injuredCount> ?n }"


def _injured(server) -> str:  # type: ignore[no-untyped-def]
    reply = server.request("GET", f"/sparql?query={quote(COUNT)}",
                           headers={"Accept": "application/sparql-results+json"})
    assert reply.status == 200, reply.body
    return json.loads(reply.body)["results"]["bindings"][0]["injured"]["value"]


def _injured_on_home_page(server) -> str:  # type: ignore[no-untyped-def]
    """The figure the home page shows (the pages keep their answers until the store changes)."""
    reply = server.request("GET", "/", headers={"Accept": "text/html"})
    assert reply.status == 200
    found = re.search(r"<dt>People injured</dt><dd>(\d+)</dd>", reply.body.decode())
    assert found, reply.body[:2000]
    return found.group(1)


def test_build_while_serving(tmp_path: Path, data_copy: Path) -> None:
    server = start_server(tmp_path, args=("--data-dir", str(data_copy)), build=True)
    try:
        assert _injured(server) == "4"
        assert _injured_on_home_page(server) == "4"
        assert _injured_on_home_page(server) == "4"  # kept
        path = data_copy / "sources" / SEED_SOURCE.name
        records = yaml.safe_load(path.read_text(encoding="utf-8"))
        records["incidents"][1]["injured"] = 5  # a curator's correction: five people, three of them listed
        path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")
        built = subprocess.run([sys.executable, "-m", "minegraph", "build", "-q", "--store", str(server.store),
                                "--data", str(data_copy)], capture_output=True, text=True, timeout=300)
        assert built.returncode == 0, built.stderr
        assert _injured(server) == "6"
        assert _injured_on_home_page(server) == "6"
    finally:
        server.stop()
