"""The seed article's facts, asked of a built store the way a user would ask them."""

from __future__ import annotations

from pyoxigraph import RdfFormat

from minegraph.core.redaction import Register
from minegraph.core.vocab import sparql_prefixes
from minegraph.ingest.records import read_source
from minegraph.store.embedded import EmbeddedStore

from .conftest import DATA


def select(store: EmbeddedStore, query: str) -> list[dict[str, str]]:
    result = store.query(sparql_prefixes() + query)
    return [{v.value: row[v.value].value for v in result.variables if row[v.value] is not None}  # type: ignore[union-attr]
            for row in result]  # type: ignore[union-attr]


def test_four_injured_and_one_killed_on_6_april(built_store: EmbeddedStore) -> None:
    rows = select(built_store, """
        SELECT (SUM(?injured) AS ?i) (SUM(?killed) AS ?k) WHERE {
          ?incident a mg:Incident ; mg:injuredCount ?injured ; mg:killedCount ?killed ;
                    time:hasTime [ time:month "--04"^^xsd:gMonth ; time:day "---06"^^xsd:gDay ] .
        }""")
    assert rows == [{"i": "4", "k": "1"}]


def test_injuries_by_district_with_speakers_and_quotes(built_store: EmbeddedStore) -> None:
    rows = select(built_store, """
        SELECT ?district ?injured ?speaker ?quote WHERE {
          ?incident a mg:Incident ; mg:injuredCount ?injured ; mg:place/rdfs:label ?district ;
                    mg:supportedBy ?statement .
          FILTER (?injured > 0)
          ?statement prov:wasAttributedTo/rdfs:label ?speaker ; mg:quote/oa:hasSelector/oa:exact ?quote .
        }""")
    by_district = {(r["district"], r["injured"]) for r in rows}
    assert by_district == {("Jabrayil District", "1"), ("Aghdam District", "3")}
    speakers = {r["speaker"] for r in rows}
    assert speakers == {"News.Az", "Human Rights Commissioner (Ombudsperson) of the Republic of Azerbaijan"}
    assert any(r["quote"].startswith("On April 6, as a result of landmine explosions") for r in rows)


def test_soldier_killed_in_jabrayil(built_store: EmbeddedStore) -> None:
    rows = select(built_store, """
        SELECT ?district ?status WHERE {
          ?incident mg:killedCount 1 ; mg:place/rdfs:label ?district ; mg:victim ?v .
          ?v mg:outcome mgc:outcome\\/killed ; mg:status/skos:notation ?status .
        }""".replace("mgc:outcome\\/killed", "<https://w3id.org/minegraph/concept/outcome/killed>"))
    assert rows == [{"district": "Jabrayil District", "status": "security-forces"}]


def test_aggregate_is_a_claim_of_its_speaker(built_store: EmbeddedStore) -> None:
    rows = select(built_store, """
        SELECT ?count ?since ?speaker WHERE {
          ?claim a mg:AggregateClaim ; mg:count ?count ; mg:periodStart ?since ;
                 prov:wasAttributedTo/rdfs:label ?speaker .
        }""")
    assert rows == [{"count": "392", "since": "2020",
                     "speaker": "Human Rights Commissioner (Ombudsperson) of the Republic of Azerbaijan"}]
    # The count is not stated as a fact about the place.
    assert not select(built_store, "SELECT ?p WHERE { ?place a mg:Place ; ?p 392 }")


def test_responsibility_only_as_attributed_claim(built_store: EmbeddedStore) -> None:
    rows = select(built_store, """
        SELECT ?s ?p WHERE { ?armenia rdfs:label "Republic of Armenia"@en . ?s ?p ?armenia }""")
    assert rows, "the claim names the alleged party"
    for row in rows:
        assert row["p"].endswith("allegedResponsibleParty")
        assert select(built_store, f"""SELECT ?speaker WHERE {{
            <{row["s"]}> a mg:ResponsibilityClaim ; prov:wasAttributedTo ?speaker ; mg:quote ?q }}""")


def test_year_is_left_unknown(built_store: EmbeddedStore) -> None:
    rows = select(built_store, """
        SELECT ?incident WHERE { ?incident a mg:Incident . { ?incident schema:startDate ?d }
                                 UNION { ?incident time:hasTime/time:year ?y } }""")
    assert rows == []


def test_no_victim_name_in_any_public_graph(built_store: EmbeddedStore) -> None:
    register = Register.of(digest for path in sorted((DATA / "sources").glob("*.yaml"))
                           for digest in read_source(path).source.redact)
    assert register, "data/ marks at least one name for redaction"
    dump = built_store.dump(RdfFormat.N_QUADS).decode("utf-8")
    assert not register.contains(dump)
    for line in dump.splitlines():
        assert not register.contains_iri(line.split(" ", 1)[0])
