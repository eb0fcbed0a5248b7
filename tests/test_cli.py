"""The command line as a user meets it: exit codes, messages, formats."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from minegraph.cli import main
from minegraph.core.settings import Settings

from .conftest import DATA, SEED_SOURCE

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


def test_build_then_query_as_table_csv_and_json(runner: CliRunner, tmp_path: Path) -> None:
    store = tmp_path / "store"
    built = runner.invoke(main, ["build", "--store", str(store), "--data", str(DATA)])
    assert built.exit_code == 0, built.output
    assert "built" in built.stdout and "triples" in built.stdout

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
    result = runner.invoke(main, ["query", "--store", str(built_settings.store),
                                  "CONSTRUCT { ?p rdfs:label ?l } WHERE { ?p a mg:Place ; rdfs:label ?l }"])
    assert result.exit_code == 0
    assert '"Jabrayil District"@en' in result.stdout


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
