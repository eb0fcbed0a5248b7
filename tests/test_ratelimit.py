"""Per-client rate limiting of /sparql: 429 with Retry-After, per client, X-Forwarded-For only from trusted hops."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from minegraph.core.settings import Settings, load_settings
from minegraph.web import create_app
from minegraph.web.ratelimit import RateLimiter, client_address

ASK = {"query": "ASK { ?s ?p ?o }"}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_refills_at_the_configured_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(60, clock=clock)
    assert all(limiter.take("a") == 0 for _ in range(60))
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0  # another client is not affected
    clock.now += 2.0
    assert limiter.take("a") == 0 and limiter.take("a") == 0
    assert limiter.take("a") > 0


def test_memory_is_bounded() -> None:
    clock = Clock()
    limiter = RateLimiter(1, max_clients=10, clock=clock)
    for n in range(100):
        clock.now += 1
        limiter.take(f"10.0.0.{n}")
    assert len(limiter) == 10
    assert limiter.take("10.0.0.99") > 0  # the most recent clients are the ones kept
    assert limiter.take("10.0.0.0") == 0  # a forgotten one starts again with a full bucket


def test_processes_sharing_the_database_share_the_buckets(tmp_path: Path) -> None:
    """Each gunicorn worker opens the same database: a client cannot multiply its allowance by the workers."""
    import multiprocessing

    path = tmp_path / "ratelimit.sqlite"
    RateLimiter(20, path=path)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        waits = pool.map(_take_ten, [path] * 4)
    allowed = sum(w == 0 for taken in waits for w in taken)
    assert 20 <= allowed <= 22  # 40 requests from 4 processes, a bucket of 20 (refilling by 1 every 3 s)


def _take_ten(path: Path) -> list[float]:
    limiter = RateLimiter(20, path=path)
    return [limiter.take("192.0.2.7") for _ in range(10)]


@pytest.mark.parametrize(("trusted", "forwarded", "expected"), [
    (0, "1.1.1.1", "10.0.0.1"),                 # no proxy trusted: the header is ignored
    (1, "1.1.1.1", "1.1.1.1"),
    (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),          # a forged first entry is not used
    (2, "6.6.6.6, 1.1.1.1, 2.2.2.2", "1.1.1.1"),
    (2, "1.1.1.1", "10.0.0.1"),                 # fewer hops than proxies: the peer
])
def test_client_address(trusted: int, forwarded: str, expected: str) -> None:
    environ = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded}
    assert client_address(environ, trusted) == expected


def test_client_address_sees_through_proxyfix() -> None:
    environ = {"REMOTE_ADDR": "1.1.1.1", "werkzeug.proxy_fix.orig": {
        "REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.1.1.1"}}
    assert client_address(environ, 0) == "10.0.0.1"
    assert client_address(environ, 1) == "1.1.1.1"


def test_settings_from_the_environment() -> None:
    settings = load_settings({"MINEGRAPH_RATE_LIMIT": "30", "MINEGRAPH_TRUSTED_PROXIES": "1"})
    assert (settings.rate_limit, settings.trusted_proxies) == (30, 1)


def test_sparql_answers_429_with_retry_after(built_settings: Settings) -> None:
    app = create_app(replace(built_settings, rate_limit=3, trusted_proxies=1), {"QUERY_WORKERS": 1, "TESTING": True})
    client = app.test_client()
    try:
        here = {"X-Forwarded-For": "192.0.2.1"}
        assert [client.get("/sparql", query_string=ASK, headers=here).status_code for _ in range(3)] == [200] * 3
        limited = client.get("/sparql", query_string=ASK, headers=here)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert "too many requests" in limited.get_data(as_text=True)
        assert limited.headers["Access-Control-Allow-Origin"] == "*"
        assert client.get("/sparql", query_string=ASK, headers={"X-Forwarded-For": "192.0.2.2"}).status_code == 200
        assert client.get("/health").status_code == 200  # only /sparql is limited
        assert client.options("/sparql", headers=here).status_code < 400
    finally:
        app.extensions["minegraph"].close()


def test_no_limit_by_default(built_settings: Settings) -> None:
    assert Settings().rate_limit == 0
    app = create_app(built_settings, {"QUERY_WORKERS": 1, "TESTING": True})
    assert "minegraph.ratelimit" not in app.extensions
