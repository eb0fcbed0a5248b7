"""The query page in a real browser (Debian's chromium via Playwright): it loads offline, runs an example
query and shows its rows, and tells the user when results were cut at the row limit; a query link opens the page
and runs; results read as labels and plain values, the RDF terms one click away; the table never stretches the
page and the editor's buttons leave the query readable, at 1280 and 390 px."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.needs import need, need_module
from tests.sparql_support import Server, start_server

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

playwright_api = need_module("playwright.sync_api", switch="MINEGRAPH_REQUIRE_CHROMIUM",
                             missing="playwright is not installed (scripts/install.sh --test)")
need(CHROMIUM.exists(), switch="MINEGRAPH_REQUIRE_CHROMIUM",
     missing="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("sparql-browser"), args=("--max-rows", "3"))
    triples = " ".join(f"<http://example.org/s{i}> <http://example.org/p> {i} ." for i in range(10))
    assert running.update(f"INSERT DATA {{ GRAPH <http://example.org/g> {{ {triples} }} }}").status == 200
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def test_query_page_runs_a_query_offline(server: Server, browser: Any) -> None:
    page = browser.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(server.url) or request.url.startswith(
        "data:") else outside.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    page.goto(f"{server.url}/sparql")
    page.wait_for_selector(".CodeMirror", timeout=15_000)
    assert page.locator("button.example").count() >= 1
    page.evaluate("""() => {
        const yasqe = document.querySelector('.CodeMirror').CodeMirror;
        yasqe.setValue('SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?o');
    }""")
    page.locator(".yasqe_queryButton").first.click()
    page.locator(".yasr td").first.wait_for(timeout=15_000)  # not wait_for_function: the page's CSP forbids eval
    assert "http://example.org/s0" in page.locator(".yasr").inner_text()
    page.wait_for_selector("#truncated:not([hidden])", timeout=5_000)
    assert "first 3 results" in page.locator("#truncated").inner_text()
    assert not outside, outside
    assert not errors, errors
    page.close()


def run_in_yasgui(page: Any, query: str) -> None:
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", query)
    page.locator(".yasqe_queryButton").first.click()


def test_query_page_shows_a_parse_error_in_plain_words(server: Server, browser: Any) -> None:
    """Issue 14: a 400 shows the endpoint's words, wrapped and readable, not a line of JSON or character ranges."""
    shots = Path(os.environ.get("MINEGRAPH_SCREENSHOTS") or tempfile.mkdtemp(prefix="minegraph-screenshots-"))
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "status of 400" not in message.text else None)
    page.goto(f"{server.url}/sparql")
    page.wait_for_selector(".CodeMirror", timeout=15_000)
    run_in_yasgui(page, "SELECT ?x WHERE { ?x foo:bar ?y }")
    shown = page.locator(".yasr .query-error")
    shown.wait_for(timeout=15_000)
    text = shown.inner_text()
    assert "Error 400" in text
    assert "line 1, column 22: unknown prefix `foo:` — declare it with PREFIX foo: <…>" in text
    assert "\\u{" not in text and '"status"' not in text
    message = page.locator(".yasr .query-error-message")
    assert message.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    assert message.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # wrapped, never wider than its box
    shown.screenshot(path=str(shots / "sparql-error-prefix.png"))
    run_in_yasgui(page, "SELECT * {\n  ?s ?p ?o } LIMIT 3 ORDER BY ?s")
    page.locator(".yasr .query-error", has_text="line 2, column 28").wait_for(timeout=15_000)
    lines = page.locator(".yasr .query-error-message").inner_text().split("\n")
    assert lines[2].index("^") == lines[1].index("BY")  # the caret is under the mistake
    page.locator(".yasr").screenshot(path=str(shots / "sparql-error-position.png"))
    assert not errors, errors
    page.close()


# --- Issue 17: a query link opens the page and runs; results read as labels and plain values; nothing overflows.

