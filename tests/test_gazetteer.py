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


# --- the world (issue 15) ------------------------------------------------------------------------------------------

def test_every_country_has_its_first_level_areas(gaz: gazetteer.Gazetteer) -> None:
    """Items from Laos, Somalia or Ukraine could not be recorded: there were no places for them."""
    import pycountry

    for country in pycountry.countries:
        top = [s for s in pycountry.subdivisions.get(country_code=country.alpha_2) or []
               if not getattr(s, "parent_code", None)]
        place = gaz.get(country.alpha_2)
        assert place is not None and place.level == 0, country.alpha_2
        if top:
            assert any(child.level == 1 for child in gaz.children(place)), country.alpha_2
    for code, name in (("LA", "Xiangkhouang"), ("SO", "Woqooyi Galbeed"), ("UA", "Kharkivska oblast")):
        assert gaz.resolve(name, country=code, level=1).place is not None, name


@pytest.mark.parametrize(("name", "country", "pcode"), [
    ("Джебраил", "AZ", "AZ60500001"), ("Агдам", "AZ", "AZ60900001"), ("Джебраильский район", "AZ", "AZ60500001"),
    ("Cəbrayıl", "AZ", "AZ60500001"), ("BOGOTÁ, D.C.", "CO", "CO11"), ("Bogota", "CO", "CO11")])
def test_names_in_any_script(gaz: gazetteer.Gazetteer, name: str, country: str, pcode: str) -> None:
    """``fold()`` kept only a-z and digits: "Агдам" and even the stored Russian name found nothing."""
    resolution = gaz.resolve(name, country=country, level=1)
    assert resolution.place is not None and resolution.place.pcode == pcode, resolution


def test_other_scripts_through_translations(gaz: gazetteer.Gazetteer) -> None:
    """ISO 3166-2's translations are alternative names: Ukrainian and Russian names of Kharkiv oblast."""
    for name in ("Харківська область", "Харьковская область", "Kharkiv"):
        assert [c.place.iso3166 for c in gaz.reconcile(name, country="UA", level=1)][:1] == ["UA-63"], name


def test_colombia_departments_and_municipalities_with_divipola_pcodes(gaz: gazetteer.Gazetteer) -> None:
    municipalities = [p for p in gaz.places.values() if p.pcode and len(p.pcode) == 7 and p.pcode.startswith("CO")]
    assert len(municipalities) == 1122, "the whole DIVIPOLA list ships (data/reference/co-divipola-*.csv)"
    assert all(p.level == 2 and p.point is not None for p in municipalities)
    assert all(gaz.places[p.parent or ""].pcode == p.pcode[:4] for p in municipalities)
    medellin = gaz.get("CO05001")
    assert medellin is not None and medellin.label == "Medellín" and medellin.geonames, "GeoNames id linked by name"
    assert place_iri_of(BASE, medellin) == pcode_place_iri(BASE, "CO05001"), "the IRI a Colombian table mints"


@pytest.mark.parametrize(("name", "parent", "pcode"), [
    ("MIRAFLORES", "BOYACA", "CO15455"), ("Miraflores", "Guaviare", "CO95200"),
    ("GRANADA", "META", "CO50313"), ("Granada", "Antioquia", "CO05313"), ("granada", "co25", "CO25312")])
def test_names_resolve_within_their_parent(gaz: gazetteer.Gazetteer, name: str, parent: str, pcode: str) -> None:
    """BOYACA/MIRAFLORES went to Miraflores in Guaviare and META/GRANADA to Granada in Antioquia."""
    resolution = gaz.resolve(name, country="CO", level=2, parent=parent)
    assert resolution.place is not None and resolution.place.pcode == pcode


def test_ties_and_misses_are_said(gaz: gazetteer.Gazetteer) -> None:
    tie = gaz.resolve("Granada", country="CO", level=2)
    assert tie.place is None and tie.status == "tie"
    assert {c.place.pcode for c in tie.candidates} >= {"CO05313", "CO25312", "CO50313"}
    miss = gaz.resolve("Springfield", country="CO", parent="Boyacá")
    assert miss.place is None and miss.status == "missing"


def test_world_places_have_stable_iris_from_their_codes(gaz: gazetteer.Gazetteer) -> None:
    """A place without a P-code is minted from its ISO 3166-2 code (or GeoNames id), never from the order of the
    tables: its URI does not change when another table is added."""
    from minegraph.core.vocab import mint_key, thing_iri

    kharkiv = gaz.get("ua-63")
    assert kharkiv is not None and place_iri_of(BASE, kharkiv) == thing_iri(BASE, "place",
                                                                            mint_key("place", "iso3166", "UA-63"))
    second = next(p for p in gaz.places.values() if p.id.startswith("geonames-") and p.level == 2)
    assert place_iri_of(BASE, second) == thing_iri(BASE, "place", mint_key("place", "geonames", second.geonames))
    assert sum(1 for p in gaz.places.values() if p.level == 2) > 30_000, "GeoNames admin-2 of the world"


def test_reconcile_command_within_a_parent_and_ties(runner: CliRunner) -> None:
    within = runner.invoke(main, ["places", "reconcile", "MIRAFLORES", "--country", "CO", "--parent", "BOYACA"])
    assert within.exit_code == 0 and "CO15455" in within.stdout.splitlines()[1]
    assert "names Miraflores (co15455) with certainty" in within.stdout
    tie = runner.invoke(main, ["places", "reconcile", "Granada", "--country", "CO"])
    assert tie.exit_code == 0 and "a tie" in tie.output and "(Meta, Colombia)" in tie.stdout
    cyrillic = runner.invoke(main, ["places", "reconcile", "Джебраил", "--country", "AZ"])
    assert cyrillic.exit_code == 0 and "names Jabrayil District (jabrayil) with certainty" in cyrillic.stdout


def test_doctests() -> None:
    import doctest

    import minegraph.core.place_names

    result = doctest.testmod(minegraph.core.place_names)
    assert result.attempted and not result.failed
