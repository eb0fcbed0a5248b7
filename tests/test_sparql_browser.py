"""The query page in a real browser (Debian's chromium via Playwright): it loads offline, runs an example
query and shows its rows, and tells the user when results were cut at the row limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sparql_support import Server, start_server

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():  # pragma: no cover - depends on the machine
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium", allow_module_level=True)


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
    page.wait_for_function("document.querySelectorAll('.yasr td').length > 0", timeout=15_000)
    assert "http://example.org/s0" in page.locator(".yasr").inner_text()
    page.wait_for_selector("#truncated:not([hidden])", timeout=5_000)
    assert "first 3 results" in page.locator("#truncated").inner_text()
    assert not outside, outside
    assert not errors, errors
    page.close()
