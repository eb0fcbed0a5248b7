"""The pages in a real browser: Debian's chromium driven by Playwright, against a real server process.

A journalist's path: the home page, the keyboard to an incident, its quotes, map and "Cite this"; the list
with a filter; a place. Nothing may be requested from anywhere but the server, and no console errors may
occur. Screenshots go to a scratch directory, or to MINEGRAPH_SCREENSHOTS when it is set. The ones in
docs/screenshots/ (every page at 1280 and 390 px) are made by tests/test_browser_a11y.py and
tests/test_sparql_browser.py; these journeys' own are named ``journey-*.png`` (a test run without the variable
leaves the working tree as it found it).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from minegraph.core.settings import Settings
from tests.conftest import DATA, ROOT
from tests.needs import need, need_module

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("MINEGRAPH_SCREENSHOTS") or tempfile.mkdtemp(prefix="minegraph-screenshots-"))

playwright_api = need_module("playwright.sync_api", switch="MINEGRAPH_REQUIRE_CHROMIUM",
                             missing="playwright is not installed (scripts/install.sh --test)")
need(CHROMIUM.exists(), switch="MINEGRAPH_REQUIRE_CHROMIUM",
     missing="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``minegraph serve`` (gunicorn) on a free loopback port, over a store built from data/."""
    yield from serve(tmp_path_factory, "browser")


@pytest.fixture(scope="module")
def unstated_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same, over a store built from data/ plus a source whose incidents do not all state their counts."""
    from tests.unstated_counts import write_unstated_counts

    yield from serve(tmp_path_factory, "browser-unstated", write_unstated_counts)


def serve(tmp_path_factory: pytest.TempPathFactory, name: str,
          then: Callable[[Settings], object] | None = None) -> Iterator[str]:
    from minegraph.ingest.build import build

    store = tmp_path_factory.mktemp(name) / "store"
    settings = Settings(store=store, data_dir=DATA, base_uri="https://w3id.org/minegraph/")
    build(settings)
    if then is not None:
        then(settings)
    port = free_port()
    env = {**os.environ, "MINEGRAPH_BASE_URI": "https://w3id.org/minegraph/"}
    try:
        import minegraph.web.resources  # noqa: F401  (the dereferencing pages)

        command = [sys.executable, "-m", "minegraph", "serve", "--store", str(store), "--port", str(port),
                   "--no-build", "--query-workers", "1", "--threads", "4"]
    except ImportError:  # pragma: no cover - before the dereferencing module existed
        command = [sys.executable, "-m", "tests.test_browser_server", str(store), str(port)]
    log = (tmp_path_factory.getbasetemp() / f"{name}-server.log").open("w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            process.wait(5)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


class Watch:
    """Records requests to anywhere but the server (and stops them), console errors and page errors."""

    def __init__(self, context: Any, origin: str) -> None:
        self.external: list[str] = []
        self.errors: list[str] = []
        self.origin = origin
        context.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.origin + "/") or url.startswith("data:"):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def page(self, context: Any) -> Any:
        page = context.new_page()
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    def check(self) -> None:
        assert self.external == []
        assert self.errors == []


@pytest.fixture
def session(browser: Any, server: str) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, service_workers="block")
    watch = Watch(context, server)
    yield context, watch
    context.close()
    watch.check()


def focused(page: Any) -> dict[str, str]:
    return page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
      return {tag: e.tagName, cls: e.className || '', href: e.getAttribute('href') || '', id: e.id || '',
              outline: s.outlineStyle, width: s.outlineWidth}; }""")


def test_a_journalist_goes_from_the_home_page_to_an_incident(session: tuple[Any, Watch], server: str) -> None:
    context, watch = session
    page = watch.page(context)
    page.goto(server + "/")
    assert page.locator("h1").inner_text().startswith("Landmine and explosive-remnants-of-war incidents")
    assert page.locator(".figures dd").first.inner_text() == "3"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "journey-home.png"), full_page=True)

    # keyboard: the skip link comes first and is visible when focused; it moves focus to the main content
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["cls"] == "skip-link" and first["outline"] != "none"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    for _ in range(40):  # tab on to the first incident link and follow it
        page.keyboard.press("Tab")
        now = focused(page)
        if now["href"].startswith("/id/incident/"):
            assert now["outline"] != "none" and now["width"] != "0px"  # focus is visible
            break
    else:
        pytest.fail("no incident link is reachable by keyboard from the home page")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/doc/incident/" in page.url or "/id/incident/" in page.url
    assert page.locator("main blockquote").first.is_visible()
    assert page.locator("main blockquote").first.inner_text().strip()
    watch.check()


