"""Incidents as GeoJSON (RFC 7946): one Feature per incident, its point the representative point of its PLACE.

An incident's geometry is never a point of harm. It is the representative point of the place recorded for the
incident (an admin area's or a settlement's point, as the gazetteer stores it: ``geo:hasGeometry`` /
``geo:asWKT``, with ``mg:coordinatePrecision`` in metres), or, when that place has no coordinates, the point of
the nearest place containing it — and the Feature says so (``geometry_of``, ``geometry_note``). With no point
anywhere up the chain, the geometry is ``null``. Only places' points are read: a geometry attached to anything
else (an incident, a victim) is not. Casualties' exact points are never published (docs/data-responsibility.md).

A count the source did not state is JSON ``null``, never 0.

The data comes from a :data:`Select` — a function running a SELECT over the **public** dataset and returning rows
of (value, language) — so the web (through its query workers) and ``minegraph export`` (through
:class:`~minegraph.store.view.PublicStore`) build the same Features. Like the HXL export, it asks one question per
property, each a scan of one pattern, and joins the answers here (one query with every OPTIONAL costs minutes at
tens of thousands of incidents).

>>> collection([])["type"], collection([])["features"]
('FeatureCollection', [])
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minegraph.core.errors import InputError
from minegraph.core.place_names import parse_point
from minegraph.core.vocab import sparql_prefixes

MEDIA_TYPE = "application/geo+json"
#: A SELECT's rows: variable name -> (value, language tag or "").
Row = dict[str, tuple[str, str]]
Select = Callable[[str], list[Row]]

DESCRIPTION = ("Landmine and ERW incidents (minegraph). Each point is the representative point of the place "
               "recorded for the incident (an administrative area or a settlement), or of the nearest place "
               "containing it when that place has no coordinates (see geometry_of, geometry_note): never the point "
               "where anyone was harmed. killed and injured are null when the source does not state them.")

#: The places incidents are in, and the places containing them (not the whole gazetteer).
PLACES = """SELECT ?p ?label ?level ?pcode ?iso ?parent ?wkt ?precision WHERE {
  { SELECT DISTINCT ?p WHERE { { SELECT DISTINCT ?named WHERE { ?i mg:place ?named } }
                               ?named schema:containedInPlace* ?p } }
  OPTIONAL { ?p rdfs:label ?label } OPTIONAL { ?p mg:adminLevel ?level } OPTIONAL { ?p mg:pcode ?pcode }
  OPTIONAL { ?p mg:iso3166 ?iso } OPTIONAL { ?p schema:containedInPlace ?parent }
  OPTIONAL { ?p geo:hasGeometry ?g . ?g geo:asWKT ?wkt OPTIONAL { ?g mg:coordinatePrecision ?precision } } }"""
#: Every incident (the list shows those with both dates: the gate sees to it).
INCIDENTS = "SELECT ?i WHERE { ?i a mg:Incident }"
#: One scan per property: (name, pattern binding ?i and ?v).
SCANS = (
    ("earliest", "?i mg:earliestDate ?v"),
    ("latest", "?i mg:latestDate ?v"),
    # Every label of an incident IRI: the join with mg:Incident costs the engine five times as much.
    ("label", '?i rdfs:label ?v FILTER(CONTAINS(STR(?i), "/id/incident/"))'),
    ("killed", "?i mg:killedCount ?v"),
    ("injured", "?i mg:injuredCount ?v"),
    ("place", "?i mg:place ?v"),
    ("device", "?i mg:explosiveOrdnanceType ?v"),
    ("precision", "?i mg:datePrecision ?v"),
    ("reported", "?i mg:dateAsReported ?v"),
    ("supported_by", "?i mg:supportedBy ?v"),
    ("supports", "?v mg:supports ?i"),
)
#: The source document of every statement.
DERIVED = "SELECT ?s ?d WHERE { ?s prov:wasDerivedFrom ?d }"
CONCEPTS = """SELECT ?c ?label ?code WHERE { ?c a skos:Concept .
  OPTIONAL { ?c skos:prefLabel ?label } OPTIONAL { ?c skos:notation ?code } }"""
SOURCES = """SELECT ?d ?title ?url WHERE { ?d a mg:SourceDocument .
  OPTIONAL { ?d dcterms:title ?title } OPTIONAL { ?d schema:url ?url } }"""


def _rank(language: str) -> int:
    return {"en": 0, "": 1}.get(language.lower().split("-")[0], 2)


@dataclass
class Place:
    """A place as the Features need it."""

    iri: str
    label: str = ""
    label_rank: int = 9
    level: int | None = None
    pcode: str = ""
    iso: str = ""
    parent: str = ""
    point: tuple[float, float] | None = None
    precision_m: float | None = None

    @property
    def name(self) -> str:
        return self.label or self.iri

    def chain_entry(self) -> dict[str, Any]:
        return {"id": self.iri, "label": self.label or None, "admin_level": self.level, "pcode": self.pcode or None,
                "iso3166": self.iso or None}


def read_places(select: Select) -> dict[str, Place]:
    """The places incidents are in and the places containing them, with their labels (English first), codes,
    parent (the first, in IRI order, when a place names several) and representative point."""
    places: dict[str, Place] = {}
    for row in select(PLACES):
        iri = row["p"][0]
        place = places.setdefault(iri, Place(iri))
        if "label" in row:
            label, language = row["label"]
            if (_rank(language), label) < (place.label_rank, place.label):
                place.label, place.label_rank = label, _rank(language)
        if "level" in row and place.level is None:
            with contextlib.suppress(ValueError):
                place.level = int(row["level"][0])
        place.pcode = place.pcode or row.get("pcode", ("", ""))[0]
        place.iso = place.iso or row.get("iso", ("", ""))[0]
        parent = row.get("parent", ("", ""))[0]
        if parent and parent != iri and (not place.parent or parent < place.parent):
            place.parent = parent
        point = parse_point(row["wkt"][0]) if "wkt" in row else None
        if point is not None and (place.point is None or point < place.point):
            place.point = point
            try:
                place.precision_m = float(row["precision"][0]) if "precision" in row else None
            except ValueError:
                place.precision_m = None
    return places


def chain(places: dict[str, Place], iri: str) -> list[Place]:
    """The place, then each place containing it up to the country (a cycle stops the walk)."""
    found: list[Place] = []
    seen: set[str] = set()
    while iri in places and iri not in seen:
        seen.add(iri)
        found.append(places[iri])
        iri = places[iri].parent
    return found


def drawn_at(places: dict[str, Place], iri: str) -> Place | None:
    """The place whose point stands for ``iri``: the place itself when it has coordinates, else the nearest place
    containing it that has; None when none has."""
    return next((place for place in chain(places, iri) if place.point is not None), None)


def geometry_note(place: Place | None, drawn: Place | None) -> str:
    """What the point of a Feature is, in words."""
    if place is None:
        return "no point: the incident has no place"
    if drawn is None:
        return f"no point: neither {place.name} nor any place containing it has coordinates"
    if drawn is place:
        return f"representative point of {place.name}: not where anyone was harmed"
    return f"representative point of {drawn.name}: {place.name} has no coordinates of its own"


def _concepts(select: Select) -> dict[str, tuple[str, str]]:
    """Each concept's (English label, notation)."""
    found: dict[str, tuple[str, str, int]] = {}
    for row in select(CONCEPTS):
        iri = row["c"][0]
        label, language = row.get("label", ("", ""))
        code = row.get("code", ("", ""))[0]
        known = found.get(iri)
        if known is None or (_rank(language), label) < (known[2], known[0]):
            found[iri] = (label, code or (known[1] if known else ""), _rank(language))
    return {iri: (label, code) for iri, (label, code, _rank_) in found.items()}


