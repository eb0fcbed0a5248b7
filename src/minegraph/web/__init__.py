"""The web application: ``create_app`` builds it; each blueprint wires itself in.

Blueprints: ``sparql`` (/sparql), ``graphstore`` (/store), ``ops`` (/health, /metrics). Other blueprints
(resources, pages) are added by :func:`create_app` through :data:`BLUEPRINTS`, or later with
``app.register_blueprint``: the factory keeps no list of its own routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from minegraph.core.settings import Settings, load_settings, query_workers
from minegraph.web.state import WebState

#: Modules with an ``init_app(app)``, in the order they are wired in.
BLUEPRINTS: list[str] = [
    "minegraph.web.errors",
    "minegraph.web.limits",
    "minegraph.web.ratelimit",
    "minegraph.web.ops",
    "minegraph.web.sparql",
    "minegraph.web.graphstore",
    "minegraph.web.pages",
    "minegraph.web.geo",
    "minegraph.web.resources",
    "minegraph.web.reconcile",
    "minegraph.web.light",  # last: the outermost middleware
]


def create_app(settings: Settings | None = None, test_config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask app serving the store of ``settings`` (default: from the environment).

    ``test_config`` sets Flask config keys; ``QUERY_WORKERS`` is the number of query worker processes.
    """
    import importlib

    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        QUERY_WORKERS=query_workers(),
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["minegraph"] = WebState(settings, workers=int(app.config["QUERY_WORKERS"]))
    for module in BLUEPRINTS:
        importlib.import_module(module).init_app(app)
    return app


__all__ = ["create_app"]
