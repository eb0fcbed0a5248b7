"""Pages for people: the home page, the incident list, and the HTML of every resource.

The dereferencing blueprint (``resources``) calls :func:`render_resource`, :func:`render_tombstone` and
:func:`render_not_found`; this module's blueprint serves ``/``, ``/incidents`` (and its GeoJSON, by content
negotiation) and ``/map``. Templates are in ``templates/`` (autoescaped), assets in ``static/`` (nothing is loaded
from elsewhere), and every page embeds the JSON-LD of what it shows.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, request
from jinja2 import Environment, FileSystemLoader, Undefined
from markupsafe import Markup
from rdflib import Graph, URIRef

from minegraph.core.errors import InputError
from minegraph.core.formats import GEOJSON, HTML, by_name, negotiate
from minegraph.core.vocab import PREFIXES, SCHEMA, VOID, normalise_base
from minegraph.web import geo, kinds
from minegraph.web.cite import citation
from minegraph.web.mapsvg import Spot, incidents_map
from minegraph.web.views import Reader, human_date, local_path, when_text

blueprint = Blueprint("pages", __name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"

#: kind -> (template, view-model builder)
KIND_PAGES: dict[str, tuple[str, Any]] = {
    "incident": ("pages/incident.html", kinds.incident),
    "victim": ("pages/victim.html", kinds.victim),
    "place": ("pages/place.html", kinds.place),
    "source": ("pages/source.html", kinds.source),
    "statement": ("pages/statement.html", kinds.statement),
    "agent": ("pages/agent.html", kinds.agent),
}
KIND_NAMES = {"incident": "Incident", "victim": "Victim", "place": "Place", "source": "Source document",
              "statement": "Statement", "agent": "Organisation", "def": "Ontology term", "term": "Ontology term",
              "concept": "Concept", "scheme": "Concept scheme"}


def script_json(value: Any) -> Markup:
    """JSON safe inside ``<script>``: no ``<``, ``>``, ``&`` or line separators appear raw.

    >>> str(script_json({"q": "</script><b>"}))
    '{"q": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=None)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                          ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return Markup(text)


def graph_jsonld(graph: Graph) -> Markup:
    """The graph as compact JSON-LD (with the project's prefixes), escaped for a ``<script>`` element.

    Its arrays are sorted: rdflib writes them in hash order, which differs from process to process, and a
    page must be the same bytes whichever process renders it (ETags, the document cache, ``minegraph render``).
    """
    context = {prefix: iri for prefix, iri in PREFIXES.items() if prefix not in ("xsd",)}
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    return script_json(json.dumps(_canonical(json.loads(text)), ensure_ascii=False, indent=2))


def _canonical(value: Any, ordered: bool = False) -> Any:
    """JSON-LD with its keys and its unordered arrays sorted (an ``@list`` keeps its order)."""
    if isinstance(value, dict):
        return {key: _canonical(item, ordered=key == "@list") for key, item in sorted(value.items())}
    if isinstance(value, list):
        items = [_canonical(item) for item in value]
        return items if ordered else sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def _upfirst(value: Any) -> str:
    text = str(value)
    return text[:1].upper() + text[1:]


