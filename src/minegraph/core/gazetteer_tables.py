"""The reference tables of the gazetteer, read into a :class:`~minegraph.core.gazetteer.Gazetteer`.

Each country's first administrative level comes from one authority, so that a name never has two parallel
hierarchies: OCHA's P-codes where we have them (``ocha-global-pcodes-subset.csv``), else ISO 3166-2 (every
country, from ``pycountry``, with its translations as alternative names); Colombia's departments and
municipalities take the P-codes OCHA derives from the DANE DIVIPOLA codes ("CO" + code) and their points. GeoNames
admin-1 and admin-2 (``geonames/``) add their ids to the places they match by name within the country or parent,
and add the second level where no other table has it. What cannot be linked with certainty is listed in
:attr:`~minegraph.core.gazetteer.Gazetteer.review` (``minegraph places review``), never guessed.
"""

from __future__ import annotations

import csv
import gettext
from collections import defaultdict
from dataclasses import replace
from functools import cache
from pathlib import Path

import pycountry

from minegraph.core.place_names import CERTAIN, Gazetteer, Place, Point, _best_ratio, name_keys

PCODES_FILE = "ocha-global-pcodes-subset.csv"
GEONAMES_ADMIN1 = "geonames/admin1CodesASCII.txt"
GEONAMES_ADMIN2 = "geonames/admin2Codes.txt"
DIVIPOLA_DEPARTMENTS = "co-divipola-departments.csv"
DIVIPOLA_MUNICIPALITIES = "co-divipola-municipalities.csv"
REFERENCE_FILES = (PCODES_FILE, GEONAMES_ADMIN1, GEONAMES_ADMIN2, DIVIPOLA_DEPARTMENTS, DIVIPOLA_MUNICIPALITIES)

#: The languages whose ISO 3166 translations (pycountry's catalogues) become alternative names: the UN's, and
#: those of countries where mines and ERW are reported.
LANGUAGES = ("ar", "az", "bs", "es", "fa", "fr", "hr", "ka", "km", "lo", "pt", "ru", "so", "sq", "sr", "tr", "uk",
             "vi", "zh_CN")
#: How close a DIVIPOLA department's name must be to its ISO 3166-2 name (both official; the set is small)
DEPARTMENT_MATCH = 0.85
#: A municipality's point is DANE's point for it, not a place of harm: how rough it is, in metres
MUNICIPALITY_PRECISION = 10_000
DEPARTMENT_PRECISION = 100_000


def add_reference_tables(gazetteer: Gazetteer, tables: Path) -> None:
    """Every table of ``tables`` that exists, in the order that gives each country one hierarchy."""
    add_countries(gazetteer)
    if (tables / PCODES_FILE).exists():
        add_pcodes(gazetteer, tables / PCODES_FILE)
    add_iso_subdivisions(gazetteer)
    if (tables / DIVIPOLA_DEPARTMENTS).exists() and (tables / DIVIPOLA_MUNICIPALITIES).exists():
        add_divipola(gazetteer, tables / DIVIPOLA_DEPARTMENTS, tables / DIVIPOLA_MUNICIPALITIES)
    admin1: dict[str, str] = {}
    if (tables / GEONAMES_ADMIN1).exists():
        admin1 = add_geonames_admin1(gazetteer, tables / GEONAMES_ADMIN1)
    if (tables / GEONAMES_ADMIN2).exists():
        add_geonames_admin2(gazetteer, tables / GEONAMES_ADMIN2, admin1)
    _KEYS.clear()
    # a P-code names its place wherever the place's id comes from (Colombia's departments are ISO's: co-boy = co15)
    for place in list(gazetteer.places.values()):
        if place.pcode and place.pcode.lower() != place.id:
            gazetteer.aliases.setdefault(place.pcode.lower(), place.id)


