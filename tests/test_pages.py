"""The pages for people: home, incident list, and the HTML of each kind of resource (Flask test client)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from minegraph.core.settings import Settings
from minegraph.core.vocab import OA, mint_key, thing_iri
from minegraph.publish.describe import describe
from minegraph.web import create_app
from minegraph.web.listing import encode_cursor
from minegraph.web.pages import render_not_found, render_resource, render_tombstone
from tests.conftest import BASE, listed_for_redaction
from tests.test_pages_support import Release, union_graph

SOURCE = "newsaz-ombudsperson-april-6"
INCIDENT = thing_iri(BASE, "incident", mint_key("incident", SOURCE, "jabrayil-anama-employee-injured"))
KILLED = thing_iri(BASE, "incident", mint_key("incident", SOURCE, "jabrayil-border-service-soldier-killed"))
AGHDAM = thing_iri(BASE, "incident", mint_key("incident", SOURCE, "aghdam-family-injured"))
VICTIM = thing_iri(BASE, "victim", mint_key("victim", SOURCE, "border-service-soldier"))
STATEMENT = thing_iri(BASE, "statement", mint_key("statement", SOURCE, "ombudsperson-responsibility-armenia"))
SOURCE_IRI = thing_iri(BASE, "source", mint_key("source", SOURCE))
LISTED = listed_for_redaction()  # the name of the seed's killed soldier, among others
ALTERNATES = [("/doc/x.ttl", "text/turtle", "ttl"), ("/doc/x.jsonld", "application/ld+json", "jsonld")]


def path(iri: str) -> str:
    return "/doc/" + iri[len(BASE) + len("id/"):]


@pytest.fixture(scope="module")
def union(built_settings: Settings) -> Graph:
    return union_graph(str(built_settings.store))


@pytest.fixture(scope="module")
def app(built_settings: Settings) -> Iterator[Flask]:
    app = create_app(built_settings, {"TESTING": True, "QUERY_WORKERS": 1})
    yield app
    app.extensions["minegraph"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def get(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


class Page(HTMLParser):
    """What the accessibility and offline checks need from a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.ids: list[str] = []
        self.tags: set[str] = set()
        self.urls: list[str] = []
        self.controls: list[str] = []
        self.labels: set[str] = set()
        self.scripts: list[str] = []
        self.lang = ""
        self._script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "html":
            self.lang = a.get("lang") or ""
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if a.get("id"):
            self.ids.append(a["id"] or "")
        loads = tag in ("script", "img", "iframe", "source", "video", "audio", "embed") or (
            tag == "link" and a.get("rel") in ("stylesheet", "icon", "preload", "modulepreload"))
        if loads and (a.get("src") or a.get("href")):
            self.urls.append(a.get("src") or a.get("href") or "")
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a.get("id") or "")
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        self._script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if self._script:
            self.scripts.append(data)


def check_page(html: str) -> Page:
    """Landmarks, headings in order, unique ids, labelled controls, lang, nothing loaded from elsewhere."""
    page = Page(html)
    assert page.lang == "en"
    assert {"header", "nav", "main", "footer"} <= page.tags
    assert 'class="skip-link" href="#main"' in html
    assert page.headings and page.headings[0] == 1 and page.headings.count(1) == 1
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, page.headings
    assert len(page.ids) == len(set(page.ids)), [i for i in page.ids if page.ids.count(i) > 1]
    assert set(page.controls) <= page.labels
    for url in page.urls:
        assert url.startswith("/") and not url.startswith("//"), url
    assert "http://" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', html.split("<body", 1)[0]))
    for script in page.scripts:
        assert "</" not in script
    assert not LISTED.contains(html)
    return page


def jsonld_of(html: str) -> list[tuple[str, str, str]]:
    """The triples of the page's embedded JSON-LD, as (subject, predicate, object value) strings."""
    from pyoxigraph import RdfFormat, parse

    page = Page(html)
    return [(q.subject.value, q.predicate.value, q.object.value)
            for q in parse(page.scripts[0].encode(), format=RdfFormat.JSON_LD)]


# --- home and list --------------------------------------------------------------------------------------------

