"""`minegraph redact`, end to end on a temporary copy; and no string listed for redaction anywhere in the repository.

The fictional victim of these tests is "Test Victimname": an obviously invented name.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from minegraph.cli import main
from minegraph.core.redaction import MASK, Register, digest, is_digest
from minegraph.ingest.records import read_source

from .conftest import DATA, ROOT, SEED_SOURCE

NAME = "Test Victimname"
TEXT = ("Fictional report. On 1 January a mine injured a farmer, Test Victimname, near the village of Nowhere.\n"
        "Relatives of TEST VICTIMNAME said he was collecting wood.\n")
RECORD = f"""\
# A fictional source (tests/test_redact.py).
source:
  id: fictional-redaction
  title: Fictional report
  type: news-article
  publisher: news-az
  language: en
  text: ../texts/fictional.txt
  sha256: {hashlib.sha256(TEXT.encode("utf-8")).hexdigest()}   # the text as published
  retrieved: 2026-01-01
  # strings that identify a person
  redact:
    - {NAME}

statements:
  - id: s1
    kind: incident-report
    label: Fictional report of one farmer injured
    speaker: news-az
    quotes:
      - "a mine injured a farmer,"   # the name follows; it is not quoted
      - "near the village of Nowhere."
    supports: [i1,
               v1]

incidents:
  - id: i1
    label: Fictional explosion injuring a farmer
    date: {{month: 1, day: 1, earliest: 2026-01-01, latest: 2026-01-01}}
    place: aghdam
    killed: 0
    injured: 1
    victims:
      - {{id: v1, outcome: injured, status: civilian, activity: collecting-wood-or-food}}
