"""Dereferencing throughput: /doc/incident/{key}.ttl and .html through nginx in front of minegraph (documents
pre-rendered into the document cache), through minegraph alone, and `oxigraph serve` answering the equivalent
DESCRIBE as Turtle, on the same store, in one run.

    python bench/deref_bench.py --incidents 100000 [--clients 1,8] [--seconds 10] [--render-workers 2]
    python bench/deref_bench.py --store PATH …            # an existing store instead

With ``--incidents N`` the store is built once into ``bench/out/deref-N/`` (kept for the next run): the seed
records of data/ (``minegraph build``), then N synthetic rows in the Colombian layout (``synthetic()`` of
bench/ingest_bench.py) through ``minegraph ingest FILE --mapping colombia-victims``. Then ``minegraph render
--kind incident`` fills the document cache (timed; documents already there are kept), and three servers start
on loopback: ``minegraph serve``, nginx with the configuration ``minegraph nginx-config --standalone`` prints
(the one docs/deployment.md describes), and ``oxigraph serve-read-only --union-default-graph`` (PyPI
``oxigraph``). Each client is a process requesting the incidents round robin from its own offset, on one
keep-alive connection. The load generator shares the machine's cores with the servers: this is a benchmark,
not a test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from _net import free_port, measure, wait_for

ROOT = Path(__file__).resolve().parents[1]
INCIDENT_CLASS = "https://w3id.org/minegraph/def/Incident"
ID_PREFIX = "https://w3id.org/minegraph/id/"
NGINX_ETAG = re.compile(r'^"[0-9a-f]+-[0-9a-f]+"$')


def minegraph(*args: str) -> None:
    """A minegraph command, as a user would run it (no MINEGRAPH_* settings from this shell)."""
    subprocess.run([sys.executable, "-m", "minegraph", *args], check=True, env=_clean_env())


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MINEGRAPH_")}


def build_store(incidents: int, out: Path) -> Path:
    """``out/deref-N/store``: the seed data and N synthetic incidents, built once."""
    sys.path.insert(0, str(Path(__file__).parent))
    from ingest_bench import DEFAULT_COLOMBIA, SAMPLE, synthetic

    directory = out / f"deref-{incidents}"
    store = directory / "store"
    if store.exists():
        return store
    directory.mkdir(parents=True, exist_ok=True)
    rows = synthetic(directory / "synthetic.csv", incidents, DEFAULT_COLOMBIA if DEFAULT_COLOMBIA.exists() else SAMPLE)
    started = time.perf_counter()
    minegraph("build", "--store", str(store), "--data", str(ROOT / "data"), "-q")
    minegraph("ingest", str(rows), "--mapping", "colombia-victims", "--store", str(store), "--data",
              str(ROOT / "data"), "-q")
    print(f"built {store} ({incidents:,} synthetic incidents) in {time.perf_counter() - started:.0f} s", flush=True)
    return store


def incident_iris(store: Path) -> list[str]:
    """The incidents of the store (read in a child process: the handle is closed before the servers start)."""
    code = ("import sys; from pyoxigraph import Store; s = Store.read_only(sys.argv[1]); "
            f"print('\\n'.join(r['s'].value for r in s.query('SELECT ?s WHERE {{ ?s a <{INCIDENT_CLASS}> }} "
            "ORDER BY ?s', use_default_graph_as_union=True)))")
    found = subprocess.run([sys.executable, "-c", code, str(store)], capture_output=True, text=True, check=True)
    return found.stdout.split()


def render(store: Path, workers: int, incidents: int, formats: str) -> float:
    """``minegraph render --kind incident``; its wall time per incident in ms."""
    started = time.perf_counter()
    minegraph("render", "--kind", "incident", "--store", str(store), "--workers", str(workers), "--format", formats,
              "-q")
    seconds = time.perf_counter() - started
    print(f"rendered {incidents:,} incidents ({formats}) in {seconds:.1f} s: "
          f"{seconds / max(1, incidents) * 1000:.1f} ms per incident with {workers} worker(s)", flush=True)
    return seconds / max(1, incidents) * 1000


def start_servers(store: Path, work: Path, args: argparse.Namespace
                  ) -> tuple[dict[str, int], list[subprocess.Popen[bytes]]]:
    """minegraph serve, nginx in front of it, oxigraph serve-read-only: their ports and processes."""
    from minegraph.web import nginx

    ports = {"minegraph": free_port(), "nginx": free_port(), "oxigraph": free_port()}
    processes = [subprocess.Popen(
        [sys.executable, "-m", "minegraph", "serve", "--no-build", "--store", str(store), "--port",
         str(ports["minegraph"]), "--threads", str(args.threads), "--workers", str(args.web_workers),
         "--query-workers", str(args.query_workers)], env=_clean_env(), stderr=subprocess.DEVNULL)]
    prefix = work / "nginx"
    shutil.rmtree(prefix, ignore_errors=True)
    prefix.mkdir(parents=True)
    user = ["--user", "root"] if os.geteuid() == 0 else []
    config = subprocess.run(
        [sys.executable, "-m", "minegraph", "nginx-config", "--standalone", "--listen", f"127.0.0.1:{ports['nginx']}",
         "--upstream", f"127.0.0.1:{ports['minegraph']}", "--store", str(store), *user],
        capture_output=True, text=True, check=True, env=_clean_env()).stdout
    (prefix / "nginx.conf").write_text(config)
    executable = nginx.binary()
    if executable is None:
        raise SystemExit("nginx is not installed (apt-get install nginx-light)")
    processes.append(subprocess.Popen(nginx.command(executable, prefix / "nginx.conf", prefix)))
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    processes.append(subprocess.Popen([oxigraph, "serve-read-only", "--location", str(store), "--bind",
                                       f"127.0.0.1:{ports['oxigraph']}", "--union-default-graph"],
                                      stderr=subprocess.DEVNULL))
    return ports, processes


def served_from_file(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status == 200 and bool(NGINX_ETAG.match(response.getheader("ETag") or ""))


def spread(paths: list[str], clients: int) -> list[list[str]]:
    """Each client's list: every path, starting at its own offset (so clients do not ask for the same one)."""
    step = max(1, len(paths) // clients)
    return [paths[i * step:] + paths[:i * step] for i in range(clients)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000, help="Build a store with this many incidents.")
    parser.add_argument("--store", type=Path, help="Use this store instead (its incidents).")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--clients", default="1,8", help="Concurrent clients, comma-separated.")
    parser.add_argument("--seconds", type=float, default=10, help="Duration of each measurement.")
    parser.add_argument("--render-workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--formats", default="ttl,html,jsonld,nt,rdf",
                        help="Formats to pre-render (about 75 KB per incident for all five).")
    parser.add_argument("--web-workers", type=int, default=1, help="web workers of minegraph serve.")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--query-workers", type=int, default=2)
    args = parser.parse_args()
    store = args.store or build_store(args.incidents, args.out)
    iris = incident_iris(store)
    per_incident = render(store, args.render_workers, len(iris), args.formats)
    ports, processes = start_servers(store, args.out / f"deref-{len(iris)}", args)
    try:
        wait_for(ports["minegraph"], "/health")
        wait_for(ports["nginx"], "/health")
        wait_for(ports["oxigraph"], "/query?query=ASK%7B%7D")
        doc = [iri.replace(ID_PREFIX, "/doc/") for iri in iris]
        if not served_from_file(ports["nginx"], doc[0] + ".ttl"):
            print("warning: nginx did not serve the first document from the cache", file=sys.stderr)
        cases = [
            ("nginx + minegraph", "/doc/incident/{key}.ttl", ports["nginx"], [p + ".ttl" for p in doc], "text/turtle"),
            ("nginx + minegraph", "/doc/incident/{key}.html", ports["nginx"], [p + ".html" for p in doc], "text/html"),
            ("minegraph alone", "/doc/incident/{key}.ttl", ports["minegraph"], [p + ".ttl" for p in doc],
             "text/turtle"),
            ("minegraph alone", "/doc/incident/{key}.html", ports["minegraph"], [p + ".html" for p in doc],
             "text/html"),
            ("oxigraph serve", "DESCRIBE <incident> (Turtle)", ports["oxigraph"],
             [f"/query?query={quote(f'DESCRIBE <{iri}>')}" for iri in iris], "text/turtle"),
        ]
        results = []
        for clients in (int(c) for c in args.clients.split(",")):
            for server, what, port, paths, accept in cases:
                measure(port, spread(paths, clients), accept, min(2.0, args.seconds))  # warm-up
                result = measure(port, spread(paths, clients), accept, args.seconds)
                results.append((server, what, clients, result))
                print(f"{server:18} {what:30} {clients:2} clients: {result['rps']:8.0f} req/s  "
                      f"p50 {result['p50']:7.2f} ms  p99 {result['p99']:7.2f} ms  errors {result['errors']}",
                      flush=True)
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)
    print_table(results, len(iris), per_incident, args)


def print_table(results: list[tuple[str, str, int, dict[str, float]]], incidents: int, per_incident: float,
                args: argparse.Namespace) -> None:
    oxigraph = {clients: r["rps"] for server, _w, clients, r in results if server == "oxigraph serve"}
    print(f"\n{incidents:,} incidents; {args.seconds:g} s per cell; minegraph: {args.web_workers} granian worker(s) "
          f"x {args.threads} threads, {args.query_workers} query process(es); nginx: worker_processes auto; "
          f"{os.cpu_count()} CPUs shared with the load generator; render: {per_incident:.1f} ms per incident "
          f"({args.formats}; {args.render_workers} worker(s))\n")
    print("| server | request | clients | req/s | p50 ms | p99 ms | errors | vs oxigraph DESCRIBE |")
    print("|---|---|---|---|---|---|---|---|")
    for server, what, clients, r in results:
        ratio = r["rps"] / oxigraph[clients] if oxigraph.get(clients) else float("nan")
        print(f"| {server} | {what} | {clients} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
              f"{r['errors']:.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
