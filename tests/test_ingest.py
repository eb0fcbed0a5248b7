"""`minegraph ingest`: the Colombian sample through its mapping, idempotence, corrections, HXL, RDF, records."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

from minegraph.core.errors import InputError, UnreadableInput
from minegraph.core.settings import Settings
from minegraph.ingest.run import ingest, withdraw_source
from minegraph.store.embedded import EmbeddedStore
from tests.conftest import BASE, DATA, SEED_SOURCE

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "colombia" / "sample.csv"
HXL = FIXTURES / "ingest" / "incidents.hxl.csv"
HXL_META = FIXTURES / "ingest" / "hxl.meta.yaml"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=tmp_path / "store", data_dir=DATA, base_uri=BASE)


def dump(settings: Settings) -> bytes:
    store = EmbeddedStore(settings.store)
    try:
        return b"".join(sorted(store.dump(RdfFormat.N_QUADS).splitlines(keepends=True)))
    finally:
        store.close()


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, table: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(table)
    return path


def query(settings: Settings, sparql: str) -> list[tuple[str, ...]]:
    store = EmbeddedStore(settings.store, read_only=True)
    try:
        from minegraph.core.vocab import sparql_prefixes

        return [tuple(str(term.value) for term in row) for row in store.query(sparql_prefixes() + sparql)]
    finally:
        store.close()


def test_colombian_sample_loads_one_incident_per_victim(settings: Settings) -> None:
    [result] = ingest([str(SAMPLE)], settings, mapping="colombia-victims")
    assert (result.incidents, result.victims) == (200, 200)
    assert result.report.conforms
    assert set(result.dropped) == {"sitio", "latitudcabecera", "longitudcabecera", "Ubicación", "grupoetnico"}
    assert result.unknown_columns == []
    counts = query(settings, "SELECT (COUNT(?i) AS ?n) WHERE { ?i a mg:Incident }")
    assert counts == [("200",)]
    municipality = query(settings, """SELECT ?code ?label ?dept WHERE {
        ?p mg:pcode "CO05313" ; mg:daneCode ?code ; rdfs:label ?label ; schema:containedInPlace ?d .
        ?d mg:pcode ?dept }""")
    assert municipality == [("05313", "Granada", "CO05")]


def test_identifying_and_sensitive_columns_are_never_published(settings: Settings) -> None:
    ingest([str(SAMPLE)], settings, mapping="colombia-victims")
    published = dump(settings).decode("utf-8")
    table = rows(SAMPLE)
    header = table[0]
    for row in table[1:]:
        for column in ("latitudcabecera", "longitudcabecera"):
            assert row[header.index(column)] not in published
        if row[header.index("sitio")].startswith("SITIO-"):
            assert row[header.index("sitio")] not in published
    assert "Indigena" not in published and "Afrodescendiente" not in published
    # the only points are the areas' representative points from DANE's lists (data/reference), never the
    # table's: each published WKT is one of those
    reference = {f"POINT({r[5]} {r[6]})" for r in rows(DATA / "reference" / "co-divipola-municipalities.csv")[1:]}
    reference |= {f"POINT({r[2]} {r[3]})" for r in rows(DATA / "reference" / "co-divipola-departments.csv")[1:]}
    published_points = set(re.findall(r'"(POINT\([^)]*\))"', published))
    assert published_points and published_points <= reference


def test_the_same_file_again_changes_nothing(settings: Settings) -> None:
    ingest([str(SAMPLE)], settings, mapping="colombia-victims")
    before = dump(settings)
    [again] = ingest([str(SAMPLE)], settings, mapping="colombia-victims")
    assert again.unchanged
    assert dump(settings) == before


def test_a_corrected_file_keeps_every_key_that_still_applies(settings: Settings, tmp_path: Path) -> None:
    table = rows(SAMPLE)
    original = write_rows(tmp_path / "colombia.csv", table)
    ingest([str(original)], settings, mapping="colombia-victims")
    keys_before = set(query(settings, "SELECT ?v WHERE { ?v a mg:Victim }"))
    genero = table[0].index("genero")
    table[1][genero] = "Femenino" if table[1][genero] == "Masculino" else "Masculino"  # a corrected category
    removed = table.pop(5)  # a withdrawn row
    write_rows(original, table)
    [result] = ingest([str(original)], settings, mapping="colombia-victims")
    keys_after = set(query(settings, "SELECT ?v WHERE { ?v a mg:Victim }"))
    assert keys_after <= keys_before and len(keys_before - keys_after) == 1
    assert result.tombstoned == 2  # the removed row's incident and victim
    gone = query(settings, f"SELECT ?s ?r WHERE {{ GRAPH <{BASE}graph/tombstones> {{ ?s mg:withdrawnReason ?r }} }}")
    assert len(gone) == 2 and removed


def test_withdraw_source_removes_the_graph_and_leaves_tombstones(settings: Settings) -> None:
    [result] = ingest([str(SAMPLE)], settings, mapping="colombia-victims")
    count = withdraw_source("colombia-oacp-victims-map-muse", settings, "test withdrawal")
    assert count == 403  # 200 incidents, 200 victims, the source document, its statement, its publisher
    assert query(settings, "SELECT ?i WHERE { ?i a mg:Incident }") == []
    store = EmbeddedStore(settings.store, read_only=True)
    try:  # the graph is gone, not left behind empty (a graph listed by /store and VoID with nothing in it)
        assert result.graph_iri not in {g.value for g in store.oxigraph.named_graphs()}
    finally:
        store.close()
    with pytest.raises(InputError):
        withdraw_source("no-such-source", settings, "x")


def test_hxl_columns_in_any_order_with_unknown_columns_listed(settings: Settings) -> None:
    [result] = ingest([str(HXL)], settings, meta=HXL_META)
    assert result.incidents == 2
    assert result.victims == 3  # ev-1: 1 woman and 1 man injured; ev-2: 1 man killed
    assert result.unknown_columns == ["Reporter (#meta+reporter)"]
    assert set(result.dropped) == {"Latitude", "Longitude", "Village"}
    assert "site of harm" in result.dropped["Village"]
    published = dump(settings).decode("utf-8")
    assert "39.4012" not in published and "Village A" not in published
    assert "Columns of the source not published" in published and "Village: site of harm" in published


def test_hxl_keys_of_rows_without_ids_are_not_hashed_from_the_site(settings: Settings, tmp_path: Path) -> None:
    """Keys are public: a key minted from a site name (#loc) would confirm a guessed site. Rows without #event+id are
    named by date and admin places, and by their order among rows of the same date and places."""
    from minegraph.core.vocab import mint_key

    def keys(sites: list[str], name: str) -> list[str]:
        table = [["Date", "Region", "Village", "Device", "Killed", "Injured"],
                 ["#date", "#adm1+code", "#loc+name", "#event+code", "#affected+killed", "#affected+injured"],
                 *[["2023-04-06", "AZ60500001", site, "antipersonnel-mine", "0", str(n + 1)]
                   for n, site in enumerate(sites)]]
        path = write_rows(tmp_path / f"{name}.hxl.csv", table)
        [result] = ingest([str(path)], settings.with_overrides(store=tmp_path / name), meta=HXL_META)
        assert result.incidents == len(sites)
        found = query(settings.with_overrides(store=tmp_path / name),
                      "SELECT ?i ?n WHERE { ?i a mg:Incident ; mg:injuredCount ?n } ORDER BY ?n")
        return [iri.rsplit("/", 1)[-1] for iri, _n in found]

    guessed = keys(["Village A", "Village B"], "a")
    assert keys(["Another site", "Somewhere else"], "b") == guessed, "a key must not change with the site's name"
    assert keys(["", ""], "c") == guessed
    assert guessed == [mint_key("incident", "test-hxl-incidents", f"2023-04-06|AZ60500001|||#{n}")
                       for n in (1, 2)]


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.pop(1), "no HXL hashtag row"),
    (lambda t: t.append(t[2]), "repeats row 3 exactly"),
    (lambda t: t[2].__setitem__(4, "AZ99999999"), "is not a P-code of the gazetteer"),
    (lambda t: t[2].__setitem__(6, "banana"), "is not a known explosive ordnance type"),
    (lambda t: t[2].append("a shifted value"), r"row 3, column 16 \(past the 15 of the header\).*has 16 cells"),
])
def test_bad_hxl_is_refused_with_row_column_value_and_rule(settings: Settings, tmp_path: Path, change: object,
                                                           message: str) -> None:
    table = rows(HXL)
    change(table)  # type: ignore[operator]
    path = write_rows(tmp_path / "bad.hxl.csv", table)
    with pytest.raises(InputError, match=message):
        ingest([str(path)], settings, meta=HXL_META)
    assert not settings.store.exists() or dump(settings) == b""


def test_unknown_code_rejects_the_file_or_is_skipped_into_a_rejects_file(settings: Settings, tmp_path: Path) -> None:
    table = rows(SAMPLE)
    table[7][table[0].index("estado")] = "Desaparecido"
    path = write_rows(tmp_path / "colombia.csv", table)
    with pytest.raises(InputError) as refused:
        ingest([str(path)], settings, mapping="colombia-victims")
    assert "row 8, column estado, value 'Desaparecido': is not a known value of outcome" in str(refused.value)
    [result] = ingest([str(path)], settings, mapping="colombia-victims", on_error="skip", rejects_dir=tmp_path)
    assert result.incidents == 199
    rejects = rows(Path(result.rejects_file or ""))
    assert rejects[0][:4] == ["row", "column", "value", "rule"]
    assert rejects[1][:3] == ["8", "estado", "Desaparecido"]


def test_a_row_with_more_cells_than_the_header_is_refused_or_skipped(settings: Settings, tmp_path: Path) -> None:
    """A shifted row (a cell split by a stray delimiter) used to be read silently, its values under wrong columns."""
    table = rows(SAMPLE)
    table[5].insert(3, "a stray cell")
    path = write_rows(tmp_path / "colombia.csv", table)
    with pytest.raises(InputError, match=r"row 6, column 19 \(past the 18 of the header\)"):
        ingest([str(path)], settings, mapping="colombia-victims")
    [result] = ingest([str(path)], settings, mapping="colombia-victims", on_error="skip", rejects_dir=tmp_path)
    assert result.incidents == 199 and {e.row for e in result.rejected} == {6}
    assert any("has 19 cells, the header has 18" in e.rule for e in result.rejected)


def test_wrong_encoding_empty_and_oversized_files_are_refused(settings: Settings, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(SAMPLE.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(UnreadableInput, match=r"not UTF-8 text: byte 0x.. at line \d+.*Latin-1"):
        ingest([str(latin1)], settings, mapping="colombia-victims")
    empty = tmp_path / "empty.csv"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(UnreadableInput, match="is empty"):
        ingest([str(empty)], settings, mapping="colombia-victims")
    small = settings.with_overrides(max_ingest_bytes=1000)
    with pytest.raises(UnreadableInput, match="more than the limit of 1,000"):
        ingest([str(SAMPLE)], small, mapping="colombia-victims")


def test_a_truncated_nquads_file_is_refused(settings: Settings, tmp_path: Path) -> None:
    ingest([str(SAMPLE)], settings, mapping="colombia-victims")
    whole = dump(settings)
    path = tmp_path / "export.nq"
    cut = whole.index(b"> <", len(whole) // 2)  # inside a line, whatever the dump holds (a cut at a line end is valid)
    path.write_bytes(whole[:cut])
    with pytest.raises(UnreadableInput, match="is not valid"):
        ingest([str(path)], settings)
    assert dump(settings) == whole


def test_rdf_in_our_ontology_is_ingested_into_its_own_graph(settings: Settings, tmp_path: Path) -> None:
    ingest([str(SAMPLE)], settings, mapping="colombia-victims")
    store = EmbeddedStore(settings.store)
    graph = next(g for g in store.graphs() if "/graph/source/" in g)
    turtle = store.dump(RdfFormat.TURTLE, graph=graph)
    store.close()
    path = tmp_path / "copy.ttl"
    path.write_bytes(turtle)
    [result] = ingest([str(path)], settings)
    assert result.source_id == "copy"
    assert result.graph_iri != graph and len(result.graph) > 5000


@pytest.mark.parametrize(("name", "text", "message"), [
    ("direction.ttl", '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n'
                      '<https://w3id.org/minegraph/id/place/x> rdfs:label "Jabrayil"@en--ltr .\n',
     r'RDF 1.2 base directions are not supported: line 3: "…"@en--ltr'),
    ("triple-term.nt", '<urn:a> <urn:b> "c" .\n<urn:a> <urn:b> <<( <urn:s> <urn:p> "a name"@en )>> .\n',
     r'RDF 1.2 triple terms are not supported: line 2: <<\( <urn:s> <urn:p> "…"@en \)>>'),
    ("reifier.ttl", 'PREFIX : <http://example.org/>\n:a :b :c .\n<< :a :b :c >> :said :d .\n',
     r"RDF 1.2 triple terms are not supported: line 3: <<\( <http://example.org/a>"),
    ("annotation.trig", 'PREFIX : <http://example.org/>\n:g { :a :b :c {| :d :e |} . }\n',
     r"RDF 1.2 triple terms are not supported: line 2: "),
    ("direction.jsonld", '{"@id": "http://example.org/a",\n "http://example.org/name": '
                         '{"@value": "x", "@language": "ar", "@direction": "rtl"}}',
     r'RDF 1.2 base directions are not supported: line 2: "…"@ar--rtl'),
])
def test_rdf_1_2_is_refused_with_file_line_and_term(settings: Settings, tmp_path: Path, name: str, text: str,
                                                    message: str) -> None:
    """pyoxigraph reads RDF 1.2; the gate, the stores and the exports do not (a directional tag crashed rdflib)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnreadableInput, match=message) as refused:
        ingest([str(path)], settings)
    assert refused.value.file == str(path) and "a name" not in str(refused.value)
    assert not settings.store.exists() or dump(settings) == b""


