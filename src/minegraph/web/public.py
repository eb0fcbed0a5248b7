"""The public dataset as the web process sees it: every query job of a public route goes through :func:`public_job`.

On the embedded store the query workers narrow a public job themselves, from the store they hold open
(:class:`minegraph.web.run.Snapshot`): exact, and free when the store has no restricted graph. On a remote
store the web process names the public graphs: their list is read from the store and kept until the store
may have changed (a write through the server bumps the generation; remote caches last a few seconds). A stale
list can only hide a new graph for a moment, never show a restricted one: restricted graphs are filtered by
their IRI.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from minegraph.core.errors import StoreError
from minegraph.core.settings import Settings
from minegraph.store.view import GRAPHS_QUERY, is_restricted, public_dataset

_LOCK = threading.Lock()


def all_graphs() -> list[str]:
    """Every named graph of the store (restricted ones included: for filtering, never for showing)."""
    from flask import current_app

    from minegraph.web.state import state

    web = state()
    key = web.version()
    cache: dict[str, Any] = current_app.extensions.setdefault("minegraph.public", {})
    with _LOCK:
        found = cache.get("graphs")
        if found is not None and found[0] == key:
            return list(found[1])
    answer = web.run({"kind": "query", "sparql": GRAPHS_QUERY, "default_graphs": None, "named_graphs": None,
                      "base_iri": None, "results": "json", "graph": None})
    if answer.status != 200:
        raise StoreError(f"the store could not list its graphs: {answer.body.decode('utf-8', 'replace')}")
    graphs = sorted(b["g"]["value"] for b in json.loads(answer.body)["results"]["bindings"] if b["g"]["type"] == "uri")
    with _LOCK:
        cache["graphs"] = (key, graphs)
    return list(graphs)


def public_job(job: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """``job`` with its dataset narrowed to the public graphs (a requested dataset minus restricted graphs).
    ``settings``: the app's (default: the current app's)."""
    from minegraph.web.state import state

    if job.get("kind") != "query":
        return job
    settings = settings or state().settings
    if not settings.remote:
        return {**job, "public": settings.base_uri}
    default, named = public_dataset(all_graphs(), settings.base_uri, job.get("default_graphs"),
                                    job.get("named_graphs"))
    return {**job, "default_graphs": default, "named_graphs": named}


def is_public_graph(iri: str) -> bool:
    """Whether a public route may show the graph ``iri``."""
    from minegraph.web.state import state

    return not is_restricted(iri, state().settings.base_uri)
