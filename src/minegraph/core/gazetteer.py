"""The gazetteer: places of the world from the shipped reference tables, enriched by the curated places.yaml.

Sources, all shipped in ``data/reference/`` or with a package, so nothing is fetched (see
:mod:`minegraph.core.gazetteer_tables` and ``data/reference/README.md``):
- ISO 3166-1 and 3166-2 from ``pycountry`` (every country and its subdivisions, with their translations);
- OCHA global P-codes (HXL-tagged CSV) where we have them, and P-codes derived from national codes where a
  country's common operational dataset uses them (Colombia: "CO" + the DANE DIVIPOLA code);
- GeoNames admin-1 and admin-2 codes of every country.

Names match in any script: a name is transliterated (``anyascii``), folded and stripped of generic words
(District, Rayon, Oblast, Departamento…) before it is compared (:func:`name_keys`). :meth:`Gazetteer.reconcile`
ranks candidates with a score in [0, 1], within a country and within a parent when they are given;
:meth:`Gazetteer.resolve` says whether a name names one place, several (a tie) or none. Identifiers from two
tables are linked only at or above :data:`CERTAIN`; the rest go to :attr:`Gazetteer.review`.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from rdflib import URIRef

from minegraph.core.errors import InputError
from minegraph.core.gazetteer_tables import REFERENCE_FILES, add_reference_tables
from minegraph.core.place_names import (
    CERTAIN,
    Candidate,
    Gazetteer,
    Place,
    Point,
    Resolution,
    fold,
    name_keys,
    similarity,
)
from minegraph.core.schema import Code, Id, Schema, Text, check
from minegraph.core.vocab import PLACES_SOURCE, mint_key, thing_iri
from minegraph.core.yamlio import load_yaml, unique

__all__ = [
    "CERTAIN",
    "Candidate",
    "Gazetteer",
    "Place",
    "Point",
    "Resolution",
    "fold",
    "load",
    "name_keys",
    "pcode_place_iri",
    "place_index",
    "place_iri_of",
    "read_places",
    "similarity",
]


def load(data_dir: Path, *, reference: bool = True) -> Gazetteer:
    """The gazetteer of ``data_dir``: reference tables (unless ``reference`` is False), then the curated
    ``places.yaml`` over them. Loaded once per state of its files (treat the result as read-only)."""
    files = [data_dir / "places.yaml", *(data_dir / "reference" / name for name in REFERENCE_FILES)]
    stamp = tuple((str(f.resolve()), f.stat().st_mtime_ns, f.stat().st_size) if f.exists() else (str(f), 0, 0)
                  for f in files)
    return _load(data_dir, reference, stamp)


@lru_cache(maxsize=4)
def _load(data_dir: Path, reference: bool, _stamp: tuple[tuple[str, int, int], ...]) -> Gazetteer:
    gazetteer = Gazetteer()
    if reference:
        add_reference_tables(gazetteer, data_dir / "reference")
    curated_file = data_dir / "places.yaml"
    if curated_file.exists():
        _overlay(gazetteer, read_places(curated_file))
    return gazetteer


def _overlay(gazetteer: Gazetteer, curated: tuple[Place, ...]) -> None:
    """Curated places win over reference ones with the same P-code (or ISO code, for countries)."""
    by_code = {p.pcode.lower(): p for p in gazetteer.places.values() if p.pcode}
    by_code |= {p.iso3166.lower(): p for p in gazetteer.places.values() if p.level == 0 and p.iso3166}
    curated_ids = {p.id: p for p in curated}
    for place in curated:
        key = (place.pcode or (place.iso3166 if place.level == 0 else "") or "").lower()
        existing = by_code.get(key)
        parent = place.parent
        if existing is not None:
            gazetteer.places.pop(existing.id, None)
            gazetteer.aliases[existing.id] = place.id
            names = {lang: tuple(dict.fromkeys((*existing.names.get(lang, ()), *place.names.get(lang, ()))))
                     for lang in {*existing.names, *place.names}}
            if existing.label != place.label:
                names["en"] = tuple(dict.fromkeys((*names.get("en", ()), existing.label)))
            place = replace(place, names=names, geonames=place.geonames or existing.geonames,
                                  iso3166=place.iso3166 or existing.iso3166, point=place.point or existing.point,
                                  parent=parent or (existing.parent if existing.parent not in curated_ids else None))
        gazetteer.add(place)
    # Children of replaced reference places now point at the curated id.
    for place in list(gazetteer.places.values()):
        if place.parent in gazetteer.aliases:
            gazetteer.add(replace(place, parent=gazetteer.aliases[place.parent]))


class PointSchema(Schema):
    what = "a point"
    lat: float = Field(description="Latitude (WGS 84, decimal degrees).")
    lon: float = Field(description="Longitude (WGS 84, decimal degrees).")
    precision_m: int | None = Field(None, description="How rough the point is, in metres.")


def _names(value: Any) -> Any:
    """``names: {az: Ağdam rayonu, en: [Aghdam, Agdam]}``: one name or a list of names per language."""
    if isinstance(value, dict):
        return {lang: [names] if isinstance(names, str) else names for lang, names in value.items()}
    return value


class PlaceSchema(Schema):
    what = "a place"
    id: Id
    label: Text
    level: int = Field(description="Admin level: 0 country, 1 region/district (admin-1), 2 ...")
    names: Annotated[dict[str, list[Text]], BeforeValidator(_names)] = Field(default_factory=dict)
    parent: Id | None = Field(None, description="The id of the enclosing place in this file.")
    pcode: Text | None = None
    iso3166: Text | None = None
    geonames: Code | None = None
    wikidata: Text | None = None
    point: PointSchema | None = Field(None, description="A representative point of the area, not of an incident.")


class PlacesFile(Schema):
    """``data/places.yaml``: the curated gazetteer."""

    places: list[PlaceSchema]


def read_places(path: Path) -> tuple[Place, ...]:
    file = str(path)
    data = load_yaml(path)
    places = tuple(
        Place(id=p.id, label=p.label, level=p.level, names={lang: tuple(n) for lang, n in p.names.items()},
              parent=p.parent, pcode=p.pcode, iso3166=p.iso3166, geonames=p.geonames, wikidata=p.wikidata,
              point=Point(p.point.lat, p.point.lon, p.point.precision_m) if p.point else None)
        for p in check(PlacesFile, data, file=file, records={"places": "list"}).places
    )
    unique([p.id for p in places], file, "places")
    known = {p.id for p in places}
    for place in places:
        if place.parent is not None and place.parent not in known:
            raise InputError("names no place of this file", file=file, record=f"places[{place.id}]",
                             field="parent", value=place.parent)
    return places


def pcode_place_iri(base: str, pcode: str) -> URIRef:
    """The IRI of the place with OCHA P-code ``pcode`` (e.g. ``AZ60500001``, or ``CO05313`` for a
    Colombian municipality: "CO" + its DANE code). Places are identified by P-code wherever one exists,
    so that every source that names the same admin area points at the same IRI."""
    return thing_iri(base, "place", mint_key("place", "pcode", pcode.strip().upper()))


def place_iri_of(base: str, place: Place) -> URIRef:
    """A place's IRI: from its P-code, else (countries) its ISO 3166-1 code, else what a reference table minted
    it from (its ISO 3166-2 code, its GeoNames id), else its gazetteer id."""
    if place.pcode:
        return pcode_place_iri(base, place.pcode)
    if place.level == 0 and place.iso3166:
        return thing_iri(base, "place", mint_key("place", "iso3166", place.iso3166.upper()))
    if place.mint is not None:
        return thing_iri(base, "place", mint_key("place", place.mint[0], place.mint[1]))
    return thing_iri(base, "place", mint_key("place", PLACES_SOURCE, place.id))


def place_index(places: tuple[Place, ...], base: str, aliases: dict[str, str] | None = None) -> dict[str, URIRef]:
    """Gazetteer id (or alias) -> place IRI, for resolving the ``place:`` and ``area:`` fields of records."""
    index = {place.id: place_iri_of(base, place) for place in places}
    return index | {alias: index[target] for alias, target in (aliases or {}).items() if target in index}
