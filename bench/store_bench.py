"""Store benchmark: the same synthetic incidents loaded into the embedded store and into an Oxigraph server.

    python bench/store_bench.py [--incidents N] [--repeat R] [--seconds S]

For each backend: the time of ``ingest`` (mapping, gate and write of one source document), the peak memory of
the process holding the data (this process for the embedded store, the server for the remote one), the median
latency of a counting SPARQL query and of the description of one incident (what /doc renders), in process;
then ``minegraph serve`` on that backend and, over HTTP on loopback with one client, the p50/p99 latencies of
the SPARQL benchmark's queries (bench/sparql_bench.py: group-by, describe, small-select) and of dereferencing
(/doc/incident/{key}.ttl and .html) for random incidents. Rows come from bench/ingest_bench.py's generator.
Nothing here is a test; docs/benchmarks.md records results.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # bench/sparql_bench.py imports its sibling _net as a top-level module

from bench._net import free_port, wait_for  # noqa: E402
from bench.ingest_bench import DEFAULT_COLOMBIA, SAMPLE, synthetic  # noqa: E402
from bench.sparql_bench import QUERIES  # noqa: E402

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?i a <https://w3id.org/minegraph/def/Incident> }"


def _peak_kib(pid: int | None) -> int:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _median_ms(call: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def served(settings: Any, endpoint: str, incidents: list[str], seconds: float) -> dict[str, Any]:
    """p50/p99 (ms) of the SPARQL and dereferencing requests against `minegraph serve` on this backend."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINEGRAPH_")}
    command = [sys.executable, "-m", "minegraph", "serve", "--no-build", "--port", str(port), "--store",
               str(settings.store), "--query-timeout", "120", *(["--endpoint", endpoint] if endpoint else [])]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rng = random.Random(3)
    try:
        wait_for(port, "/health", seconds=600)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        found: dict[str, Any] = {}
        requests = {
            **{name: (lambda q=q: "/sparql?" + _encode(q.replace("{incident}", rng.choice(incidents))),
                      "text/turtle" if name == "describe" else "application/sparql-results+json")
               for name, q in QUERIES.items()},
            "doc.ttl": (lambda: "/doc/incident/" + rng.choice(incidents).rsplit("/", 1)[1] + ".ttl", "*/*"),
            "doc.html": (lambda: "/doc/incident/" + rng.choice(incidents).rsplit("/", 1)[1] + ".html", "*/*"),
        }
        for name, (path, accept) in requests.items():
            latencies = []
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline or len(latencies) < 3:
                started = time.perf_counter()
                conn.request("GET", path(), headers={"Accept": accept})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{name}: HTTP {response.status}")
                latencies.append((time.perf_counter() - started) * 1000)
            latencies.sort()
            found[f"{name}_p50_ms"] = round(statistics.median(latencies), 1)
            found[f"{name}_p99_ms"] = round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1)
        return found
    finally:
        process.terminate()
        process.wait(60)


def _encode(query: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"query": query})


def run(backend: str, csv_path: Path, work: Path, repeat: int, seconds: float = 10.0) -> dict[str, Any]:
    from minegraph.core.settings import Settings
    from minegraph.ingest.run import ingest
    from minegraph.publish.describe import statement_predicates
    from minegraph.publish.documents import description, thing_target
    from minegraph.store import open_configured

    server = None
    endpoint = ""
    if backend == "oxigraph-server":
        from tests.sparql_support import free_port

        port = free_port()
        binary = Path(sys.executable).with_name("oxigraph")
        server = subprocess.Popen([str(binary), "serve", "--location", str(work / "oxigraph"), "--bind",
                                   f"127.0.0.1:{port}", "--union-default-graph"], stderr=subprocess.DEVNULL)
        endpoint = f"http://127.0.0.1:{port}/query"
        time.sleep(1.0)
    try:
        settings = Settings(store=work / "store", data_dir=ROOT / "data", endpoint=endpoint, query_timeout=600)
        store = open_configured(settings)
        started = time.perf_counter()
        [result] = ingest([str(csv_path)], settings, mapping="colombia-victims", store=store)
        load = time.perf_counter() - started
        triples = len(store)
        row = next(iter(store.query(f"SELECT ?i WHERE {{ ?i a <{settings.base_uri}def/Incident> }} LIMIT 1")))  # type: ignore[call-overload]
        iri = row["i"].value
        target = thing_target(settings.base_uri, "incident", iri.rsplit("/", 1)[1])
        count_ms = _median_ms(lambda: list(store.query(COUNT)), repeat)  # type: ignore[arg-type]
        predicates = statement_predicates(store)  # what /doc computes once per store state
        describe_ms = _median_ms(lambda: description(store, target, settings.base_uri, predicates), repeat)
        peak = _peak_kib(server.pid if server else None)
        incidents = [r["i"].value for r in store.query(  # type: ignore[union-attr]
            f"SELECT ?i WHERE {{ ?i a <{settings.base_uri}def/Incident> }} LIMIT 5000")]
        store.close()
        found = {"backend": backend, "incidents": result.incidents, "triples": triples, "load_s": round(load, 1),
                 "peak_mib": round(peak / 1024), "count_ms": round(count_ms, 1),
                 "describe_ms": round(describe_ms, 1)}
        found |= served(settings, endpoint, incidents, seconds)
        if server is not None:
            found["server_peak_mib"] = round(_peak_kib(server.pid) / 1024)
        return found
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=20000, help="synthetic rows (incidents) to load")
    parser.add_argument("--repeat", type=int, default=20, help="runs per latency measure (the median is kept)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each HTTP latency measure")
    parser.add_argument("--backend", choices=["embedded", "oxigraph-server"], action="append")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        template = DEFAULT_COLOMBIA if DEFAULT_COLOMBIA.exists() else SAMPLE
        csv_path = synthetic(Path(tmp) / "synthetic.csv", options.incidents, template)
        for backend in options.backend or ["embedded", "oxigraph-server"]:
            work = Path(tmp) / backend
            work.mkdir()
            # each backend in its own process, so that peak memory is its own
            code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.store_bench import run; "
                    f"from pathlib import Path; print(run({backend!r}, Path({str(csv_path)!r}), "
                    f"Path({str(work)!r}), {options.repeat}, {options.seconds}))")
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
            print(out.stdout.strip() or out.stderr[-2000:], flush=True)


if __name__ == "__main__":
    main()