def test_incident_page_quote_map_and_cite_this(session: tuple[Any, Watch], server: str) -> None:
    context, watch = session
    page = watch.page(context)
    page.goto(server + "/incidents")
    page.get_by_role("link", name="mine action agency employee").click()
    page.wait_for_load_state()
    quotes = page.locator("main blockquote").all_inner_texts()
    assert any("four people were injured" in quote for quote in quotes)
    assert page.get_by_text("6 April, year not stated").first.is_visible()
    # the map: an inline SVG with the point and its label, drawn at a readable size
    svg = page.locator("svg.map")
    assert svg.is_visible()
    box = svg.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    assert page.locator("svg.map .map-point").count() == 1
    assert page.locator("svg.map text.map-label").text_content() == "Jabrayil District"
    # cite this: the plain text names the URI and today's date; BibTeX opens from the keyboard
    cite = page.locator(".cite-text").inner_text()
    assert "https://w3id.org/minegraph/id/incident/" in cite
    today = dt.date.today()
    assert f"accessed {today.day} " in cite
    page.locator(".cite summary", has_text="BibTeX").focus()
    page.keyboard.press("Enter")
    assert page.locator(".cite-bibtex").is_visible()
    assert "@misc{minegraph-" in page.locator(".cite-bibtex").inner_text()
    page.locator(".cite summary", has_text="CSL-JSON").click()
    assert '"type": "dataset"' in page.locator(".cite-csl").inner_text()
    # machine formats are linked, in the head and on the page
    assert page.locator('head link[rel="alternate"][type="text/turtle"]').count() == 1
    assert page.locator("main .formats a").count() >= 4
    assert "Asgar" not in page.content()
    page.screenshot(path=str(SHOTS / "journey-incident.png"), full_page=True)
    # the place, from the incident
    page.locator("main .facts a", has_text="Jabrayil District").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Jabrayil District"
    assert page.locator("svg.map").is_visible()
    page.screenshot(path=str(SHOTS / "journey-place.png"), full_page=True)
    watch.check()


def test_incident_list_filters_in_the_browser(session: tuple[Any, Watch], server: str) -> None:
    context, watch = session
    page = watch.page(context)
    page.goto(server + "/incidents")
    assert page.locator("table.incidents tbody tr").count() == 3
    page.get_by_label("Outcome").select_option("killed")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    assert "outcome=killed" in page.url
    assert page.locator("table.incidents tbody tr").count() == 1
    assert page.get_by_label("Outcome").input_value() == "killed"
    page.goto(server + "/incidents")
    page.screenshot(path=str(SHOTS / "journey-incidents-filtered.png"), full_page=True)
    watch.check()


