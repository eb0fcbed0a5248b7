"""The ceiling of a Python web tier: bare apps over pyoxigraph against ``oxigraph serve`` (issue 3's targets).

    python bench/ceiling_bench.py [--incidents 10000] [--seconds 4] [--clients 1,8]

Issue 3 asks light queries to reach 0.8x of ``oxigraph serve`` throughput. This measures what the fastest
possible Python tier reaches on the same machine: an app that does nothing but parse ``query``, run it
in-process on a read-only pyoxigraph store (union default graph) and write JSON — no Flask, no limits, no
worker processes, no public-dataset narrowing — under each HTTP server a deployment could use:

- ``gunicorn-sync``: the WSGI app, gunicorn sync workers;
- ``gunicorn-gthread``: the WSGI app, gunicorn threaded workers (what ``minegraph serve`` uses);
- ``gunicorn-uvicorn``: the ASGI app, gunicorn with uvicorn workers (``uvicorn-worker``, uvloop, httptools);
- ``granian``: the ASGI app under granian (a Rust HTTP server); ``granian-rsgi``, ``granian-wsgi``: the same
  app on granian's own interface and on its WSGI one;

each with two worker processes, and ``oxigraph serve-read-only`` as the reference, all driven by the load
generator of ``sparql_bench.py`` (small-select: one incident's label, place and killed count). It reuses the
store ``sparql_bench.py`` builds (``bench/out/store-N``), building it if needed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

from _net import free_port, wait_for

SERVERS = ("oxigraph", "gunicorn-sync", "gunicorn-gthread", "gunicorn-uvicorn", "granian", "granian-rsgi",
           "granian-wsgi")
_STORE = None


def _run(query_string: bytes) -> bytes:
    """The whole work of the bare app: parse, query in-process, write JSON."""
    global _STORE
    import pyoxigraph

    if _STORE is None:  # opened in the worker, after gunicorn's fork
        _STORE = pyoxigraph.Store.read_only(os.environ["CEILING_STORE"])
    sparql = parse_qs(query_string.decode())["query"][0]
    result = _STORE.query(sparql, use_default_graph_as_union=True)
    return bytes(result.serialize(format=pyoxigraph.QueryResultsFormat.JSON))  # type: ignore[union-attr]


def wsgi(environ: dict, start_response):  # type: ignore[no-untyped-def, type-arg]
    body = _run(environ["QUERY_STRING"].encode())
    start_response("200 OK", [("Content-Type", "application/sparql-results+json"),
                              ("Content-Length", str(len(body)))])
    return [body]


async def asgi(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    body = _run(scope["query_string"])
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/sparql-results+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def rsgi(scope, protocol):  # type: ignore[no-untyped-def]
    """The same app on granian's own interface (RSGI): no ASGI message dicts."""
    body = _run(scope.query_string.encode())
    protocol.response_bytes(200, [("content-type", "application/sparql-results+json")], body)


def start(server: str, store: Path, port: int) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``server`` on ``port``; returns the process and the query path."""
    here = Path(__file__).resolve().parent
    env = dict(os.environ, CEILING_STORE=str(store), PYTHONPATH=str(here))
    binaries = Path(sys.executable).parent
    if server == "oxigraph":
        binary = shutil.which("oxigraph") or str(binaries / "oxigraph")
        command = [binary, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
                   "--union-default-graph"]
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), "/query"
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                "--log-level", "warning"]
    commands = {
        "gunicorn-sync": [*gunicorn, "ceiling_bench:wsgi"],
        "gunicorn-gthread": [*gunicorn, "--worker-class", "gthread", "--threads", "4", "ceiling_bench:wsgi"],
        "gunicorn-uvicorn": [*gunicorn, "--worker-class", "uvicorn_worker.UvicornWorker", "ceiling_bench:asgi"],
        "granian": [str(binaries / "granian"), "--interface", "asgi", "--workers", "2", "--port", str(port),
                    "--log-level", "warning", "ceiling_bench:asgi"],
        "granian-rsgi": [str(binaries / "granian"), "--interface", "rsgi", "--workers", "2", "--port", str(port),
                         "--log-level", "warning", "ceiling_bench:rsgi"],
        "granian-wsgi": [str(binaries / "granian"), "--interface", "wsgi", "--workers", "2", "--port", str(port),
                         "--log-level", "warning", "ceiling_bench:wsgi"],
    }
    return subprocess.Popen(commands[server], env=env, cwd=here, stdout=subprocess.DEVNULL), "/sparql"


def main(argv: list[str] | None = None) -> None:
    import multiprocessing

    import sparql_bench

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--clients", default="1,8")
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    store, nquads = args.out / f"store-{args.incidents}", args.out / f"synthetic-{args.incidents}.nq"
    if not nquads.exists():
        sparql_bench.generate(nquads, args.incidents)
    if not store.exists():
        loader = multiprocessing.Process(target=sparql_bench.load, args=(store, nquads))
        loader.start()
        loader.join()
    clients = [int(c) for c in args.clients.split(",")]
    table: dict[tuple[str, int], dict[str, float]] = {}
    for server in args.servers.split(","):
        port = free_port()
        process, path = start(server, store.resolve(), port)
        try:
            wait_for(port, f"{path}?query=ASK%7B%7D")
            sparql_bench.measure(port, path, "small-select", 1, 1.0, args.incidents)  # warm-up
            for count in clients:
                table[(server, count)] = result = sparql_bench.measure(port, path, "small-select", count,
                                                                       args.seconds, args.incidents)
                print(f"{server:17} {count:2} clients: {result['rps']:8.1f} req/s  p50 {result['p50']:6.2f} ms  "
                      f"p99 {result['p99']:6.2f} ms  errors {result['errors']}", flush=True)
        finally:
            process.terminate()
            process.wait(30)
    print(f"\nsmall-select on {args.incidents} incidents; {args.seconds:g} s per cell; {os.cpu_count()} CPUs\n")
    print("| server | " + " | ".join(f"{c} client(s) req/s | vs oxigraph | p99 ms" for c in clients) + " |")
    print("|---|" + "---|---|---|" * len(clients))
    for server in dict.fromkeys(s for s, _c in table):
        cells = []
        for count in clients:
            ours, theirs = table[(server, count)], table.get(("oxigraph", count))
            ratio = f"{ours['rps'] / theirs['rps']:.2f}x" if theirs and theirs["rps"] else ""
            cells.append(f"{ours['rps']:,.0f} | {ratio} | {ours['p99']:.2f}")
        print(f"| {server} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
