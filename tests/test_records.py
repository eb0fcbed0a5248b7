"""The record reader: the seed reads back as curated, and bad input is named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from minegraph.core.errors import InputError, UnreadableInput
from minegraph.core.gazetteer import read_places
from minegraph.ingest.records import read_agents, read_source

from .conftest import DATA, SEED_SOURCE


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_seed_reads_as_three_incidents_five_victims_seven_statements() -> None:
    records = read_source(SEED_SOURCE)
    assert [i.id for i in records.incidents] == [
        "jabrayil-anama-employee-injured", "aghdam-family-injured", "jabrayil-border-service-soldier-killed"]
    assert sum(len(i.victims) for i in records.incidents) == 5
    assert (sum(i.injured for i in records.incidents), sum(i.killed for i in records.incidents)) == (4, 1)
    assert len(records.statements) == 7


def test_quotes_are_located_in_the_text() -> None:
    records = read_source(SEED_SOURCE)
    text = records.source.text_path.read_text(encoding="utf-8")
    for statement in records.statements:
        for quote in statement.quotes:
            assert text[quote.start:quote.end] == quote.exact


def test_seed_year_is_not_invented() -> None:
    for incident in read_source(SEED_SOURCE).incidents:
        assert incident.date.year is None
        assert (incident.date.month, incident.date.day) == (4, 6)
        assert incident.date.earliest < incident.date.latest


def test_places_and_agents() -> None:
    places = {p.id: p for p in read_places(DATA / "places.yaml")}
    assert (places["jabrayil"].pcode, places["jabrayil"].iso3166, places["jabrayil"].geonames) == (
        "AZ60500001", "AZ-CAB", "148140")
    assert (places["aghdam"].pcode, places["aghdam"].iso3166, places["aghdam"].geonames) == (
        "AZ60900001", "AZ-AGM", "148617")
    assert "Cəbrayıl rayonu" in places["jabrayil"].names["az"]
    assert {a.id for a in read_agents(DATA / "agents.yaml")} >= {"news-az", "az-ombudsperson"}


def _source(data_copy: Path) -> Path:
    return data_copy / "sources" / SEED_SOURCE.name


def test_malformed_yaml_is_unreadable_with_line(data_copy: Path) -> None:
    path = _source(data_copy)
    path.write_text("source: [unclosed\n", encoding="utf-8")
    with pytest.raises(UnreadableInput) as error:
        read_source(path)
    assert error.value.file == str(path) and "line" in str(error.value)


def test_non_utf8_file_is_unreadable(data_copy: Path) -> None:
    path = _source(data_copy)
    path.write_bytes(b"source: \xff\xfe\n")
    with pytest.raises(UnreadableInput, match="not UTF-8"):
        read_source(path)


def test_quote_not_in_text(data_copy: Path) -> None:
    path = _source(data_copy)
    _rewrite(path, lambda d: d["statements"][0].update(quotes=["four hundred people were injured"]))
    with pytest.raises(InputError) as error:
        read_source(path)
    assert (error.value.record, error.value.field) == ("statements[newsaz-april-6-injuries]", "quotes")
    assert "verbatim" in error.value.message


def test_hash_mismatch(data_copy: Path) -> None:
    text = data_copy / "texts" / "newsaz-ombudsperson-april-6.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\nedited", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_source(_source(data_copy))
    assert (error.value.record, error.value.field) == ("source", "sha256")


def test_broken_date(data_copy: Path) -> None:
    path = _source(data_copy)
    _rewrite(path, lambda d: d["incidents"][1]["date"].update(earliest="2024-13-45"))
    with pytest.raises(InputError) as error:
        read_source(path)
    assert error.value.record == "incidents[aghdam-family-injured]"
    assert error.value.field == "earliest" and "not a date" in error.value.message


def test_count_that_is_not_a_number(data_copy: Path) -> None:
    path = _source(data_copy)
    _rewrite(path, lambda d: d["incidents"][1].update(injured="three"))
    with pytest.raises(InputError) as error:
        read_source(path)
    assert (error.value.record, error.value.field, error.value.value) == (
        "incidents[aghdam-family-injured]", "injured", "three")


def test_statement_supporting_unknown_record(data_copy: Path) -> None:
    path = _source(data_copy)
    _rewrite(path, lambda d: d["statements"][0].update(supports=["no-such-incident"]))
    with pytest.raises(InputError, match="names no incident"):
        read_source(path)


def test_duplicate_ids(data_copy: Path) -> None:
    path = _source(data_copy)
    _rewrite(path, lambda d: d["incidents"][1].update(id=d["incidents"][0]["id"]))
    with pytest.raises(InputError, match="used twice"):
        read_source(path)


def test_identifying_victim_fields_are_dropped_and_said(data_copy: Path) -> None:
    path = _source(data_copy)
    _rewrite(path, lambda d: d["incidents"][2]["victims"][0].update(name="Somebody", birth_year=1990))
    victim = read_source(path).incidents[2].victims[0]
    assert victim.dropped_fields == ("name", "birth_year")
    assert "Somebody" not in repr(victim)
