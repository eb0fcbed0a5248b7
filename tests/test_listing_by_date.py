"""The unfiltered incident list and the home page's latest incidents, read through the counts per date.

At national scale ORDER BY over every incident costs the engine tens of seconds, so these views ask for the
incidents of the few dates they need and order them in Python. They must give exactly what the ORDER BY
queries give: checked here on the seed and 200 incidents of the real Colombian file (many share a date, so the
order by IRI within a date and the keyset cursor across dates are both exercised).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from minegraph.core.settings import Settings
from minegraph.ingest.build import build
from minegraph.ingest.run import ingest
from minegraph.web import create_app, listing
from tests.conftest import BASE, DATA

SAMPLE = Path(__file__).parent / "fixtures" / "colombia" / "sample.csv"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    settings = Settings(store=tmp_path_factory.mktemp("listing") / "store", data_dir=DATA, base_uri=BASE)
    build(settings)
    ingest([str(SAMPLE)], settings, mapping="colombia-victims")
    app = create_app(settings, {"QUERY_WORKERS": 1, "TESTING": True})
    yield app
    app.extensions["minegraph"].close()


def _order_by(filters: listing.Filters, after, size: int) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """The reference: the page as ORDER BY gives it (what the pages asked before)."""
    keyset = ""
    if after is not None:
        day, iri = after
        date = listing._literal_date(day)
        keyset = f"FILTER(?earliest > {date} || (?earliest = {date} && STR(?i) > STR(<{iri}>)))"
    return listing.select(f"""
SELECT DISTINCT ?i ?earliest WHERE {{
  {listing._where(filters)}
  {keyset}
}} ORDER BY ?earliest STR(?i) LIMIT {int(size)}""")


def _walk(page_of, size: int) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    after = None
    while True:
        rows = page_of(after, size + 1)
        seen += [row["i"] for row in rows[:size]]
        if len(rows) <= size:
            return seen
        last = rows[size - 1]
        after = listing.decode_cursor(listing.encode_cursor(str(last["earliest"]), last["i"]), BASE)


FILTERS = [{}, {"outcome": "killed"}, {"outcome": "injured"}, {"from": "2005-01-01", "to": "2009-12-31"},
           {"device": "antipersonnel-mine"}, {"place": "Antioquia"}]


@pytest.mark.parametrize("size", [1, 7, 25, 500])
@pytest.mark.parametrize("args", FILTERS)
def test_pages_by_date_are_the_pages_of_order_by(app: Flask, size: int, args: dict[str, str]) -> None:
    with app.test_request_context("/incidents"):
        places = listing.place_choices()
        if "place" in args:  # by its key, as the page's form sends it
            args = {"place": next(p.code for p in places if p.label.casefold() == args["place"].casefold())}
        filters = listing.read_filters(args, places, listing.concept_choices("explosive-ordnance"),
                                       listing.concept_choices("outcome"))
        assert not filters.errors
        by_date = _walk(lambda after, n: listing._page_ids_by_date(filters, after, n)[0], size)
        by_order = _walk(lambda after, n: _order_by(filters, after, n), size)
        total = listing._page_ids_by_date(filters, None, 1)[1]
    assert by_date == by_order
    assert len(by_date) == len(set(by_date)) == total
    assert total == 203 if not args else 0 < total < 203


def test_latest_incidents_are_those_of_order_by(app: Flask) -> None:
    with app.test_request_context("/"):
        for limit in (1, 5, 40):
            expected = listing.select(f"""
SELECT ?i (SAMPLE(?l) AS ?label) (MAX(?t) AS ?latest) WHERE {{
  ?i a mg:Incident ; mg:latestDate ?t . OPTIONAL {{ ?i rdfs:label ?l }} }}
GROUP BY ?i ORDER BY DESC(?latest) ?i LIMIT {limit}""")
            assert listing.latest_incidents(limit) == expected