@cache
def environment() -> Environment:
    """The pages' own Jinja environment (autoescaped): pages render with or without a Flask app, so that a
    release can be pre-rendered from the command line."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=False,
                      undefined=Undefined)
    env.globals.update(upfirst=_upfirst, human_date=human_date, query_string=_query_string, number=_number)
    return env


def render(template: str, **context: Any) -> str:
    context.setdefault("current_path", "")
    context.setdefault("iri", "")
    return environment().get_template(template).render(**context)


def _number(value: Any) -> str:
    """A whole number with thousands separators; anything else as it is.

    >>> _number(36527), _number("not stated")
    ('36,527', 'not stated')
    """
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _query_string(args: dict[str, str]) -> str:
    return "?" + urlencode(args) if args else ""


def _common(base: str) -> dict[str, Any]:
    base = normalise_base(base)
    return {"base": base, "path_of": lambda iri: local_path(str(iri), base)}


def render_resource(kind: str, iri: str, graph: Graph, *, release: object | None,
                    alternates: list[tuple[str, str, str]], base: str) -> str:
    """The HTML page of the thing ``iri`` of ``kind``, from its bounded description ``graph``.

    ``release`` (duck-typed: ``number``, ``date``, ``releases``) says which release the page shows;
    ``alternates`` are ``(url, media type, extension)`` of the machine-readable documents.
    """
    reader = Reader(graph, base)
    node = URIRef(iri)
    template, build = KIND_PAGES.get(kind, ("pages/generic.html", kinds.generic))
    model = build(reader, node)
    number = getattr(release, "number", None)
    release_date = getattr(release, "date", None)
    title = reader.label(node)
    key = iri.rstrip("/").rsplit("/", 1)[-1]
    release_links = [(n, f"/release/{n}/doc/{kind}/{key}.html") for n in getattr(release, "releases", []) or []]
    cite = citation(title, iri, release_number=number, release_date=str(release_date) if release_date else None)
    return render(template, kind=kind, kind_name=KIND_NAMES.get(kind, kind.title()), iri=iri, title=title,
        model=model, release=release, release_number=number, release_date=human_date(release_date),
        release_links=release_links, current_href=f"/doc/{kind}/{key}", alternates=alternates, cite=cite,
        jsonld=graph_jsonld(graph), **_common(base),
    )


def render_tombstone(iri: str, status: int, reason: str, replaced_by: str | None, base: str, *,
                     label: str | None = None, date: str = "", releases: int = 0) -> str:
    """The page of a thing that was withdrawn (410), merged into another (301) or is no longer in the data: what
    it was (``label``, its kind), when (``date``) and why; the releases that keep it, when there are any."""
    data = {"@context": {"schema": str(SCHEMA)}, "@id": iri, "@type": "schema:Thing",
            "schema:description": reason}
    if replaced_by:
        data["schema:sameAs"] = {"@id": replaced_by}
    kind = iri[len(base):].split("/")[1] if iri.startswith(f"{base}id/") else ""
    return render("pages/tombstone.html", iri=iri, status=status, reason=reason, replaced_by=replaced_by,
                  label=label, kind=kind, when=human_date(date[:10]) if date else "", releases=releases,
                  title="No longer published" if status != 301 else "Merged",
                  jsonld=script_json(data), cite=None, alternates=[], **_common(base))


def render_not_found(path: str, message: str, suggestions: list[str], base: str) -> str:
    """A 404 page that helps: what was wrong (e.g. a mistyped key) and where to go instead."""
    data = {"@context": {"schema": str(SCHEMA)}, "@type": "schema:WebPage", "schema:name": "Not found"}
    return render("pages/not_found.html", path=path, message=message, suggestions=suggestions,
                           title="Not found", jsonld=script_json(data), cite=None, alternates=[], **_common(base))


# --- the home page and the incident list -------------------------------------------------------------------------

def _base() -> str:
    from minegraph.web.state import state

    return state().settings.base_uri


def _store_written() -> str:
    """When the embedded store's files last changed (ISO, UTC), when no build date is in the data."""
    from minegraph.web.state import state

    folder = Path(state().settings.store)
    try:
        newest = max((entry.stat().st_mtime for entry in folder.iterdir() if entry.is_file()), default=None)
    except OSError:
        return ""
    if newest is None:
        return ""
    return dt.datetime.fromtimestamp(newest, dt.UTC).isoformat()


@blueprint.get("/")
def home() -> str:
    from minegraph.web import listing

    base = _base()
    figures = listing.figures()
    if not figures.get("built"):
        figures["built"] = _store_written()
    recent = listing.latest_incidents(5)
    data = {"@context": {"schema": str(SCHEMA), "void": str(VOID)},
            "@id": f"{base}dataset", "@type": ["schema:Dataset", "void:Dataset"], "schema:name": "minegraph",
            "schema:description": "Landmine and explosive remnants of war incidents as linked open data, "
                                  "each fact attributed to the source that stated it.",
            "void:sparqlEndpoint": {"@id": request.host_url + "sparql"}}
    built = str(figures.get("built") or "")
    built_text = human_date(built[:10]) + (f", {built[11:16]} UTC" if len(built) >= 16 else "")
    return render("pages/home.html", figures=figures, built=built_text,
                           recent=recent, title="minegraph", current_path="/", jsonld=script_json(data), cite=None,
                           alternates=[], **_common(base))


#: What ``/incidents`` answers in: the page, or its incidents as GeoJSON (``Accept: application/geo+json`` or
#: ``?format=geojson``; also at ``/incidents.geojson``).
LIST_FORMATS = (HTML, GEOJSON)


def _list_format() -> Any:
    named = request.args.get("format", "").strip()
    if named:
        found = by_name(named, LIST_FORMATS)
        if found is None:
            raise InputError(f"there is no format “{named}” of the list: html or geojson")
        return found
    return negotiate(request.headers.get("Accept"), LIST_FORMATS, HTML) or HTML


