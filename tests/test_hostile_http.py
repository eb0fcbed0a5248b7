"""Hostile requests: path traversal, header injection and odd keys get clean 4xx answers, never a file."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize("path", [
    "/doc/incident/../../../../etc/passwd",
    "/doc/incident/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/doc/incident/..%2f..%2fpyproject.toml",
    "/release/1/../../store/CURRENT",
    "/release/..%2f..%2fpyproject.toml",
    "/static/../../pyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/def/..%2f..%2fpyproject.toml",
    "/concept/../../etc/passwd",
    "/id/incident/k318zecnq29%00.ttl",
])
def test_no_path_traversal(web_client: FlaskClient, path: str) -> None:
    response = web_client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    body = response.get_data(as_text=True)
    assert "root:" not in body and "[project]" not in body and "build-backend" not in body


@pytest.mark.parametrize("key", ["k318zecnq29\r\nSet-Cookie: x=1", "k318zecnq29%0d%0aSet-Cookie:%20x=1"])
def test_no_header_injection(web_client: FlaskClient, key: str) -> None:
    response = web_client.get(f"/id/incident/{key}")
    assert "Set-Cookie" not in response.headers
    assert all("\n" not in value and "\r" not in value for value in response.headers.values())


@pytest.mark.parametrize(("url", "status"), [
    # an unknown ?format= is 406, as ?format=nope is: the answer lists the formats there are
    ("/doc/incident/k318zecnq29?format=ttl%0d%0aX-Evil:%201", 406),
    # an unknown extension is no document at all: 404
    ("/doc/incident/k318zecnq29.ttl%0d%0aX-Evil:%201", 404),
])
def test_format_cannot_inject_headers(web_client: FlaskClient, url: str, status: int) -> None:
    response = web_client.get(url)
    assert response.status_code == status
    assert "X-Evil" not in response.headers
    assert all("\n" not in value and "\r" not in value for value in response.headers.values())
    assert response.content_type == "text/plain; charset=utf-8"
    if status == 406:
        assert "available as text/turtle (.ttl)" in response.get_data(as_text=True)
        assert '</doc/incident/k318zecnq29.ttl>; rel="alternate"' in response.headers["Link"]


def test_script_in_a_query_parameter_is_escaped(web_client: FlaskClient) -> None:
    response = web_client.get("/incidents?place=<script>alert(1)</script>", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
