"""The command line as a user meets it: exit codes, messages, formats."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from minegraph.cli import main
from minegraph.core.settings import Settings

from .conftest import DATA, ROOT, SEED_SOURCE

INJURED_QUERY = """
SELECT ?district (SUM(?n) AS ?injured) WHERE {
  ?i a mg:Incident ; mg:injuredCount ?n ; mg:place/rdfs:label ?district .
} GROUP BY ?district ORDER BY ?district
"""


def test_help_on_every_command(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0 and "build" in result.output and "query" in result.output
    for command in main.commands:
        sub = runner.invoke(main, [command, "--help"])
        assert sub.exit_code == 0, command
        assert "Usage:" in sub.output


def test_readme_names_exactly_the_commands_that_take_endpoint(runner: CliRunner) -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    claim = re.search(r"`--endpoint URL` \(`MINEGRAPH_ENDPOINT`\) runs (.+?) on a SPARQL 1\.1 server", readme)
    assert claim, "README no longer says which commands take --endpoint"
    named = set(re.findall(r"`([a-z-]+)`", claim.group(1)))
    assert named >= {"build", "query", "serve"}
    for command in main.commands:
        help_text = runner.invoke(main, [command, "--help"]).output
        assert ("--endpoint" in help_text) == (command in named), command


def test_serve_help_names_both_ways_to_enable_writes(runner: CliRunner) -> None:
    """Registered tokens enable writes as well as MINEGRAPH_WRITE_TOKEN (store/auth.py writes_enabled)."""
    help_text = " ".join(runner.invoke(main, ["serve", "--help"]).output.split())
    assert "minegraph token create NAME" in help_text
    assert "MINEGRAPH_WRITE_TOKEN" in help_text
    assert "only when MINEGRAPH_WRITE_TOKEN is set" not in help_text
    assert runner.invoke(main, ["token", "create", "--help"]).exit_code == 0  # the command it names exists


def test_serve_on_a_busy_port_says_so_at_once(runner: CliRunner, tmp_path: Path) -> None:
    """Another server on the port: one line naming the address, before any store is built (no server traceback)."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(main, ["serve", "--port", str(port), "--store", str(tmp_path / "store")])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "--port" in result.output
    assert not (tmp_path / "store").exists(), "nothing was built for a server that cannot start"


def test_build_then_query_as_table_csv_and_json(runner: CliRunner, tmp_path: Path) -> None:
    store = tmp_path / "store"
    built = runner.invoke(main, ["build", "--store", str(store), "--data", str(DATA)])
    assert built.exit_code == 0, built.output
    assert "built" in built.stdout and "triples" in built.stdout
    from minegraph.web import create_app

    app = create_app(Settings(store=store), {"TESTING": True, "QUERY_WORKERS": 1})
    try:
        health = app.test_client().get("/health").get_json()
    finally:
        app.extensions["minegraph"].close()
    # the build's figures are the endpoint's: restricted graphs are counted apart, as never served
    summary = re.search(r"(\d+) public triples in (\d+) graphs .*and (\d+) restricted graph", built.stdout)
    assert summary, built.stdout
    assert (int(summary[1]), int(summary[2])) == (health["quads"], health["graphs"])
    assert int(summary[3]) >= 1  # the seed's redaction digests

    table = runner.invoke(main, ["query", "--store", str(store), INJURED_QUERY])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["district", "injured"]
    assert "Aghdam District" in lines[2] and lines[2].split()[-1] == "3"
    assert "(2 rows)" in table.stdout

    csv = runner.invoke(main, ["query", "--store", str(store), "--format", "csv", INJURED_QUERY])
    assert csv.stdout.splitlines() == ["district,injured", "Aghdam District,3", "Jabrayil District,1"]

    as_json = runner.invoke(main, ["query", "--store", str(store), "-f", "json", INJURED_QUERY])
    bindings = json.loads(as_json.stdout)["results"]["bindings"]
    assert [b["injured"]["value"] for b in bindings] == ["3", "1"]


def test_query_from_file_and_stdin(runner: CliRunner, built_settings: Settings, tmp_path: Path) -> None:
    query_file = tmp_path / "count.rq"
    query_file.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?i a mg:Incident }", encoding="utf-8")
    from_file = runner.invoke(main, ["query", "--store", str(built_settings.store), "-f", "csv", str(query_file)])
    assert from_file.stdout.splitlines() == ["n", "3"]
    from_stdin = runner.invoke(main, ["query", "--store", str(built_settings.store), "-f", "tsv", "-"],
                               input="ASK { ?v a mg:Victim }")
    assert from_stdin.stdout.strip() == "true"


def test_describe_prints_turtle(runner: CliRunner, built_settings: Settings) -> None:
    from pyoxigraph import Literal, NamedNode, RdfFormat, parse

    incident = f"{built_settings.base_uri}id/incident/k318zecnq29"  # a seed incident, from data/
    result = runner.invoke(main, ["query", "--store", str(built_settings.store), f"DESCRIBE <{incident}>"])
    assert result.exit_code == 0, result.output
    triples = list(parse(result.stdout.encode("utf-8"), format=RdfFormat.TURTLE))  # Turtle, or this raises
    about = {(t.predicate.value, t.object) for t in triples if t.subject == NamedNode(incident)}
    mg = f"{built_settings.base_uri}def/"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    assert (rdf_type, NamedNode(f"{mg}Incident")) in about
    assert (f"{mg}injuredCount", Literal("1", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))) in about
    assert any(p == f"{mg}place" for p, _ in about) and any(p == f"{mg}supportedBy" for p, _ in about)


