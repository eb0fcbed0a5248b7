"""Operations endpoints: ``/health`` (is the store answering?), ``/metrics`` (Prometheus text), ``/openapi.yaml``."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, Flask, Response, jsonify

from minegraph import __version__
from minegraph.core.errors import MinegraphError
from minegraph.web.errors import RETRY_AFTER
from minegraph.web.state import state

blueprint = Blueprint("ops", __name__)


@blueprint.get("/health")
def health() -> tuple[Response, int]:
    """200 with the store's size when a query worker answers within 5 s, else 503."""
    started = time.perf_counter()
    try:
        stats = state().stats()
    except MinegraphError as error:
        response = jsonify(status="unavailable", message=str(error), version=__version__)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response, 503
    return jsonify(status="ok", version=__version__, quads=stats.get("quads", 0),
                   graphs=len(stats.get("public", [])), seconds=round(time.perf_counter() - started, 4)), 200


@blueprint.get("/metrics")
def metrics() -> Response:
    web = state()
    gauges: dict[str, tuple[str, float]] = {
        "minegraph_query_workers": ("Query worker processes of this web process.", web.workers),
        "minegraph_store_generation": ("Writes committed to the store since it was created.", web.locks.generation()),
    }
    lanes = web.lanes.snapshot()
    gauges["minegraph_client_queries_running"] = ("Clients' queries running in this web process.", lanes["running"])
    gauges["minegraph_client_queries_waiting"] = ("Clients' queries waiting for their lane in this web process.",
                                                  lanes["waiting"])
    try:
        stats = web.stats()
        gauges["minegraph_store_quads"] = ("Triples in the store's public graphs.", stats.get("quads", 0))
        gauges["minegraph_store_graphs"] = ("Public named graphs in the store.", len(stats.get("public", [])))
    except MinegraphError:
        gauges["minegraph_store_up"] = ("Whether the store answered.", 0)
    return Response(web.metrics.render(gauges), mimetype="text/plain", content_type="text/plain; version=0.0.4")


@blueprint.get("/openapi.yaml")
def openapi() -> Response:
    """The OpenAPI 3 description of the HTTP API outside /sparql and /store (docs/openapi.yaml)."""
    body = (Path(__file__).parent / "openapi.yaml").read_bytes()
    return Response(body, mimetype="application/yaml")


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
