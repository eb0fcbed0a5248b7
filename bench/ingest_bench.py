"""Ingest benchmark: the Colombian victims file and a synthetic file, fast path against its peers.

    python bench/ingest_bench.py [--colombia PATH] [--synthetic N] [--pyshacl-sample N]

Prints one table. Peers in the same run: pyshacl (the reference gate) on a slice of the same graph,
extrapolated per incident; and pyoxigraph's own bulk_load of the same triples into a fresh on-disk store
(the write ceiling, not crash-safe). Nothing here is a test; docs/benchmarks.md records the results.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_COLOMBIA = ROOT.parent / "shared" / "data" / "real" / "colombia-victims-map-muse.csv"
SAMPLE = ROOT / "tests" / "fixtures" / "colombia" / "sample.csv"


def synthetic(path: Path, n: int, template: Path) -> Path:
    """``n`` rows in the Colombian layout, drawn from ``template`` with years and months varied."""
    with template.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    year, month = header.index("ano"), header.index("mes")
    rnd = random.Random(1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for _ in range(n):
            row = list(rnd.choice(body))
            row[year], row[month] = str(rnd.randint(1990, 2018)), str(rnd.randint(1, 12))
            writer.writerow(row)
    return path


def timed_ingest(path: Path, store: Path) -> dict[str, float]:
    from minegraph.core.settings import Settings
    from minegraph.ingest.run import ingest

    marks: list[tuple[str, float]] = [("start", time.perf_counter())]

    def progress(message: str) -> None:
        marks.append((message.split()[0], time.perf_counter()))

    settings = Settings(store=store, data_dir=ROOT / "data")
    [result] = ingest([str(path)], settings, mapping="colombia-victims", progress=progress)
    end = time.perf_counter()
    at: dict[str, float] = {}
    for name, t in marks:  # the first mark of each name (the door validates graph after graph)
        at.setdefault(name, t)
    # read+map: reading, mapping, emitting and the door's reading of the store; gate: every graph's shapes and the
    # aggregates; write: the commit
    return {"incidents": result.incidents, "triples": len(result.graph),
            "read+map": at["validating"] - at["start"], "gate": at["committing"] - at["validating"],
            "write": end - at["committing"], "total": end - at["start"],
            "lines": result.graph.lines + places_lines(settings)}  # type: ignore[dict-item]


def places_lines(settings: object) -> list[str]:
    """The places graph the ingest wrote (the table's places join it): the pyshacl slice needs them."""
    from minegraph.core.ntriples import NTriplesGraph
    from minegraph.core.vocab import graph_iri
    from minegraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(settings.store, read_only=True)  # type: ignore[attr-defined]
    try:
        return NTriplesGraph.from_triples(store.graph_triples(str(graph_iri(settings.base_uri, "places")))).lines  # type: ignore[attr-defined]
    finally:
        store.close()


def pyshacl_per_incident(lines: list[str], n: int) -> float:
    """Seconds per incident for the reference gate (pyshacl) on the first ``n`` incidents' subgraph: the incidents
    with their dates and victims, the source and its statement, and the places they name with the places
    containing them (what the door gives the gate for them)."""
    from rdflib import Graph

    from minegraph.store.gate import reference_graph, validate

    def subject(line: str) -> str:
        return line.split(" ", 1)[0]

    incidents = sorted({subject(line) for line in lines if "/id/incident/" in subject(line)
                        and "#" not in subject(line)})[:n]
    chosen = set(incidents)
    parents = {subject(line): line.split(" ", 2)[2].rsplit(" .", 1)[0] for line in lines
               if " <http://schema.org/containedInPlace> " in line}
    places = {line.split(" ", 2)[2].rsplit(" .", 1)[0] for line in lines
              if subject(line) in chosen and " <https://w3id.org/minegraph/def/place> " in line}
    frontier = list(places)
    while frontier:
        parent = parents.get(frontier.pop())
        if parent and parent not in places:
            places.add(parent)
            frontier.append(parent)
    victims = {line.split(" ", 2)[2].rsplit(" .", 1)[0] for line in lines
               if subject(line) in chosen and " <https://w3id.org/minegraph/def/victim> " in line}
    own = chosen | victims | places
    keep = [line for line in lines if subject(line).split("#", 1)[0].rstrip(">") + ">" in own
            or "/id/source/" in subject(line) or ("/id/statement/" in subject(line) and " <https://w3id.org/"
            "minegraph/def/supports> " not in line) or "/id/agent/" in subject(line)]
    graph = Graph().parse(data="".join(keep), format="nt")
    start = time.perf_counter()
    validate(graph, reference=reference_graph())
    return (time.perf_counter() - start) / max(1, len(incidents))


def bulk_load_seconds(lines: list[str], store: Path) -> float:
    from pyoxigraph import NamedNode, RdfFormat, Store

    data = "".join(lines).encode("utf-8")
    start = time.perf_counter()
    target = Store(str(store))
    target.bulk_load(data, format=RdfFormat.N_TRIPLES, to_graph=NamedNode("urn:bench"))
    target.flush()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--colombia", type=Path, default=DEFAULT_COLOMBIA)
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--pyshacl-sample", type=int, default=300)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        runs = []
        if args.colombia.exists():
            runs.append(("Colombia (real)", args.colombia))
        else:
            print(f"note: {args.colombia} not found; the real file is skipped", file=sys.stderr)
        if args.synthetic:
            template = args.colombia if args.colombia.exists() else SAMPLE
            runs.append((f"synthetic {args.synthetic:,}", synthetic(work / "synthetic.csv", args.synthetic, template)))
        for name, path in runs:
            print(f"running {name} …", file=sys.stderr)
            m = timed_ingest(path, work / f"store-{len(rows)}")
            lines = m.pop("lines")  # type: ignore[arg-type]
            per = pyshacl_per_incident(lines, args.pyshacl_sample)  # type: ignore[arg-type]
            bulk = bulk_load_seconds(lines, work / f"bulk-{len(rows)}")  # type: ignore[arg-type]
            rows.append((name, m, per, bulk))
    print(f"\n{'input':<20} {'incidents':>9} {'triples':>10} {'read+map':>9} {'gate':>7} {'write':>7} "
          f"{'total':>7} {'validated/s':>12} {'end-to-end/s':>13} | {'pyshacl gate (extrap.)':>22} "
          f"{'bulk_load ceiling':>17}")
    for name, m, per, bulk in rows:
        n = m["incidents"]
        validated = n / (m["read+map"] + m["gate"])
        print(f"{name:<20} {n:>9,} {m['triples']:>10,} {m['read+map']:>8.1f}s {m['gate']:>6.1f}s {m['write']:>6.1f}s "
              f"{m['total']:>6.1f}s {validated:>12,.0f} {n / m['total']:>13,.0f} | "
              f"{per * n:>13.0f}s ({per * 1000:.1f} ms/inc) {bulk:>16.1f}s")


if __name__ == "__main__":
    main()