def test_home_shows_the_dataset_figures_and_links(client: FlaskClient) -> None:
    html = get(client, "/")
    check_page(html)
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", html))
    assert figures == {"Incidents": "3", "People killed": "1", "People injured": "4", "Source documents": "1",
                       "Statements": "7", "Places with incidents": "2"}
    for link in ('href="/sparql"', 'href="/incidents"', 'href="/catalog"', 'href="/.well-known/void"',
                 'href="/release/"'):
        assert link in html
    assert path(INCIDENT).replace("/doc/", "/id/") in html
    assert len(jsonld_of(html)) > 0
    assert "Last build: " in html
    # the seed's years are not stated: the list says how it is ordered, not "latest incidents, newest first"
    assert "by latest possible date" in html and "Latest incidents" not in html


def rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="(/id/incident/[^"]+)"', html)


@pytest.mark.parametrize(("query", "expected"), [
    ("", {INCIDENT, KILLED, AGHDAM}),
    ("?outcome=killed", {KILLED}),
    ("?outcome=injured", {INCIDENT, AGHDAM}),
    ("?place=Aghdam District", {AGHDAM}),
    ("?place=Azerbaijan", {INCIDENT, KILLED, AGHDAM}),
    ("?device=unspecified-mine", {INCIDENT, KILLED, AGHDAM}),
    ("?device=antipersonnel-mine", set()),
    ("?from=2026-04-06", {INCIDENT, KILLED, AGHDAM}),  # the range may include it
    ("?from=2026-04-07", set()),
    ("?to=2020-04-05", set()),
    ("?from=2021-01-01&to=2021-12-31&outcome=killed", {KILLED}),
])
def test_incident_list_filters(client: FlaskClient, union: Graph, query: str, expected: set[str]) -> None:
    if query.startswith("?place="):  # the place's key, as the form sends it
        label = query.removeprefix("?place=")
        place = next(union.subjects(RDFS.label, Literal(label, lang="en")))
        query = "?place=" + str(place).rsplit("/", 1)[-1]
    html = get(client, "/incidents" + query)
    check_page(html)
    assert set(rows(html)) == {"/id/" + iri[len(BASE) + 3:] for iri in expected}
    assert f"<h2 id=\"results-h\">{len(expected)} incident" in html


@pytest.mark.parametrize("query", [
    "?place=nowhere", "?device=%3E%20%7D%20DROP%20ALL", "?outcome=killed%22)%20%7D", "?from=2020-13-01",
    "?to=yesterday", "?place=" + "x" * 5000,
])
def test_bad_filter_values_are_refused_and_never_reach_sparql(client: FlaskClient, query: str) -> None:
    html = get(client, "/incidents" + query, status=400)
    assert 'role="alert"' in html and "the filter was not applied" in html
    assert len(rows(html)) == 3


def test_keyset_pagination_is_stable_and_complete(app: Flask) -> None:
    from minegraph.web import listing

    with app.test_request_context("/incidents"):
        seen, after = [], None
        for _ in range(10):
            page, cursor, total = listing.incident_page(listing.Filters(), after, size=1)
            seen += [row["i"] for row in page]
            if cursor is None:
                break
            after = listing.decode_cursor(cursor, BASE)
    assert total == 3 and len(seen) == 3 and len(set(seen)) == 3
    assert seen == sorted(seen)  # same earliest date: ordered by IRI


def test_list_links_to_the_next_page_with_an_opaque_cursor(app: Flask, client: FlaskClient,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "INCIDENTS_PAGE_SIZE", 2)
    first = get(client, "/incidents?outcome=injured")
    assert len(rows(first)) == 2
    assert 'rel="next"' not in first
    html = get(client, "/incidents")
    cursor = re.search(r'rel="next" href="/incidents\?after=([^"&]+)"', html)
    assert cursor is not None
    second = get(client, f"/incidents?after={cursor.group(1)}")
    assert len(rows(second)) == 1 and set(rows(second)).isdisjoint(rows(html))
    assert "First page" in second


def _wrong_check_character(iri: str) -> str:
    return iri[:-1] + ("0" if iri[-1] != "0" else "1")