@blueprint.get("/incidents")
def incidents() -> Response:
    from minegraph.web import listing

    base = _base()
    places = listing.place_choices()
    devices = listing.concept_choices("explosive-ordnance")
    outcomes = listing.concept_choices("outcome")
    filters = listing.read_filters(request.args, places, devices, outcomes)
    if _list_format() is GEOJSON:
        return geo.geojson_response(filters)
    after_text = request.args.get("after", "").strip()
    after = listing.decode_cursor(after_text, base) if after_text else None
    page, cursor, total = listing.incident_page(
        filters, after, size=int(current_app.config.get("INCIDENTS_PAGE_SIZE", listing.PAGE_SIZE)))
    rows = [_list_row(row, base) for row in page]
    data = {"@context": {"schema": str(SCHEMA)}, "@type": "schema:ItemList",
            "schema:numberOfItems": total,
            "schema:itemListElement": [{"@id": row["iri"], "schema:name": row["label"]} for row in rows]}
    geojson_href = "/incidents.geojson" + _query_string(filters.query_args())
    html = render("pages/incidents.html", rows=rows, total=total, filters=filters, places=places, devices=devices,
        outcomes=outcomes, next_args={**filters.query_args(), "after": cursor} if cursor else None,
        first_args=filters.query_args() if after else None, title="Incidents", jsonld=script_json(data),
        current_path="/incidents", raw_from=request.args.get("from", ""), raw_to=request.args.get("to", ""),
        geojson_href=geojson_href, map_href="/map" + _query_string(filters.query_args()),
        cite=None, alternates=[(geojson_href, GEOJSON.media_type, GEOJSON.extension)], **_common(base))
    response = Response(html, 400 if filters.errors else 200, mimetype="text/html")
    response.vary.add("Accept")
    return response


@blueprint.get("/map")
def incident_map() -> Response:
    """The incidents the filters select, drawn at their places' representative points, and the same as a table."""
    base = _base()
    filters = geo.read_filters()
    items = geo.where(geo.selected(filters)) if not filters.errors else []
    places = geo.places()
    drawn, unplaced, countries = geo.groups(items, places)
    args = filters.query_args()

    def list_link(place: str) -> str:
        return "/incidents" + _query_string({**args, "place": place.rstrip("/").rsplit("/", 1)[-1]})

    rows = [{"label": g.place.name, "href": local_path(g.place.iri, base), "list": list_link(g.place.iri),
             "count": g.count, "own": g.own, "precision": g.place.precision_m,
             "inside": [(places[p].name if p in places else p, n)
                        for p, n in sorted(g.inside.items(), key=lambda pair: (-pair[1], pair[0]))]} for g in drawn]
    missing = [{"label": places[p].name if p in places else "", "list": list_link(p) if p in places else "",
                "count": n} for p, n in sorted(unplaced.items(), key=lambda pair: (-pair[1], pair[0]))]
    total, shown = len(items), sum(g.count for g in drawn)
    spots = tuple(Spot(g.place.point[0], g.place.point[1], g.place.name, g.count) for g in drawn if g.place.point)
    description = (f"{shown:,} of {total:,} incidents drawn at {len(spots):,} point{'' if len(spots) == 1 else 's'}, "
                   "each the representative point of a place (an administrative area or a settlement), not where "
                   "anyone was harmed. The table below the map lists the same places and numbers.")
    svg = incidents_map(spots, countries=tuple(countries), title="Map of incidents", description=description)
    data = {"@context": {"schema": str(SCHEMA)}, "@type": "schema:Map", "schema:name": "Map of incidents",
            "schema:description": description}
    geojson_href = "/incidents.geojson" + _query_string(args)
    html = render("pages/map.html", svg=svg, rows=rows, missing=missing, total=total, shown=shown, filters=filters,
                  title="Map of incidents", geojson_href=geojson_href, list_href="/incidents" + _query_string(args),
                  jsonld=script_json(data), current_path="/map", cite=None,
                  alternates=[(geojson_href, GEOJSON.media_type, GEOJSON.extension)], **_common(base))
    return Response(html, 400 if filters.errors else 200, mimetype="text/html")


def _list_row(row: dict[str, Any], base: str) -> dict[str, Any]:
    def number(name: str) -> int | None:
        digits = str(row.get(name) or "").lstrip("-")
        return int(digits) if digits.isdigit() else None

    when = when_text(str(row.get("earliest", "")), str(row.get("latest", "")), str(row.get("precision") or ""),
                     number("year"), number("month"), number("day"))
    return {"iri": row["i"], "href": local_path(row["i"], base), "label": str(row.get("label") or row["i"]),
            "when": when["headline"], "span": when["span"], "place": str(row.get("place") or ""),
            "device": str(row.get("device") or ""), "killed": row.get("killed"), "injured": row.get("injured")}


def init_app(app: Flask) -> None:
    """Register the pages blueprint (``/``, ``/incidents``, ``/map``)."""
    app.register_blueprint(blueprint)