def test_curated_records_are_ingested_like_build_does(settings: Settings) -> None:
    [result] = ingest([str(SEED_SOURCE)], settings)
    assert result.source_id == "newsaz-ombudsperson-april-6"
    assert result.incidents >= 1


def test_a_graph_streams_as_pieces_cut_at_line_ends() -> None:
    """A bulk load reads the graph in pieces (no second copy of a national file's graph in memory)."""
    from minegraph.core.ntriples import NTriplesGraph

    graph = NTriplesGraph()
    for i in range(1000):
        graph.add(f"<urn:x:{i}>", "<urn:p>", f'"Caño Limón {i}"')
    pieces = list(graph.chunks(size=2000))
    assert len(pieces) > 10
    assert all(piece.endswith(b" .\n") for piece in pieces)
    assert b"".join(pieces) == graph.text().encode("utf-8")


def test_hxl_tags_may_carry_more_attributes(settings: Settings, tmp_path: Path) -> None:
    """HXL users write ``#date+occurred`` beside ``#date+reported``, ``#affected+killed+civilians``: a tag names its
    column whatever other attributes it has (it was refused: "the hashtag row lacks #date")."""
    table = [["Reported", "Occurred", "Region", "Device", "Killed", "Injured"],
             ["#date+reported", "#date+occurred", "#adm1+code", "#event+code", "#affected+killed+civilians",
              "#affected+injured+civilians"],
             ["2023-05-02", "2023-04-06", "AZ60500001", "antipersonnel-mine", "1", "2"]]
    path = write_rows(tmp_path / "attributes.hxl.csv", table)
    [result] = ingest([str(path)], settings, meta=HXL_META)
    assert result.incidents == 1
    found = query(settings, "SELECT ?d ?k ?j WHERE { ?i a mg:Incident ; mg:earliestDate ?d ; mg:killedCount ?k ; "
                            "mg:injuredCount ?j }")
    assert [(str(d), int(k), int(j)) for d, k, j in found] == [("2023-04-06", 1, 2)], "the date it occurred"


