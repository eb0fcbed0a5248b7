"""HXL export benchmark: ``minegraph export`` against the one-query read it replaced, on the same store.

    python bench/export_bench.py --store PATH [--sample 500]

The export reads the incidents with a few simple queries joined in Python (src/minegraph/publish/hxl_export.py).
Its peer is the single SPARQL query with OPTIONALs it used before (kept here), timed on its first ``--sample``
incidents and extrapolated: run whole, it took 8 minutes for 10,003 incidents. Both read the same store through the
public view. Prints one table. A benchmark, not a test: docs/benchmarks.md records the results.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

#: The query the export used before (issue 15: 16 minutes for 36,530 incidents).
ONE_QUERY = """
SELECT ?incident ?earliest ?latest ?year ?month ?day ?device ?killed ?injured ?place ?level ?pcode ?label
       ?parent ?parentLevel ?parentPcode ?parentLabel ?country ?source WHERE {
  ?incident a mg:Incident ; mg:earliestDate ?earliest ; mg:latestDate ?latest ; mg:place ?place ;
            mg:explosiveOrdnanceType/skos:notation ?device .
  OPTIONAL { ?incident mg:killedCount ?killed } OPTIONAL { ?incident mg:injuredCount ?injured }
  OPTIONAL { ?incident time:hasTime ?when .
             OPTIONAL { ?when time:year ?year } OPTIONAL { ?when time:month ?month } OPTIONAL { ?when time:day ?day } }
  OPTIONAL { ?incident mg:supportedBy/prov:wasDerivedFrom ?source }
  ?place mg:adminLevel ?level ; rdfs:label ?label .
  OPTIONAL { ?place mg:pcode ?pcode }
  OPTIONAL { ?place schema:containedInPlace ?parent . ?parent mg:adminLevel ?parentLevel ; rdfs:label ?parentLabel .
             OPTIONAL { ?parent mg:pcode ?parentPcode } }
  OPTIONAL { ?place schema:containedInPlace* ?c . ?c mg:adminLevel 0 ; mg:iso3166 ?country }
} LIMIT %d"""


def main() -> None:
    from minegraph.core.vocab import DEFAULT_BASE, sparql_prefixes
    from minegraph.publish.hxl_export import export
    from minegraph.store.embedded import EmbeddedStore
    from minegraph.store.view import PublicStore

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=500, help="incidents the former query is timed on")
    args = parser.parse_args()
    handle = EmbeddedStore(args.store, read_only=True)
    try:
        public = PublicStore(handle, DEFAULT_BASE)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as out:
            export(public, Path(out), base=DEFAULT_BASE)  # type: ignore[arg-type]
            incidents = sum(1 for _ in (Path(out) / "incidents.csv").open(encoding="utf-8")) - 2
        ours = time.perf_counter() - started
        started = time.perf_counter()
        rows = sum(1 for _ in public.query(sparql_prefixes() + ONE_QUERY % args.sample))  # type: ignore[union-attr]
        sample = time.perf_counter() - started
    finally:
        handle.close()
    theirs = sample / max(rows, 1) * incidents
    print(f"\n{incidents:,} incidents in {args.store}\n")
    print("| export | seconds | incidents/s | vs the one query |")
    print("|---|---|---|---|")
    print(f"| minegraph export --format hxl (whole) | {ours:.1f} | {incidents / ours:,.0f} | {theirs / ours:.0f}x |")
    print(f"| the one query it replaced (first {rows} rows, extrapolated) | {theirs:.0f} | "
          f"{incidents / theirs:,.0f} | 1x |")


if __name__ == "__main__":
    main()
