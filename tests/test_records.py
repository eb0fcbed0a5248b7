"""The record reader: the seed reads back as curated, bad input is named precisely, names are refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from minegraph.core.errors import InputError, UnreadableInput
from minegraph.core.gazetteer import read_places
from minegraph.core.redaction import MASK, Register, digest, is_digest, mask
from minegraph.ingest.records import read_agents, read_source
from minegraph.ingest.schema import IDENTIFYING_FIELDS

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
    assert (error.value.record, error.value.field) == ("statements[newsaz-april-6-injuries]", "quotes[0]")
    assert "verbatim" in error.value.message


def test_hash_mismatch(data_copy: Path) -> None:
    text = data_copy / "texts" / "newsaz-ombudsperson-april-6.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\nedited", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_source(_source(data_copy))
    assert (error.value.record, error.value.field) == ("source", "kept_sha256")
    _rewrite(_source(data_copy), lambda d: d["source"].pop("kept_sha256"))  # without it, sha256 is checked
    with pytest.raises(InputError) as error:
        read_source(_source(data_copy))
    assert (error.value.record, error.value.field) == ("source", "sha256")


def test_broken_date(data_copy: Path) -> None:
    path = _source(data_copy)
    _rewrite(path, lambda d: d["incidents"][1]["date"].update(earliest="2024-13-45"))
    with pytest.raises(InputError) as error:
        read_source(path)
    assert error.value.record == "incidents[aghdam-family-injured]"
    assert error.value.field == "date.earliest" and "not a date" in error.value.message


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


@pytest.mark.parametrize("key", IDENTIFYING_FIELDS)
def test_identifying_victim_fields_are_refused_and_not_shown(data_copy: Path, key: str) -> None:
    path = _source(data_copy)
    _rewrite(path, lambda d: d["incidents"][2]["victims"][0].update({key: "Test Victimname"}))
    with pytest.raises(InputError) as error:
        read_source(path)
    assert (error.value.record, error.value.field) == (
        "incidents[jabrayil-border-service-soldier-killed].victims[border-service-soldier]", key)
    assert "categories only" in error.value.message and "never goes into a record file" in error.value.message
    assert "Victimname" not in str(error.value)


@pytest.mark.parametrize(
    ("change", "record", "key", "words"),
    [
        (lambda d: d["incidents"][1].update(devise="unspecified-mine"), "incidents[aghdam-family-injured]",
         "devise", "did you mean `device`?"),
        (lambda d: d["incidents"][1]["victims"][0].update({"age-band": "child"}),
         "incidents[aghdam-family-injured].victims[family-member-1]", "age-band", "did you mean `age_band`?"),
        (lambda d: d["source"].update(redacted=[]), "source", "redacted", "did you mean `redact`?"),
        (lambda d: d["incidents"][0].update(responsible="armenia"), "incidents[jabrayil-anama-employee-injured]",
         "responsible", "responsibility-claim"),
        (lambda d: d["statements"][2].update(quote="four"), "statements[ombudsperson-including-children]",
         "quote", "did you mean `quotes`?"),
        (lambda d: d["incidents"][1]["date"].update(yaer=2024), "incidents[aghdam-family-injured]", "date.yaer",
         "did you mean `year`?"),
        (lambda d: d.update(incident=[]), None, "incident", "did you mean `incidents`?"),
    ],
    ids=["devise", "age-band", "redacted", "responsible", "quote", "date-yaer", "top-level"],
)
def test_unknown_keys_are_errors_that_suggest_the_field(data_copy: Path, change, record: str | None,  # type: ignore[no-untyped-def]
                                                       key: str, words: str) -> None:
    path = _source(data_copy)
    _rewrite(path, change)
    with pytest.raises(InputError) as error:
        read_source(path)
    assert (error.value.file, error.value.record, error.value.field) == (str(path), record, key)
    assert words in error.value.message


def test_values_of_the_wrong_kind_are_not_converted(data_copy: Path) -> None:
    path = _source(data_copy)
    _rewrite(path, lambda d: d["incidents"][1].update(killed="0"))
    with pytest.raises(InputError, match="whole number") as error:
        read_source(path)
    assert (error.value.record, error.value.field) == ("incidents[aghdam-family-injured]", "killed")
    _rewrite(path, lambda d: (d["incidents"][1].update(killed=0), d["statements"][0]["quotes"].append(7)))
    with pytest.raises(InputError, match="must be text") as error:
        read_source(path)
    assert (error.value.record, error.value.field) == ("statements[newsaz-april-6-injuries]", "quotes[1]")


def test_unknown_keys_in_places_and_agents(tmp_path: Path) -> None:
    places = yaml.safe_load((DATA / "places.yaml").read_text(encoding="utf-8"))
    places["places"][1]["point"]["precission_m"] = 100
    (tmp_path / "places.yaml").write_text(yaml.safe_dump(places, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_places(tmp_path / "places.yaml")
    assert (error.value.record, error.value.field) == ("places[jabrayil]", "point.precission_m")
    assert "did you mean `precision_m`?" in error.value.message
    agents = yaml.safe_load((DATA / "agents.yaml").read_text(encoding="utf-8"))
    agents["agents"][0]["homepag"] = "https://news.az/"
    (tmp_path / "agents.yaml").write_text(yaml.safe_dump(agents, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="did you mean `homepage`") as error:
        read_agents(tmp_path / "agents.yaml")
    assert error.value.record == "agents[news-az]"


# --- the register: strings that identify a person -------------------------------------------------------------

def test_the_seed_lists_digests_and_keeps_a_masked_text() -> None:
    source = read_source(SEED_SOURCE).source
    assert source.redact and all(is_digest(entry) for entry in source.redact)
    assert source.sha256 == "191cc220978eb5064cf39785617c8548943d67b3cc60f686e4a41f77801a2e32"  # as published
    kept = source.text_path.read_bytes()
    assert source.kept_sha256 == hashlib.sha256(kept).hexdigest() != source.sha256
    assert MASK in kept.decode("utf-8")
    assert not Register.of(source.redact).contains(kept.decode("utf-8"))


def test_a_plain_redact_entry_is_an_error_that_does_not_show_it(data_copy: Path) -> None:
    path = _source(data_copy)
    _rewrite(path, lambda d: d["source"]["redact"].append("Test Victimname"))
    with pytest.raises(InputError) as error:
        read_source(path)
    assert (error.value.record, error.value.field) == ("source", "redact[1]")
    assert "must not be committed" in error.value.message and "minegraph redact" in error.value.message
    assert "Victimname" not in str(error.value)


def _fictional(tmp_path: Path, redact: list[str], **source: object) -> Path:
    """A record file of a fictional text that names a fictional victim (Test Victimname)."""
    (tmp_path / "texts").mkdir(exist_ok=True)
    (tmp_path / "sources").mkdir(exist_ok=True)
    (tmp_path / "texts" / "fictional.txt").write_bytes(FICTIONAL_TEXT.encode("utf-8"))
    record = {
        "source": {"id": "fictional", "title": "Fictional report", "type": "news-article", "publisher": "news-az",
                   "language": "en", "text": "../texts/fictional.txt",
                   "sha256": hashlib.sha256(FICTIONAL_TEXT.encode("utf-8")).hexdigest(), "retrieved": "2026-01-01",
                   "redact": redact, **source},
        "statements": [{"id": "s1", "kind": "incident-report", "label": "Fictional report", "speaker": "news-az",
                        "quotes": ["a mine injured a farmer,", "near the village"], "supports": ["i1"]}],
        "incidents": [{"id": "i1", "label": "Fictional explosion", "place": "aghdam", "killed": 0, "injured": 1,
                       "date": {"earliest": "2026-01-01", "latest": "2026-01-01"}}],
    }
    path = tmp_path / "sources" / "fictional.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


FICTIONAL_TEXT = "Fictional report. On 1 January a mine injured a farmer, Test Victimname, near the village.\n"


def test_a_kept_text_that_still_holds_a_listed_string_is_refused(tmp_path: Path) -> None:
    path = _fictional(tmp_path, [digest("Test Victimname")])
    with pytest.raises(InputError, match="still contains a string listed for redaction") as error:
        read_source(path)
    assert (error.value.record, error.value.field) == ("source", "text")
    assert "Victimname" not in str(error.value)


def test_the_original_text_where_a_masked_one_is_expected(tmp_path: Path) -> None:
    masked, _count = mask(FICTIONAL_TEXT, ["Test Victimname"])
    path = _fictional(tmp_path, [digest("Test Victimname")],
                      kept_sha256=hashlib.sha256(masked.encode("utf-8")).hexdigest())
    with pytest.raises(InputError, match="nothing masked: run `minegraph redact") as error:
        read_source(path)
    assert (error.value.record, error.value.field) == ("source", "kept_sha256")
    (tmp_path / "texts" / "fictional.txt").write_text(masked, encoding="utf-8")
    assert read_source(path).source.redact == (digest("Test Victimname"),)


@pytest.mark.parametrize(
    ("change", "record", "field"),
    [
        (lambda d: d["incidents"][0].update(label="Explosion injuring Test Victimname"), "incidents[i1]", "label"),
        (lambda d: d["incidents"][0].update(note="TEST VICTIMNAME's field"), "incidents[i1]", "note"),
        (lambda d: d["statements"][0].update(label="Report on test  victimname"), "statements[s1]", "label"),
    ],
    ids=["label", "note-other-case", "label-other-spacing"],
)
def test_a_listed_string_anywhere_in_the_record_file_is_refused(tmp_path: Path, change, record: str,  # type: ignore[no-untyped-def]
                                                                field: str) -> None:
    masked, _count = mask(FICTIONAL_TEXT, ["Test Victimname"])
    path = _fictional(tmp_path, [digest("Test Victimname")],
                      kept_sha256=hashlib.sha256(masked.encode("utf-8")).hexdigest())
    (tmp_path / "texts" / "fictional.txt").write_text(masked, encoding="utf-8")
    _rewrite(path, change)
    with pytest.raises(InputError, match="listed for redaction") as error:
        read_source(path)
    assert (error.value.record, error.value.field) == (record, field)
    assert "ictimname" not in str(error.value).casefold()


def test_a_listed_string_in_a_comment_is_refused(tmp_path: Path) -> None:
    masked, _count = mask(FICTIONAL_TEXT, ["Test Victimname"])
    path = _fictional(tmp_path, [digest("Test Victimname")],
                      kept_sha256=hashlib.sha256(masked.encode("utf-8")).hexdigest())
    (tmp_path / "texts" / "fictional.txt").write_text(masked, encoding="utf-8")
    path.write_text("# the victim is Test Victimname\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError, match="comment") as error:
        read_source(path)
    assert error.value.file == str(path) and "ictimname" not in str(error.value).casefold()


# --- duplicate keys, every problem listed, digests that mask nothing ------------------------------------------

def test_a_key_given_twice_is_refused_with_its_line(data_copy: Path) -> None:
    """PyYAML keeps the last of two equal keys: `killed: 1` then `killed: 2` would publish 2 without a word."""
    path = _source(data_copy)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("injured:"))
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    lines.insert(at + 1, f"{indent}injured: 30\n")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(UnreadableInput) as error:
        read_source(path)
    assert error.value.file == str(path)
    assert f"line {at + 2}" in str(error.value) and f"first at line {at + 1}" in str(error.value)
    assert "the key `injured` is given twice" in str(error.value)


def test_merge_keys_may_still_override(tmp_path: Path) -> None:
    from minegraph.core.yamlio import load_yaml

    path = tmp_path / "merge.yaml"
    path.write_text("base: &b {a: 1, b: 2}\nother:\n  <<: *b\n  b: 3\n", encoding="utf-8")
    assert load_yaml(path)["other"] == {"a": 1, "b": 3}


def test_every_schema_problem_of_a_file_is_listed(data_copy: Path) -> None:
    path = _source(data_copy)
    _rewrite(path, lambda d: (d["incidents"][1].update(injured="three", devise="x"),
                              d["incidents"][0]["date"].update(earliest="2024-13-45"),
                              d["statements"][0].update(quotes=[7])))
    with pytest.raises(InputError) as error:
        read_source(path)
    text = str(error.value)
    assert "more problem(s)" not in text
    for where in ("record incidents[aghdam-family-injured], field injured: must be a whole number (value: 'three')",
                  "record incidents[aghdam-family-injured], field devise: is not a field of an incident; did you "
                  "mean `device`?",
                  "record incidents[jabrayil-anama-employee-injured], field date.earliest: is not a date",
                  "record statements[newsaz-april-6-injuries], field quotes[0]: must be text"):
        assert where in text, text
    assert "4 problems in this file" in text
    assert error.value.record and error.value.field  # the first problem's, as before


def test_validate_lists_every_problem_up_to_a_bound(runner, data_copy: Path) -> None:  # type: ignore[no-untyped-def]
    from minegraph.cli import main
    from minegraph.core.schema import MAX_LISTED

    path = _source(data_copy)
    _rewrite(path, lambda d: [i.update({f"unknown_{n}": n for n in range(MAX_LISTED)}) for i in d["incidents"]])
    result = runner.invoke(main, ["validate", str(data_copy)])
    assert result.exit_code == 1
    assert f"{MAX_LISTED * 3} problems in this file" in result.output
    listed = [line for line in result.output.splitlines() if line.startswith("  - record incidents[")]
    assert len(listed) == MAX_LISTED
    assert f"and {MAX_LISTED * 2} more (only the first {MAX_LISTED} are listed)" in result.output


def _masked_fictional(tmp_path: Path, strings: list[str], redact: list[str]) -> Path:
    masked, _count = mask(FICTIONAL_TEXT, strings)
    path = _fictional(tmp_path, redact, kept_sha256=hashlib.sha256(masked.encode("utf-8")).hexdigest())
    (tmp_path / "texts" / "fictional.txt").write_text(masked, encoding="utf-8")
    return path


def test_a_digest_that_masks_nothing_in_the_kept_text_is_refused(tmp_path: Path) -> None:
    """A digest cannot be checked against the name it hides, but the kept text must hold a masked string of as many
    words as it says: a digest of a name the text does not mask (pasted from elsewhere, a typo before redact) would
    leave the real name published."""
    path = _fictional(tmp_path, [digest("Somebody Else Entirely")])  # the original text, nothing masked
    with pytest.raises(InputError, match="this digest masks nothing in the kept text") as error:
        read_source(path)
    assert (error.value.record, error.value.field) == ("source", "redact[0]")
    assert "Somebody" not in str(error.value) and "Victimname" not in str(error.value)
    # a masked text whose only mask is one short word (at most two words joined: "Jo-A"): a digest of three words
    # masks nothing in it
    path = _masked_fictional(tmp_path, ["Test"], [digest("Test"), digest("Another Fictional Person")])
    with pytest.raises(InputError, match="masks nothing") as error:
        read_source(path)
    assert (error.value.record, error.value.field) == ("source", "redact[1]")
    assert read_source(_masked_fictional(tmp_path, ["Test Victimname"], [digest("Test Victimname")])).source.redact


def test_masked_strings_of_hyphenated_and_adjacent_names_count_as_their_words() -> None:
    from minegraph.ingest.records import masked_word_counts

    masked, _count = mask("a farmer, Anna-Maria Test, and Jo Test Victimname were hurt", ["Anna-Maria Test",
                                                                                           "Jo Test Victimname"])
    counts = masked_word_counts(masked)
    assert {3} <= counts  # "Anna-Maria Test" (3 words, 2 masked words) and "Jo Test Victimname"
    assert masked_word_counts("nothing masked") == set()
    assert masked_word_counts(f"{MASK * 4} {MASK * 5}") == {1, 2, 3, 4, 5}
