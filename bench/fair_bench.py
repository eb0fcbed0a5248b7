"""Fair sharing benchmark: light queries of several clients while one client sends runaway queries.

    python bench/fair_bench.py [--incidents 20000] [--seconds 8] [--runaways 0,6] [--out bench/out]

On the synthetic store of bench/sparql_bench.py, it serves the store with ``minegraph serve`` (its defaults:
one web worker here, the default query workers, the time limit given) and with ``oxigraph serve-read-only``, and
for each number of runaways: one client (one loopback address) keeps that many queries running that never end by
themselves, while four other clients (four other addresses) send small SELECTs back to back. It prints the light
clients' throughput, p50/p99 latency and errors (anything but 200), and what the runaway client got. A benchmark,
not a test: the load generator shares the machine's cores with the servers.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from _net import free_port, wait_for
from sparql_bench import QUERIES, generate, load, measure, start_oxigraph

#: every triple with every triple: runs until it is stopped
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LIGHT = "small-select"
LIGHT_CLIENTS = 4


def runaway_client(port: int, path: str, seconds: float, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """One connection of the runaway client (address 127.0.9.9): the runaway query again and again."""
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=max(1.0, deadline - time.monotonic()),
                                          source_address=("127.0.9.9", 0))
        try:
            conn.request("GET", f"{path}?{urlencode({'query': RUNAWAY})}",
                         headers={"Accept": "application/sparql-results+json"})
            status = conn.getresponse().status
        except (OSError, http.client.HTTPException):
            status = 0  # still running at the end of the measurement
        finally:
            conn.close()
        statuses[status] = statuses.get(status, 0) + 1
        if status == 429:
            time.sleep(1)  # as Retry-After asks (a polite client)
    results.put(statuses)


def run(port: int, path: str, runaways: int, seconds: float, incidents: int) -> dict[str, object]:
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    heavy = [multiprocessing.Process(target=runaway_client, args=(port, path, seconds + 2, results))
             for _ in range(runaways)]
    for process in heavy:
        process.start()
    time.sleep(1.0 if runaways else 0)
    light = measure(port, path, LIGHT, LIGHT_CLIENTS, seconds, incidents)
    got: dict[int, int] = {}
    for _ in heavy:
        for status, count in results.get().items():
            got[status] = got.get(status, 0) + count
    for process in heavy:
        process.join()
    return {**light, "runaway": got}


def start(server: str, store: Path, port: int, timeout: float) -> subprocess.Popen[bytes]:
    if server == "oxigraph":
        return start_oxigraph(store, port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINEGRAPH_")}
    command = [sys.executable, "-m", "minegraph", "serve", "--no-build", "--store", str(store), "--port", str(port),
               "--workers", "1", "--query-timeout", str(timeout)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each measurement")
    parser.add_argument("--runaways", default="0,6", help="runaway queries of the heavy client, comma-separated")
    parser.add_argument("--timeout", type=float, default=5.0, help="minegraph's query time limit (s)")
    parser.add_argument("--servers", default="minegraph,oxigraph")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args(argv)
    assert "small-select" in QUERIES
    args.out.mkdir(parents=True, exist_ok=True)
    store, nquads = args.out / f"store-{args.incidents}", args.out / f"synthetic-{args.incidents}.nq"
    if not nquads.exists():
        generate(nquads, args.incidents)
    if not store.exists():
        loader = multiprocessing.Process(target=load, args=(store, nquads))
        loader.start()
        loader.join()
    rows = []
    for server in args.servers.split(","):
        for runaways in (int(n) for n in args.runaways.split(",")):
            port = free_port()
            process = start(server, store, port, args.timeout)
            path = "/query" if server == "oxigraph" else "/sparql"
            try:
                wait_for(port, f"{path}?query=ASK%7B%7D", seconds=300)
                measure(port, path, LIGHT, 1, 1.0, args.incidents)  # warm-up
                result = run(port, path, runaways, args.seconds, args.incidents)
            finally:
                process.terminate()
                process.wait(30)
            rows.append((server, runaways, result))
            print(f"{server:9} {runaways} runaway(s): light {result['rps']:8.1f} req/s  p50 {result['p50']:8.2f} ms  "
                  f"p99 {result['p99']:9.2f} ms  errors {result['errors']}  runaway client got {result['runaway']}",
                  flush=True)
    print(f"\n{args.incidents} incidents; {args.seconds:g} s per row; {LIGHT_CLIENTS} light clients "
          f"({LIGHT}); minegraph: 1 web worker, default query workers, time limit {args.timeout:g} s\n")
    print("| server | runaways | light req/s | p50 ms | p99 ms | light errors | runaway client got (status: n) |")
    print("|---|---|---|---|---|---|---|")
    for server, runaways, result in rows:
        got = ", ".join(f"{status or 'unfinished'}: {n}" for status, n in sorted(result["runaway"].items()))  # type: ignore[attr-defined]
        print(f"| {server} | {runaways} | {result['rps']:.1f} | {result['p50']:.2f} | {result['p99']:.2f} | "
              f"{result['errors']} | {got or '-'} |")


if __name__ == "__main__":
    main()
