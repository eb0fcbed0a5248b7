"""Unknown is not zero in every output: an incident whose source does not state how many people were killed or
injured shows "not stated" on its page and in the list, is left out of sums (and the sums say how many incidents
do not say), never matches a killed or injured filter, and is an empty cell in the HXL export.

The store is built from data/ and then written through the door with tests/unstated_counts.py's source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from minegraph.core.settings import Settings
from minegraph.ingest.build import build
from minegraph.web import create_app
from tests import unstated_counts as u
from tests.conftest import BASE, DATA
from tests.test_pages import check_page, get, jsonld_of, rows

MG = "https://w3id.org/minegraph/def/"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(store=tmp_path_factory.mktemp("unstated") / "store", data_dir=DATA, base_uri=BASE)
    build(settings)
    written = u.write_unstated_counts(settings)
    assert u.GRAPH in written.changed
    warned = {(r.focus, r.path) for r in written.report.results if "not stated" in r.message}
    assert warned == {(u.NONE, f"{MG}killedCount"), (u.NONE, f"{MG}injuredCount"),
                      (u.INJURED_ONLY, f"{MG}killedCount"), (u.KILLED_ONLY, f"{MG}injuredCount")}
    return settings


@pytest.fixture(scope="module")
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings, {"TESTING": True, "QUERY_WORKERS": 1})
    yield app
    app.extensions["minegraph"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def doc(iri: str) -> str:
    return "/doc/" + iri[len(BASE) + len("id/"):]


def fact(html: str, name: str) -> str:
    """The text of the summary's fact ``name`` (tags removed)."""
    found = re.search(rf"<dt>{name}</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    assert found, name
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


# --- pages ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("iri", "killed", "injured"), [
    (u.NONE, "not stated", "not stated"), (u.INJURED_ONLY, "not stated", "2"), (u.KILLED_ONLY, "1", "not stated"),
])
def test_incident_page_says_not_stated_and_keeps_its_other_facts(client: FlaskClient, iri: str, killed: str,
                                                                  injured: str) -> None:
    html = get(client, doc(iri))
    check_page(html)
    assert (fact(html, "Killed"), fact(html, "Injured")) == (killed, injured)
    # the facts after the counts are shown whichever counts are missing
    assert fact(html, "Explosive ordnance").startswith("Antipersonnel mine")
    assert fact(html, "Context").startswith("Civilian activity")
    # the page's JSON-LD has the stated counts only: nothing for the others, never a 0
    counts = {(p.rsplit("/", 1)[-1], o) for s, p, o in jsonld_of(html) if s == iri and p.endswith("Count")}
    stated = {("killedCount", killed), ("injuredCount", injured)} - {("killedCount", "not stated"),
                                                                    ("injuredCount", "not stated")}
    assert counts == stated


def _list_counts(html: str) -> dict[str, tuple[str, str]]:
    found = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", html, re.S):
        href = re.search(r'href="(/id/incident/[^"]+)"', row)
        cells = dict(re.findall(r'<td class="num" data-label="(Killed|Injured)">(.*?)</td>', row, re.S))
        assert href
        found[BASE + href.group(1)[1:]] = tuple(re.sub(r"<[^>]+>", "", cells[k]).strip()
                                               for k in ("Killed", "Injured"))
    return found


def test_incident_list_says_not_stated(client: FlaskClient) -> None:
    html = get(client, "/incidents?device=antipersonnel-mine")
    check_page(html)
    assert _list_counts(html) == {u.NONE: ("not stated", "not stated"), u.INJURED_ONLY: ("not stated", "2"),
                                  u.KILLED_ONLY: ("1", "not stated")}


@pytest.mark.parametrize(("outcome", "expected"), [
    ("killed", {u.KILLED_ONLY}), ("injured", {u.INJURED_ONLY}),
])
def test_killed_and_injured_filters_never_match_a_count_not_stated(client: FlaskClient, outcome: str,
                                                                   expected: set[str]) -> None:
    html = get(client, f"/incidents?device=antipersonnel-mine&outcome={outcome}")
    assert {BASE + path[1:] for path in rows(html)} == expected
    assert f'<h2 id="results-h">{len(expected)} incident' in html


def _figure(html: str, name: str) -> str:
    found = re.search(rf"<div><dt>{name}</dt>(.*?)</div>", html, re.S)
    assert found, name
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_home_figures_sum_the_stated_counts_and_say_how_many_incidents_do_not_say(client: FlaskClient) -> None:
    html = get(client, "/")
    check_page(html)
    # data/: 3 incidents, 1 killed, 4 injured, all stated; and the three of May 2024
    assert _figure(html, "Incidents") == "6"
    assert _figure(html, "People killed") == "2 in the 4 incidents that state a number; 2 incidents do not say"
    assert _figure(html, "People injured") == "6 in the 4 incidents that state a number; 2 incidents do not say"
    assert "it is not counted as 0" in html


def test_home_figures_when_no_incident_states_a_count(app: Flask) -> None:
    from minegraph.web.pages import render

    figures = {"incidents": 36527, "killed": 0, "killed_stated": 0, "killed_unstated": 36527, "injured": 12,
               "injured_stated": 1, "injured_unstated": 36526, "sources": 1, "places": 3, "statements": 1}
    html = render("pages/home.html", figures=figures, built="", recent=[], title="minegraph", cite=None,
                  alternates=[], base=BASE, path_of=str, jsonld="{}")
    assert _figure(html, "Incidents") == "36,527"
    assert _figure(html, "People killed") == "not stated none of the 36,527 incidents states a number"
    assert _figure(html, "People injured") == ("12 in the 1 incident that states a number; 36,526 incidents do "
                                               "not say")

