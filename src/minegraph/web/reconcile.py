"""An OpenRefine reconciliation service (W3C Entity Reconciliation API) for places and incidents.

Routes under ``/reconcile``: the service manifest (GET without ``queries``), batch queries (GET or POST
``queries=`` JSON), ``/reconcile/preview?id=``, and ``/reconcile/suggest/entity?prefix=`` and
``/reconcile/suggest/type``. JSONP is served when a ``callback`` that is a plain JavaScript identifier is
given, because older OpenRefine versions ask for it.

Entity ids are ``{kind}/{key}`` (``place/6b540r616wz``); the identifier space is ``{base}id/``.
Names are matched across scripts and romanisations by :func:`minegraph.core.gazetteer.similarity`.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, render_template_string, request

from minegraph.core.errors import InputError
from minegraph.core.gazetteer import CERTAIN, similarity
from minegraph.core.vocab import MG, check_key, split_thing_iri

blueprint = Blueprint("reconcile", __name__)

TYPES = {"place": (str(MG.Place), "Place"), "incident": (str(MG.Incident), "Incident")}
MAX_QUERIES = 100
MAX_LIMIT = 50
_CALLBACK = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$")
_ENTITY_ID = re.compile(r"^(place|incident)/([0-9a-z]{11})$")


@dataclass(frozen=True)
class Entity:
    id: str
    kind: str
    name: str
    names: tuple[str, ...]
    description: str
    pcode: str | None = None
    iso: str | None = None


class _Catalogue:
    """Names of every place and incident, read once per store generation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: tuple[int, dict[str, Entity]] | None = None

    def entities(self) -> dict[str, Entity]:
        from minegraph.web.listing import select
        from minegraph.web.state import state

        web = state()
        generation = web.generation()
        with self._lock:
            if self._cache is not None and self._cache[0] == generation:
                return self._cache[1]
        base = web.settings.base_uri
        rows = select("""
SELECT ?thing ?kind ?label ?alt ?pcode ?iso ?level ?parent WHERE {
  { ?thing a mg:Place ; rdfs:label ?label ; mg:adminLevel ?level . BIND("place" AS ?kind)
    OPTIONAL { ?thing skos:altLabel ?alt } OPTIONAL { ?thing mg:pcode ?pcode } OPTIONAL { ?thing mg:iso3166 ?iso }
    OPTIONAL { ?thing schema:containedInPlace/rdfs:label ?parent } }
  UNION
  { ?thing a mg:Incident ; rdfs:label ?label . BIND("incident" AS ?kind)
    OPTIONAL { ?thing mg:place/rdfs:label ?parent } }
}""")
        found: dict[str, dict[str, Any]] = {}
        for row in rows:
            split = split_thing_iri(base, row["thing"])
            if split is None:
                continue
            entry = found.setdefault(f"{split[0]}/{split[1]}", {"row": row, "names": [row["label"]]})
            if row.get("alt") and row["alt"] not in entry["names"]:
                entry["names"].append(row["alt"])
        entities = {}
        for entity_id, entry in found.items():
            row = entry["row"]
            if row["kind"] == "place":
                within = f", in {row['parent']}" if row.get("parent") else ""
                pcode = f", P-code {row['pcode']}" if row.get("pcode") else ""
                description = f"admin level {row['level']}{within}{pcode}"
            else:
                description = f"incident in {row.get('parent', 'an unknown place')}"
            entities[entity_id] = Entity(entity_id, row["kind"], row["label"], tuple(entry["names"]), description,
                                         row.get("pcode"), row.get("iso"))
        with self._lock:
            self._cache = (generation, entities)
        return entities


CATALOGUE = _Catalogue()


def manifest() -> dict[str, Any]:
    from minegraph.web.state import state

    base = state().settings.base_uri
    root = request.url_root
    return {
        "versions": ["0.1", "0.2"],
        "name": "minegraph places and incidents",
        "identifierSpace": f"{base}id/",
        "schemaSpace": str(MG),
        "defaultTypes": [{"id": type_id, "name": name} for type_id, name in TYPES.values()],
        "view": {"url": f"{root}id/{{{{id}}}}"},
        "preview": {"url": f"{root}reconcile/preview?id={{{{id}}}}", "width": 400, "height": 120},
        "suggest": {
            "entity": {"service_url": root.rstrip("/"), "service_path": "/reconcile/suggest/entity"},
            "type": {"service_url": root.rstrip("/"), "service_path": "/reconcile/suggest/type"},
        },
        "batchSize": MAX_QUERIES,
    }


def _kind_of(type_id: Any) -> str | None:
    if type_id in (None, ""):
        return None
    for kind, (iri, name) in TYPES.items():
        if type_id in (iri, name, kind):
            return kind
    raise InputError("unknown type; use mg:Place or mg:Incident", field="type", value=type_id)


