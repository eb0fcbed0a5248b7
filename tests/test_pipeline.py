"""build: all or nothing, idempotent, and a report that names file, record and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pyoxigraph import CanonicalizationAlgorithm, Dataset, RdfFormat, parse

from minegraph.core.errors import InputError, StoreError, ValidationFailed
from minegraph.core.redaction import digest
from minegraph.core.settings import Settings
from minegraph.ingest.build import build, load_data
from minegraph.store.embedded import EmbeddedStore

from .conftest import BASE, DATA, SEED_SOURCE, listed_for_redaction


def _settings(tmp_path: Path, data: Path = DATA) -> Settings:
    return Settings(store=tmp_path / "store", data_dir=data, base_uri=BASE)


def _edit(data: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = data / "sources" / SEED_SOURCE.name
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(records)
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _dump(settings: Settings) -> bytes:
    store = EmbeddedStore(settings.store, read_only=True)
    try:
        return store.dump(RdfFormat.N_QUADS)
    finally:
        store.close()


def test_build_writes_one_graph_per_source_and_reference_graphs(built_store: EmbeddedStore) -> None:
    graphs = built_store.graphs()
    # no aggregates graph: the seed's incidents have no year, so nothing can be counted by month
    assert {g.rsplit("/graph/", 1)[1] for g in graphs if "/source/" not in g} == {
        "ontology", "concepts", "places", "agents", "restricted/redactions"}
    assert len([g for g in graphs if "/graph/source/" in g]) == len(list((DATA / "sources").glob("*.yaml")))


def test_build_is_idempotent(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    build(settings)
    first = _dump(settings)
    build(settings)
    second = _dump(settings)
    one, two = (Dataset(parse(dump, format=RdfFormat.N_QUADS)) for dump in (first, second))
    for dataset in (one, two):
        dataset.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
    assert len(one) > 1000 and one == two


def _assert_unchanged_after_failure(settings: Settings, before: bytes) -> None:
    assert _dump(settings) == before


@pytest.mark.parametrize(
    ("change", "record", "field", "words"),
    [
        (lambda d: d["incidents"][1].update(injured=-3), "incidents[aghdam-family-injured]", "injured", ""),
        (lambda d: d["incidents"][1].update(device="landmine-ish"), "incidents[aghdam-family-injured]",
         "device", ""),
        (lambda d: d["incidents"][1]["victims"][0].update(outcome="missing"),
         "incidents[aghdam-family-injured].victims[family-member-1]", "outcome", ""),
        (lambda d: d["incidents"][1].update(injured=2), "incidents[aghdam-family-injured]", None, ""),
    ],
    ids=["negative-count", "unknown-device-code", "unknown-outcome-code", "victims-exceed-total"],
)
def test_violations_stop_the_build_and_name_the_record(tmp_path: Path, data_copy: Path, change, record: str,
                                                         field: str | None, words: str) -> None:
    settings = _settings(tmp_path, data_copy)
    build(settings)
    before = _dump(settings)
    _edit(data_copy, change)
    with pytest.raises(ValidationFailed) as error:
        build(settings)
    violations = error.value.report.violations
    assert any(v.record == record and (field is None or v.field == field) for v in violations), \
        error.value.report.text()
    assert all(v.file and v.file.endswith(".yaml") for v in violations)
    assert words in error.value.report.text()
    assert not listed_for_redaction().contains(error.value.report.text())
    _assert_unchanged_after_failure(settings, before)


def test_a_listed_name_in_a_record_stops_the_build_and_is_not_shown(tmp_path: Path, data_copy: Path) -> None:
    settings = _settings(tmp_path, data_copy)
    build(settings)
    before = _dump(settings)
    _edit(data_copy, lambda d: (d["source"]["redact"].append(digest("Test Victimname")),
                                d["incidents"][2].update(label="Explosion killing Test Victimname")))
    with pytest.raises(InputError) as error:
        build(settings)
    assert (error.value.record, error.value.field) == ("incidents[jabrayil-border-service-soldier-killed]", "label")
    assert "redaction" in error.value.message and "victimname" not in str(error.value).casefold()
    _assert_unchanged_after_failure(settings, before)


def test_unknown_place_is_named(data_copy: Path) -> None:
    _edit(data_copy, lambda d: d["incidents"][0].update(place="atlantis"))
    with pytest.raises(InputError) as error:
        load_data(data_copy, BASE)
    assert (error.value.record, error.value.field, error.value.value) == (
        "incidents[jabrayil-anama-employee-injured]", "place", "atlantis")


def test_store_path_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open the store"):
        build(Settings(store=blocker / "store", data_dir=DATA, base_uri=BASE))


def test_base_uri_is_configurable(tmp_path: Path) -> None:
    settings = Settings(store=tmp_path / "store", data_dir=DATA, base_uri="http://localhost:8080/")
    build(settings)
    dump = _dump(settings).decode("utf-8")
    assert "<http://localhost:8080/id/incident/" in dump
    assert "https://w3id.org/minegraph/id/" not in dump


def test_the_fast_gate_path_of_build_names_the_record_too(tmp_path: Path, data_copy: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import minegraph.store.door

    monkeypatch.setattr(minegraph.store.door, "FAST_GATE_TRIPLES", 0)  # every graph through the fast gate
    settings = _settings(tmp_path, data_copy)
    build(settings)
    _edit(data_copy, lambda d: d["incidents"][1].update(injured=-3))
    with pytest.raises(ValidationFailed) as error:
        build(settings)
    assert any(v.record == "incidents[aghdam-family-injured]" and v.field == "injured"
               for v in error.value.report.violations), error.value.report.text()