@cache
def _translations(domain: str) -> tuple[tuple[str, gettext.NullTranslations], ...]:
    found = []
    for language in LANGUAGES:
        try:
            found.append((language.replace("_", "-"), gettext.translation(domain, pycountry.LOCALES_DIR,
                                                                           languages=[language])))
        except OSError:
            continue
    return tuple(found)


def translated(name: str, domain: str) -> dict[str, tuple[str, ...]]:
    """The names of ``name`` in :data:`LANGUAGES` that differ from it."""
    names: dict[str, tuple[str, ...]] = {}
    for language, catalogue in _translations(domain):
        other = catalogue.gettext(name)
        if other and other != name:
            names[language] = (other,)
    return names


def add_countries(gazetteer: Gazetteer) -> None:
    """Every country of ISO 3166-1, its id its lower-case alpha-2 code."""
    for country in pycountry.countries:
        english = tuple(dict.fromkeys(n for n in (country.name, getattr(country, "official_name", None),
                                                  getattr(country, "common_name", None)) if n))
        names = {"en": english, **translated(country.name, "iso3166-1")}
        gazetteer.places[country.alpha_2.lower()] = Place(id=country.alpha_2.lower(), label=country.name, level=0,
                                                          names=names, iso3166=country.alpha_2)


def add_pcodes(gazetteer: Gazetteer, path: Path) -> None:
    """OCHA's admin areas with their P-codes and parents (an HXL-tagged CSV); ids are lower-case P-codes."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    tags = [tag.strip() for tag in rows[1]]
    column = {tag: tags.index(tag) for tag in ("#country+code", "#geo+admin_level", "#adm+code", "#adm+name",
                                                "#adm+code+parent")}
    for row in rows[2:]:
        country = pycountry.countries.get(alpha_3=row[column["#country+code"]])
        if country is None:
            continue
        pcode, parent = row[column["#adm+code"]], row[column["#adm+code+parent"]]
        gazetteer.places[pcode.lower()] = Place(
            id=pcode.lower(), label=row[column["#adm+name"]], level=int(row[column["#geo+admin_level"]]),
            parent=country.alpha_2.lower() if parent == country.alpha_3 else parent.lower(), pcode=pcode)


def _children(gazetteer: Gazetteer) -> dict[str, list[str]]:
    children: dict[str, list[str]] = defaultdict(list)
    for place in gazetteer.places.values():
        if place.parent is not None:
            children[place.parent].append(place.id)
    return children


#: The name keys of each place object while the tables are read (places are immutable: a changed place is a new
#: object); emptied when they have been read
_KEYS: dict[int, tuple[Place, frozenset[str]]] = {}


def _keys_of(place: Place) -> frozenset[str]:
    kept = _KEYS.get(id(place))
    if kept is None or kept[0] is not place:
        kept = (place, frozenset().union(*(name_keys(n) for n in place.all_names)))
        _KEYS[id(place)] = kept
    return kept[1]


def match(name: str, among: list[Place], threshold: float = CERTAIN) -> tuple[Place | None, float]:
    """The one place of ``among`` that ``name`` names (an exact name key, else the unique best fuzzy score at or
    above ``threshold``), and the best score."""
    keys = name_keys(name)
    exact = [p for p in among if _keys_of(p) & keys]
    if len(exact) == 1:
        return exact[0], 1.0
    if len(exact) > 1:
        return None, 1.0  # a tie
    scored = sorted(((_best_ratio(keys, _keys_of(p)), p.id, p) for p in among), key=lambda s: (-s[0], s[1]))
    if not scored or scored[0][0] < threshold or (len(scored) > 1 and scored[1][0] >= scored[0][0] - 0.02):
        return None, scored[0][0] if scored else 0.0
    return scored[0][2], scored[0][0]


def _merge_names(place: Place, extra: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    names = dict(place.names)
    for language, values in extra.items():
        names[language] = tuple(dict.fromkeys((*names.get(language, ()), *values)))
    return names


def add_iso_subdivisions(gazetteer: Gazetteer) -> None:
    """ISO 3166-2: where OCHA's P-codes give a country's first level, its top-level subdivisions add their codes
    and names to the P-coded areas they match; elsewhere every subdivision is a place (id: its lower-case code,
    level: its depth, parent: its ISO parent or the country)."""
    children = _children(gazetteer)
    subdivisions: dict[str, list[object]] = defaultdict(list)
    for subdivision in pycountry.subdivisions:
        subdivisions[subdivision.country_code].append(subdivision)
    for code, items in subdivisions.items():
        country = code.lower()
        if country not in gazetteer.places:
            continue
        coded = [gazetteer.places[c] for c in children.get(country, []) if gazetteer.places[c].pcode]
        if coded:
            _link_iso(gazetteer, items, coded)
        else:
            _add_iso(gazetteer, country, items)


def _link_iso(gazetteer: Gazetteer, items: list[object], coded: list[Place]) -> None:
    for subdivision in items:
        if getattr(subdivision, "parent_code", None):
            continue
        name, code = subdivision.name, subdivision.code  # type: ignore[attr-defined]
        place, score = match(name, coded)
        if place is None:
            gazetteer.review.append(f"ISO 3166-2 {code} {name!r}: no certain admin-1 match (best score {score:.2f})")
            continue
        names = _merge_names(place, {"und": (name,), **translated(name, "iso3166-2")})
        gazetteer.places[place.id] = replace(place, iso3166=code, names=names)


def _add_iso(gazetteer: Gazetteer, country: str, items: list[object]) -> None:
    by_code = {s.code: s for s in items}  # type: ignore[attr-defined]

    def depth(subdivision: object) -> int:
        level, seen = 1, set()
        parent = getattr(subdivision, "parent_code", None)
        while parent and parent in by_code and parent not in seen:
            seen.add(parent)
            level += 1
            parent = getattr(by_code[parent], "parent_code", None)
        return level

    for subdivision in items:
        code, name = subdivision.code, subdivision.name  # type: ignore[attr-defined]
        parent = getattr(subdivision, "parent_code", None)
        gazetteer.places[code.lower()] = Place(
            id=code.lower(), label=name, level=depth(subdivision), names=translated(name, "iso3166-2"),
            parent=parent.lower() if parent and parent in by_code else country, iso3166=code, mint=("iso3166", code))


def _title(name: str) -> str:
    """DANE's capitals as a name is written: ``SAN JUAN DE URABÁ`` -> ``San Juan de Urabá``."""
    small = {"de", "del", "la", "las", "los", "el", "y", "e"}
    words = name.lower().split(" ")
    return " ".join(w if i and w in small else w[:1].upper() + w[1:] for i, w in enumerate(words)).replace(
        "D.c.", "D.C.")


