"""SPARQL benchmark: minegraph's server against ``oxigraph serve`` on the same synthetic data.

    python bench/sparql_bench.py [--incidents 100000] [--seconds 5] [--clients 1,8] [--out bench/out]

It generates a synthetic data set of incidents in the minegraph ontology (one named graph per synthetic
source document, plus a places graph), loads it once with pyoxigraph, then serves that store read-only with
``minegraph serve`` (granian, or gunicorn with ``--http-server gunicorn``; query worker processes) and with
``oxigraph serve-read-only`` (PyPI ``oxigraph``), and drives both from load generator processes on loopback
(keep-alive HTTP/1.1, one connection per client). For each query and each number of clients it prints
throughput and p50/p99 latency, and the ratios of minegraph to oxigraph. Results are a benchmark, not a test:
they depend on the machine (the load generator shares its cores with the servers).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from _net import free_port, wait_for
from _net import measure as drive

MG = "https://w3id.org/minegraph/def/"
MGC = "https://w3id.org/minegraph/concept/"
BASE = "https://w3id.org/minegraph/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
DEVICES = ("antipersonnel-mine", "antivehicle-mine", "improvised-mine", "cluster-munition-remnant",
           "other-erw", "unspecified-mine", "unknown")
STATUSES = ("civilian", "deminer", "military", "security-forces", "unknown")
PREFIXES = f"PREFIX mg: <{MG}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
QUERIES = {
    "group-by": PREFIXES + "SELECT ?type (COUNT(?i) AS ?incidents) (SUM(?k) AS ?killed) (SUM(?j) AS ?injured) "
                "WHERE { ?i a mg:Incident ; mg:explosiveOrdnanceType ?type ; mg:killedCount ?k ; "
                "mg:injuredCount ?j } GROUP BY ?type ORDER BY DESC(?incidents)",
    "describe": "DESCRIBE <{incident}>",
    "small-select": PREFIXES + "SELECT ?label ?place ?killed WHERE { <{incident}> rdfs:label ?label ; "
                    "mg:place ?place ; mg:killedCount ?killed }",
}


def incident_iri(n: int) -> str:
    return f"{BASE}id/incident/b{n:09d}"


def generate(path: Path, incidents: int, seed: int = 7) -> int:
    """Write the synthetic data set as N-Quads; returns the number of quads."""
    rng = random.Random(seed)
    count = 0
    places = [f"{BASE}id/place/p{n:05d}" for n in range(500)]
    with path.open("w", encoding="utf-8") as out:
        graph = f"<{BASE}graph/places>"
        for n, place in enumerate(places):
            out.write(f"<{place}> <{RDF_TYPE}> <{MG}Place> {graph} .\n"
                      f"<{place}> <{LABEL}> \"Synthetic district {n}\"@en {graph} .\n"
                      f"<{place}> <{MG}adminLevel> \"2\"^^<{XSD}integer> {graph} .\n")
            count += 3
        for n in range(incidents):
            graph = f"<{BASE}graph/source/s{n // 100:06d}>"
            iri, statement = incident_iri(n), f"{BASE}id/statement/t{n:09d}"
            killed, injured = rng.choice((0, 0, 0, 1, 1, 2)), rng.choice((0, 1, 1, 2, 3))
            day = f"20{rng.randint(15, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            lines = [
                (iri, RDF_TYPE, f"<{MG}Incident>"),
                (iri, LABEL, f'"Synthetic landmine incident {n}"@en'),
                (iri, f"{MG}place", f"<{rng.choice(places)}>"),
                (iri, f"{MG}explosiveOrdnanceType", f"<{MGC}explosive-ordnance/{rng.choice(DEVICES)}>"),
                (iri, f"{MG}killedCount", f'"{killed}"^^<{XSD}integer>'),
                (iri, f"{MG}injuredCount", f'"{injured}"^^<{XSD}integer>'),
                (iri, f"{MG}earliestDate", f'"{day}"^^<{XSD}date>'),
                (iri, f"{MG}latestDate", f'"{day}"^^<{XSD}date>'),
                (iri, f"{MG}datePrecision", f"<{MGC}date-precision/day>"),
                (iri, f"{MG}supportedBy", f"<{statement}>"),
                (statement, RDF_TYPE, f"<{MG}IncidentReport>"),
                (statement, f"{MG}supports", f"<{iri}>"),
            ]
            for v in range(killed + injured):
                victim = f"{BASE}id/victim/v{n:09d}{v}"
                lines += [(iri, f"{MG}victim", f"<{victim}>"), (victim, RDF_TYPE, f"<{MG}Victim>"),
                          (victim, f"{MG}incident", f"<{iri}>"),
                          (victim, f"{MG}outcome", f"<{MGC}outcome/{'killed' if v < killed else 'injured'}>"),
                          (victim, f"{MG}status", f"<{MGC}victim-status/{rng.choice(STATUSES)}>")]
            for s, p, o in lines:
                out.write(f"<{s}> <{p}> {o} {graph} .\n")
            count += len(lines)
    return count


def load(store_dir: Path, nquads: Path) -> None:
    from pyoxigraph import RdfFormat, Store

    store = Store(str(store_dir))
    store.bulk_load(path=str(nquads), format=RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    del store


#: Requests prepared per client (then taken again from the start): more than a client sends in one measurement.
REQUESTS_PER_CLIENT = 20_000


def measure(port: int, path: str, name: str, clients: int, seconds: float, keys: int) -> dict[str, float]:
    """``clients`` load generator processes (:func:`_net.measure`), each asking ``QUERIES[name]`` about
    incidents drawn at random (one seed per client)."""
    query = QUERIES[name]
    accept = "text/turtle" if name == "describe" else "application/sparql-results+json"
    paths = []
    for seed in range(clients):
        rng = random.Random(seed)
        count = REQUESTS_PER_CLIENT if "{incident}" in query else 1
        paths.append([f"{path}?{urlencode({'query': query.replace('{incident}', incident_iri(rng.randrange(keys)))})}"
                      for _ in range(count)])
    return drive(port, paths, accept, seconds)


def start_minegraph(store: Path, port: int, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINEGRAPH_")}
    command = [sys.executable, "-m", "minegraph", "serve", "--no-build", "--store", str(store), "--port", str(port),
               "--workers", str(args.web_workers), "--threads", str(args.threads),
               "--query-workers", str(args.query_workers), "--http-server", args.http_server]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


def start_oxigraph(store: Path, port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    command = [binary, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
               "--union-default-graph"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def serve_rdflib(nquads: Path, port: int) -> None:
    """Serve ``nquads`` with rdflib-endpoint (in this process; run as ``--serve-rdflib NQ PORT``)."""
    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    dataset = Dataset(default_union=True)
    dataset.parse(str(nquads), format="nquads")
    app = SparqlEndpoint(graph=dataset, path="/sparql", public_url=f"http://127.0.0.1:{port}/sparql")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def start_rdflib(nquads: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, __file__, "--serve-rdflib", str(nquads), str(port)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    parser.add_argument("--clients", default="1,8", help="concurrent clients, comma-separated")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--web-workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--http-server", choices=("granian", "gunicorn"), default="granian",
                        help="the HTTP server of minegraph serve (its default: granian)")
    parser.add_argument("--query-workers", type=int, default=3,
                        help="query processes per web worker (3: minegraph's default on 2 cores)")
    parser.add_argument("--servers", default="minegraph,oxigraph",
                        help="comma-separated: minegraph, oxigraph, rdflib-endpoint (needs `pip install "
                             "rdflib-endpoint uvicorn`; slow: use it with fewer incidents)")
    parser.add_argument("--serve-rdflib", nargs=2, metavar=("NQUADS", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_rdflib:
        serve_rdflib(Path(args.serve_rdflib[0]), int(args.serve_rdflib[1]))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    store = args.out / f"store-{args.incidents}"
    nquads = args.out / f"synthetic-{args.incidents}.nq"
    if not nquads.exists():
        started = time.perf_counter()
        quads = generate(nquads, args.incidents)
        print(f"generated {args.incidents} incidents, {quads} quads in {time.perf_counter() - started:.1f} s")
    if not store.exists():
        started = time.perf_counter()
        loader = multiprocessing.Process(target=load, args=(store, nquads))  # the store is closed when it ends
        loader.start()
        loader.join()
        print(f"loaded into {store} in {time.perf_counter() - started:.1f} s")
    table: dict[tuple[str, str, int], dict[str, float]] = {}
    for server in args.servers.split(","):
        port = free_port()
        if server == "minegraph":
            process = start_minegraph(store, port, args)
        elif server == "oxigraph":
            process = start_oxigraph(store, port)
        else:
            process = start_rdflib(nquads, port)
        path = "/query" if server == "oxigraph" else "/sparql"
        try:
            wait_for(port, f"{path}?query=ASK%7B%7D", seconds=1200)
            for name in QUERIES:
                measure(port, path, name, 1, min(1.0, args.seconds), args.incidents)  # warm-up
                for clients in (int(c) for c in args.clients.split(",")):
                    table[(server, name, clients)] = result = measure(port, path, name, clients, args.seconds,
                                                                     args.incidents)
                    print(f"{server:9} {name:12} {clients:2} clients: {result['rps']:8.1f} req/s  "
                          f"p50 {result['p50']:8.2f} ms  p99 {result['p99']:8.2f} ms  errors {result['errors']}",
                          flush=True)
        finally:
            process.terminate()
            process.wait(30)
    print_table(table, args)


def print_table(table: dict[tuple[str, str, int], dict[str, float]], args: argparse.Namespace) -> None:
    print(f"\n{args.incidents} incidents; {args.seconds:g} s per cell; minegraph: {args.web_workers} "
          f"{args.http_server} worker(s) x {args.threads} threads, {args.query_workers} query process(es) each; "
          f"{os.cpu_count()} CPUs\n")
    others = [s for s in dict.fromkeys(server for server, _n, _c in table) if s != "minegraph"]
    head = "| query | clients | minegraph req/s | p50 ms | p99 ms |"
    for other in others:
        head += f" {other} req/s | p50 ms | p99 ms | throughput ratio | p99 ratio |"
    print(head)
    print("|" + "---|" * (5 + 5 * len(others)))
    for (server, name, clients), ours in sorted(table.items()):
        if server != "minegraph":
            continue
        row = f"| {name} | {clients} | {ours['rps']:.1f} | {ours['p50']:.2f} | {ours['p99']:.2f} |"
        for other in others:
            theirs = table.get((other, name, clients))
            if theirs is None:
                row += " | | | | |"
                continue
            ratio = ours["rps"] / theirs["rps"] if theirs["rps"] else float("nan")
            p99 = ours["p99"] / theirs["p99"] if theirs["p99"] else float("nan")
            row += (f" {theirs['rps']:.1f} | {theirs['p50']:.2f} | {theirs['p99']:.2f} | {ratio:.2f}x |"
                    f" {p99:.2f}x |")
        print(row)

if __name__ == "__main__":
    main()