#: Reports every Content-Security-Policy violation of a page to the test (as tests/test_browser_pages.py does).
REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', e => window.reportViolation(
    [e.violatedDirective, e.blockedURI, e.sourceFile + ':' + e.lineNumber].join(' ')));"""
INCIDENTS = (Path(__file__).resolve().parents[1] / "queries" / "01-incidents.rq").read_text(encoding="utf-8")
#: Incidents with their place (an IRI with a label), a count (an xsd:integer), a concept (an IRI with a
#: skos:prefLabel only) and a literal with a language tag.
TERMS = """PREFIX mg: <https://w3id.org/minegraph/def/>
SELECT ?incident ?place ?killed ?category ?said WHERE {
  ?incident a mg:Incident ; mg:place ?place ; mg:killedCount ?killed .
  VALUES (?category ?said) { (<https://w3id.org/minegraph/concept/age-band/adult> "News.Az"@en) }
} ORDER BY ?killed"""
WIDTHS = {1280: "sparql.png", 390: "sparql-small-screen.png"}


@pytest.fixture(scope="module")
def seeded() -> Iterator[Server]:
    """A server over the store built from data/ (the seed's incidents, places and concepts), no row limit to
    speak of."""
    from tests.conftest import DATA

    running = start_server(Path(tempfile.mkdtemp(prefix="minegraph-sparql-page-")), build=True,
                           env={"MINEGRAPH_DATA_DIR": str(DATA)})
    yield running
    running.stop()


class Watched:
    """A page of its own context whose console errors, failed answers, CSP violations and requests outside the
    server are kept, to be checked at the end."""

    def __init__(self, browser: Any, server: Server, width: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900}, service_workers="block")
        self.problems: list[str] = []
        self.context.expose_function("reportViolation", lambda text: self.problems.append(f"CSP: {text}"))
        self.context.add_init_script(script=REPORT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: None if request.url.startswith((server.url, "data:"))
                     else self.problems.append(f"outside: {request.url}"))
        self.page.on("console", lambda message: self.problems.append(message.text)
                     if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on("response", lambda response: self.problems.append(f"{response.status} {response.url}")
                     if response.status >= 400 else None)

    def open_link(self, server: Server, query: str) -> Any:
        """Follow a ``/sparql?query=`` link as a browser does, and wait for the results and their labels."""
        answer = self.page.goto(f"{server.url}/sparql?query={quote(query)}")
        self.page.locator(".yasr td").first.wait_for(timeout=15_000)
        self.page.wait_for_load_state("networkidle")  # the labels' query
        return answer

    def close(self) -> None:
        self.page.wait_for_timeout(200)  # a violation is reported asynchronously
        self.context.close()
        assert not self.problems, self.problems


def cells(page: Any, column: int) -> list[str]:
    """The texts of a column of the results table (0: the row number)."""
    return page.locator(f".yasr table.dataTable tbody td:nth-child({column + 1})").all_inner_texts()


def test_a_query_link_opens_the_page_with_the_query_run(seeded: Server, browser: Any) -> None:
    """Chromium's Accept (text/html first, application/xml;q=0.9) got a download of SPARQL XML: now the page,
    the query in its editor and its results below."""
    watched = Watched(browser, seeded, 1280)
    answer = watched.open_link(seeded, INCIDENTS)
    assert answer is not None and answer.headers["content-type"].startswith("text/html")
    editor = watched.page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert editor == INCIDENTS
    assert sorted(cells(watched.page, 3)) == ["Aghdam District", "Jabrayil District", "Jabrayil District"]
    watched.close()


def test_results_show_labels_and_plain_values_with_the_rdf_terms_one_click_away(seeded: Server,
                                                                                browser: Any) -> None:
    watched = Watched(browser, seeded, 1280)
    page = watched.page
    watched.open_link(seeded, TERMS)
    table = page.locator(".yasr table.dataTable tbody")
    assert "Aghdam District" in cells(page, 2), "a place's IRI shows as its rdfs:label"
    place = table.get_by_role("link", name="Aghdam District", exact=True)
    assert (place.get_attribute("href") or "").startswith("https://w3id.org/minegraph/id/place/")
    assert sorted(cells(page, 3)) == ["0", "0", "1"], "a count as a number, not \"1\"^^<…#integer>"
    assert cells(page, 4) == ["adult"] * 3, "a concept's IRI shows as its skos:prefLabel"
    assert cells(page, 5) == ["News.Az"] * 3, "a literal without quotes nor @en"
    assert all(text.startswith("Landmine explosion") for text in cells(page, 1)), "an incident by its label"
    switch = page.get_by_role("button", name="Show RDF terms")
    assert switch.get_attribute("aria-pressed") == "false"
    switch.focus()
    page.keyboard.press("Enter")  # reachable and usable from the keyboard
    assert switch.get_attribute("aria-pressed") == "true"
    raw = table.inner_text()
    assert '"News.Az"@en' in raw.replace("\n", "") and "XMLSchema#integer" in raw
    assert "https://w3id.org/minegraph/id/place/" in raw
    switch.click()
    assert switch.get_attribute("aria-pressed") == "false"
    assert "Aghdam District" in cells(page, 2) and "XMLSchema" not in table.inner_text()
    watched.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_results_never_stretch_the_page_and_long_values_wrap(seeded: Server, browser: Any, width: int) -> None:
    """The table was 1,580 px wide and cut names ("Aghdam…"): now it scrolls inside its own box if it must, and
    every value is shown whole. Screenshots: docs/screenshots/sparql.png and sparql-small-screen.png."""
    shots = Path(os.environ.get("MINEGRAPH_SCREENSHOTS") or tempfile.mkdtemp(prefix="minegraph-screenshots-"))
    watched = Watched(browser, seeded, width)
    page = watched.page
    watched.open_link(seeded, INCIDENTS)
    assert page.evaluate("() => document.documentElement.scrollWidth") == width
    assert page.evaluate("""() => [...document.querySelectorAll('.yasr table.dataTable td *')].filter(e =>
        getComputedStyle(e).textOverflow === 'ellipsis' || e.scrollWidth > e.clientWidth + 1).length""") == 0
    assert "…" not in page.locator(".yasr table.dataTable").inner_text()
    assert "Aghdam District" in cells(page, 3)
    page.screenshot(path=str(shots / WIDTHS[width]), full_page=True)
    watched.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_share_and_run_buttons_leave_the_query_readable(seeded: Server, browser: Any, width: int) -> None:
    watched = Watched(browser, seeded, width)
    page = watched.page
    watched.open_link(seeded, INCIDENTS)
    lines = [page.locator(".CodeMirror-line").nth(n).bounding_box() for n in range(2)]
    for button in (".yasqe_share", ".yasqe_queryButton"):
        box = page.locator(button).first.bounding_box()
        assert box is not None and box["width"] > 0
        for line in lines:
            assert line is not None
            apart = (box["x"] + box["width"] <= line["x"] or line["x"] + line["width"] <= box["x"]
                     or box["y"] + box["height"] <= line["y"] or line["y"] + line["height"] <= box["y"])
            assert apart, f"{button} covers a line of the query: {box} {line}"
    watched.close()
