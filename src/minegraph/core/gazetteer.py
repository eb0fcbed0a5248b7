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

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any

from anyascii import anyascii
from pydantic import BeforeValidator, Field
from rapidfuzz import fuzz
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
    #: what the place's key is minted from when it has no P-code: ("iso3166", "UA-63"), ("geonames", "703446");
    #: None for a curated place (its gazetteer id) — fixed once published, so that its URI never changes
    mint: tuple[str, str] | None = None

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.label, *(n for names in self.names.values() for n in names))


CERTAIN = 0.92

#: Generic words of admin area names, in the languages of the reference tables (after transliteration), and
#: particles; they are dropped before names are compared ("Cəbrayıl rayonu" = "Jabrayil District" = "Jabrayil").
_GENERIC = re.compile(
    r"\b(rayon|rayonu|raion|raioni|district|districts|region|regional|province|provincia|provinsi|municipality|"
    r"municipio|municipal|city|oblast|oblasti|oblys|oblysy|marz|qarku|prefecture|governorate|muhafazat|"
    r"departamento|department|departement|distrito|capital|estado|state|county|commune|comuna|wilayah|wilaya|"
    r"velayat|viloyati|ostan|khoueng|khaet|khett|kray|krai|okrug|the|of|de|del|la|las|los|el|le|les|du|des|da|do|"
    r"dos|y|e|et|al|[a-z])\b")
#: Adjectival endings of Slavic area names: "Kharkivska oblast", "Donetska oblast", "Джебраильский район" are
#: also keyed as kharkiv / kharkivsk, donet / donetsk, dzhebrail / dzhebrailsk (the city names they come from).
_ADJECTIVE = re.compile(r"(?<=[a-z]{4})sk(aya|iy|ii|yi|yy|a|y|e|oye|oe)\b")
# Azerbaijani Latin to the English romanisation that OCHA and GeoNames use.
_AZ_TO_EN = str.maketrans({"c": "j", "ç": "ch", "ş": "sh", "ğ": "gh", "x": "kh", "ə": "a", "ı": "i", "q": "g",
                           "ö": "o", "ü": "u"})


def fold(name: str) -> str:
    """Any script to lower-case ASCII (transliterated), no generic words (District, Rayon…), single spaces.

    >>> fold("Cəbrayıl rayonu"), fold("Агдам"), fold("Джебраильский район"), fold("BOGOTÁ, D.C.")
    ('cabrayil', 'agdam', 'dzhebrail', 'bogota')
    """
    text = anyascii(unicodedata.normalize("NFKC", name.replace("ı", "i").replace("ə", "a"))).casefold()
    text = _ADJECTIVE.sub("", re.sub(r"[^a-z0-9]+", " ", re.sub(r"['`’ʼ]", "", text)))
    return " ".join(_GENERIC.sub(" ", text).split())


def _adjective_as_noun(name: str) -> str:
    """The ``-sk`` form of a Slavic adjectival name (Donetska -> Donetsk), for :func:`name_keys`."""
    text = anyascii(unicodedata.normalize("NFKC", name)).casefold()
    text = _ADJECTIVE.sub("sk", re.sub(r"[^a-z0-9]+", " ", re.sub(r"['`’ʼ]", "", text)))
    return " ".join(_GENERIC.sub(" ", text).split())


@lru_cache(maxsize=1 << 18)
def name_keys(name: str) -> frozenset[str]:
    """The folded forms of a name: as written, and as romanised from Azerbaijani Latin, with the dj/dzh/j, e/a
    and gd/gh variants of older romanisations (Djebrail, Dzhebrail, Jebrail; Agdam)."""
    keys = {fold(name), fold(name.casefold().translate(_AZ_TO_EN)), _adjective_as_noun(name)}
    keys |= {k.replace("dzh", "j").replace("dj", "j").replace("gd", "ghj") for k in keys}
    return frozenset(k for k in keys if k)