def add_divipola(gazetteer: Gazetteer, departments: Path, municipalities: Path) -> None:
    """Colombia's departments and municipalities (DANE DIVIPOLA): P-codes "CO" + DANE code, as in OCHA's
    Colombian common operational datasets, and DANE's points. Departments are the ISO 3166-2 ones, matched by
    name; municipalities are added under them."""
    children = _children(gazetteer)
    iso = [gazetteer.places[c] for c in children.get("co", [])]
    department_of: dict[str, str] = {}
    with departments.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            point = Point(float(row["lat"]), float(row["lon"]), DEPARTMENT_PRECISION)
            place, score = match(row["dpto"], iso, DEPARTMENT_MATCH)
            pcode = f"CO{row['cod_dpto']}"
            if place is None:
                gazetteer.review.append(f"DIVIPOLA department {row['cod_dpto']} {row['dpto']!r}: no certain ISO "
                                        f"3166-2 match (best score {score:.2f}); added on its own")
                place = Place(id=pcode.lower(), label=_title(row["dpto"]), level=1, parent="co")
            gazetteer.places[place.id] = replace(place, pcode=pcode, point=place.point or point,
                                                 names=_merge_names(place, {"es": (row["dpto"],)}))
            department_of[row["cod_dpto"]] = place.id
    with municipalities.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            pcode = f"CO{row['cod_mpio']}"
            gazetteer.places[pcode.lower()] = Place(
                id=pcode.lower(), label=_title(row["nom_mpio"]), level=2, parent=department_of[row["cod_dpto"]],
                pcode=pcode, names={"es": (row["nom_mpio"],)},
                point=Point(float(row["lat"]), float(row["lon"]), MUNICIPALITY_PRECISION))


