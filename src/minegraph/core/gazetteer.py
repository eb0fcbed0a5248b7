"""The gazetteer: places from the shipped reference tables, enriched by the curated places.yaml.

Sources, all shipped in ``data/reference/`` or with a package, so nothing is fetched:
- OCHA global P-codes (HXL-tagged CSV): countries' admin areas with their P-codes and parents;
- GeoNames admin-1 ids for Azerbaijan;
- ISO 3166-1 and 3166-2 from ``pycountry``, matched to P-coded areas by name.

Matching names across scripts and romanisations (Cəbrayıl / Jabrayil / Jebrail / Djebrail) uses
:func:`name_keys`; :meth:`Gazetteer.reconcile` ranks candidates with a score in [0, 1]. Only matches at
or above :data:`CERTAIN` are linked automatically; the rest go to :attr:`Gazetteer.review`.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import pycountry
from pydantic import BeforeValidator, Field
from rdflib import URIRef

from minegraph.core.errors import InputError
from minegraph.core.schema import Code, Id, Schema, Text, check
from minegraph.core.vocab import PLACES_SOURCE, mint_key, thing_iri
from minegraph.core.yamlio import load_yaml, unique


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    precision_m: int | None = None


@dataclass(frozen=True)
class Place:
    id: str
    label: str
    level: int
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parent: str | None = None
    pcode: str | None = None
    iso3166: str | None = None
    geonames: str | None = None
    wikidata: str | None = None
    point: Point | None = None


CERTAIN = 0.92
PCODES_FILE = "ocha-global-pcodes-subset.csv"
GEONAMES_FILE = "geonames-admin1-AZ.tsv"

# Azerbaijani Latin to the English romanisation that OCHA and GeoNames use.
_AZ_TO_EN = str.maketrans({"c": "j", "ç": "ch", "ş": "sh", "ğ": "gh", "x": "kh", "ə": "a", "ı": "i", "q": "g",
                           "ö": "o", "ü": "u"})
_GENERIC = re.compile(r"\b(rayon|rayonu|district|region|province|municipality|city|oblast|marz|qarku|"
                      r"prefecture|governorate|the)\b")


def fold(name: str) -> str:
    """Lower case, no diacritics, no generic words (District, Rayon…), single spaces."""
    text = unicodedata.normalize("NFKD", name.casefold().replace("ı", "i").replace("ə", "a"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _GENERIC.sub(" ", re.sub(r"[^a-z0-9]+", " ", text))
    return " ".join(text.split())


def name_keys(name: str) -> set[str]:
    """The folded forms of a name, as written and as romanised from Azerbaijani Latin."""
    keys = {fold(name), fold(name.casefold().translate(_AZ_TO_EN))}
    # dj/j, e/a and gd/gh variants common in older romanisations (Djebrail, Agdam, Jebrail).
    keys |= {k.replace("dj", "j").replace("gd", "ghj") for k in keys}
    return {k for k in keys if k}


def similarity(a: str, b: str) -> float:
    """The best ratio between any folded key of ``a`` and of ``b`` (1.0 = same name)."""
    best = 0.0
    for x in name_keys(a):
        for y in name_keys(b):
            if x == y:
                return 1.0
            best = max(best, difflib.SequenceMatcher(None, x, y).ratio())
    return best


@dataclass(frozen=True)
class Candidate:
    place: Place
    score: float
    matched: str


@dataclass
class Gazetteer:
    places: dict[str, Place] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)

    def add(self, place: Place) -> None:
        self.places[place.id] = place

    def country_of(self, place: Place) -> str | None:
        while place.parent is not None and place.parent in self.places:
            place = self.places[place.parent]
        return place.iso3166 if place.level == 0 else None

    def reconcile(self, name: str, *, country: str | None = None, level: int | None = None,
                  limit: int = 5) -> list[Candidate]:
        """Places whose names match ``name``, best first, each with a score in [0, 1]."""
        found: list[Candidate] = []
        for place in self.places.values():
            if level is not None and place.level != level:
                continue
            if country and (self.country_of(place) or "").upper() != country.upper():
                continue
            names = [place.label, *(n for names in place.names.values() for n in names)]
            score, matched = max((similarity(name, n), n) for n in names)
            if score >= 0.6:
                found.append(Candidate(place, round(score, 3), matched))
        found.sort(key=lambda c: (-c.score, c.place.level, c.place.id))
        return found[:limit]

    def ids(self) -> dict[str, str]:
        """Every id a record may use (gazetteer ids, curated ids, lower-case P-codes) -> place id."""
        resolved = {place_id: place_id for place_id in self.places}
        return resolved | self.aliases


def load(data_dir: Path, *, reference: bool = True) -> Gazetteer:
    """The gazetteer of ``data_dir``: reference tables (unless ``reference`` is False), then the curated
    ``places.yaml`` over them. Loaded once per state of its files (treat the result as read-only)."""
    files = [data_dir / "places.yaml", data_dir / "reference" / PCODES_FILE, data_dir / "reference" / GEONAMES_FILE]
    stamp = tuple((str(f.resolve()), f.stat().st_mtime_ns, f.stat().st_size) if f.exists() else (str(f), 0, 0)
                  for f in files)
    return _load(data_dir, reference, stamp)


@lru_cache(maxsize=8)
def _load(data_dir: Path, reference: bool, _stamp: tuple[tuple[str, int, int], ...]) -> Gazetteer:
    gazetteer = Gazetteer()
    tables = data_dir / "reference"
    if reference and (tables / PCODES_FILE).exists():
        _add_pcodes(gazetteer, tables / PCODES_FILE)
        _add_iso_subdivisions(gazetteer)
    if reference and (tables / GEONAMES_FILE).exists():
        _add_geonames(gazetteer, tables / GEONAMES_FILE, "AZ")
    curated_file = data_dir / "places.yaml"
    if curated_file.exists():
        _overlay(gazetteer, read_places(curated_file))
    return gazetteer


def _add_pcodes(gazetteer: Gazetteer, path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    tags = [tag.strip() for tag in rows[1]]
    column = {tag: tags.index(tag) for tag in ("#country+code", "#geo+admin_level", "#adm+code", "#adm+name",
                                                "#adm+code+parent")}
    for row in rows[2:]:
        iso3 = row[column["#country+code"]]
        country = pycountry.countries.get(alpha_3=iso3)
        if country is None:
            continue
        country_id = country.alpha_2.lower()
        if country_id not in gazetteer.places:
            names = {"en": tuple({country.name, getattr(country, "official_name", country.name)})}
            gazetteer.add(Place(id=country_id, label=country.name, level=0, names=names,
                                iso3166=country.alpha_2))
        pcode, parent = row[column["#adm+code"]], row[column["#adm+code+parent"]]
        gazetteer.add(Place(
            id=pcode.lower(), label=row[column["#adm+name"]], level=int(row[column["#geo+admin_level"]]),
            parent=country_id if parent == iso3 else parent.lower(), pcode=pcode,
        ))


def _best_match(gazetteer: Gazetteer, name: str, country: str, level: int) -> tuple[Place | None, float]:
    candidates = gazetteer.reconcile(name, country=country, level=level, limit=2)
    if not candidates:
        return None, 0.0
    best = candidates[0]
    if len(candidates) > 1 and candidates[1].score >= best.score - 0.02:
        return None, best.score  # ambiguous
    return best.place, best.score


def _add_iso_subdivisions(gazetteer: Gazetteer) -> None:
    for country in [p for p in gazetteer.places.values() if p.level == 0]:
        for subdivision in pycountry.subdivisions.get(country_code=country.iso3166) or []:
            if getattr(subdivision, "parent_code", None):
                continue
            place, score = _best_match(gazetteer, subdivision.name, country.iso3166 or "", 1)
            if place is None or score < CERTAIN:
                gazetteer.review.append(f"ISO 3166-2 {subdivision.code} {subdivision.name!r}: no certain "
                                        f"admin-1 match (best score {score:.2f})")
                continue
            names = dict(place.names)
            names["und"] = (*names.get("und", ()), subdivision.name)
            gazetteer.add(replace(place, iso3166=subdivision.code, names=names))


def _add_geonames(gazetteer: Gazetteer, path: Path, country: str) -> None:
    with path.open(encoding="utf-8") as handle:
        for code, name, ascii_name, geonames_id in csv.reader(handle, delimiter="\t"):
            place, score = _best_match(gazetteer, ascii_name, country, 1)
            if place is None or score < CERTAIN:
                place, score = _best_match(gazetteer, name, country, 1)
            if place is None or score < CERTAIN:
                gazetteer.review.append(f"GeoNames {geonames_id} {name!r} ({code}): no certain admin-1 match "
                                        f"(best score {score:.2f})")
                continue
            names = dict(place.names)
            names["az"] = tuple(dict.fromkeys((*names.get("az", ()), name)))
            gazetteer.add(replace(place, geonames=geonames_id, names=names))


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
                            iso3166=place.iso3166 or existing.iso3166,
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
    """A place's IRI: from its P-code, else (countries) its ISO 3166-1 code, else its gazetteer id."""
    if place.pcode:
        return pcode_place_iri(base, place.pcode)
    if place.level == 0 and place.iso3166:
        return thing_iri(base, "place", mint_key("place", "iso3166", place.iso3166.upper()))
    return thing_iri(base, "place", mint_key("place", PLACES_SOURCE, place.id))


def place_index(places: tuple[Place, ...], base: str, aliases: dict[str, str] | None = None) -> dict[str, URIRef]:
    """Gazetteer id (or alias) -> place IRI, for resolving the ``place:`` and ``area:`` fields of records."""
    index = {place.id: place_iri_of(base, place) for place in places}
    return index | {alias: index[target] for alias, target in (aliases or {}).items() if target in index}
