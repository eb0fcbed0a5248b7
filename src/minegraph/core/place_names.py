"""Places and their names: the gazetteer's model, and how a name in any script is matched to a place.

A name is transliterated (``anyascii``), folded and stripped of generic words (District, Rayon, Oblast,
Departamento…) before it is compared (:func:`name_keys`); fuzzy scores are rapidfuzz's. The tables the places
come from are read by :mod:`minegraph.core.gazetteer_tables`; :func:`minegraph.core.gazetteer.load` puts them
together with the curated places.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from anyascii import anyascii
from rapidfuzz import fuzz


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
    #: the answers of :meth:`reconcile` by question, until a place is added
    _answers: dict[tuple[Any, ...], tuple[Candidate, ...]] = field(default_factory=dict, repr=False, compare=False)

    def add(self, place: Place) -> None:
        self.places[place.id] = place
        self.__dict__.pop("_index", None)  # the name index is rebuilt after a change
        self.__dict__.pop("_children", None)
        self.__dict__.pop("_countries", None)
        self._answers.clear()

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
        asked = (name, country, level, parent.id if isinstance(parent, Place) else parent, limit)
        if asked in self._answers:  # a table names the same places in row after row
            return list(self._answers[asked])
        if len(self._answers) > 65_536:
            self._answers.clear()
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
        ranked = sorted(found.values(), key=lambda c: (-c.score, c.place.level, c.place.id))[:limit]
        self._answers[asked] = tuple(ranked)
        return ranked

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
            found = self.get(country)  # a country's places are those inside it: no scan of the world per name
            return {p.id: p for p in self.within(found)} if found is not None and found.level == 0 else {}
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


def parse_point(wkt: str) -> tuple[float, float] | None:
    """``POINT(lon lat)``, with or without a CRS IRI in front, as (lon, lat); None for anything else.

    >>> parse_point("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(47.03 39.4)")
    (47.03, 39.4)
    >>> parse_point("POLYGON((0 0, 1 0, 1 1, 0 0))") is None, parse_point("POINT(200 10)") is None
    (True, True)
    """
    text = wkt.strip()
    if text.startswith("<"):
        text = text.split(">", 1)[-1].strip()
    if not text.upper().startswith("POINT"):
        return None
    inner = text[text.find("(") + 1:text.rfind(")")].split()
    try:
        lon, lat = float(inner[0]), float(inner[1])
    except (IndexError, ValueError):
        return None
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else None