def _geonames_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE) if len(row) >= 4]


def add_geonames_admin1(gazetteer: Gazetteer, path: Path) -> dict[str, str]:
    """GeoNames admin-1 ids on the first-level places they match by name within their country; a country with no
    first level from another table takes GeoNames'. Returns GeoNames admin-1 code (``AZ.14``) -> place id."""
    children = _children(gazetteer)
    linked: dict[str, str] = {}
    for code, name, ascii_name, geonames_id in (row[:4] for row in _geonames_rows(path)):
        country = code.split(".")[0].lower()
        if country not in gazetteer.places:
            continue
        first = [gazetteer.places[c] for c in children.get(country, []) if gazetteer.places[c].level == 1]
        if not first:
            gazetteer.places[f"geonames-{geonames_id}"] = Place(
                id=f"geonames-{geonames_id}", label=name, level=1, parent=country, geonames=geonames_id,
                names={"en": (ascii_name,)} if ascii_name != name else {}, mint=("geonames", geonames_id))
            linked[code] = f"geonames-{geonames_id}"
            continue
        place, score = match(ascii_name, first)
        if place is None and name != ascii_name:
            place, score = match(name, first)
        if place is None:
            gazetteer.review.append(f"GeoNames {geonames_id} {name!r} ({code}): no certain admin-1 match "
                                    f"(best score {score:.2f})")
            continue
        extra = {"und": tuple(dict.fromkeys((name, ascii_name)))}
        gazetteer.places[place.id] = replace(place, geonames=place.geonames or geonames_id,
                                             names=_merge_names(place, extra))
        linked[code] = place.id
    return linked


def add_geonames_admin2(gazetteer: Gazetteer, path: Path, admin1: dict[str, str]) -> None:
    """GeoNames admin-2 under the admin-1 place its code names: its id on the second-level place it matches by
    name there (Colombia's municipalities, OCHA's districts), or a place of its own where there is none."""
    children = _children(gazetteer)
    unplaced: dict[str, int] = defaultdict(int)
    for code, name, ascii_name, geonames_id in (row[:4] for row in _geonames_rows(path)):
        parent = admin1.get(code.rsplit(".", 1)[0])
        if parent is None or parent not in gazetteer.places:
            unplaced[code.split(".")[0]] += 1
            continue
        second = [gazetteer.places[c] for c in children.get(parent, []) if gazetteer.places[c].level == 2]
        if not second or not any(p.pcode or p.iso3166 for p in second):
            place_id = f"geonames-{geonames_id}"
            gazetteer.places[place_id] = Place(
                id=place_id, label=name, level=2, parent=parent, geonames=geonames_id,
                names={"en": (ascii_name,)} if ascii_name != name else {}, mint=("geonames", geonames_id))
            continue
        place, score = match(ascii_name, second)
        if place is None:
            gazetteer.review.append(f"GeoNames {geonames_id} {name!r} ({code}): no certain admin-2 match in "
                                    f"{gazetteer.places[parent].label} (best score {score:.2f})")
            continue
        gazetteer.places[place.id] = replace(place, geonames=place.geonames or geonames_id,
                                             names=_merge_names(place, {"und": (name,)}))
    for country, count in sorted(unplaced.items()):
        gazetteer.review.append(f"GeoNames admin-2 of {country}: {count} area(s) not added, their admin-1 area has no "
                                f"certain match (see the GeoNames admin-1 lines)")
