"""Writes over HTTP pass the SHACL gate whatever their size: big graphs through the fast gate, as a build does.

A correction to a national source (hundreds of thousands of triples) cannot wait for pyshacl (about 4.6 ms
per incident); above :data:`minegraph.store.gate.FAST_GATE_TRIPLES` a write is checked by the fast gate, which
must refuse and accept exactly what pyshacl refuses and accepts.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from pyoxigraph import Store as OxStore

from minegraph.core.errors import ValidationFailed
from minegraph.core.settings import Settings
from minegraph.store import door
from minegraph.store.embedded import EmbeddedStore
from minegraph.store.fastgate import results_key
from minegraph.web.writes import apply_write

BASE = "https://w3id.org/minegraph/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
BAD = f"""PREFIX mg: <{BASE}def/>
INSERT DATA {{ GRAPH <{BASE}graph/source/correction> {{
  <{BASE}id/incident/broken> a mg:Incident ; mg:killedCount -1 ; mg:place <{BASE}id/place/nowhere> .
}} }}"""


@pytest.fixture
def settings(built_settings: Settings, tmp_path: Path) -> Settings:
    shutil.copytree(built_settings.store, tmp_path / "store")
    return replace(built_settings, store=tmp_path / "store")


def _update(sparql: str):  # type: ignore[no-untyped-def]
    def change(scratch: OxStore) -> None:
        scratch.update(sparql)
    return change


def _refusal(settings: Settings, fast_above: int, monkeypatch: pytest.MonkeyPatch) -> ValidationFailed:
    monkeypatch.setattr(door, "FAST_GATE_TRIPLES", fast_above)
    with pytest.raises(ValidationFailed) as refused:
        apply_write(settings, _update(BAD))
    return refused.value


def test_the_fast_gate_refuses_what_pyshacl_refuses(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    by_pyshacl = _refusal(settings, 10**9, monkeypatch)
    by_fast_gate = _refusal(settings, 0, monkeypatch)
    assert by_pyshacl.report is not None and by_fast_gate.report is not None
    assert not by_fast_gate.report.conforms
    assert results_key(by_fast_gate.report) == results_key(by_pyshacl.report)
    store = EmbeddedStore(settings.store, read_only=True)
    try:
        assert f"{BASE}graph/source/correction" not in store.graphs()  # nothing written
    finally:
        store.close()


def test_a_big_correction_is_validated_and_committed(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(door, "FAST_GATE_TRIPLES", 0)
    store = EmbeddedStore(settings.store, read_only=True)
    try:
        row = next(iter(store.query(f"SELECT ?i ?g ?l WHERE {{ GRAPH ?g {{ ?i a <{BASE}def/Incident> ; "
                                    "<http://www.w3.org/2000/01/rdf-schema#label> ?l } } LIMIT 1")))
        incident, graph, label = row["i"].value, row["g"].value, row["l"]
    finally:
        store.close()
    fixed = "Mine explosion (label corrected)"
    sparql = (f"DELETE DATA {{ GRAPH <{graph}> {{ <{incident}> <http://www.w3.org/2000/01/rdf-schema#label> "
              f"{label} }} }} ; INSERT DATA {{ GRAPH <{graph}> {{ <{incident}> "
              f"<http://www.w3.org/2000/01/rdf-schema#label> \"{fixed}\"@en }} }}")
    result = apply_write(settings, _update(sparql))
    assert result.changed == [graph]
    store = EmbeddedStore(settings.store, read_only=True)
    try:
        label_of = f"SELECT ?l WHERE {{ GRAPH <{graph}> {{ <{incident}> <{RDFS_LABEL}> ?l }} }}"
        labels = {r["l"].value for r in store.query(label_of)}
        assert labels == {fixed}
    finally:
        store.close()