@pytest.mark.parametrize("cursor", [
    "garbage", encode_cursor("2020-04-06", "http://evil/> } DROP ALL"), encode_cursor("2020-04-06", "x"),
    encode_cursor("2020-04-06", _wrong_check_character(str(INCIDENT))), encode_cursor("not a date", str(INCIDENT)),
])
def test_a_damaged_cursor_is_a_400(client: FlaskClient, cursor: str) -> None:
    html = get(client, f"/incidents?after={cursor}", status=400)
    assert "cursor" in html


# --- resource pages ------------------------------------------------------------------------------------------

def description(built_store: object, iri: str) -> Graph:
    """The bounded description the dereferencing module builds (minegraph.publish.describe)."""
    return describe(built_store, iri, base=BASE)  # type: ignore[arg-type]


def page_of(built_store: object, kind: str, iri: str, release: object | None = None) -> str:
    return render_resource(kind, str(iri), description(built_store, str(iri)), release=release,
                           alternates=ALTERNATES, base=BASE)


def test_incident_page_says_what_when_where_and_who_said_it(built_store: object) -> None:
    html = page_of(built_store, "incident", INCIDENT)
    page = check_page(html)
    assert "<h1>Landmine explosion injuring a mine action agency employee, Jabrayil District" in html
    assert "6 April, year not stated" in html and "between 6 April 2020 and 6 April 2026" in html
    assert "As the source put it: “April 6”" in html
    assert re.search(r'<a href="/id/place/\w+">Jabrayil District</a>, <a href="/id/place/\w+">Azerbaijan</a>', html)
    assert "OCHA P-code AZ60500001" in html and 'href="https://sws.geonames.org/148140/"' in html
    assert re.search(r"<dt>Injured</dt><dd class=\"count\">1</dd>", html)
    assert re.search(r"<dt>Killed</dt><dd class=\"count\">0</dd>", html)
    assert "Unspecified mine" in html
    # every fact with who said it: the reports, quoted, with their speakers and documents
    assert "Human Rights Commissioner (Ombudsperson) of the Republic of Azerbaijan said:" in html
    assert "<blockquote" in html and "four people were injured" in html
    assert "Direct speech (quoted)" in html and "published by" in html
    # News.Az's own narration is its text, not somebody's speech
    assert "News.Az wrote:" in html and "The publisher’s own text (quoted)" in html and "News.Az said" not in html
    assert '<p class="provenance">·' not in html and '<p class="provenance"> ·' not in html
    # victims by category only
    assert re.search(r"<td data-label=\"Outcome\">injured</td>\s*<td data-label=\"Status\">deminer</td>", html)
    # claims are the source's claims, not facts
    claims = html.split('id="claims-h"', 1)[1].split('id="cite-h"', 1)[0]
    assert "innocent people are losing their lives and health" in claims
    assert "an attribution of responsibility to the Republic of Armenia" in claims
    assert "not as an established fact" in claims
    # "four citizens, including children" was said of this incident and the Aghdam one together: the page says so
    assert claims.count("Said of this incident together with") == 2
    assert re.search(r'together with <a href="/id/incident/\w+">Landmine explosion injuring three members of one '
                     r'family, Aghdam District', claims)
    summary = html.split('id="summary-h"', 1)[1].split('id="map-h"', 1)[0]
    assert "Armenia" not in summary and "planted" not in summary
    # map, cite, formats, JSON-LD
    assert '<svg class="map"' in html and 'role="img"' in html and "Jabrayil District</text>" in html
    assert f"<code class=\"iri\">{INCIDENT}</code>" in html
    assert '<link rel="alternate" type="text/turtle" href="/doc/x.ttl">' in html
    assert '<a href="/doc/x.jsonld" type="application/ld+json">jsonld</a>' in html
    assert len(jsonld_of(html)) == len(description(built_store, str(INCIDENT)))
    assert page.headings.count(1) == 1