def test_small_screen(browser: Any, server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    watch = Watch(context, server)
    page = watch.page(context)
    page.goto(server + "/incidents")
    page.get_by_role("link", name="mine action agency employee").click()
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "journey-incident-small-screen.png"), full_page=True)
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => !e.closest('svg') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(e => e.tagName + '.' + e.className)""")
    assert wide == []  # nothing forces sideways scrolling
    context.close()
    watch.check()


def test_counts_not_stated_in_the_browser(browser: Any, unstated_server: str) -> None:
    """Unknown is not zero: the figures say how many incidents do not state a count; the list and the page say
    "not stated", on a wide screen and a small one."""
    from tests.unstated_counts import NONE

    for name, viewport in (("", {"width": 1100, "height": 900}), ("-small-screen", {"width": 390, "height": 844})):
        context = browser.new_context(viewport=viewport, service_workers="block")
        watch = Watch(context, unstated_server)
        page = watch.page(context)
        page.goto(unstated_server + "/")
        killed = page.locator(".figures > div", has_text="People killed")
        assert killed.locator("dd").first.inner_text() == "2"
        note = killed.locator("dd.figure-note")
        assert note.is_visible()
        assert " ".join(note.inner_text().split()) == ("in the 4 incidents that state a number; 2 incidents do not "
                                                       "say")
        size = page.evaluate("e => parseFloat(getComputedStyle(e).fontSize)", note.element_handle())
        assert size < page.evaluate("e => parseFloat(getComputedStyle(e).fontSize)",
                                    killed.locator("dd").first.element_handle())
        page.screenshot(path=str(SHOTS / f"home-counts-not-stated{name}.png"), full_page=True)
        assert too_wide(page) == []
        page.goto(unstated_server + "/incidents?device=antipersonnel-mine")
        cells = page.locator("table.incidents tbody td.num").all_inner_texts()
        assert cells.count("not stated") == 4 and len(cells) == 6
        page.screenshot(path=str(SHOTS / f"incidents-counts-not-stated{name}.png"), full_page=True)
        assert too_wide(page) == []
        page.goto(unstated_server + "/doc/incident/" + NONE.rsplit("/", 1)[-1])
        facts = page.locator("main dl.facts")
        assert facts.locator("div", has_text="Killed").locator("dd").inner_text().strip() == "not stated"
        assert facts.locator("div", has_text="Explosive ordnance").is_visible()
        page.screenshot(path=str(SHOTS / f"incident-counts-not-stated{name}.png"), full_page=True)
        assert too_wide(page) == []
        context.close()
        watch.check()


def too_wide(page: Any) -> list[str]:
    """The elements of the main content that force sideways scrolling (none should)."""
    return page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => !e.closest('svg') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(e => e.tagName + '.' + e.className)""")


#: Reports every Content-Security-Policy violation of every document of a context to the test.
REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', e => window.reportViolation(
    [e.violatedDirective, e.blockedURI, e.sourceFile + ':' + e.lineNumber, e.sample].join(' ')));"""


def test_the_pages_the_map_and_yasgui_run_under_the_content_security_policy(browser: Any, server: str) -> None:
    """Issue 14: every page is served with a strict policy (minegraph.web.headers) and breaks none of it — the
    pages, the map, the citation script, and YASGUI running a query and resizing a column of its table."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, service_workers="block")
    violations: list[str] = []
    context.expose_function("reportViolation", lambda text: violations.append(text))
    context.add_init_script(script=REPORT_VIOLATIONS)
    watch = Watch(context, server)
    page = watch.page(context)
    for path in ("/", "/incidents"):
        response = page.goto(server + path)
        assert response is not None and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.get_by_role("link", name="mine action agency employee").click()
    page.wait_for_load_state()
    assert page.locator("svg.map .map-point").count() == 1 and page.locator("svg.map").is_visible()
    assert page.locator(".cite-text").inner_text()  # written by cite.js, a script of this server
    page.locator("main .facts a", has_text="Jabrayil District").first.click()
    page.wait_for_load_state()
    assert page.locator("svg.map").is_visible()
    box = page.locator("svg.map").bounding_box()
    assert box is not None and box["width"] > 300
    page.goto(server + "/sparql")
    page.wait_for_selector(".CodeMirror", timeout=15_000)
    query = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?s ?label { ?s rdfs:label ?label } LIMIT 5"
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", query)
    page.locator(".yasqe_queryButton").first.click()
    page.locator(".yasr td").first.wait_for(timeout=15_000)  # not wait_for_function: the page's CSP forbids eval
    grip = page.locator(".grip-handle .grip-resizable").first  # drag a column edge: YASGUI adds a <style>
    grip.scroll_into_view_if_needed()
    grip_box = grip.bounding_box()
    assert grip_box is not None
    page.mouse.move(grip_box["x"] + 5, grip_box["y"] + 5)
    page.mouse.down()
    page.mouse.move(grip_box["x"] + 45, grip_box["y"] + 5, steps=4)
    assert page.evaluate("() => [...document.querySelectorAll('head style')].filter(e => e.gripid).length") == 2
    page.mouse.up()
    page.wait_for_timeout(300)  # a violation is reported asynchronously
    assert violations == []
    page.screenshot(path=str(SHOTS / "sparql-under-csp.png"), full_page=True)
    context.close()
    watch.check()