def _number(value: str) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


@dataclass(frozen=True)
class Incidents:
    """What the Features are made of: the incidents (IRI -> (earliest, latest)), each property scanned, places,
    concepts and source documents."""

    dates: dict[str, tuple[str, str]]
    values: dict[str, dict[str, list[tuple[str, str]]]]
    places: dict[str, Place]
    concepts: dict[str, tuple[str, str]]
    sources: dict[str, tuple[str, str]]

    def first(self, name: str, iri: str) -> tuple[str, str] | None:
        """The value of a property (the English one, else the smallest) or None."""
        found = self.values[name].get(iri)
        return min(found, key=lambda v: (_rank(v[1]), v[0])) if found else None


def read(select: Select) -> Incidents:
    """Every incident and what its Feature says, from the public dataset behind ``select``."""
    values: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for name, pattern in SCANS:
        found: dict[str, list[tuple[str, str]]] = {}
        for row in select(f"SELECT DISTINCT ?i ?v WHERE {{ {pattern} }}"):
            found.setdefault(row["i"][0], []).append(row["v"])
        values[name] = found
    dates = {}
    for row in select(INCIDENTS):
        iri = row["i"][0]
        earliest, latest = values["earliest"].get(iri), values["latest"].get(iri)
        if earliest and latest:
            dates[iri] = (min(earliest)[0], max(latest)[0])
    derived: dict[str, set[str]] = {}
    for row in select(DERIVED):
        derived.setdefault(row["s"][0], set()).add(row["d"][0])
    values["source"] = {iri: [(document, "") for document in sorted(set().union(*(
        derived.get(statement, set()) for statement, _lang in values["supported_by"].get(iri, [])
        + values["supports"].get(iri, []))))] for iri in dates}
    sources: dict[str, tuple[str, str]] = {}
    for row in select(SOURCES):
        title, url = row.get("title", ("", ""))[0], row.get("url", ("", ""))[0]
        known = sources.get(row["d"][0])
        if known is None or (title, url) < known:
            sources[row["d"][0]] = (title, url)
    return Incidents(dates, values, read_places(select), _concepts(select), sources)


