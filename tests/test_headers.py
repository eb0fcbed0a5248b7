"""The headers every answer carries (issue 14): a Content-Security-Policy on every HTML page, nosniff and a
referrer policy on every answer, CORS open for reading and closed for writing — from the app and from the nginx
configuration it generates. (The browser test in tests/test_browser_pages.py checks that the pages, the map and
YASGUI run under the policy without a single violation.)"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from minegraph.web import headers, nginx
from minegraph.web.headers import PAGE_POLICY, PREVIEW_POLICY, REFERRER_POLICY

INCIDENT = "k318zecnq29"
YASGUI_JS = Path(headers.__file__).parent / "static" / "vendor" / "yasgui" / "yasgui.min.js"
HTML = {"Accept": "text/html"}


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.fixture(scope="module")
def place(web_app) -> str:  # type: ignore[no-untyped-def]
    """A place's document path, found on the incident's page."""
    page = web_app.test_client().get(f"/doc/incident/{INCIDENT}", headers=HTML).get_data(as_text=True)
    found = re.search(r'href="/id/place/(\w+)"', page)
    assert found, "the incident page links to its place"
    return f"/doc/place/{found.group(1)}"


def page_paths(place: str) -> list[str]:
    return ["/", "/incidents", "/incidents?outcome=killed", "/sparql", f"/doc/incident/{INCIDENT}",
            f"/doc/incident/{INCIDENT}.html", f"/id/incident/{INCIDENT}", place, "/def/", "/concept/",
            "/release/", "/catalog", "/.well-known/void", "/incidents?outcome=nonsense", "/doc/incident/k318zecnq2x",
            "/no/such/page"]


def test_the_page_policy_says_what_issue_14_asks() -> None:
    policy = directives(PAGE_POLICY)
    assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert "'unsafe-eval'" not in PAGE_POLICY and "'unsafe-inline'" not in PAGE_POLICY


def test_every_html_answer_has_the_page_policy(web_client: FlaskClient, place: str) -> None:
    for path in page_paths(place):
        response = web_client.get(path, headers=HTML, follow_redirects=True)
        assert response.mimetype == "text/html", (path, response.status_code, response.mimetype)
        assert response.headers.get("Content-Security-Policy") == PAGE_POLICY, path
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy") == REFERRER_POLICY, path


def test_every_answer_is_nosniff_with_a_referrer_policy(web_client: FlaskClient) -> None:
    answers = [
        web_client.get("/sparql?query=ASK%20%7B%7D", headers={"Accept": "application/sparql-results+json"}),
        web_client.get("/sparql?query=SELEC", headers={"Accept": "text/plain"}),  # 400
        web_client.get(f"/doc/incident/{INCIDENT}.ttl"),
        web_client.get("/health"),
        web_client.get("/static/sparql.js"),
        web_client.get("/nothing", headers={"Accept": "application/json"}),
        web_client.put("/store?default", data=b"", headers={"Content-Type": "text/turtle"}),
    ]
    for response in answers:
        assert response.headers.get("X-Content-Type-Options") == "nosniff", response.request.path
        assert response.headers.get("Referrer-Policy") == REFERRER_POLICY, response.request.path
        if response.mimetype != "text/html":
            assert "Content-Security-Policy" not in response.headers, response.request.path
        response.close()  # the static file's


def test_the_reconciliation_preview_may_be_framed_by_openrefine(web_client: FlaskClient, place: str) -> None:
    entity = place.removeprefix("/doc/")
    response = web_client.get(f"/reconcile/preview?id={entity}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == PREVIEW_POLICY
    assert "frame-ancestors" not in PREVIEW_POLICY and "script" not in PREVIEW_POLICY


def test_the_yasgui_style_hashes_are_those_of_the_vendored_script() -> None:
    """YASGUI's table adds two constant ``<style>`` elements; a new YASGUI must update their hashes."""
    script = YASGUI_JS.read_text(encoding="utf-8")
    styles = re.findall(r"createStyle\(\w+,`([^`$]*)`\)", script)
    drag = re.search(r"dragCursor:`([^`]*)`", script)
    assert styles and drag and "*{cursor:`+n.opt.dragCursor+`!important}" in script
    styles.append(f"*{{cursor:{drag.group(1)}!important}}")
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in styles}
    assert hashes == set(headers.YASGUI_STYLES)


# --- CORS ------------------------------------------------------------------------------------------------------

def test_cors_is_open_for_reading(web_client: FlaskClient) -> None:
    assert web_client.get("/sparql?query=ASK%20%7B%7D").headers["Access-Control-Allow-Origin"] == "*"
    assert web_client.head(f"/doc/incident/{INCIDENT}.ttl").headers["Access-Control-Allow-Origin"] == "*"
    posted = web_client.post("/sparql", data=b"ASK {}", headers={"Content-Type": "application/sparql-query"})
    assert posted.status_code == 200 and posted.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Minegraph-Truncated" in posted.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("path", ["/sparql", "/store"])
def test_a_preflight_never_allows_writing_with_credentials(web_client: FlaskClient, path: str) -> None:
    for method in ("POST", "PUT", "DELETE"):
        preflight = web_client.options(path, headers={
            "Origin": "https://elsewhere.example", "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type"})
        allowed = {m.strip() for m in preflight.headers["Access-Control-Allow-Methods"].split(",")}
        assert allowed == {"GET", "HEAD", "POST", "OPTIONS"}
        assert "authorization" not in preflight.headers["Access-Control-Allow-Headers"].lower()
        assert "Access-Control-Allow-Credentials" not in preflight.headers


def test_writes_and_requests_with_a_token_get_no_cors_headers(web_client: FlaskClient) -> None:
    answers = [
        web_client.put("/store?default", data=b"", headers={"Content-Type": "text/turtle"}),
        web_client.delete("/store?default"),
        web_client.post("/sparql", data=b"INSERT DATA {}", headers={
            "Content-Type": "application/sparql-update", "Authorization": "Bearer not-a-token"}),
        web_client.get("/sparql?query=ASK%20%7B%7D", headers={"Authorization": "Bearer not-a-token"}),
    ]
    for response in answers:
        assert "Access-Control-Allow-Origin" not in response.headers, response.request.method
        assert "Access-Control-Allow-Credentials" not in response.headers


# --- nginx -----------------------------------------------------------------------------------------------------

def test_nginx_sends_the_same_security_headers_on_the_documents_it_serves(tmp_path: Path) -> None:
    site = nginx.site(cache=tmp_path)
    assert f'"~\\.html$" "{PAGE_POLICY}";' in site and 'default "";' in site
    location = nginx.documents_location(tmp_path)
    assert f"add_header Content-Security-Policy ${nginx.POLICY};" in location
    assert 'add_header X-Content-Type-Options "nosniff";' in location
    assert f'add_header Referrer-Policy "{REFERRER_POLICY}";' in location
    assert "Authorization" not in site and "Allow-Credentials" not in site
