from __future__ import annotations

import pytest

from minegraph.core.vocab import (
    ALPHABET,
    check_key,
    mint_key,
    normalise_key,
    split_thing_iri,
    thing_iri,
)


def test_keys_are_deterministic_short_and_checked() -> None:
    key = mint_key("incident", "source-a", "record-1")
    assert key == mint_key("incident", "source-a", "record-1")
    assert len(key) == 11 and set(key) <= set(ALPHABET)
    assert check_key(key)


def test_keys_differ_by_kind_source_and_record() -> None:
    keys = {mint_key(k, s, r) for k in ("incident", "victim") for s in ("a", "b") for r in ("1", "2")}
    assert len(keys) == 8


@pytest.mark.parametrize("position", range(11))
def test_every_single_character_typo_is_detected(position: int) -> None:
    key = mint_key("incident", "source-a", "record-1")
    for char in ALPHABET:
        if char == key[position]:
            continue
        typo = key[:position] + char + key[position + 1:]
        assert not check_key(typo), typo


def test_adjacent_transpositions_are_detected() -> None:
    # Luhn mod 32 detects every adjacent swap except of the pair 0 and z.
    for record in ("record-9", "record-10", "record-11"):
        key = mint_key("victim", "source-b", record)
        _assert_swaps_detected(key)


def _assert_swaps_detected(key: str) -> None:
    for i in range(len(key) - 1):
        if key[i] == key[i + 1] or {key[i], key[i + 1]} == {"0", "z"}:
            continue
        swapped = key[:i] + key[i + 1] + key[i] + key[i + 2:]
        assert not check_key(swapped), swapped


def test_key_reading_forgives_case_and_lookalikes() -> None:
    key = mint_key("incident", "s", "r")
    assert check_key(normalise_key(key.upper()))
    assert normalise_key("AB-O1L") == "ab011"


def test_thing_iri_round_trip() -> None:
    base = "http://example.org/data"
    iri = thing_iri(base, "incident", "abc")
    assert str(iri) == "http://example.org/data/id/incident/abc"
    assert split_thing_iri(base, str(iri)) == ("incident", "abc")
    assert split_thing_iri(base, "http://example.org/data/id/unknown/abc") is None
    assert split_thing_iri(base, "http://elsewhere.org/id/incident/abc") is None