def similarity(a: str, b: str) -> float:
    """The best ratio between any folded key of ``a`` and of ``b`` (1.0 = same name)."""
    return _best_ratio(name_keys(a), name_keys(b))


def _best_ratio(keys: frozenset[str], others: frozenset[str]) -> float:
    """The best normalised similarity (rapidfuzz's Indel ratio: 2 * matches / total length) of two key sets."""
    if keys & others:
        return 1.0
    return max((fuzz.ratio(x, y) / 100 for x in keys for y in others), default=0.0)


@dataclass(frozen=True)
class Candidate:
    place: Place
    score: float
    matched: str


@dataclass(frozen=True)
class Resolution:
    """What a name resolves to within its scope: one place, a tie between several, or nothing."""

    name: str
    place: Place | None
    candidates: tuple[Candidate, ...]

    @property
    def status(self) -> str:
        """``matched``, ``tie`` (several places score the same, certain or not) or ``missing``."""
        if self.place is not None:
            return "matched"
        return "tie" if len(self.candidates) > 1 and self.candidates[1].score >= self.candidates[0].score - 0.02 \
            and self.candidates[0].score >= CERTAIN else "missing"


@dataclass
class Gazetteer:
    places: dict[str, Place] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)

    def add(self, place: Place) -> None:
        self.places[place.id] = place
        self.__dict__.pop("_index", None)  # the name index is rebuilt after a change
        self.__dict__.pop("_children", None)
        self.__dict__.pop("_countries", None)

    def get(self, place_id: str) -> Place | None:
        """A place by its id, an alias or a P-code in any case."""
        key = place_id.lower()
        return self.places.get(self.aliases.get(key, key)) or self.places.get(self.aliases.get(place_id, place_id))

    # --- derived tables, built on first use ----------------------------------------------------------------
    @cached_property
    def _index(self) -> dict[str, set[str]]:
        """Folded name key -> the ids of the places with a name of that key."""
        index: dict[str, set[str]] = defaultdict(set)
        for place in self.places.values():
            for name in place.all_names:
                for key in name_keys(name):
                    index[key].add(place.id)
        return dict(index)

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = defaultdict(list)
        for place in self.places.values():
            if place.parent is not None:
                children[place.parent].append(place.id)
        return dict(children)

    @cached_property
    def _countries(self) -> dict[str, str | None]:
        """Place id -> the ISO 3166-1 code of its country (None when it has none)."""
        found: dict[str, str | None] = {}
        for place_id in self.places:
            chain, country = [], None
            at: str | None = place_id
            while at is not None and at not in found and at in self.places and at not in chain:
                chain.append(at)
                place = self.places[at]
                at = place.parent
            if at is not None and at in found:
                country = found[at]
            elif chain:
                top = self.places[chain[-1]]
                country = top.iso3166 if top.level == 0 else None
            for step in chain:
                found[step] = country
        return found

    def country_of(self, place: Place) -> str | None:
        return self._countries.get(place.id)

    def children(self, place: Place) -> list[Place]:
        return [self.places[c] for c in self._children.get(place.id, [])]

    def within(self, place: Place) -> Iterator[Place]:
        """Every place inside ``place``, at any depth."""
        stack = list(self._children.get(place.id, []))
        while stack:
            child = self.places[stack.pop()]
            yield child
            stack.extend(self._children.get(child.id, []))

    def enclosing(self, place: Place) -> Iterator[Place]:
        """``place`` and the places enclosing it, finest first (a cycle stops the walk)."""
        seen: set[str] = set()
        at: Place | None = place
        while at is not None and at.id not in seen:
            seen.add(at.id)
            yield at
            at = self.places.get(at.parent) if at.parent else None

    # --- matching --------------------------------------------------------------------------------------------
    def reconcile(self, name: str, *, country: str | None = None, level: int | None = None,
                  parent: Place | str | None = None, limit: int = 5) -> list[Candidate]:
        """Places whose names match ``name``, best first, each with a score in [0, 1]: within ``country`` (ISO
        3166-1 alpha-2), inside ``parent`` (a place, its id, or a name resolved within ``country``) and at
        ``level`` when they are given. Without a country or a parent, only exact matches of a name key are
        looked for (a fuzzy search of the whole world would rank unrelated places)."""
        scope = self._scope(country, parent)
        keys = name_keys(name)
        exact = {pid for key in keys for pid in self._index.get(key, ())}
        found: dict[str, Candidate] = {}
        for pid in exact:
            place = self.places[pid]
            if self._fits(place, scope, country, level):
                found[pid] = Candidate(place, 1.0, self._matched(place, keys))
        if scope is not None and len(found) < limit:
            for place in scope.values():
                if place.id in found or (level is not None and place.level != level):
                    continue
                score, matched = max((_best_ratio(keys, name_keys(n)), n) for n in place.all_names)
                if score >= 0.6:
                    found[place.id] = Candidate(place, round(score, 3), matched)
        ranked = sorted(found.values(), key=lambda c: (-c.score, c.place.level, c.place.id))
        return ranked[:limit]

    def resolve(self, name: str, *, country: str | None = None, level: int | None = None,
                parent: Place | str | None = None) -> Resolution:
        """The one place ``name`` names with certainty in its scope, or why not (a tie, or nothing certain)."""
        candidates = tuple(self.reconcile(name, country=country, level=level, parent=parent, limit=5))
        best = candidates[0] if candidates else None
        unique_best = best is not None and best.score >= CERTAIN and (
            len(candidates) == 1 or candidates[1].score < best.score - 0.02)
        return Resolution(name, best.place if unique_best and best else None, candidates)

    def ids(self) -> dict[str, str]:
        """Every id a record may use (gazetteer ids, curated ids, lower-case P-codes) -> place id."""
        resolved = {place_id: place_id for place_id in self.places}
        return resolved | self.aliases

    def _scope(self, country: str | None, parent: Place | str | None) -> dict[str, Place] | None:
        if isinstance(parent, str):
            found = self.get(parent)
            # a parent named is the coarsest place of that name (the department Boyacá, not its municipality)
            for level in (1, 2, 3, 4):
                if found is not None:
                    break
                found = self.resolve(parent, country=country, level=level).place
            if found is None:
                return {}  # a parent that names no place: nothing is inside it
            parent = found
        if parent is not None:
            return {p.id: p for p in self.within(parent)}
        if country:
            code = country.upper()
            return {p.id: p for p in self.places.values() if self._countries.get(p.id) == code and p.level > 0}
        return None

    def _fits(self, place: Place, scope: dict[str, Place] | None, country: str | None, level: int | None) -> bool:
        if level is not None and place.level != level:
            return False
        if scope is not None:
            return place.id in scope
        return not country or (self._countries.get(place.id) or "") == country.upper()

    @staticmethod
    def _matched(place: Place, keys: frozenset[str]) -> str:
        return next((n for n in place.all_names if name_keys(n) & keys), place.label)


def load(data_dir: Path, *, reference: bool = True) -> Gazetteer:
    """The gazetteer of ``data_dir``: reference tables (unless ``reference`` is False), then the curated
    ``places.yaml`` over them. Loaded once per state of its files (treat the result as read-only)."""
    from minegraph.core.gazetteer_tables import REFERENCE_FILES

    files = [data_dir / "places.yaml", *(data_dir / "reference" / name for name in REFERENCE_FILES)]
    stamp = tuple((str(f.resolve()), f.stat().st_mtime_ns, f.stat().st_size) if f.exists() else (str(f), 0, 0)
                  for f in files)
    return _load(data_dir, reference, stamp)


@lru_cache(maxsize=4)
def _load(data_dir: Path, reference: bool, _stamp: tuple[tuple[str, int, int], ...]) -> Gazetteer:
    from minegraph.core.gazetteer_tables import add_reference_tables

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