"""


@pytest.fixture
def fictional(data_copy: Path) -> Path:
    """A record file in a copy of data/ whose text names a (fictional) victim, listed in plain text."""
    (data_copy / "texts" / "fictional.txt").write_bytes(TEXT.encode("utf-8"))
    path = data_copy / "sources" / "fictional-redaction.yaml"
    path.write_text(RECORD, encoding="utf-8")
    return path


def _files(path: Path) -> tuple[bytes, bytes]:
    return path.read_bytes(), (path.parent.parent / "texts" / "fictional.txt").read_bytes()


def test_redact_masks_the_text_and_lists_the_digest(runner: CliRunner, fictional: Path) -> None:
    result = runner.invoke(main, ["redact", str(fictional)])
    assert result.exit_code == 0, result.output
    assert "1 string(s) now listed as digests" in result.output and "2 occurrence(s) masked" in result.output
    assert "ictimname" not in result.output.casefold()

    record, kept = _files(fictional)
    lines, before = record.decode("utf-8").splitlines(), RECORD.splitlines()
    # only the entry changed and kept_sha256 was added: comments and layout are as they were
    assert [line for line in lines if line not in before] == [
        f"  kept_sha256: {hashlib.sha256(kept).hexdigest()}", f"    - {digest(NAME)}"]
    assert [line for line in before if line not in lines] == [f"    - {NAME}"]

    text = kept.decode("utf-8")
    assert len(text) == len(TEXT) and "ictimname" not in text.casefold()
    assert text.count(MASK) == 2 * len(NAME.replace(" ", ""))
    records = read_source(fictional)
    source = records.source
    assert source.redact == (digest(NAME),) and all(is_digest(entry) for entry in source.redact)
    assert source.sha256 == hashlib.sha256(TEXT.encode("utf-8")).hexdigest()  # still the text as published
    assert source.kept_sha256 == hashlib.sha256(kept).hexdigest()
    for quote in records.statements[0].quotes:
        assert text[quote.start:quote.end] == quote.exact == TEXT[quote.start:quote.end]

    again = runner.invoke(main, ["redact", str(fictional)])
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert _files(fictional) == (record, kept)
    assert runner.invoke(main, ["validate", str(fictional.parent.parent)]).exit_code == 0


def test_add_lists_another_string(runner: CliRunner, fictional: Path) -> None:
    assert runner.invoke(main, ["redact", str(fictional)]).exit_code == 0
    result = runner.invoke(main, ["redact", str(fictional), "--add", "relatives", "--add", NAME])
    assert result.exit_code == 0, result.output  # (the name is listed already: not looked for again)
    assert "1 string(s) now listed as digests (2 in all)" in result.output
    record, kept = _files(fictional)
    assert read_source(fictional).source.redact == (digest(NAME), digest("relatives"))
    assert "Relatives" not in kept.decode("utf-8") and "elatives" not in record.decode("utf-8")
    # a string that a quote holds cannot be listed: the quote would not be in the kept text any more
    refused = runner.invoke(main, ["redact", str(fictional), "--add", "Nowhere"])
    assert refused.exit_code == 1 and "record statements[s1], field quotes[1]" in refused.output
    assert _files(fictional) == (record, kept)


@pytest.mark.parametrize(
    ("layout", "args"),
    [
        (lambda r: r.replace(f"  redact:\n    - {NAME}\n", f"  redact: [{NAME}]\n"), []),
        (lambda r: r.replace(f"  # strings that identify a person\n  redact:\n    - {NAME}\n", ""), ["--add", NAME]),
        (lambda r: r.replace("\n", "\r\n"), []),
        (lambda r: r.replace(f"    - {NAME}\n", f'    - "{NAME}"  # the farmer\n'), []),
    ],
    ids=["flow-list", "no-redact-key", "crlf", "quoted-with-comment"],
)
def test_other_layouts_are_edited_in_place(runner: CliRunner, fictional: Path, layout, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    fictional.write_bytes(layout(RECORD).encode("utf-8"))
    before = fictional.read_bytes().decode("utf-8")
    result = runner.invoke(main, ["redact", str(fictional), *args])
    assert result.exit_code == 0, result.output
    after = fictional.read_bytes().decode("utf-8")
    assert read_source(fictional).source.redact == (digest(NAME),)
    assert "ictimname" not in after.casefold()
    if "\r\n" in before:
        assert after.count("\n") == after.count("\r\n")  # the file's line ends, new lines included
    else:
        assert "\r" not in after
    new = [line for line in after.splitlines() if line not in before.splitlines()]
    assert all("sha256:" in line or line == "  redact:" for line in new), new
    assert any(line.startswith("  kept_sha256: ") for line in new)


@pytest.mark.parametrize(
    ("edit", "args", "where"),
    [
        (lambda r: r.replace(f"    - {NAME}\n", f"    - {NAME}\n    - Somebody Else\n"), [], "redact[1]"),
        (lambda r: r, ["--add", "Somebody Else"], "redact (--add #1)"),
        (lambda r: r.replace(f"    - {NAME}\n", "    - Test Victim\n"), [], "redact[0]"),
    ],
    ids=["entry-not-in-text", "add-not-in-text", "part-of-a-word-run"],
)
def test_a_string_that_is_not_in_the_text_is_an_error(runner: CliRunner, fictional: Path, edit, args: list[str],  # type: ignore[no-untyped-def]
                                                      where: str) -> None:
    fictional.write_text(edit(RECORD), encoding="utf-8")
    before = _files(fictional)
    result = runner.invoke(main, ["redact", str(fictional), *args])
    assert result.exit_code == 1
    assert f"field {where}: does not occur in the text" in result.output
    assert "somebody" not in result.output.casefold()
    assert _files(fictional) == before


def test_a_text_that_changed_is_not_masked(runner: CliRunner, fictional: Path) -> None:
    (fictional.parent.parent / "texts" / "fictional.txt").write_text(TEXT + "edited\n", encoding="utf-8")
    before = _files(fictional)
    result = runner.invoke(main, ["redact", str(fictional)])
    assert result.exit_code == 1 and "matches neither `sha256`" in result.output
    assert _files(fictional) == before


def test_a_quote_with_the_name_stops_the_redaction(runner: CliRunner, fictional: Path) -> None:
    fictional.write_text(RECORD.replace('"a mine injured a farmer,"', '"a farmer, Test Victimname, near"'),
                         encoding="utf-8")
    before = _files(fictional)
    result = runner.invoke(main, ["redact", str(fictional)])
    assert result.exit_code == 1
    assert "record statements[s1], field quotes[0]" in result.output and "listed for redaction" in result.output
    assert "ictimname" not in result.output.casefold()
    assert _files(fictional) == before


def test_a_second_run_finishes_a_run_stopped_between_the_two_files(runner: CliRunner, fictional: Path) -> None:
    text_path = fictional.parent.parent / "texts" / "fictional.txt"
    assert runner.invoke(main, ["redact", str(fictional)]).exit_code == 0
    record, kept = _files(fictional)
    text_path.write_bytes(TEXT.encode("utf-8"))  # the record file was written, the text not yet
    assert runner.invoke(main, ["validate", str(fictional)]).exit_code == 1
    result = runner.invoke(main, ["redact", str(fictional)])
    assert result.exit_code == 0, result.output
    assert _files(fictional) == (record, kept)


def test_the_repository_seed_is_already_redacted(runner: CliRunner, data_copy: Path) -> None:
    path = data_copy / "sources" / SEED_SOURCE.name
    before = path.read_bytes(), (data_copy / "texts" / "newsaz-ombudsperson-april-6.txt").read_bytes()
    result = runner.invoke(main, ["redact", str(path)])
    assert result.exit_code == 0 and "nothing changed" in result.output
    assert (path.read_bytes(), (data_copy / "texts" / "newsaz-ombudsperson-april-6.txt").read_bytes()) == before


def test_the_redaction_module_examples() -> None:
    import doctest

    import minegraph.core.redaction

    result = doctest.testmod(minegraph.core.redaction)
    assert result.failed == 0 and result.attempted > 0


# --- the repository ----------------------------------------------------------------------------------------------

def _registers() -> dict[str, Register]:
    registers = {}
    for path in sorted((DATA / "sources").glob("*.yaml")):
        entries = (yaml.safe_load(path.read_text(encoding="utf-8"))["source"].get("redact")) or []
        assert all(is_digest(entry) for entry in entries), f"{path.name}: a plain redact entry"
        registers[path.name] = Register.of(entries)
    return registers


def test_no_tracked_file_holds_a_string_listed_for_redaction() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git work tree")
    registers = _registers()
    assert any(registers.values()), "data/sources lists at least one string for redaction"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    checked = 0
    for name in tracked.decode("utf-8").split("\0"):
        path = ROOT / name
        if not name or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        checked += 1
        for source, register in registers.items():
            assert not register.contains(text), f"{name} holds a string listed for redaction by {source}"
    assert checked > 100