def test_cite_this_names_uri_release_and_access_date(built_store: object) -> None:
    html = page_of(built_store, "incident", INCIDENT, release=Release(2, "2026-12-01", [1, 2, 3]))
    check_page(html)
    text = re.search(r'<p class="cite-text"[^>]*>([^<]+)</p>', html)
    assert text and str(INCIDENT) in text.group(1) and "release 2 (1 December 2026)" in text.group(1)
    assert "(accessed " in text.group(1)
    bibtex = re.search(r'<code class="cite-bibtex">([^<]+)</code>', html)
    assert bibtex and "@misc{minegraph-" in bibtex.group(1) and f"url = {{{INCIDENT}}}" in bibtex.group(1)
    csl = re.search(r'<code class="cite-csl">([^<]+)</code>', html)
    assert csl is not None
    item = json.loads(csl.group(1).replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&"))
    assert item["URL"] == str(INCIDENT) and item["version"] == "2" and item["issued"]["date-parts"] == [[2026, 12, 1]]
    key = str(INCIDENT).rsplit("/", 1)[-1]
    assert f'<a href="/release/1/doc/incident/{key}.html">1</a>' in html
    assert '<strong aria-current="page">2</strong>' in html
    assert 'src="/static/js/cite.js"' in html


def test_markup_in_the_data_is_shown_as_text_and_cannot_break_the_json_ld(built_store: object) -> None:
    graph = description(built_store, str(INCIDENT))
    evil = "</script><script>alert(1)</script> & <b>bold</b>"
    graph.set((INCIDENT, RDFS.label, Literal(evil, lang="en")))
    selector = next(s for s in graph.subjects(None, None) if str(s).endswith("#quote-1-text"))
    graph.set((selector, OA.exact, Literal(evil)))
    html = render_resource("incident", str(INCIDENT), graph, release=None, alternates=[], base=BASE)
    assert "<script>alert(1)" not in html and "<b>bold</b>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html
    check_page(html)
    assert (str(INCIDENT), str(RDFS.label), evil) in jsonld_of(html)


@pytest.mark.parametrize(("kind", "iri", "expected"), [
    ("victim", VICTIM, ["security forces", "killed", "categories only",
                        "<h1>Victim (killed, security forces) — Landmine explosion killing a State Border Service "
                        "soldier, Jabrayil District"]),
    ("statement", STATEMENT, ["Armenia&#39;s ongoing landmine terror", "responsibility claim", "About"]),
    ("source", SOURCE_IRI, ["191cc220978eb5064cf39785617c8548943d67b3cc60f686e4a41f77801a2e32", "News.Az",
                            "Statements read from this document"]),
])
def test_pages_of_other_kinds(built_store: object, kind: str, iri: URIRef, expected: list[str]) -> None:
    html = page_of(built_store, kind, iri)
    check_page(html)
    for text in expected:
        assert text in html, text


def test_claims_of_the_ombudsperson_stay_off_the_incident_she_did_not_speak_of(built_store: object) -> None:
    """The soldier's death is reported by News.Az alone: no claim of the Ombudsperson appears on its page."""
    html = page_of(built_store, "incident", KILLED)
    check_page(html)
    main = html.split("<main", 1)[1].split('id="cite-h"', 1)[0].replace("Ombudsperson&#39;s statement on", "")
    assert "Ombudsperson" not in main, "only the document's title may name her"
    assert 'id="claims-h"' not in main and "News.Az wrote:" in main


def test_source_page_names_the_original_and_its_date_and_each_statement_once(built_store: object) -> None:
    html = page_of(built_store, "source", SOURCE_IRI)
    statements = html.split('id="statements-h"', 1)[1].split('id="cite-h"', 1)[0]
    assert statements.count('<article class="statement') == 7
    assert " in <a" not in statements, "the document is not named again on its own page"
    assert "<dd>English</dd>" in html
    assert "— Human Rights Commissioner (Ombudsperson)" in statements and "— News.Az" in statements
    assert "· " not in re.sub(r"<[^>]+>", "", statements).replace("\n", " ").lstrip()[:2]
    # a source with its address and publication date (the seed's text has neither)
    graph = description(built_store, str(SOURCE_IRI))
    graph.add((SOURCE_IRI, URIRef("http://schema.org/url"), URIRef("https://news.example.org/item?id=1&x=2")))
    graph.add((SOURCE_IRI, URIRef("http://purl.org/dc/terms/issued"),
               Literal("2024-04-07", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))))
    html = render_resource("source", str(SOURCE_IRI), graph, release=None, alternates=ALTERNATES, base=BASE)
    check_page(html)
    assert '<dt>Published</dt><dd>7 April 2024</dd>' in html
    assert 'href="https://news.example.org/item?id=1&amp;x=2" rel="external nofollow"' in html


