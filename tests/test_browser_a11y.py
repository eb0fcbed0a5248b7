"""Every page a journalist would link to, in a real browser at 1280 and 390 px: readable without sideways
scrolling, accessible (axe-core finds no serious or critical violation of WCAG 2.1 A/AA or best practice), and
printable. A server process over data/ with one incident withdrawn, so that the 410 page is among them.

Screenshots of each page at both widths go to the screenshot directory (MINEGRAPH_SCREENSHOTS, see
tests/test_browser_pages.py); the ones in docs/screenshots/ were made with
``MINEGRAPH_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/test_browser_a11y.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from minegraph.core.gazetteer import pcode_place_iri
from minegraph.core.settings import Settings
from minegraph.core.vocab import agent_iri, mint_key
from tests.conftest import BASE
from tests.test_browser_pages import SHOTS, Watch, browser, serve, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {1280: "", 390: "-small-screen"}
SEED_SOURCE = "newsaz-ombudsperson-april-6"
WITHDRAWN = mint_key("incident", SEED_SOURCE, "jabrayil-border-service-soldier-killed")
INCIDENT = mint_key("incident", SEED_SOURCE, "jabrayil-anama-employee-injured")
PAGES = {
    "home": "/",
    "incidents": "/incidents",
    "incident": f"/id/incident/{INCIDENT}",
    "victim": f"/id/victim/{mint_key('victim', SEED_SOURCE, 'anama-employee')}",
    "statement": f"/id/statement/{mint_key('statement', SEED_SOURCE, 'ombudsperson-including-children')}",
    "place": "/" + pcode_place_iri(BASE, "AZ60500001").removeprefix(BASE),  # Jabrayil District
    "source": f"/id/source/{mint_key('source', SEED_SOURCE)}",
    "agent": "/" + agent_iri(BASE, "az-ombudsperson").removeprefix(BASE),
    "withdrawn": f"/id/incident/{WITHDRAWN}",
    "releases": "/release/",
    "catalog": "/catalog",
    "dataset": "/.well-known/void",
    "concept": "/concept/outcome/injured",
    "map": "/map",
}
#: What axe-core checks: WCAG 2.0 and 2.1 at levels A and AA, and its best practices (landmarks, one h1…).
AXE_RUN = """async () => { const r = await axe.run(document, {runOnly: {type: 'tag',
    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"""


@pytest.fixture(scope="module")
def journalist_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``minegraph serve`` over data/, the State Border Service soldier's incident withdrawn (a 410 page)."""
    from click.testing import CliRunner

    from minegraph.cli import main

    def withdraw(settings: Settings) -> None:
        done = CliRunner().invoke(main, ["withdraw", f"incident/{WITHDRAWN}", "--store", str(settings.store),
                                         "--reason", "Reported twice; kept in the releases that published it."])
        assert done.exit_code == 0, done.output

    yield from serve(tmp_path_factory, "browser-journalist", withdraw)


def check(watch: Watch) -> None:
    """Nothing from elsewhere, no console errors but the browser's own note of the 410 asked for."""
    watch.errors = [error for error in watch.errors if "status of 410 (Gone)" not in error]
    watch.check()


def sideways(page: Any) -> int:
    """How many pixels the page scrolls sideways (0: everything fits the window)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def serious(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]


def run_a_query(page: Any, origin: str) -> None:
    """The query page with results: a query typed into the editor and run, as a newcomer does."""
    page.goto(origin + "/sparql")
    page.wait_for_selector(".CodeMirror", timeout=15_000)
    query = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX mg: <https://w3id.org/minegraph/def/>\n"
             "SELECT ?incident ?label ?killed WHERE { ?incident a mg:Incident ; rdfs:label ?label ; "
             "mg:killedCount ?killed }")
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", query)
    page.locator(".yasqe_queryButton").first.click()
    page.locator(".yasr td").first.wait_for(timeout=15_000)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_fits_the_screen_and_passes_the_accessibility_checker(browser: Any, journalist_server: str,  # noqa: F811
                                                                          width: int) -> None:
    # bypass_csp: the checker is injected by the test (the pages' own policy allows only their scripts)
    context = browser.new_context(viewport={"width": width, "height": 900}, service_workers="block", bypass_csp=True)
    watch = Watch(context, journalist_server)
    page = watch.page(context)
    SHOTS.mkdir(parents=True, exist_ok=True)
    found: dict[str, Any] = {}
    for name, path in [*PAGES.items(), ("sparql", "")]:
        if name == "sparql":
            run_a_query(page, journalist_server)
        else:
            response = page.goto(journalist_server + path)
            assert response is not None and response.status == (410 if name == "withdrawn" else 200), path
        page.screenshot(path=str(SHOTS / f"{name}{WIDTHS[width]}.png"), full_page=True)
        found[name] = {"sideways": sideways(page), "violations": serious(page)}
    context.close()
    check(watch)
    failing = {name: f for name, f in found.items() if f["sideways"] or f["violations"]}
    assert failing == {}, json.dumps(failing, indent=1)


def test_the_withdrawn_incident_says_what_it_was_when_and_why(browser: Any, journalist_server: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    watch = Watch(context, journalist_server)
    page = watch.page(context)
    response = page.goto(journalist_server + PAGES["withdrawn"])
    assert response is not None and response.status == 410
    main = page.locator("main").inner_text()
    assert "State Border Service soldier" in main and "Reported twice" in main
    assert page.locator("main a[href='/release/']").count() == 0, "no release kept it: no pointer to an empty list"
    context.close()
    check(watch)


def test_an_incident_page_prints_its_content_and_citation_without_the_site_around_it(
        browser: Any, journalist_server: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    watch = Watch(context, journalist_server)
    page = watch.page(context)
    page.goto(journalist_server + PAGES["incident"])
    page.emulate_media(media="print")
    shown = page.evaluate("""() => Object.fromEntries(['.site-header', '.site-footer', '.formats', '.cite-text',
        'main blockquote', 'svg.map', '.cite details'].map(s => [s, getComputedStyle(document.querySelector(s))
        .display !== 'none']))""")
    assert shown == {".site-header": False, ".site-footer": False, ".formats": False, ".cite-text": True,
                     "main blockquote": True, "svg.map": True, ".cite details": False}
    assert "https://w3id.org/minegraph/id/incident/" in page.locator(".cite-text").inner_text()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    context.close()
    check(watch)


def test_what_a_journalist_reads_on_each_page(browser: Any, server: str) -> None:  # noqa: F811
    """Issue 17's points as a reader meets them in the browser (the seed, nothing withdrawn): who said what and how,
    claims kept to what their speaker spoke of, things named in words rather than by keys or IRI fragments."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    watch = Watch(context, server)
    page = watch.page(context)

    def main(path: str) -> str:
        page.goto(server + path)
        return " ".join(page.locator("main").inner_text().split())

    incident = main(PAGES["incident"])
    assert "News.Az wrote:" in incident and "The publisher’s own text (quoted)" in incident
    assert "News.Az said" not in incident  # a publisher's narration is not somebody's speech
    assert incident.count("Said of this incident together with Landmine explosion injuring three members of one "
                          "family") == 2  # "four citizens, including children": both incidents, together
    soldier = main(f"/id/incident/{WITHDRAWN}")
    assert "Claims by sources" not in soldier and "News.Az wrote:" in soldier  # reported by News.Az alone
    assert "categories only" in main(PAGES["victim"])
    victim = page.locator("h1").inner_text()
    assert victim.startswith("Victim (injured, deminer) — Landmine explosion injuring a mine action agency employee")
    source = main(PAGES["source"])
    assert "Language English" in source and " in News.Az report" not in source and "· in" not in source
    assert "— Human Rights Commissioner (Ombudsperson) of the Republic of Azerbaijan" in source
    catalog = main("/catalog")
    assert "CC BY 4.0" in catalog and "minegraph contributors" in catalog and "catalog#publisher" not in catalog
    dataset = main("/.well-known/void")
    assert "mg:Incident: 3 things" in dataset and "dataset#class" not in dataset
    assert "http://www.w3.org/2004/02/skos/core#" in dataset and not re.search(r"(?<![/\w])core#", dataset)
    assert "Incidents, by latest possible date" in main("/")
    assert "No release has been cut yet" in main("/release/")
    context.close()
    watch.check()
