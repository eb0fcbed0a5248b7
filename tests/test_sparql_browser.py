"""The query page in a real browser (Debian's chromium via Playwright): it loads offline, runs an example
query and shows its rows, and tells the user when results were cut at the row limit."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
