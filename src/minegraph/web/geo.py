"""Incidents on a map: ``/incidents.geojson`` (RFC 7946) and the data of ``/map`` (:mod:`minegraph.web.pages`
 draws it: an SVG and a table of the same).

Both take the filters of ``/incidents`` (:mod:`minegraph.web.listing`) and read the public dataset through the
query workers (:func:`minegraph.web.listing.select`). The Features are built by :mod:`minegraph.publish.geojson`:
a point is a place's representative point — the incident's place, or the nearest place containing it that has
coordinates — never where anyone was harmed. The map draws one point per such place with its number of incidents,
and its table says which incidents are drawn at a place containing theirs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request

from minegraph.core.errors import InputError
from minegraph.core.formats import GEOJSON
from minegraph.publish import geojson

blueprint = Blueprint("geo", __name__)
_LOCK = threading.Lock()


def _select(sparql: str) -> list[geojson.Row]:
    from minegraph.web.listing import select

    return [{name: (term["value"], term.get("xml:lang", "")) for name, term in row.items()}
            for row in select(sparql, raw=True, all_rows=True)]


@dataclass
class Built:
    """The Features of every incident of one version of the store, by IRI."""

    data: geojson.Incidents
    by_iri: dict[str, dict[str, Any]] = field(default_factory=dict)


def _built() -> Built:
    """The Features of every public incident, built once per version of the store."""
    from minegraph.web.state import state

    key = state().version()
    cache: dict[str, Any] = current_app.extensions.setdefault("minegraph.geojson", {})
    with _LOCK:
        found = cache.get("built")
        if found is not None and found[0] == key:
            return found[1]
    data = geojson.read(_select)
    built = Built(data, {item["id"]: item for item in geojson.features(data)})
    with _LOCK:
        cache["built"] = (key, built)
    return built


def read_filters() -> Any:
    from minegraph.web import listing

    return listing.read_filters(request.args, listing.place_choices(), listing.concept_choices("explosive-ordnance"),
                                listing.concept_choices("outcome"))


def places() -> dict[str, geojson.Place]:
    """The places of the incidents and the places containing them."""
    return _built().data.places


def filtered_features(filters: Any) -> list[dict[str, Any]]:
    """The Features of the incidents ``filters`` select, in the list's order (earliest date, then IRI)."""
    from minegraph.web import listing

    built = _built()
    if listing.filtered(filters):
        wanted = listing.matching_incidents(filters)
        return [built.by_iri[iri] for iri in sorted(wanted & built.by_iri.keys(),
                                                    key=lambda iri: (built.data.dates[iri][0], iri))]
    return list(built.by_iri.values())


def geojson_response(filters: Any) -> Response:
    """The FeatureCollection of the incidents ``filters`` select (400 when a filter is not understood)."""
    if filters.errors:
        raise InputError(" ".join(filters.errors))
    body = geojson.dumps(geojson.collection(filtered_features(filters)))
    response = Response(body, 200, content_type=GEOJSON.media_type)
    response.headers["Content-Disposition"] = 'inline; filename="incidents.geojson"'
    response.vary.add("Accept")
    return response


@blueprint.get("/incidents.geojson")
def incidents_geojson() -> Response:
    return geojson_response(read_filters())


@dataclass
class Group:
    """The incidents drawn at one place's point: at the place itself, or at places inside it without coordinates."""

    place: geojson.Place
    count: int = 0
    inside: dict[str, int] = field(default_factory=dict)  # place without coordinates -> incidents drawn here

    @property
    def own(self) -> int:
        return self.count - sum(self.inside.values())


def groups(items: list[dict[str, Any]], places: dict[str, geojson.Place]
           ) -> tuple[list[Group], dict[str, int], list[str]]:
    """The points to draw (largest first), the incidents without a point by the outermost place of theirs, and the
    country names of the points (to highlight their outlines)."""
    drawn: dict[str, Group] = {}
    unplaced: dict[str, int] = {}
    for item in items:
        props = item["properties"]
        at, own = props["geometry_of"], props["place"]
        if at is None:
            chain = props["place_chain"]
            outermost = chain[-1]["id"] if chain else ""
            unplaced[outermost] = unplaced.get(outermost, 0) + 1
            continue
        group = drawn.setdefault(at, Group(places[at]))
        group.count += 1
        if own != at:
            group.inside[own] = group.inside.get(own, 0) + 1
    countries = sorted({geojson.chain(places, iri)[-1].label for iri in drawn if geojson.chain(places, iri)})
    ordered = sorted(drawn.values(), key=lambda g: (-g.count, g.place.name))
    return ordered, unplaced, countries


def init_app(app: Flask) -> None:
    """Register ``/incidents.geojson``."""
    app.register_blueprint(blueprint)