def feature(data: Incidents, iri: str) -> dict[str, Any]:
    """The Feature of one incident."""
    earliest, latest = data.dates[iri]
    label = data.first("label", iri)
    place_value = data.first("place", iri)
    place = data.places.get(place_value[0]) if place_value else None
    if place_value and place is None:  # a place the gazetteer does not describe
        place = Place(place_value[0])
    drawn = drawn_at(data.places, place.iri) if place else None
    device = data.first("device", iri)
    precision = data.first("precision", iri)
    reported = data.first("reported", iri)
    counts: dict[str, int | float | None] = {}
    for name in ("killed", "injured"):
        value = data.first(name, iri)
        counts[name] = _number(value[0]) if value else None  # not stated: null, never 0
    places = chain(data.places, place.iri) if place else []
    geometry = None
    if drawn is not None and drawn.point is not None:
        geometry = {"type": "Point", "coordinates": [round(drawn.point[0], 6), round(drawn.point[1], 6)]}
    properties = {
        "label": label[0] if label else None,
        "date_as_reported": reported[0] if reported else None,
        "earliest_date": earliest,
        "latest_date": latest,
        "date_precision": (data.concepts.get(precision[0], ("", ""))[1] or precision[0]) if precision else None,
        "killed": counts["killed"],
        "injured": counts["injured"],
        "explosive_ordnance": (data.concepts.get(device[0], ("", ""))[0] or device[0]) if device else None,
        "place": place.iri if place else None,
        "place_label": place.label or None if place else None,
        "place_chain": [p.chain_entry() for p in places] or ([place.chain_entry()] if place else []),
        "sources": [{"id": source, "title": data.sources.get(source, ("", ""))[0] or None,
                     "url": data.sources.get(source, ("", ""))[1] or None}
                    for source in sorted({v for v, _lang in data.values["source"].get(iri, [])})],
        "geometry_of": drawn.iri if drawn else None,
        "geometry_precision_m": _number(str(drawn.precision_m)) if drawn and drawn.precision_m else None,
        "geometry_note": geometry_note(place, drawn),
    }
    return {"type": "Feature", "id": iri, "geometry": geometry, "properties": properties}


def features(data: Incidents, only: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The Features of every incident (or of those in ``only``), earliest possible date first, then by IRI."""
    wanted = data.dates.keys() if only is None else [iri for iri in set(only) if iri in data.dates]
    return [feature(data, iri) for iri in sorted(wanted, key=lambda iri: (data.dates[iri][0], iri))]


def collection(items: list[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection of ``items`` (with a ``description`` foreign member saying what the points are)."""
    return {"type": "FeatureCollection", "description": DESCRIPTION, "features": items}


def dumps(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def store_select(store: Any) -> Select:
    """A :data:`Select` over a store or a :class:`~minegraph.store.view.PublicStore` (pass the public view)."""
    def run(sparql: str) -> list[Row]:
        result = store.query(sparql_prefixes() + sparql)
        names = [variable.value for variable in result.variables]
        rows = []
        for solution in result:
            row: Row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = (str(term.value), getattr(term, "language", None) or "")
            rows.append(row)
        return rows
    return run


def export(store: Any, path: Path) -> tuple[Path, int]:
    """Write every incident of ``store`` (a public view) to the GeoJSON file ``path``; how many were written. A
    store without incidents is refused (:class:`InputError`), nothing written."""
    items = features(read(store_select(store)))
    if not items:
        raise InputError("the store has no incidents: there is nothing to export (build or ingest first)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dumps(collection(items)) + b"\n")
    return path, len(items)
