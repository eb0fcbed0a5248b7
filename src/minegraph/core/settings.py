"""One frozen settings object, read from CLI options and ``MINEGRAPH_*`` environment variables.

The table :data:`SETTINGS` is the single place a setting is declared: name, default, and help text.
The CLI builds its options from it and ``docs/`` documents it from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from minegraph.core.vocab import DEFAULT_BASE, normalise_base

#: (name, default, help). The environment variable is ``MINEGRAPH_`` + name in upper case.
SETTINGS: tuple[tuple[str, Any, str], ...] = (
    ("store", ".minegraph/store", "Directory of the embedded pyoxigraph store."),
    ("base_uri", DEFAULT_BASE, "Canonical base IRI of the data; things are {base}id/{kind}/{key}."),
    ("data_dir", "data", "Directory with the curated source records (*.yaml) and source texts."),
    ("query_timeout", 30.0, "Seconds a SPARQL query may run before it is stopped (503)."),
    ("max_rows", 10000, "Most result rows a SPARQL SELECT returns; a cut is reported, never silent."),
    ("max_request_bytes", 1_000_000, "Largest request body accepted (413 beyond)."),
    ("write_token", "", "Bearer token that allows writes over HTTP; empty means read-only."),
    ("max_ingest_bytes", 200_000_000, "Largest file `minegraph ingest` reads (bytes); larger files are refused."),
    ("endpoint", "", "SPARQL 1.1 query endpoint of a remote store; empty means the embedded store."),
    ("update_endpoint", "", "SPARQL 1.1 Update endpoint of the remote store [default: derived from endpoint]."),
    ("store_endpoint", "", "Graph Store Protocol endpoint of the remote store [default: derived from endpoint]."),
    ("auth", "", "Credentials for the remote store: user:password, digest:user:password or bearer:TOKEN."),
    ("union", "auto", "How the remote store's default graph becomes the union of the graphs: auto, server, graphs."),
    ("rate_limit", 0, "Requests a minute one client may send to /sparql (429 beyond); 0 means no limit."),
    ("trusted_proxies", 0, "Reverse proxies in front of the server whose X-Forwarded-For names the client."),
)


@dataclass(frozen=True)
class Settings:
    store: Path = Path(".minegraph/store")
    base_uri: str = DEFAULT_BASE
    data_dir: Path = Path("data")
    query_timeout: float = 30.0
    max_rows: int = 10000
    max_request_bytes: int = 1_000_000
    write_token: str = ""
    max_ingest_bytes: int = 200_000_000
    endpoint: str = ""
    update_endpoint: str = ""
    store_endpoint: str = ""
    auth: str = ""
    union: str = "auto"
    rate_limit: int = 0
    trusted_proxies: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_uri", normalise_base(self.base_uri))
        object.__setattr__(self, "store", Path(self.store))
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    @property
    def remote(self) -> bool:
        """Whether the data lives in a remote SPARQL store (``endpoint`` is set)."""
        return bool(self.endpoint)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given values, skipping those that are None."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


#: the fewest query worker processes a web process has by default: one a client may hold, one for the other
#: clients, one kept for the pages (:mod:`minegraph.web.lanes`)
MIN_QUERY_WORKERS = 3


def default_query_workers(web_workers: int = 1) -> int:
    """Query worker processes per web process when ``MINEGRAPH_QUERY_WORKERS`` is not set: the CPUs shared among
    the ``web_workers`` web processes, at least :data:`MIN_QUERY_WORKERS`."""
    return max(MIN_QUERY_WORKERS, (os.cpu_count() or 2) // max(1, web_workers))


def env_name(name: str) -> str:
    return f"MINEGRAPH_{name.upper()}"


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then ``MINEGRAPH_*`` environment variables, then explicit overrides (CLI)."""
    environ = dict(os.environ) if environ is None else environ
    types = {f.name: f.type for f in fields(Settings)}
    values: dict[str, Any] = {}
    for name, default, _help in SETTINGS:
        raw = environ.get(env_name(name))
        if raw is None:
            continue
        kind = type(default)
        values[name] = kind(raw) if kind in (int, float) else raw
    assert set(values) <= set(types)
    return Settings(**values).with_overrides(**overrides)
