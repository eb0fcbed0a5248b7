"""The map of incidents in a real browser: /map draws the places' points under the page's Content-Security-Policy,
its table names the same places with their numbers (and which incidents are drawn at a place containing theirs),
and a number leads to the list of those incidents. The store: data/ plus a settlement without coordinates in
Jabrayil District with one incident (tests/test_map.py's ``add_village``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_browser_pages import REPORT_VIOLATIONS, SHOTS, Watch, browser, serve, too_wide  # noqa: F401
from tests.test_map import add_village

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def village_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve(tmp_path_factory, "browser-map", add_village)


def table(page: Any) -> list[list[str]]:
    """The rows of the map's table, as the cells' texts."""
    rows = page.locator("table.map-table tbody tr")
    return [[" ".join(cell.split()) for cell in rows.nth(i).locator("th, td").all_inner_texts()]
            for i in range(rows.count())]


def test_the_map_its_table_and_a_link_to_the_list(browser: Any, village_server: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1100, "height": 900}, service_workers="block")
    violations: list[str] = []
    context.expose_function("reportViolation", lambda text: violations.append(text))
    context.add_init_script(script=REPORT_VIOLATIONS)
    watch = Watch(context, village_server)
    page = watch.page(context)
    page.goto(village_server + "/incidents")
    page.get_by_role("link", name="These incidents on a map").click()
    page.wait_for_load_state()
    assert page.url == village_server + "/map"
    svg = page.locator("svg.map-incidents")
    assert svg.is_visible() and svg.get_attribute("role") == "img"
    box = svg.bounding_box()
    assert box is not None and box["width"] > 500
    assert page.locator("svg.map-incidents .map-spot").count() == 2
    assert sorted(page.locator("svg.map-incidents .map-count").all_text_contents()) == ["1", "3"]
    assert table(page) == [
        ["Jabrayil District", "3", "2 recorded at Jabrayil District itself; 1 at Xyz, which has no coordinates of its "
                                   "own: drawn at the centre of Jabrayil District"],
        ["Aghdam District", "1", "all recorded at Aghdam District"]]
    assert "not where anyone was harmed" in page.locator("figcaption").inner_text()
    page.screenshot(path=str(SHOTS / "map-with-a-settlement-without-coordinates.png"), full_page=True)
    page.get_by_role("link", name="3 incidents: the list for Jabrayil District").click()
    page.wait_for_load_state()
    assert "/incidents?place=" in page.url
    assert page.locator("#results-h").inner_text() == "3 incidents"
    listed = page.locator("table.incidents tbody th").all_inner_texts()
    assert "Explosion at Xyz (test)" in listed and len(listed) == 3
    download = page.locator("a", has_text="Download them as GeoJSON").get_attribute("href")
    assert download is not None and download.startswith("/incidents.geojson?place=")
    reply = page.request.get(village_server + download)
    assert reply.headers["content-type"].startswith("application/geo+json") and len(reply.json()["features"]) == 3
    page.wait_for_timeout(300)  # a violation is reported asynchronously
    assert violations == []
    context.close()
    watch.check()


def test_the_map_on_a_small_screen(browser: Any, village_server: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    watch = Watch(context, village_server)
    page = watch.page(context)
    page.goto(village_server + "/map")
    assert too_wide(page) == []
    box = page.locator("svg.map-incidents").bounding_box()
    assert box is not None and box["width"] <= 390
    assert len(table(page)) == 2
    page.screenshot(path=str(SHOTS / "map-with-a-settlement-without-coordinates-small-screen.png"), full_page=True)
    context.close()
    watch.check()
