"""Property-based tests: every parser we own refuses hostile input with our own error, never a crash.

Each test feeds arbitrary text or bytes to a parser a user (or an attacker) can reach: the record format,
tabular and HXL input, keys in URLs, Accept headers, the incident list's cursor. The parser either
returns a value with the promised shape or raises a :class:`minegraph.core.errors.MinegraphError`.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minegraph.core.errors import InputError, MinegraphError, UnreadableInput
from minegraph.core.formats import RDF_FORMATS, negotiate, parse_accept
from minegraph.core.vocab import ALPHABET, check_key, normalise_key
from minegraph.ingest.records import read_source
from minegraph.ingest.table import read_table
from minegraph.web.listing import decode_cursor, encode_cursor

BASE = "https://w3id.org/minegraph/"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(st.text(max_size=60))
def test_check_key_never_raises_and_accepts_only_wellformed_keys(text: str) -> None:
    if check_key(text):
        assert len(text) == 11 and set(text) <= set(ALPHABET)


@FAST
@given(st.text(max_size=60))
def test_normalised_keys_are_checked_not_trusted(text: str) -> None:
    normalised = normalise_key(text)
    assert check_key(normalised) in (True, False)


@FAST
@given(st.text(alphabet=string.printable, max_size=200))
def test_accept_headers_never_crash_negotiation(header: str) -> None:
    ranges = parse_accept(header)
    assert all(0.0 <= q <= 1.0 for _media, q in ranges)
    chosen = negotiate(header, RDF_FORMATS)
    assert chosen is None or chosen in RDF_FORMATS


@FAST
@given(st.text(max_size=120))
def test_cursors_are_decoded_or_refused(cursor: str) -> None:
    try:
        day, iri = decode_cursor(cursor, BASE)
    except MinegraphError:
        return
    assert iri.startswith(f"{BASE}id/incident/") and check_key(iri.rsplit("/", 1)[1])
    assert encode_cursor(day.isoformat(), iri)


@FAST
@given(st.binary(max_size=2000))
def test_record_files_of_arbitrary_bytes(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = Path(tmp_path_factory.mktemp("records")) / "source.yaml"
    path.write_bytes(data)
    try:
        read_source(path)
    except InputError as error:
        assert error.file == str(path)


@FAST
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.sampled_from(["source", "statements", "incidents", "id", "quotes",
                                                       "killed", "date", "victims", "text", "sha256"]),
                                      children, max_size=5),
                    max_leaves=20))
def test_record_files_of_arbitrary_structure(tmp_path_factory, document: object) -> None:  # type: ignore[no-untyped-def]
    import yaml

    path = Path(tmp_path_factory.mktemp("records")) / "source.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    try:
        read_source(path)
    except InputError as error:
        assert error.file == str(path)


@FAST
@given(st.binary(max_size=3000))
def test_tables_of_arbitrary_bytes(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = Path(tmp_path_factory.mktemp("tables")) / "table.csv"
    path.write_bytes(data)
    try:
        read_table(str(path), 1_000_000, require_hxl=True)
    except InputError as error:
        assert error.file is None or str(path) in error.file


def test_deeply_nested_yaml_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("source: " + "[" * 5000 + "]" * 5000, encoding="utf-8")
    with pytest.raises(UnreadableInput, match="nested too deeply"):
        read_source(path)


HXL_TAGS = ["#date", "#date+start", "#date+end", "#adm1+code", "#adm1+name", "#adm2+code", "#event+id",
            "#event+code", "#affected+killed", "#affected+injured", "#affected+injured+f", "#affected+killed+children",
            "#geo+lat", "#loc+name", "#meta+x", "#country+code"]
CELLS = st.one_of(st.sampled_from(["", "0", "3", "-1", "x", "2023-04-06", "--04-06", "2023-13", "AZ60500001",
                                   "Jabrayil", "antipersonnel-mine", "1e9", "９"]), st.text(max_size=12))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(HXL_TAGS), min_size=1, max_size=8, unique=True),
       st.lists(st.lists(CELLS, min_size=0, max_size=9), max_size=6))
def test_hxl_tables_are_mapped_or_refused_row_by_row(tmp_path_factory, tags: list[str],  # type: ignore[no-untyped-def]
                                                    rows: list[list[str]]) -> None:
    import csv
    import io

    from minegraph.core.settings import Settings
    from minegraph.ingest.hxl import map_hxl_table

    from .conftest import DATA

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([tag.strip("#") for tag in tags])
    writer.writerow(tags)
    writer.writerows(rows)
    path = Path(tmp_path_factory.mktemp("hxl")) / "table.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    try:
        table = read_table(str(path), 1_000_000, require_hxl=True)
    except InputError:
        return
    records = map_hxl_table(table, Settings(data_dir=DATA))
    for error in records.errors:
        assert error.file == str(path) and error.rule
    for incident in records.incidents:  # a count is stated (>= 0) or not (None), never negative
        assert all(count is None or count >= 0 for count in (incident.killed, incident.injured))


COLOMBIA_HEADER = ("departamento,codigodanedepartamento,municipio,codigodanemunicipio,tipoarea,sitio,ano,mes,"
                   "rangoedad,grupoetnico,condicion,estado,genero,latitudcabecera,longitudcabecera,tipoevento,"
                   "Ubicación,Actividad")
COLOMBIA_CELLS = st.one_of(st.sampled_from(["", "5", "5313", "2006", "13", "0", "Herido", "Muerto", "Civil",
                                            "Sin especificar", "Menor de 18 años", "Accidente por MAP", "-1"]),
                           st.text(max_size=10))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(COLOMBIA_CELLS, min_size=0, max_size=20), max_size=6))
def test_mapped_tables_are_mapped_or_refused_row_by_row(tmp_path_factory, rows: list[list[str]]) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    from minegraph.ingest.rows import map_victim_table
    from minegraph.ingest.spec import find_mapping, load_mapping

    from .conftest import BASE, DATA

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLOMBIA_HEADER.split(","))
    writer.writerows(rows)
    path = Path(tmp_path_factory.mktemp("mapped")) / "table.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    try:
        table = read_table(str(path), 1_000_000)
    except InputError:
        return
    spec = load_mapping(find_mapping("colombia-victims", DATA))
    records = map_victim_table(table, spec, BASE)
    for error in records.errors:
        assert error.file == str(path) and error.rule
    for incident in records.incidents:  # a count is stated (>= 0) or not (None), never negative
        assert all(count is None or count >= 0 for count in (incident.killed, incident.injured))
