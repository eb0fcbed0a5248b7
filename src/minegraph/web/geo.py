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
_BUILDING = threading.Lock()


def _select(sparql: str) -> list[geojson.Row]:
    from minegraph.web.listing import select

    return [{name: (term["value"], term.get("xml:lang", "")) for name, term in row.items()}
            for row in select(sparql, raw=True, all_rows=True, keep=False)]


#: Where an incident is drawn: (the place whose point it is drawn at, or None; its own place; the outermost place
#: containing its own), which is all the map needs of a Feature.
Located = tuple[str | None, str | None, str]


def located(item: dict[str, Any]) -> Located:
    """Where the Feature ``item`` is drawn."""
    props = item["properties"]
    chain = props["place_chain"]
    return props["geometry_of"], props["place"], chain[-1]["id"] if chain else ""


@dataclass
class Built:
    """Every public incident of one version of the store: its Feature as JSON and where it is drawn, in the list's
    order (earliest date, then IRI). Kept as bytes, not as Features: a tenth of the memory, and nothing to encode
    again for each request."""

    places: dict[str, geojson.Place]
    order: dict[str, int] = field(default_factory=dict)
    encoded: dict[str, bytes] = field(default_factory=dict)
    where: dict[str, Located] = field(default_factory=dict)


def _built() -> Built:
    """:class:`Built`, made once per version of the store (and per web process)."""
    from minegraph.web.state import state

    key = state().version()
    cache: dict[str, Any] = current_app.extensions.setdefault("minegraph.geojson", {})
    with _LOCK:
        found = cache.get("built")
        if found is not None and found[0] == key:
            return found[1]
    with _BUILDING:  # one build at a time: the requests that arrive meanwhile wait for it, not build it again
        with _LOCK:
            found = cache.get("built")
            if found is not None and found[0] == key:
                return found[1]
        data = geojson.read(_select)
        built = Built(data.places)
        for number, item in enumerate(geojson.features(data)):
            built.order[item["id"]] = number
            built.encoded[item["id"]] = geojson.dumps(item)
            built.where[item["id"]] = located(item)
        with _LOCK:
            cache["built"] = (key, built)
    return built


def read_filters() -> Any:
    from minegraph.web import listing

    return listing.read_filters(request.args, listing.place_choices(), listing.concept_choices("explosive-ordnance"),
                                listing.concept_choices("outcome"))


def places() -> dict[str, geojson.Place]:
    """The places of the incidents and the places containing them."""
    return _built().places


def selected(filters: Any) -> list[str]:
    """The IRIs of the incidents ``filters`` select, in the list's order (earliest date, then IRI)."""
    from minegraph.web import listing

    built = _built()
    if listing.filtered(filters):
        return sorted(listing.matching_incidents(filters) & built.order.keys(), key=built.order.__getitem__)
    return list(built.order)


def where(iris: list[str]) -> list[Located]:
    """Where each of the incidents ``iris`` is drawn."""
    built = _built()
    return [built.where[iri] for iri in iris]


def geojson_response(filters: Any) -> Response:
    """The FeatureCollection of the incidents ``filters`` select (400 when a filter is not understood)."""
    if filters.errors:
        raise InputError(" ".join(filters.errors))
    built = _built()
    empty = geojson.dumps(geojson.collection([]))
    head, tail = empty.rsplit(b"[]", 1)
    body = head + b"[" + b",".join(built.encoded[iri] for iri in selected(filters)) + b"]" + tail
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


def groups(items: list[Located], places: dict[str, geojson.Place]) -> tuple[list[Group], dict[str, int], list[str]]:
    """The points to draw (largest first), the incidents without a point by the outermost place of theirs, and the
    country names of the points (to highlight their outlines)."""
    drawn: dict[str, Group] = {}
    unplaced: dict[str, int] = {}
    for at, own, outermost in items:
        if at is None:
            unplaced[outermost] = unplaced.get(outermost, 0) + 1
            continue
        group = drawn.setdefault(at, Group(places[at]))
        group.count += 1
        if own is not None and own != at:
            group.inside[own] = group.inside.get(own, 0) + 1
    countries = sorted({geojson.chain(places, iri)[-1].label for iri in drawn if geojson.chain(places, iri)})
    ordered = sorted(drawn.values(), key=lambda g: (-g.count, g.place.name))
    return ordered, unplaced, countries


def init_app(app: Flask) -> None:
    """Register ``/incidents.geojson``."""
    app.register_blueprint(blueprint)
