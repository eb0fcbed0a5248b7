"""The curated gazetteer agrees with the shipped reference tables (OCHA P-codes, GeoNames), and the tables are
whole."""

from __future__ import annotations

import csv

from minegraph.core.gazetteer import read_places

from .conftest import DATA

REFERENCE = DATA / "reference"


def _pcodes() -> dict[str, str]:
    with (REFERENCE / "ocha-global-pcodes-subset.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][2] == "#adm+code", "the second row is the HXL hashtag row"
    return {row[2]: row[3] for row in rows[2:]}


def _geonames() -> dict[str, str]:
    """GeoNames id -> ASCII name of every admin-1 area of the shipped GeoNames table."""
    with (REFERENCE / "geonames" / "admin1CodesASCII.txt").open(encoding="utf-8", newline="") as handle:
        return {row[3]: row[2] for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)}


def _names(place) -> set[str]:  # type: ignore[no-untyped-def]
    return {place.label.split(" District")[0], *(n for names in place.names.values() for n in names)}


def test_every_pcode_is_in_the_ocha_table_under_one_of_our_names() -> None:
    pcodes = _pcodes()
    for place in read_places(DATA / "places.yaml"):
        if place.pcode:
            assert place.pcode in pcodes, place.id
            assert pcodes[place.pcode] in _names(place), (place.id, pcodes[place.pcode])


def test_every_admin1_geonames_id_is_in_the_geonames_table() -> None:
    geonames = _geonames()
    for place in read_places(DATA / "places.yaml"):
        if place.level == 1:
            assert place.geonames in geonames, place.id
            assert geonames[place.geonames] in _names(place), (place.id, geonames[place.geonames])


def test_iso_codes_have_the_country_prefix() -> None:
    places = {p.id: p for p in read_places(DATA / "places.yaml")}
    for place in places.values():
        if place.parent:
            parent = places[place.parent]
            assert place.iso3166 and parent.iso3166 and place.iso3166.startswith(parent.iso3166 + "-")