def test_ingest_alone_makes_the_store_build_makes(runner: CliRunner, tmp_path: Path) -> None:
    """docs/deployment.md: `minegraph ingest` into an empty store writes the ontology, concepts, agents and places
    too — the same graphs, with the same triples, as `minegraph build` from the same records."""
    from pyoxigraph import CanonicalizationAlgorithm, Dataset, RdfFormat, parse

    from minegraph.store.embedded import EmbeddedStore

    built, ingested = tmp_path / "built", tmp_path / "ingested"
    assert runner.invoke(main, ["build", "--store", str(built), "--data", str(DATA)]).exit_code == 0
    sources = [str(path) for path in sorted((DATA / "sources").glob("*.yaml"))]
    result = runner.invoke(main, ["ingest", "--store", str(ingested), "--data", str(DATA), *sources])
    assert result.exit_code == 0, result.output

    def graphs_and_quads(path: Path) -> tuple[set[str], Dataset]:
        store = EmbeddedStore(path, read_only=True)
        try:
            return set(store.graphs()), Dataset(parse(store.dump(RdfFormat.N_QUADS), format=RdfFormat.N_QUADS))
        finally:
            store.close()

    (built_graphs, built_quads), (ingested_graphs, ingested_quads) = map(graphs_and_quads, (built, ingested))
    names = {g.rsplit("/graph/", 1)[1] for g in ingested_graphs}
    assert {"ontology", "concepts", "agents", "places"} <= names
    assert ingested_graphs == built_graphs
    for dataset in (built_quads, ingested_quads):
        dataset.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
    assert ingested_quads == built_quads


def test_query_errors(runner: CliRunner, built_settings: Settings, tmp_path: Path) -> None:
    bad = runner.invoke(main, ["query", "--store", str(built_settings.store), "SELECT WHERE {"])
    assert bad.exit_code == 1 and "does not parse" in bad.stderr
    missing = runner.invoke(main, ["query", "--store", str(tmp_path / "none"), "ASK {}"])
    assert missing.exit_code == 1 and "minegraph build" in missing.stderr


def test_failed_build_exits_1_with_report_and_keeps_the_store(runner: CliRunner, tmp_path: Path,
                                                              data_copy: Path) -> None:
    store = tmp_path / "store"
    assert runner.invoke(main, ["build", "-q", "--store", str(store), "--data", str(data_copy)]).exit_code == 0
    path = data_copy / "sources" / SEED_SOURCE.name
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    records["incidents"][0]["killed"] = -1
    path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    report = tmp_path / "report.ttl"
    failed = runner.invoke(main, ["build", "--store", str(store), "--data", str(data_copy), "--report", str(report)])
    assert failed.exit_code == 1
    assert "incidents[jabrayil-anama-employee-injured]" in failed.stderr and "field killed" in failed.stderr
    assert "nothing was written" in failed.stderr
    assert "sh:ValidationReport" in report.read_text(encoding="utf-8")
    still = runner.invoke(main, ["query", "--store", str(store), "-f", "csv",
                                 "SELECT ?k WHERE { ?i mg:killedCount ?k } ORDER BY ?k"])
    assert still.stdout.splitlines() == ["k", "0", "0", "1"]


def test_validate_exit_codes(runner: CliRunner, data_copy: Path, tmp_path: Path) -> None:
    ok = runner.invoke(main, ["validate", str(DATA)])
    assert ok.exit_code == 0, ok.output
    assert "0 violation(s)" in ok.stdout

    path = data_copy / "sources" / SEED_SOURCE.name
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    records["incidents"][1]["device"] = "not-a-device"
    path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    violating = runner.invoke(main, ["validate", str(path)])
    assert violating.exit_code == 1
    assert "incidents[aghdam-family-injured]" in violating.stdout and "field device" in violating.stdout

    path.write_text("source: {", encoding="utf-8")
    unreadable = runner.invoke(main, ["validate", str(path)])
    assert unreadable.exit_code == 2 and "not valid YAML" in unreadable.stderr

    missing = runner.invoke(main, ["validate", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2


def test_export_refuses_to_run_while_a_remote_store_is_configured(runner: CliRunner, tmp_path: Path) -> None:
    """It reads the embedded store only: with MINEGRAPH_ENDPOINT set it would export another store than the one
    configured, silently."""
    result = runner.invoke(main, ["export", "--format", "hxl", "-o", str(tmp_path / "out"), "--store",
                                  str(tmp_path / "store")], env={"MINEGRAPH_ENDPOINT": "http://127.0.0.1:9/query"})
    assert result.exit_code != 0 and "reads the embedded store only" in result.output
    assert not (tmp_path / "out").exists()