def test_hxl_admin2_names_are_matched_within_their_admin1(settings: Settings, tmp_path: Path) -> None:
    """A Colombian events table by department and municipality name: BOYACA / MIRAFLORES is Miraflores in Boyacá
    (it was Miraflores in Guaviare), and a name that is not a municipality of its department is refused, named."""
    table = [["Año", "Departamento", "Municipio", "Muertos", "Heridos"],
             ["#date", "#adm1+name", "#adm2+name", "#affected+killed", "#affected+injured"],
             ["2010", "BOYACA", "MIRAFLORES", "0", "1"],
             ["2011", "META", "GRANADA", "1", ""]]
    path = write_rows(tmp_path / "colombia.hxl.csv", table)
    [result] = ingest([str(path)], settings, meta=HXL_META)
    assert result.incidents == 2
    found = query(settings, "SELECT ?code WHERE { ?i a mg:Incident ; mg:place/mg:pcode ?code } ORDER BY ?code")
    assert [code for (code,) in found] == ["CO15455", "CO50313"]
    # a miss in its department, a tie in the country: kept as reported at the coarser place, never guessed
    kept = write_rows(tmp_path / "kept.hxl.csv", [[*table[0], "Country"], [*table[1], "#country+code"],
                                                  ["2012", "META", "MIRAFLORES", "0", "1", "COL"],
                                                  ["2013", "", "GRANADA", "0", "1", "CO"]])
    [result] = ingest([str(kept)], settings, meta=HXL_META)
    assert result.incidents == 2
    found = query(settings, "SELECT ?place ?reported WHERE { ?i mg:placeAsReported ?reported ; "
                            "mg:place/rdfs:label ?place } ORDER BY ?reported")
    assert found == [("Colombia", "GRANADA"), ("Meta", "MIRAFLORES")]
    nowhere = write_rows(tmp_path / "nowhere.hxl.csv", [*table[:2], ["2014", "", "GRANADA", "0", "1"]])
    with pytest.raises(InputError, match="gives no country to keep it in"):
        ingest([str(nowhere)], settings, meta=HXL_META)
