"""The schemas of the files people write: the committed JSON Schema, and the metadata and mapping files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from minegraph.core.errors import InputError
from minegraph.ingest.schema import ConceptFieldsSchema, record_file_json_schema
from minegraph.ingest.sources import load_meta
from minegraph.ingest.spec import CONCEPT_FIELDS, load_mapping

from .conftest import DATA, ROOT, SEED_SOURCE

SCHEMA_FILE = ROOT / "docs" / "record-file.schema.json"
MAPPING = DATA / "mappings" / "colombia-victims.yaml"
META = DATA / "mappings" / "colombia-victims.meta.yaml"


def test_the_committed_json_schema_is_the_one_the_models_generate() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == record_file_json_schema(), (
        "docs/record-file.schema.json is out of date: regenerate it with\n  .venv/bin/python -c 'from "
        "minegraph.ingest.schema import record_file_json_schema as s; print(s(), end=\"\")' "
        "> docs/record-file.schema.json")


def _as_json(value: Any) -> Any:
    """A YAML document as an editor's YAML language server sees it (dates are strings)."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v)))


def test_editors_accept_the_seed_and_flag_an_unknown_key_and_a_plain_name() -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    seed = _as_json(yaml.safe_load(SEED_SOURCE.read_text(encoding="utf-8")))
    assert validator.is_valid(seed)
    assert SEED_SOURCE.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../../docs/record-file.schema.json\n")
    misspelt = json.loads(json.dumps(seed))
    misspelt["incidents"][0]["devise"] = misspelt["incidents"][0].pop("device")
    assert not validator.is_valid(misspelt)
    plain = json.loads(json.dumps(seed))
    plain["source"]["redact"] = ["Test Victimname"]
    assert not validator.is_valid(plain)


def _write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_meta_files_read_as_before() -> None:
    meta = load_meta(META)
    assert meta.id == "colombia-oacp-victims-map-muse" and meta.retrieved == dt.date(2026, 11, 27)
    assert not isinstance(meta.publisher, str) and meta.publisher.id == "co-oacp-descontamina"
    assert meta.publisher.wikidata is None and len(meta.notes) == 2


@pytest.mark.parametrize(
    ("change", "record", "field", "words"),
    [
        (lambda d: d.update(licenze=d.pop("licence")), None, "licenze", "did you mean `licence`?"),
        (lambda d: d["publisher"].update(homepages="https://example.org/"), "publisher", "homepages",
         "did you mean `homepage`?"),
        (lambda d: d["publisher"].pop("label"), "publisher", "label", "is required"),
        (lambda d: d.update(publisher=7), None, "publisher", "must be text"),
        (lambda d: d.update(retrieved="27 November 2026"), None, "retrieved", "not a date"),
    ],
    ids=["unknown-key", "unknown-publisher-key", "publisher-label-missing", "publisher-number", "date"],
)
def test_meta_file_errors(tmp_path: Path, change, record: str | None, field: str, words: str) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(META.read_text(encoding="utf-8"))
    change(data)
    path = _write(tmp_path / "meta.yaml", data)
    with pytest.raises(InputError) as error:
        load_meta(path)
    assert (error.value.file, error.value.record, error.value.field) == (str(path), record, field)
    assert words in error.value.message


def test_a_meta_file_may_nest_its_fields_under_source(tmp_path: Path) -> None:
    data = {"source": yaml.safe_load(META.read_text(encoding="utf-8"))}
    assert load_meta(_write(tmp_path / "meta.yaml", data)).id == "colombia-oacp-victims-map-muse"
    data["source"]["titel"] = "x"
    with pytest.raises(InputError, match="did you mean `title`"):
        load_meta(_write(tmp_path / "meta.yaml", data))


def test_the_mapping_schema_knows_every_concept_field() -> None:
    assert set(ConceptFieldsSchema.model_fields) == set(CONCEPT_FIELDS)


def test_mapping_files_read_as_before() -> None:
    spec = load_mapping(MAPPING)
    assert spec.name == "colombia-victims" and spec.identity == ("codigodanemunicipio", "ano", "mes")
    assert [level.pcode for level in spec.places] == ["CO{code}", "CO{code}"]
    assert spec.fields["outcome"].code("HERIDO") == "injured" and spec.fields["device"].scheme == "explosive-ordnance"
    assert spec.meta == MAPPING.parent / "colombia-victims.meta.yaml" and "sitio" in spec.drop


@pytest.mark.parametrize(
    ("change", "record", "field", "words"),
    [
        (lambda d: d["fields"].update(devise=d["fields"].pop("device")), "fields", "devise",
         "did you mean `device`?"),
        (lambda d: d["fields"]["sex"].update(colum="genero"), "fields[sex]", "colum", "did you mean `column`?"),
        (lambda d: d["places"][1].update(digits="five"), "places[#2]", "digits", "whole number"),
        (lambda d: d["fields"].pop("outcome"), None, "fields", "needs `fields: outcome:`"),
        (lambda d: d.update(row="incident"), None, "row", "is `victim` (one victim per row) or `event`"),
        (lambda d: d["country"].update(iso="CO"), "country", "iso", "did you mean `iso3166`?"),
    ],
    ids=["unknown-field", "unknown-key-in-field", "digits", "outcome-missing", "row", "country"],
)
def test_mapping_file_errors(tmp_path: Path, change, record: str | None, field: str, words: str) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    change(data)
    path = _write(tmp_path / "mapping.yaml", data)
    with pytest.raises(InputError) as error:
        load_mapping(path)
    assert (error.value.file, error.value.record, error.value.field) == (str(path), record, field)
    assert words in error.value.message
