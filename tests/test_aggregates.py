"""Casualty aggregates (W3C Data Cube): counted from the store, small cells suppressed, through the gate."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from minegraph.core.settings import Settings
from minegraph.core.vocab import sparql_prefixes
from minegraph.ingest.build import build
from minegraph.store.aggregates import SMALL_CELL, count_cells, store_scan
from minegraph.store.embedded import EmbeddedStore

from .conftest import BASE

TEXT = ("Fictional report. In January 2006 a mine injured six civilians in Aghdam District. "
        "In January 2006 a mine killed two deminers in Aghdam District.\n")


def _add_fictional_source(data: Path) -> None:
    (data / "texts" / "fictional.txt").write_text(TEXT, encoding="utf-8")
    record = {
        "source": {"id": "fictional-monthly-report", "title": "Fictional monthly report", "type": "dataset",
                   "publisher": "news-az", "language": "en", "text": "../texts/fictional.txt",
                   "sha256": hashlib.sha256(TEXT.encode()).hexdigest(), "retrieved": "2026-01-01"},
        "statements": [{"id": "s1", "kind": "incident-report", "label": "Fictional report", "speaker": "news-az",
                        "quotes": ["a mine injured six civilians in Aghdam District",
                                   "a mine killed two deminers in Aghdam District"],
                        "supports": ["i1", "i2", "v1", "v2"]}],
        "incidents": [
            {"id": "i1", "label": "Fictional explosion one", "place": "aghdam", "device": "antipersonnel-mine",
             "killed": 0, "injured": 6, "date": {"year": 2006, "month": 1, "earliest": "2006-01-01",
                                                   "latest": "2006-01-31"},
             "victims": [{"id": "v1", "outcome": "injured", "status": "civilian"}]},
            {"id": "i2", "label": "Fictional explosion two", "place": "aghdam", "device": "antipersonnel-mine",
             "killed": 2, "injured": 0, "date": {"year": 2006, "month": 1, "earliest": "2006-01-01",
                                                   "latest": "2006-01-31"},
             "victims": [{"id": "v2", "outcome": "killed", "status": "deminer"}]},
        ],
    }
    (data / "sources" / "fictional.yaml").write_text(yaml.safe_dump(record), encoding="utf-8")


def test_cells_count_listed_victims_and_the_rest_as_unknown(tmp_path: Path, data_copy: Path) -> None:
    _add_fictional_source(data_copy)
    settings = Settings(store=tmp_path / "store", data_dir=data_copy, base_uri=BASE)
    assert build(settings).written.observations == 4  # written in the build's own commit
    store = EmbeddedStore(settings.store, read_only=True)
    try:
        cells = {(c.period, c.outcome, c.status): n for c, n in count_cells(store_scan(store)).items()}
        # the seed's incidents have no year: they are not counted
        assert cells == {("2006-01", "injured", "civilian"): 1, ("2006-01", "injured", "unknown"): 5,
                         ("2006-01", "killed", "deminer"): 1, ("2006-01", "killed", "unknown"): 1}
        rows = list(store.query(sparql_prefixes() + """
            PREFIX qb: <http://purl.org/linked-data/cube#>
            SELECT ?status ?count ?suppressed ?pcode WHERE {
              ?o a qb:Observation ; mg:status/skos:notation ?status ; mg:refArea/mg:pcode ?pcode .
              OPTIONAL { ?o mg:casualtyCount ?count } OPTIONAL { ?o mg:suppressed ?suppressed }
            } ORDER BY ?status"""))  # type: ignore[union-attr]
        published = {(r["status"].value, r["count"].value if r["count"] else None) for r in rows}
        assert published == {("civilian", None), ("deminer", None), ("unknown", "5"), ("unknown", None)}
        assert all(r["pcode"].value == "AZ60900001" for r in rows)
        assert all(int(r["count"].value) >= SMALL_CELL for r in rows if r["count"])
    finally:
        store.close()
    assert build(settings).written.unchanged, "building again changes nothing, never duplicates"
    store = EmbeddedStore(settings.store, read_only=True)
    try:
        assert len(list(store.query("SELECT ?o WHERE { ?o a <http://purl.org/linked-data/cube#Observation> }"))) == 4
    finally:
        store.close()
