"""HXL tables are read by the HXL library (libhxl): it finds the hashtag row and matches the tag patterns, so column
order, extra attributes, their order and case are free as HXL users expect; a file is still read by minegraph (size,
encoding, CSV, line numbers) and libhxl is never given a path or a URL."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from minegraph.core.errors import InputError, UnreadableInput
from minegraph.core.settings import Settings
from minegraph.ingest.hxl import map_hxl_table
from minegraph.ingest.run import ingest
from minegraph.ingest.table import read_table
from tests.conftest import BASE, DATA
from tests.test_ingest import HXL_META, query, write_rows


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=tmp_path / "store", data_dir=DATA, base_uri=BASE)


def mapped(tmp_path: Path, table: list[list[str]], name: str = "t.hxl.csv"):  # type: ignore[no-untyped-def]
    path = write_rows(tmp_path / name, table)
    return map_hxl_table(read_table(str(path), 1_000_000, require_hxl=True), Settings(data_dir=DATA, base_uri=BASE))


def counts(records) -> list[tuple[str, int | None, int | None, str]]:  # type: ignore[no-untyped-def]
    return [(str(i.date.earliest), i.killed, i.injured, i.place) for i in records.incidents]


def test_attributes_in_any_order_and_case_and_columns_in_any_order(tmp_path: Path) -> None:
    plain = [["Date", "Region", "Killed", "Injured"],
             ["#date", "#adm1+code", "#affected+killed", "#affected+injured"],
             ["2023-04-06", "AZ60500001", "1", "2"]]
    written = [["Injured", "Killed", "Region", "Date"],
               ["#Affected +Injured +civilians", "#AFFECTED+civilians+Killed", "#Adm1 +Code", "#Date +Occurred"],
               ["2", "1", "AZ60500001", "2023-04-06"]]
    expected = counts(mapped(tmp_path, plain, "plain.csv"))
    assert expected[0][:3] == ("2023-04-06", 1, 2)
    records = mapped(tmp_path, written, "written.csv")
    assert (counts(records), records.errors, records.unknown_columns) == (expected, [], [])


def test_a_minus_in_a_pattern_excludes_the_breakdown_columns(tmp_path: Path) -> None:
    """``#affected+killed-f-m-children``: a breakdown column before the total is not read as the total."""
    records = mapped(tmp_path, [
        ["Women killed", "Men killed", "Children injured", "Date", "Region", "Killed", "Injured", "Women injured",
         "Men injured"],
        ["#affected+killed+f", "#affected+m+killed", "#affected+children+injured", "#date", "#adm1+code",
         "#affected+killed", "#affected+injured", "#affected+injured+f", "#affected+injured+m"],
        ["1", "2", "0", "2023-04-06", "AZ60500001", "3", "4", "1", "3"]])
    assert counts(records)[0][1:3] == (3, 4)
    [incident] = records.incidents
    assert sorted((v.outcome, v.sex, v.age_band or "") for v in incident.victims) == sorted(
        [("killed", "female", ""), ("killed", "male", ""), ("killed", "male", ""),
         ("injured", "female", "adult"), *[("injured", "male", "adult")] * 3])


def test_date_start_and_end_are_not_the_date(tmp_path: Path) -> None:
    records = mapped(tmp_path, [["Earliest", "Latest", "Day", "Region", "Killed", "Injured"],
                                ["#date+start", "#date+end", "#date", "#adm1+code", "#affected+killed",
                                 "#affected+injured"],
                                ["2020-01-01", "2023-12-31", "--04-06", "AZ60500001", "0", "1"]])
    [incident] = records.incidents
    assert (incident.date.month, incident.date.day) == (4, 6), "#date is read, not #date+start"
    assert (str(incident.date.earliest), str(incident.date.latest)) == ("2020-01-01", "2023-12-31")


def test_of_two_columns_with_one_tag_the_first_is_read_and_the_other_listed(tmp_path: Path) -> None:
    records = mapped(tmp_path, [["Killed", "Killed (other count)", "Reported", "Occurred", "Region", "Injured"],
                                ["#affected+killed", "#affected+killed", "#date+reported", "#date+occurred",
                                 "#adm1+code", "#affected+injured"],
                                ["1", "5", "2023-05-02", "2023-04-06", "AZ60500001", "0"]])
    assert counts(records)[0][:3] == ("2023-04-06", 1, 0), "the first #affected+killed; the #date that +occurred"
    assert records.unknown_columns == ["Killed (other count) (#affected+killed)", "Reported (#date+reported)"]


