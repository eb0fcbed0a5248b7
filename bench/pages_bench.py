"""How long the pages for people take: the first request after a write, then a repeated one.

    python bench/pages_bench.py --store PATH [--paths /,/incidents,/incidents?outcome=killed]
    python bench/pages_bench.py --store PATH --every-kind [--repeat 20]

The pages keep their queries' answers until the store changes, so the first request after a write pays for
every query (the dataset figures, the filter choices, the page of incidents) and the next ones cost almost
nothing. Requests go through the app itself (Flask test client, one query process), not over HTTP, so the
numbers are the queries' and the rendering's.

``--every-kind`` times a page of every kind a journalist meets (home, list, filtered list, an incident, a victim,
a place, a source, a statement, an agent, a concept, a term, the query page, releases, the catalog and the
dataset description), the things picked from the middle of the store; beside each page, its peer: the same
thing's Turtle document (the machine-readable answer of the same URI), so the table shows what the HTML costs.
"Again" is the median of ``--repeat`` requests after the first.

Build a store first: ``minegraph build`` (the seed), then e.g. ``minegraph ingest --mapping colombia-victims
--meta data/mappings/colombia-victims.meta.yaml FILE`` (the Colombian victims' file) or the synthetic files of
``bench/ingest_bench.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

#: The pages that are not things, and their machine-readable peers ("" for none).
FIXED = [("/", ""), ("/incidents", ""), ("/incidents?outcome=killed", ""), ("/sparql", ""), ("/release/", ""),
         ("/catalog", "/catalog"), ("/.well-known/void", "/.well-known/void"),
         ("/concept/outcome/killed", "/concept/outcome/killed.ttl"), ("/def/Incident", "/def/Incident.ttl")]
KINDS = ("incident", "victim", "place", "source", "statement", "agent")
PATTERNS = {"source": "?s a mg:SourceDocument", "statement": "?s prov:wasDerivedFrom []"}


def things(client: Any, base: str) -> list[tuple[str, str]]:
    """One thing of each kind from the middle of the store: its page's path and its Turtle document's."""
    found = []
    for kind in KINDS:
        query = f"SELECT (COUNT(?s) AS ?n) WHERE {{ {PATTERNS.get(kind, '?s a mg:' + kind.title())} }}"
        count = int(_select(client, query)[0]["n"]["value"])
        if not count:
            continue
        rows = _select(client, query.replace("(COUNT(?s) AS ?n)", "?s") + f" ORDER BY ?s OFFSET {count // 2} LIMIT 1")
        iri = rows[0]["s"]["value"]
        path = "/" + iri.removeprefix(base)
        found.append((path, path.replace("/id/", "/doc/", 1) + ".ttl"))
    return found


def _select(client: Any, query: str) -> list[dict[str, Any]]:
    from minegraph.core.vocab import sparql_prefixes

    answer = client.get("/sparql?query=" + quote(sparql_prefixes() + query),
                        headers={"Accept": "application/sparql-results+json"})
    return list(json.loads(answer.data)["results"]["bindings"])


def timed(client: Any, path: str, accept: str, repeat: int) -> tuple[float, float, int]:
    """(first, median of the next ``repeat``, status) in seconds."""
    timings, status = [], 0
    for _ in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(path, headers={"Accept": accept}, follow_redirects=True)
        timings.append(time.perf_counter() - started)
        status = response.status_code
    return timings[0], statistics.median(timings[1:]), status


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--paths", default="/,/incidents,/incidents?outcome=killed")
    parser.add_argument("--every-kind", action="store_true", help="a page of every kind, beside its Turtle peer")
    parser.add_argument("--repeat", type=int, default=1, help="requests after the first (median reported)")
    args = parser.parse_args(argv)

    from minegraph.core.settings import load_settings
    from minegraph.web import create_app

    settings = load_settings(store=args.store)
    app = create_app(settings, {"QUERY_WORKERS": 1})
    client = app.test_client()
    try:
        quads = app.extensions["minegraph"].stats().get("quads", 0)
        print(f"\n{args.store}: {quads:,} quads\n")
        if not args.every_kind:
            print("| page | first request (cold) | again (kept answers) | status |")
            print("|---|---|---|---|")
            for path in args.paths.split(","):
                cold, kept, status = timed(client, path, "text/html", args.repeat)
                print(f"| `{path}` | {cold:.2f} s | {kept * 1000:.0f} ms | {status} |", flush=True)
            return
        print("| page | HTML first | HTML again | Turtle peer first | Turtle peer again | status |")
        print("|---|---|---|---|---|---|")
        for path, peer in [*FIXED, *things(client, settings.base_uri)]:
            cold, kept, status = timed(client, path, "text/html", args.repeat)
            peer_cells = "– | –"
            if peer:
                peer_cold, peer_kept, _ = timed(client, peer, "text/turtle", args.repeat)
                peer_cells = f"{peer_cold * 1000:.0f} ms | {peer_kept * 1000:.1f} ms"
            print(f"| `{path}` | {cold * 1000:.0f} ms | {kept * 1000:.1f} ms | {peer_cells} | {status} |", flush=True)
    finally:
        app.extensions["minegraph"].close()


if __name__ == "__main__":
    main()