def test_a_table_statement_lists_its_first_rows_and_links_to_the_rest(built_store: object) -> None:
    """A table's statement supports every row: its page lists 100 and links to a query for all of them."""
    graph = description(built_store, str(STATEMENT))
    supports = URIRef("https://w3id.org/minegraph/def/supports")
    for n in range(150):
        graph.add((STATEMENT, supports, thing_iri(BASE, "incident", mint_key("incident", "table", str(n)))))
    html = render_resource("statement", str(STATEMENT), graph, release=None, alternates=ALTERNATES, base=BASE)
    check_page(html)
    listed = html.split('id="refers-h"', 1)[1].split("</dl>", 1)[0]
    assert listed.count("<li>") == 100 + 2  # the first 100 it supports, and the 2 incidents it is about
    assert "… and 50 more" in listed and 'href="/sparql?query=PREFIX%20mg%3A' in listed
    assert "mg%3Asupports%20%3Fthing" in listed


def test_dataset_description_in_words(client: FlaskClient) -> None:
    """The catalog and the VoID description name licences, publishers, partitions and vocabularies, not bare
    fragments of IRIs ("4.0", "catalog#publisher", "dataset#class owl Class", "core#")."""
    catalog = client.get("/catalog", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert ">CC BY 4.0</a>" in catalog and ">minegraph contributors</a>" in catalog
    assert ">4.0<" not in catalog and "catalog#publisher<" not in catalog
    void = client.get("/.well-known/void", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert re.search(r'<a href="/def/Incident">mg:Incident: 3 things</a>', void)
    assert re.search(r">mg:killedCount: \d+ triples</a>", void)
    assert ">http://www.w3.org/2004/02/skos/core#</a>" in void and ">core#<" not in void
    assert "links to Wikidata by skos:exactMatch:" in void
    shown = re.sub(r'href="[^"]*"', "", void.split("<main", 1)[1])
    assert "dataset#class" not in shown and "dataset#property" not in shown


def test_place_page_links_out_and_maps(built_store: object, union: Graph) -> None:
    place = next(union.subjects(RDFS.label, Literal("Jabrayil District", lang="en")))
    html = page_of(built_store, "place", place)
    check_page(html)
    assert "<dt>Part of</dt>" in html and ">Azerbaijan</a>" in html
    assert '<span lang="az">Cəbrayıl rayonu</span> <span class="muted">(Azerbaijani)</span>' in html
    assert "(und)" not in html and "(az)" not in html, "a language is named for a reader, not by its code"
    assert "OCHA P-code AZ60500001" in html and "ISO 3166 AZ-CAB" in html
    assert '<svg class="map"' in html
    assert f"/incidents?place={str(place).rsplit('/', 1)[-1]}" in html
    country = next(union.subjects(RDFS.label, Literal("Azerbaijan", lang="en")))
    html = page_of(built_store, "place", country)
    assert 'href="http://www.wikidata.org/entity/Q227"' in html and "Wikidata Q227" in html


def test_agent_page_separates_what_it_said_from_claims_naming_it(built_store: object, union: Graph) -> None:
    armenia = next(union.subjects(RDFS.label, Literal("Republic of Armenia", lang="en")))
    html = page_of(built_store, "agent", armenia)
    check_page(html)
    assert "Named in claims of responsibility" in html
    assert "an attribution of responsibility to the Republic of Armenia" in html, "as an English sentence says it"
    assert "attributed responsibility to the Republic of Armenia in these statements" in html
    ombudsperson = next(union.subjects(RDFS.label, Literal(
        "Human Rights Commissioner (Ombudsperson) of the Republic of Azerbaijan", lang="en")))
    html = page_of(built_store, "agent", ombudsperson)
    assert "Statements attributed to" in html
    assert len(re.findall(r'<article class="statement', html)) == 5  # its statements in this source


def test_generic_page_for_a_concept() -> None:
    concept = URIRef("https://w3id.org/minegraph/concept/outcome/killed")
    graph = Graph()
    graph.add((concept, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), Literal("killed", lang="en")))
    graph.add((concept, URIRef("http://www.w3.org/2004/02/skos/core#definition"),
               Literal("The person died as a result of the incident.", lang="en")))
    html = render_resource("concept", str(concept), graph, release=None, alternates=ALTERNATES, base=BASE)
    check_page(html)
    assert "<h1>killed</h1>" in html and "The person died as a result of the incident." in html
    assert 'href="/concept/outcome/killed"' in html


def test_tombstones_and_not_found() -> None:
    gone = render_tombstone(str(INCIDENT), 410, "Duplicate <b>report</b>", None, BASE)
    check_page(gone)
    assert "This record is no longer in the current data" in gone and "Duplicate &lt;b&gt;report&lt;/b&gt;" in gone
    merged = render_tombstone(str(INCIDENT), 301, "Same incident", str(KILLED), BASE)
    check_page(merged)
    assert "merged into another" in merged and f'href="/id/incident/{str(KILLED).rsplit("/", 1)[-1]}"' in merged
    missing = render_not_found("/id/incident/k318zecnq28", "The check character of this key is wrong.",
                               [str(INCIDENT)], BASE)
    check_page(missing)
    assert "The check character of this key is wrong." in missing and "/id/incident/k318zecnq29" in missing


def test_pages_follow_the_base_they_are_given(built_store: object) -> None:
    graph = description(built_store, str(INCIDENT))
    html = render_resource("incident", str(INCIDENT), graph, release=None, alternates=[],
                           base="https://example.org/other/")
    assert 'href="/id/place/' not in html  # not under this base: linked as the IRIs they are
    assert 'href="https://w3id.org/minegraph/id/place/' in html


def test_incident_page_over_http(client: FlaskClient) -> None:
    html = get(client, path(INCIDENT))
    check_page(html)
    assert "<blockquote" in html and "Cite this" in html and '<svg class="map"' in html
    for extension in ("ttl", "jsonld", "nt", "rdf"):
        assert re.search(rf'<link rel="alternate" type="[^"]+" href="[^"]+\.{extension}">', html), extension


def test_static_assets_are_served(client: FlaskClient) -> None:
    for asset in ("/static/css/site.css", "/static/js/cite.js", "/static/favicon.svg"):
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert b"http://" not in response.data.replace(b"http://www.w3.org/2000/svg", b"")
        response.close()


# --- colours and the map ------------------------------------------------------------------------------------------

def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa() -> None:
    from minegraph.web.pages import TEMPLATES

    css = (TEMPLATES.parent / "static" / "css" / "site.css").read_text()
    colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", css))
    pairs = [("text", "bg"), ("text", "panel"), ("text", "claim"), ("muted", "bg"), ("muted", "panel"),
             ("muted", "claim"), ("link", "bg"), ("link", "panel"), ("link", "claim"), ("link-visited", "bg"),
             ("link-visited", "claim"), ("header-text", "header")]
    for fore, back in pairs:
        assert contrast(colours[fore], colours[back]) >= 4.5, (fore, back)
    assert contrast("#ffffff", colours["link"]) >= 4.5  # buttons
    assert contrast(colours["focus"], colours["bg"]) >= 3  # focus ring (non-text contrast)


def test_map_frames_the_country_or_the_point() -> None:
    from minegraph.web.mapsvg import MapPoint, locator_map

    svg = str(locator_map(MapPoint(47.03, 39.40, "Jabrayil <District>", 15000), country="Azerbaijan"))
    assert "map-focus" in svg and "<title>Armenia</title>" in svg
    assert "Jabrayil &lt;District&gt;" in svg and "<District>" not in svg
    assert "within about 15 km" in svg
    nowhere = str(locator_map(MapPoint(-75.5, 6.2, "Medellín"), country="No such country"))
    assert "map-focus" not in nowhere and "Colombia" in nowhere
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.parametrize("module", ["pages", "views", "cite", "mapsvg", "errors"])
def test_doctests(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"minegraph.web.{module}"))
    assert result.failed == 0 and result.attempted > 0