def test_the_hashtag_row_may_be_below_title_rows_and_rows_keep_their_line_numbers(tmp_path: Path) -> None:
    table = [["Landmine incidents, Azerbaijan, 2023"], ["Compiled by the field team"], [],
             ["Date", "Region", "Killed", "Injured"],
             ["#date", "#adm1+code", "#affected+killed", "#affected+injured"],
             ["2023-04-06", "AZ60500001", "1", "2"],
             ["2023-04-07", "AZ60500001", "many", "2"]]
    records = mapped(tmp_path, table)
    [error] = records.errors
    assert (error.row, error.column, error.value) == (7, "#affected+killed", "many")
    assert len(records.incidents) == 1 and records.incidents[0].row == 6


def test_a_hashtag_row_without_a_header_row_above_it(tmp_path: Path) -> None:
    records = mapped(tmp_path, [["#date", "#adm1+code", "#affected+killed", "#affected+injured", "#meta+note"],
                                ["2023-04-06", "AZ60500001", "1", "2", "x"]])
    assert counts(records)[0][:3] == ("2023-04-06", 1, 2)
    assert records.unknown_columns == ["#meta+note"]


def test_a_malformed_hashtag_is_named_as_an_unknown_column(tmp_path: Path) -> None:
    table = [["Date", "Region", "Killed", "Injured", "Note"],
             ["#date", "#adm1+code", "#affected+killed", "#affected+injured", "#note!"],
             ["2023-04-06", "AZ60500001", "1", "2", "x"]]
    records = mapped(tmp_path, table)
    assert records.unknown_columns == ["Note (#note!: not an HXL hashtag)"]
    # libhxl logs it too; outside pytest (whose log capture hides it) that log is not printed over the report
    path = write_rows(tmp_path / "malformed.csv", table)
    code = f"from minegraph.ingest.table import read_table; read_table({str(path)!r}, 10**6, require_hxl=True)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert (run.stdout, run.stderr) == ("", "")


def test_a_table_without_a_hashtag_row_is_refused_clearly(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "untagged.csv", [["Date", "Region", "Killed", "Injured"],
                                                   ["2023-04-06", "AZ60500001", "1", "2"]])
    with pytest.raises(UnreadableInput, match="has no HXL hashtag row among its first 25 rows"):
        read_table(str(path), 1_000_000, require_hxl=True)
    late = write_rows(tmp_path / "late.csv", [*[[f"title {n}"] for n in range(30)],
                                              ["#date", "#adm1+code", "#affected+killed", "#affected+injured"],
                                              ["2023-04-06", "AZ60500001", "1", "2"]])
    with pytest.raises(UnreadableInput, match="no HXL hashtag row"):
        read_table(str(late), 1_000_000, require_hxl=True)


def test_tag_indices_follow_hxl_tag_patterns(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "t.csv", [["#adm1+name", "#adm1+name+es", "#Adm1 +Code", "#adm2+name"], ["a"] * 4])
    table = read_table(str(path), 1_000_000, require_hxl=True)
    assert table.tag_indices("#adm1") == [0, 1, 2]
    assert table.tag_indices("#adm1+name") == [0, 1]
    assert table.tag_indices("#adm1+name-es") == [0]
    assert table.tag_indices("#adm1+name!") == [0]
    assert table.tag_indices("#adm1+code") == [2]


def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import hxl.input

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a network or URL access was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(hxl.input, "open_url_or_file", refuse)


def test_a_url_looking_path_is_read_as_a_local_file_and_nothing_is_fetched(settings: Settings, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _no_network(monkeypatch)
    monkeypatch.chdir(tmp_path)
    local = tmp_path / "https:" / "example.org"
    local.mkdir(parents=True)
    write_rows(local / "incidents.csv", [["#date", "#adm1+code", "#affected+killed", "#affected+injured"],
                                         ["2023-04-06", "AZ60500001", "1", "2"]])
    [result] = ingest(["https://example.org/incidents.csv"], settings, meta=HXL_META)
    assert result.incidents == 1
    assert query(settings, "SELECT ?k WHERE { ?i a mg:Incident ; mg:killedCount ?k }") == [("1",)]
    with pytest.raises(InputError, match="cannot be read"):
        ingest(["https://example.org/elsewhere.csv"], settings, meta=HXL_META)
