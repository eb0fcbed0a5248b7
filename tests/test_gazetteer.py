"""The gazetteer: name variants in several scripts resolve to one place with its identifiers."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from minegraph.cli import main
from minegraph.core import gazetteer
from minegraph.core.gazetteer import pcode_place_iri, place_index, place_iri_of

from .conftest import BASE, DATA


@pytest.fixture(scope="module")
def gaz() -> gazetteer.Gazetteer:
    return gazetteer.load(DATA)


@pytest.mark.parametrize("name", ["Jabrayil", "Cəbrayıl", "Jebrail", "Djebrail", "CƏBRAYIL", "Cəbrayıl rayonu"])
def test_jabrayil_variants(gaz: gazetteer.Gazetteer, name: str) -> None:
    best = gaz.reconcile(name, country="AZ")[0]
    assert best.place.pcode == "AZ60500001" and best.score >= gazetteer.CERTAIN


@pytest.mark.parametrize("name", ["Ağdam", "Aghdam", "Agdam"])
def test_aghdam_variants(gaz: gazetteer.Gazetteer, name: str) -> None:
    best = gaz.reconcile(name, country="AZ")[0]
    assert best.place.pcode == "AZ60900001" and best.score >= gazetteer.CERTAIN


def test_identifiers_from_every_reference(gaz: gazetteer.Gazetteer) -> None:
    jabrayil = gaz.places["jabrayil"]
    assert (jabrayil.pcode, jabrayil.iso3166, jabrayil.geonames) == ("AZ60500001", "AZ-CAB", "148140")
    # a reference-only place also gets ISO 3166-2 and GeoNames ids by name matching
    agjabadi = gaz.places["az60800001"]
    assert (agjabadi.iso3166, agjabadi.geonames) == ("AZ-AGC", "148615")
    # the country from the P-code table is the curated "azerbaijan"
    assert "az" not in gaz.places and gaz.aliases["az"] == "azerbaijan"


def test_curated_places_replace_reference_ones_without_duplicates(gaz: gazetteer.Gazetteer) -> None:
    pcodes = [p.pcode for p in gaz.places.values() if p.pcode]
    assert len(pcodes) == len(set(pcodes))
    assert gaz.aliases["az60500001"] == "jabrayil"
    index = place_index(tuple(gaz.places.values()), BASE, gaz.aliases)
    assert index["az60500001"] == index["jabrayil"] == pcode_place_iri(BASE, "AZ60500001")
    children = [p for p in gaz.places.values() if p.parent == "azerbaijan"]
    assert len(children) == 74, "every Azerbaijani admin-1 area hangs under the curated country"


def test_uncertain_matches_go_to_review_not_to_data(gaz: gazetteer.Gazetteer) -> None:
    assert gaz.review and all("no certain" in line for line in gaz.review)
    # "Yardımlı" (GeoNames) vs OCHA "Yardimly" scores below the threshold: no GeoNames id is guessed.
    yardimly = next(p for p in gaz.places.values() if p.label == "Yardimly")
    assert yardimly.geonames is None


def test_place_iri_is_the_pcode_iri(gaz: gazetteer.Gazetteer) -> None:
    assert place_iri_of(BASE, gaz.places["aghdam"]) == pcode_place_iri(BASE, "az60900001")


def test_reconcile_command(runner: CliRunner) -> None:
    result = runner.invoke(main, ["places", "reconcile", "Djebrail", "--country", "AZ", "--data", str(DATA)])
    assert result.exit_code == 0
    assert "AZ60500001" in result.stdout.splitlines()[1] and "1.00*" in result.stdout
    nothing = runner.invoke(main, ["places", "reconcile", "Xqzzv", "--data", str(DATA)])
    assert nothing.exit_code == 1
