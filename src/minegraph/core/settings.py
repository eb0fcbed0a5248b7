"""One frozen settings object, read from CLI options and ``MINEGRAPH_*`` environment variables.

The table :data:`SETTINGS` is the single place a setting is declared: name, default, and help text.
The CLI builds its options from it and ``docs/`` documents it from it. The serving process's own settings
(:data:`SERVING_SETTINGS`) and the tests' hooks (:data:`TEST_HOOKS`) are declared here too, and every
``MINEGRAPH_*`` variable is read through :func:`env_setting`; ``minegraph settings`` lists them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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

#: The serving processes' settings (not fields of :class:`Settings`: they shape the processes, not what is served),
#: (name, default, help) like :data:`SETTINGS`.
SERVING_SETTINGS: tuple[tuple[str, Any, str], ...] = (
    ("bind", "127.0.0.1:8080", "Address:port server/gunicorn.conf.py listens on (`minegraph serve`: --host, --port)."),
    ("web_workers", 2, "gunicorn worker processes of server/gunicorn.conf.py (`minegraph serve`: --workers)."),
    ("threads", 8, "Threads per gunicorn worker of server/gunicorn.conf.py (`minegraph serve`: --threads)."),
    ("query_workers", 0, "Query processes per web worker (`minegraph serve`: --query-workers); 0: the CPUs shared "
                         "among the web workers, at least 3."),
)

#: Hooks for the tests alone, never set in production: (name, default, help).
TEST_HOOKS: tuple[tuple[str, Any, str], ...] = (
    ("test_crash_at", "", "Test hook: SIGKILL the process when a write reaches this stage "
                          "(minegraph.store.commit.CRASH_STAGES)."),
)

#: Settings whose values are never shown (``minegraph settings`` says only whether they are set).
SECRETS = frozenset({"write_token", "auth"})

_DEFAULTS: dict[str, Any] = {name: default for name, default, _help in (*SETTINGS, *SERVING_SETTINGS, *TEST_HOOKS)}


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


def query_workers(web_workers: int = 1, environ: Mapping[str, str] | None = None) -> int:
    """Query worker processes per web process: ``MINEGRAPH_QUERY_WORKERS``, or (unset or 0)
    :func:`default_query_workers` of ``web_workers``."""
    return int(env_setting("query_workers", environ)) or default_query_workers(web_workers)


def settle_query_workers(web_workers: int, given: int | None = None) -> None:
    """Fix ``MINEGRAPH_QUERY_WORKERS`` for the web processes about to start (each reads it: :func:`query_workers`):
    ``given`` when it is, else the variable as set, else :func:`default_query_workers` of ``web_workers``."""
    if given:
        os.environ[env_name("query_workers")] = str(given)
    os.environ.setdefault(env_name("query_workers"), str(default_query_workers(web_workers)))


def env_name(name: str) -> str:
    return f"MINEGRAPH_{name.upper()}"


def as_environ(settings: Settings) -> dict[str, str]:
    """``settings`` as the ``MINEGRAPH_*`` variables a child process reads them back from (:func:`load_settings`)."""
    return {env_name(name): str(getattr(settings, name)) for name, _default, _help in SETTINGS}


def env_setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One declared setting from its ``MINEGRAPH_*`` environment variable (typed like its default), else its
    default. The one place a ``MINEGRAPH_*`` variable is read; a name not declared here is a KeyError."""
    default = _DEFAULTS[name]
    raw = (os.environ if environ is None else environ).get(env_name(name))
    if raw is None:
        return default
    kind = type(default)
    return kind(raw) if kind in (int, float) else raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then ``MINEGRAPH_*`` environment variables, then explicit overrides (CLI)."""
    environ = dict(os.environ) if environ is None else environ
    types = {f.name: f.type for f in fields(Settings)}
    values = {name: env_setting(name, environ) for name, _default, _help in SETTINGS if env_name(name) in environ}
    assert set(values) <= set(types)
    return Settings(**values).with_overrides(**overrides)