def answer_query(query: dict[str, Any], entities: dict[str, Entity]) -> dict[str, Any]:
    """One reconciliation query -> its candidates, best first."""
    text = query.get("query")
    if not isinstance(text, str) or not text.strip() or len(text) > 300:
        raise InputError("each query needs a `query` string of at most 300 characters", field="query")
    kind = _kind_of(query.get("type"))
    limit = query.get("limit", 5)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"`limit` must be an integer from 1 to {MAX_LIMIT}", field="limit", value=limit)
    wanted: dict[str, str] = {}
    for prop in query.get("properties") or []:
        if isinstance(prop, dict) and isinstance(prop.get("pid"), str) and isinstance(prop.get("v"), str):
            wanted[prop["pid"]] = prop["v"].strip()
    results: list[dict[str, Any]] = []
    for entity in entities.values():
        if kind and entity.kind != kind:
            continue
        if "country" in wanted and not (entity.iso or "").upper().startswith(wanted["country"].upper()):
            continue
        score = max(similarity(text, name) for name in entity.names)
        if "pcode" in wanted and entity.pcode and entity.pcode.upper() == wanted["pcode"].upper():
            score = 1.0
        if score < 0.5:
            continue
        type_id, type_name = TYPES[entity.kind]
        results.append({"id": entity.id, "name": entity.name, "description": entity.description,
                        "type": [{"id": type_id, "name": type_name}], "score": round(score * 100, 1),
                        "match": False})
    results.sort(key=lambda r: (-r["score"], r["name"]))
    results = results[:limit]
    if results and results[0]["score"] >= CERTAIN * 100 and (
            len(results) == 1 or results[1]["score"] < results[0]["score"]):
        results[0]["match"] = True
    return {"result": results}


def _reply(payload: Any) -> Response:
    callback = request.values.get("callback")
    body = json.dumps(payload, ensure_ascii=False)
    if callback:
        if not _CALLBACK.match(callback):
            raise InputError("`callback` must be a JavaScript identifier", field="callback")
        return Response(f"/**/{callback}({body});", mimetype="application/javascript")
    return Response(body, mimetype="application/json")


@blueprint.route("/reconcile", methods=["GET", "POST"])
def service() -> Response:
    raw = request.values.get("queries")
    if raw is None:
        return _reply(manifest())
    try:
        queries = json.loads(raw)
    except ValueError as error:
        raise InputError(f"`queries` is not JSON: {error}", field="queries") from error
    if not isinstance(queries, dict) or not queries or len(queries) > MAX_QUERIES:
        raise InputError(f"`queries` must be an object of 1 to {MAX_QUERIES} queries", field="queries")
    entities = CATALOGUE.entities()
    answers = {}
    for name, query in queries.items():
        if not isinstance(query, dict):
            raise InputError("each query must be an object", field=f"queries.{name}")
        answers[name] = answer_query(query, entities)
    return _reply(answers)


@blueprint.route("/reconcile/suggest/entity")
def suggest_entity() -> Response:
    prefix = (request.args.get("prefix") or "").strip()
    if not prefix or len(prefix) > 100:
        raise InputError("`prefix` must be 1 to 100 characters", field="prefix")
    answer = answer_query({"query": prefix, "limit": 10, "type": request.args.get("type")}, CATALOGUE.entities())
    results = [{"id": r["id"], "name": r["name"], "description": r["description"]} for r in answer["result"]]
    return _reply({"result": results})


@blueprint.route("/reconcile/suggest/type")
def suggest_type() -> Response:
    prefix = (request.args.get("prefix") or "").casefold()
    results = [{"id": iri, "name": name} for iri, name in TYPES.values() if name.casefold().startswith(prefix)]
    return _reply({"result": results})


_PREVIEW = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ e.name }}</title></head>
<body style="font-family:sans-serif;margin:8px"><strong>{{ e.name }}</strong><br><span>{{ e.description }}</span>
{% if others %}<br><small>Also: {{ others }}</small>{% endif %}</body></html>"""


@blueprint.route("/reconcile/preview")
def preview() -> Response:
    entity_id = request.args.get("id", "")
    match = _ENTITY_ID.match(entity_id)
    if not match or not check_key(match.group(2)):
        raise InputError("`id` must be place/KEY or incident/KEY with a valid key", field="id", value=entity_id)
    entity = CATALOGUE.entities().get(entity_id)
    if entity is None:
        return Response("not found", 404, mimetype="text/plain")
    others = ", ".join(n for n in entity.names if n != entity.name)
    return Response(render_template_string(_PREVIEW, e=entity, others=others), mimetype="text/html")


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
