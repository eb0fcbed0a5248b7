"""Making the cited URIs resolve: the w3id.org ``.htaccess`` that ``minegraph w3id-htaccess`` prints redirects
every path under the base to the same path on the deployment (its RewriteRules applied here as Apache applies
them in a directory: the directory stripped, the first matching rule with [L] wins, the query string kept), and
``minegraph nginx-config`` serves a base on the deployer's own domain as the base says."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from minegraph.cli import main
from minegraph.core.errors import InputError
from minegraph.web import nginx
from minegraph.web.w3id import htaccess, w3id_directory

TARGET = "https://data.example.org/"
KEY = "k318zecnq29"
RULE = re.compile(r"^RewriteRule\s+(\S+)\s+(\S+)\s+\[([^\]]*)\]$")


@dataclass
class Rule:
    pattern: re.Pattern[str]
    substitution: str
    flags: dict[str, str]


def rules(text: str) -> list[Rule]:
    found = []
    for line in text.splitlines():
        if line.startswith("RewriteRule"):
            match = RULE.match(line)
            assert match, line
            flags = dict(flag.partition("=")[::2] for flag in match.group(3).split(","))
            found.append(Rule(re.compile(match.group(1)), match.group(2), flags))
    return found


def redirect(text: str, url: str, directory: str = "minegraph/") -> tuple[int, str]:
    """What Apache answers for ``url`` (path and query on w3id.org) with ``text`` as ``{directory}.htaccess``."""
    path, _, query = url.partition("?")
    assert path.startswith("/" + directory)
    local = path[len(directory) + 1:]  # per-directory context: the pattern sees the path after the directory
    for rule in rules(text):
        match = rule.pattern.search(local)
        if match:
            assert "R" in rule.flags and "L" in rule.flags, rule
            target = match.expand(re.sub(r"\$(\d)", r"\\g<\1>", rule.substitution))  # $1 -> \g<1>
            assert "?" not in target and "QSD" not in rule.flags  # so mod_rewrite passes the query string on
            return int(rule.flags["R"]), target + (f"?{query}" if query else "")
    raise AssertionError(f"no rule matches {url}")


@pytest.fixture(scope="module")
def generated() -> str:
    result = CliRunner().invoke(main, ["w3id-htaccess", "--target", TARGET], env={"MINEGRAPH_BASE_URI": None})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", [
    f"id/incident/{KEY}", "id/victim/b7sdn3xc8s9", f"doc/incident/{KEY}", f"doc/incident/{KEY}.ttl",
    "def/", "def/Incident", "concept/", "concept/outcome/killed", "graph/source/78ft77tf9p2", "graph/ontology",
    "release/", "release/3/doc/incident/" + KEY + ".jsonld", "dataset", "catalog", "void", "",
])
def test_every_path_family_goes_to_the_same_path_on_the_deployment(generated: str, path: str) -> None:
    assert redirect(generated, f"/minegraph/{path}") == (302, f"{TARGET}{path}")
    assert redirect(generated, f"/minegraph/{path}?format=ttl&x=%20") == (302, f"{TARGET}{path}?format=ttl&x=%20")


def test_sparql_keeps_method_and_body(generated: str) -> None:
    assert redirect(generated, "/minegraph/sparql") == (307, f"{TARGET}sparql")
    query = "query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201"
    assert redirect(generated, f"/minegraph/sparql?{query}") == (307, f"{TARGET}sparql?{query}")


def test_what_the_file_says(generated: str) -> None:
    assert "minegraph/.htaccess" in generated and "perma-id/w3id.org" in generated
    assert 'Header always set Access-Control-Allow-Origin "*"' in generated
    assert "RewriteEngine on" in generated
    assert len(rules(generated)) == 2


def test_target_with_a_path_and_another_w3id_name() -> None:
    text = htaccess("https://w3id.org/mine/graph", "https://example.org/lod")
    assert w3id_directory("https://w3id.org/mine/graph") == "mine/graph/"
    assert redirect(text, f"/mine/graph/id/incident/{KEY}?a=b", "mine/graph/") == (
        302, f"https://example.org/lod/id/incident/{KEY}?a=b")


@pytest.mark.parametrize("base", ["https://data.example.org/", "https://example.org/w3id.org/minegraph/"])
def test_a_base_not_under_w3id_is_refused(base: str) -> None:
    result = CliRunner().invoke(main, ["w3id-htaccess", "--target", TARGET, "--base-uri", base])
    assert result.exit_code != 0
    assert "not under https://w3id.org/" in result.output and "point that domain at the proxy" in result.output


@pytest.mark.parametrize(("base", "target"), [
    ("https://w3id.org/", TARGET), ("http://w3id.org/minegraph/", TARGET),
    ("https://w3id.org/minegraph/", "ftp://data.example.org/"),
    ("https://w3id.org/minegraph/", "https://data.example.org/a b/"),
    ("https://w3id.org/minegraph/", "https://data.example.org/$1/"),
    ("https://w3id.org/minegraph/", "https://data.example.org/?q=1"),
])
def test_unusable_bases_and_targets_are_refused(base: str, target: str) -> None:
    with pytest.raises(InputError):
        htaccess(base, target)


# --- nginx for a base on the deployer's own domain -------------------------------------------------------------

def nginx_config(*args: str, base: str) -> str:
    result = CliRunner().invoke(main, ["nginx-config", "--cache", "/srv/docs", *args],
                                env={"MINEGRAPH_BASE_URI": base})
    assert result.exit_code == 0, result.output
    return result.output


def test_own_domain_at_the_root() -> None:
    text = nginx_config(base="https://data.example.org/")
    assert re.search(r"^    server_name data\.example\.org;$", text, re.M)
    assert "https://data.example.org/id/incident/KEY resolves through it" in re.sub(r"\n    # ", " ", text)
    assert re.search(r"^    location / \{\n        proxy_pass http://minegraph;$", text, re.M)
    assert 'location ~ "^/doc/' in text and "root /srv/docs/current;" in text


def test_own_domain_under_a_path() -> None:
    text = nginx_config(base="https://data.example.org/minegraph/")
    assert re.search(r"^    server_name data\.example\.org;$", text, re.M)
    assert re.search(r"^    location /minegraph/ \{\n        proxy_pass http://minegraph/;", text, re.M)
    assert "proxy_set_header X-Forwarded-Prefix /minegraph;" in text
    assert "return 301 /minegraph/;" in text
    assert re.search(r"^    location / \{\n        return 404;", text, re.M)
    assert "/doc/" not in re.sub(r"#.*", "", text)  # the document cache is rendered for the root only


def test_an_explicit_server_name_is_kept_and_flagged() -> None:
    text = nginx_config("--server-name", "other.example.org", base="https://data.example.org/")
    assert re.search(r"^    server_name other\.example\.org;$", text, re.M)
    assert "server_name is not data.example.org" in re.sub(r"\n    # ", " ", text)


def test_w3id_base_keeps_the_catch_all_server_and_says_how_it_resolves() -> None:
    text = nginx_config(base="https://w3id.org/minegraph/")
    assert re.search(r"^    server_name _;$", text, re.M)
    assert "minegraph w3id-htaccess" in re.sub(r"\n    # ", " ", text)


def test_site_defaults_are_unchanged(tmp_path: Path) -> None:
    assert "server_name _;" in nginx.site(cache=tmp_path)
