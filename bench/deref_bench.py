"""Dereferencing throughput: /doc/incident/{key}.ttl and .html under N concurrent clients, side by side with
`oxigraph serve` answering the equivalent DESCRIBE.

    python bench/deref_bench.py --store .minegraph/store [--clients 8] [--seconds 10] [--port 8091]

Starts `minegraph serve --no-build` and `oxigraph serve-read-only` on the same store (read-only handles),
requests the documents of every incident key round robin, and prints requests per second as a Markdown table.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

from _net import free_port
from _net import wait_for as wait


def run(port: int, paths: list[str], clients: int, seconds: float, accept: str) -> tuple[float, int]:
    """Requests per second over ``seconds`` with ``clients`` keep-alive connections; and the errors."""
    done, errors, stop = [0] * clients, [0] * clients, time.monotonic() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = index
        while time.monotonic() < stop:
            conn.request("GET", paths[i % len(paths)], headers={"Accept": accept})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors[index] += 1
            done[index] += 1
            i += clients

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started), sum(errors)


def incident_keys(store: Path) -> list[str]:
    from pyoxigraph import Store

    handle = Store.read_only(str(store))
    rows = handle.query("SELECT ?s WHERE { ?s a <https://w3id.org/minegraph/def/Incident> }",
                        use_default_graph_as_union=True)
    return [row["s"].value for row in rows]  # type: ignore[index, union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path(".minegraph/store"))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers of minegraph serve.")
    parser.add_argument("--limit", type=int, default=10000, help="At most this many distinct incidents.")
    args = parser.parse_args()
    iris = incident_keys(args.store)[: args.limit]
    bin_dir = Path(sys.executable).parent
    ours, theirs = free_port(), free_port()
    processes = [
        subprocess.Popen([str(bin_dir / "minegraph"), "serve", "--no-build", "--store", str(args.store),
                          "--port", str(ours), "--threads", str(args.clients), "--workers", str(args.workers),
                          "--query-workers", "2"], stderr=subprocess.DEVNULL),
        subprocess.Popen([shutil.which("oxigraph") or str(bin_dir / "oxigraph"), "serve-read-only",
                          "--location", str(args.store), "--bind", f"127.0.0.1:{theirs}"],
                         stderr=subprocess.DEVNULL),
    ]
    try:
        wait(ours, "/health")
        wait(theirs, "/query?query=ASK%7B%7D")
        doc = [iri.replace("https://w3id.org/minegraph/id/", "/doc/") for iri in iris]
        describe = [f"/query?query={quote(f'DESCRIBE <{iri}>')}&union-default-graph" for iri in iris]
        rows = []
        for name, port, paths, accept in (
            ("minegraph /doc/incident/{key}.ttl", ours, [p + ".ttl" for p in doc], "text/turtle"),
            ("minegraph /doc/incident/{key}.html", ours, [p + ".html" for p in doc], "text/html"),
            ("oxigraph serve DESCRIBE (Turtle)", theirs, describe, "text/turtle"),
        ):
            run(port, paths, args.clients, min(2.0, args.seconds), accept)  # warm up (fills the document cache)
            rate, errors = run(port, paths, args.clients, args.seconds, accept)
            rows.append((name, rate, errors))
        print(f"| what ({len(iris)} incidents, {args.clients} clients, {args.workers} minegraph worker(s), "
              f"{args.seconds:g} s) | requests/s | errors |")
        print("|---|---|---|")
        for name, rate, errors in rows:
            print(f"| {name} | {rate:,.0f} | {errors} |")
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()
