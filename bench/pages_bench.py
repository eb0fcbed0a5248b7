"""How long the pages for people take on a big store: the first request after a write, then a repeated one.

    python bench/pages_bench.py --store PATH [--paths /,/incidents,/incidents?outcome=killed]

The pages keep their queries' answers until the store changes, so the first request after a write pays for
every query (the dataset figures, the filter choices, the page of incidents) and the next ones cost almost
nothing. Requests go through the app itself (Flask test client, one query process), not over HTTP, so the
numbers are the queries' and the rendering's. Build a big store first, e.g. ``minegraph build`` and
``minegraph ingest --mapping colombia-victims --meta data/mappings/colombia-victims.meta.yaml FILE`` with the
synthetic files of ``bench/ingest_bench.py``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--paths", default="/,/incidents,/incidents?outcome=killed")
    args = parser.parse_args(argv)

    from minegraph.core.settings import load_settings
    from minegraph.web import create_app

    settings = load_settings(store=args.store)
    app = create_app(settings, {"QUERY_WORKERS": 1})
    client = app.test_client()
    try:
        quads = app.extensions["minegraph"].stats().get("quads", 0)
        print(f"\n{args.store}: {quads:,} quads\n")
        print("| page | first request (cold) | again (kept answers) | status |")
        print("|---|---|---|---|")
        for path in args.paths.split(","):
            timings = []
            for _ in range(2):
                started = time.perf_counter()
                response = client.get(path, headers={"Accept": "text/html"})
                timings.append(time.perf_counter() - started)
            cold, kept = timings
            print(f"| `{path}` | {cold:.2f} s | {kept * 1000:.0f} ms | {response.status_code} |", flush=True)
    finally:
        app.extensions["minegraph"].close()


if __name__ == "__main__":
    main()
