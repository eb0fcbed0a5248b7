"""One door in: every promise holds whatever the path of the write (issue 13).

Each test is an attack a tester made, on a path that used to keep only part of the rules: a name listed by a
source, written over SPARQL Update, the Graph Store or an RDF ingest; a name on a victim under another spelling of
schema.org, or under a property nobody thought of; a name listed after it was already published; a write whose
audit line cannot be written. And the door is the only code that writes: no other module calls a store's write
primitives.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from pyoxigraph import RdfFormat

from minegraph.core.errors import StoreError, ValidationFailed
from minegraph.core.redaction import digest
from minegraph.core.settings import Settings
from minegraph.ingest.build import build
from minegraph.ingest.run import ingest
from minegraph.store.embedded import EmbeddedStore
from minegraph.store.privacy import register_graph

from .conftest import BASE, ROOT

NAME = "Test Victimname"  # an obviously invented name, listed for redaction by the seed in these tests
LATER = "Other Inventedname"  # published first, listed by a source later
TOKEN = "door-token"
SOLDIER = f"{BASE}id/incident/78ft77tf9p2"
VICTIM = f"{BASE}id/victim/x2j252khg5g"
UPLOAD = "http://example.org/attack"


@dataclass
class World:
    settings: Settings
    data: Path
    client: FlaskClient


def _list(data: Path, *names: str) -> None:
    """The seed lists ``names`` for redaction (as digests, as record files do)."""
    path = data / "sources" / "newsaz-ombudsperson-april-6.yaml"
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    records["source"]["redact"] += [digest(name) for name in names]
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def world(tmp_path: Path, data_copy: Path) -> Iterator[World]:
    from minegraph.web import create_app

    _list(data_copy, NAME)
    settings = Settings(store=tmp_path / "store", data_dir=data_copy, base_uri=BASE, write_token=TOKEN)
    build(settings)
    app = create_app(settings, {"TESTING": True, "QUERY_WORKERS": 1})
    yield World(settings, data_copy, app.test_client())
    app.extensions["minegraph"].close()


def dump(settings: Settings) -> bytes:
    handle = EmbeddedStore(settings.store, read_only=True)
    try:
        return handle.dump(RdfFormat.N_QUADS)
    finally:
        handle.close()


def update(world: World, sparql: str) -> int:
    reply = world.client.post("/sparql", data=sparql.encode(), headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    return reply.status_code


def post_graph(world: World, turtle: str, graph: str = UPLOAD) -> int:
    reply = world.client.post(f"/store?graph={graph}", data=turtle.encode(), headers={
        "Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    return reply.status_code


# --- a listed name, by every door ------------------------------------------------------------------------------

def test_a_listed_name_is_refused_by_sparql_update(world: World) -> None:
    before = dump(world.settings)
    sparql = (f'INSERT DATA {{ GRAPH <{UPLOAD}> {{ <{SOLDIER}> <http://www.w3.org/2004/02/skos/core#note> '
              f'"The soldier was {NAME.upper()}." }} }}')
    assert update(world, sparql) == 422
    assert dump(world.settings) == before


def test_a_listed_name_is_refused_by_the_graph_store(world: World) -> None:
    before = dump(world.settings)
    assert post_graph(world, f'<{SOLDIER}> <http://example.org/said> "{NAME}" .') == 422
    assert post_graph(world, f"<http://example.org/{NAME.replace(' ', '')}> a <http://example.org/Thing> .") == 422
    assert dump(world.settings) == before


@pytest.mark.parametrize("spelling", [
    "Test\u200bVictimname",  # a zero-width space inside
    "Test Victim\u00adname",  # a soft hyphen
    "\u0422est Victimname",  # a Cyrillic capital Te for the T
    "\uff34\uff45\uff53\uff54 Victimname",  # full-width letters
    "TEST-VICTIMNAME",
])
def test_a_listed_name_is_refused_however_it_is_spelled(world: World, spelling: str) -> None:
    before = dump(world.settings)
    assert post_graph(world, f'<{SOLDIER}> <http://example.org/said> "{spelling}" .') == 422
    assert dump(world.settings) == before


def test_a_listed_name_in_a_percent_encoded_iri_is_refused(world: World) -> None:
    before = dump(world.settings)
    assert post_graph(world, "<http://example.org/person/Test%20Victimname> a <http://example.org/Thing> .") == 422
    assert post_graph(world, f"<{SOLDIER}> <http://example.org/about> <http://example.org/Test%5FVictimname> .") == 422
    assert dump(world.settings) == before


def test_a_listed_name_is_refused_by_an_rdf_ingest(world: World, tmp_path: Path) -> None:
    path = tmp_path / "attack.ttl"
    path.write_text(f'<http://example.org/x> <http://www.w3.org/2000/01/rdf-schema#label> "{NAME}\'s house" .\n',
                    encoding="utf-8")
    before = dump(world.settings)
    with pytest.raises(ValidationFailed) as refused:
        ingest([str(path)], world.settings)
    assert "identifying a person" in refused.value.report.text() and NAME not in refused.value.report.text()
    assert dump(world.settings) == before


def test_a_name_listed_after_it_was_published_stops_the_build(world: World, tmp_path: Path) -> None:
    """`minegraph build` used to succeed while a public graph held a name a source now lists."""
    path = tmp_path / "earlier.ttl"
    path.write_text(f'<http://example.org/y> <http://www.w3.org/2000/01/rdf-schema#label> "{LATER}" .\n',
                    encoding="utf-8")
    ingest([str(path)], world.settings)  # not listed yet: published
    _list(world.data, LATER)
    before = dump(world.settings)
    with pytest.raises(ValidationFailed) as refused:
        build(world.settings)
    assert "now lists" in refused.value.report.text()
    assert dump(world.settings) == before


@pytest.mark.parametrize("triple", [
    f'<{SOLDIER}> <http://example.org/said> "{NAME}"^^<http://www.w3.org/2001/XMLSchema#integer>',  # any datatype
    f'<{SOLDIER}> <http://schema.org/{NAME.replace(" ", "_")}> "x"',  # a vocabulary's namespace is no shelter
    f'<{SOLDIER}#{NAME.replace(" ", "")}> <http://example.org/p> "x"',  # nor a fragment of a thing IRI
])
def test_a_listed_name_has_no_hiding_place_in_a_triple(world: World, triple: str) -> None:
    before = dump(world.settings)
    assert post_graph(world, triple + " .") == 422
    assert dump(world.settings) == before


@pytest.mark.parametrize("command", ["withdraw", "merge"])
def test_a_listed_name_in_a_curators_reason_is_refused(world: World, command: str) -> None:
    """A tombstone's reason is published at the retired URI (410 / 301 pages, the tombstones graph)."""
    from click.testing import CliRunner

    from minegraph.cli import main

    before = dump(world.settings)
    target = ["incident/78ft77tf9p2"] if command == "withdraw" else ["k318zecnq29", "j044rzcgyy3"]
    result = CliRunner().invoke(main, [command, *target, "--reason", f"reported by {NAME}'s family",
                                       "--store", str(world.settings.store)])
    assert result.exit_code == 1, result.output
    assert "identifying a person" in result.output and NAME not in result.output
    assert dump(world.settings) == before


# --- victims are described by category, whatever the spelling ------------------------------------------------------

@pytest.mark.parametrize("predicate", [
    "http://schema.org/name", "https://schema.org/name", "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/2006/vcard/ns#fn", "http://www.w3.org/2000/01/rdf-schema#label",
    "http://example.org/nomDeFamille",  # a property nobody listed
])
def test_no_property_but_categories_on_a_victim(world: World, predicate: str) -> None:
    before = dump(world.settings)
    sparql = f'INSERT DATA {{ GRAPH <{UPLOAD}> {{ <{VICTIM}> <{predicate}> "Jane Roe" }} }}'
    assert update(world, sparql) == 422
    assert post_graph(world, f'<{VICTIM}> <{predicate}> "Jane Roe" .') == 422
    assert dump(world.settings) == before


def test_a_victim_cannot_come_back_as_a_person(world: World) -> None:
    turtle = (f'<http://example.org/jane> a <https://schema.org/Person> ; <https://schema.org/name> "Jane Roe" ; '
              f'<http://example.org/harmedIn> <{SOLDIER}> .')
    assert post_graph(world, turtle) == 422


def test_a_victim_has_no_type_but_victim(world: World) -> None:
    before = dump(world.settings)
    assert post_graph(world, f"<{VICTIM}> a <http://www.wikidata.org/entity/Q5> .") == 422
    assert post_graph(world, f"<{VICTIM}> a <http://example.org/NamedPerson> .") == 422
    assert dump(world.settings) == before


def test_only_an_incident_or_a_statement_points_at_a_victim(world: World) -> None:
    before = dump(world.settings)
    assert post_graph(world, f"<http://example.org/record/17> <http://example.org/describes> <{VICTIM}> .") == 422
    assert post_graph(world, f"<http://www.wikidata.org/entity/Q42> <http://www.w3.org/2002/07/owl#sameAs> "
                             f"<{VICTIM}> .") == 422
    assert dump(world.settings) == before


def test_a_name_written_first_and_a_victim_type_written_later_is_refused(world: World) -> None:
    """Across graphs: a harmless-looking name in one graph, then a second graph that makes its subject a victim."""
    thing = "http://example.org/someone"
    named = f'<{thing}> <https://schema.org/name> "Jane Roe" .'
    assert post_graph(world, named, graph="http://example.org/g1") in (201, 204)
    before = dump(world.settings)
    typed = f"<{thing}> a <https://w3id.org/minegraph/def/Victim> ."
    assert post_graph(world, typed, graph="http://example.org/g2") == 422
    assert dump(world.settings) == before
    # and the other way round: the victim is published first, a name is added to it in another graph
    assert post_graph(world, f'<{VICTIM}> <http://example.org/alias> "J. R." .', graph="http://example.org/g3") == 422


@pytest.mark.parametrize("person", [
    "http://schema.org/Patient", "http://www.w3.org/ns/prov#Person", "http://www.wikidata.org/entity/Q5",
    "http://xmlns.com/foaf/0.1/Person"])
def test_a_person_record_in_one_graph_cannot_be_linked_from_another(world: World, person: str) -> None:
    jane = "http://example.org/jane"
    assert post_graph(world, f"<{jane}> a <{person}> .", graph="http://example.org/people") in (201, 204)
    before = dump(world.settings)
    assert post_graph(world, f"<{SOLDIER}> <http://example.org/harmed> <{jane}> .", graph=UPLOAD) == 422
    assert post_graph(world, f"<{jane}> <http://example.org/harmedIn> <{SOLDIER}> .", graph=UPLOAD) == 422
    assert dump(world.settings) == before


def test_a_link_published_first_and_a_person_type_later_is_refused(world: World) -> None:
    jane = "http://example.org/jane2"
    assert post_graph(world, f"<{jane}> <http://example.org/harmedIn> <{SOLDIER}> .", graph=UPLOAD) in (201, 204)
    before = dump(world.settings)
    assert post_graph(world, f"<{jane}> a <https://schema.org/Person> .", graph="http://example.org/people") == 422
    assert dump(world.settings) == before


def test_none_of_minegraphs_things_is_typed_a_person(world: World) -> None:
    assert post_graph(world, f"<{SOLDIER}> a <https://schema.org/Person> .") == 422


def test_the_stores_default_graph_keeps_the_rules(world: World) -> None:
    """``/store?default`` is readable by anyone: what is written there is checked like any public graph."""
    def put_default(turtle: str) -> int:
        return world.client.put("/store?default", data=turtle.encode(), headers={
            "Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"}).status_code

    before = dump(world.settings)
    assert put_default(f'<http://example.org/x> <http://example.org/said> "{NAME}" .') == 422
    assert put_default(f'<{VICTIM}> <https://schema.org/name> "Jane Roe" .') == 422
    assert put_default("<http://example.org/i> a <https://w3id.org/minegraph/def/Incident> .") == 422  # the shapes
    assert dump(world.settings) == before
    assert put_default('<http://example.org/x> <http://example.org/said> "a neutral note" .') in (201, 204)


def test_restricted_graphs_may_hold_what_public_ones_may_not(world: World) -> None:
    restricted = f"{BASE}graph/restricted/victims"
    sparql = f'INSERT DATA {{ GRAPH <{restricted}> {{ <{VICTIM}> <https://schema.org/name> "Jane Roe" }} }}'
    assert update(world, sparql) == 200
    assert b"Jane Roe" not in world.client.get(f"/doc/victim/{VICTIM.rsplit('/', 1)[1]}.ttl").data


def test_a_text_kept_in_a_restricted_graph_cannot_be_copied_into_a_public_one(world: World) -> None:
    restricted = f"{BASE}graph/restricted/victims"
    sparql = (f'INSERT DATA {{ GRAPH <{restricted}> {{ <{VICTIM}> <https://schema.org/name> "Jane Roe" ; '
              f'<https://schema.org/birthDate> "2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date> }} }}')
    assert update(world, sparql) == 200
    before = dump(world.settings)
    copy = (f'INSERT {{ GRAPH <{UPLOAD}> {{ <http://example.org/note> <http://example.org/says> ?name }} }} '
            f'WHERE {{ GRAPH <{restricted}> {{ ?v <https://schema.org/name> ?name }} }}')
    assert update(world, copy) == 422
    assert post_graph(world, '<http://example.org/note> <http://example.org/says> "JANE  ROE" .') == 422
    digests = (f'INSERT {{ GRAPH <{UPLOAD}> {{ <http://example.org/note> <http://example.org/says> ?d }} }} '
               f'WHERE {{ GRAPH <{register_graph(BASE)}> {{ ?g ?p ?d }} }}')
    assert update(world, digests) == 422
    assert dump(world.settings) == before
    # a date kept there is not a text: the same date may be published (it is an incident's, say)
    assert post_graph(world, '<http://example.org/note> <http://example.org/on> '
                             '"2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .') in (201, 204)


def test_the_register_and_the_derived_graphs_are_written_by_minegraph_only(world: World) -> None:
    for graph in (register_graph(BASE), f"{BASE}graph/tombstones", f"{BASE}graph/aggregates"):
        insert = f"INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/a> <http://example.org/b> 1 }} }}"
        assert update(world, insert) == 400, graph
    assert update(world, f"DROP SILENT GRAPH <{register_graph(BASE)}>") == 400  # it exists: the seed lists names
    handle = EmbeddedStore(world.settings.store, read_only=True)
    try:
        assert register_graph(BASE) in handle.graphs()
    finally:
        handle.close()


# --- what the rest of the data stands on -----------------------------------------------------------------------------

def test_the_vocabulary_graphs_are_minegraphs_own(world: World) -> None:
    before = dump(world.settings)
    ontology, concepts = f"{BASE}graph/ontology", f"{BASE}graph/concepts"
    assert update(world, f"DROP GRAPH <{ontology}>") == 400
    assert update(world, f"CLEAR GRAPH <{concepts}>") == 400
    assert update(world, f'DELETE WHERE {{ GRAPH <{concepts}> {{ ?c <http://www.w3.org/2004/02/skos/core#prefLabel> '
                         f'?l }} }}') == 400
    assert update(world, f'INSERT DATA {{ GRAPH <{ontology}> {{ <{BASE}def/Victim> '
                         f'<http://www.w3.org/2000/01/rdf-schema#comment> "edited" }} }}') == 400
    assert world.client.delete(f"/store?graph={ontology}", headers={"Authorization": f"Bearer {TOKEN}"}
                               ).status_code == 400
    assert dump(world.settings) == before


def test_a_removal_that_leaves_references_to_nothing_is_refused(world: World) -> None:
    """Dropping the places (or the agents) would leave every incident (or statement) pointing at nothing."""
    before = dump(world.settings)
    for graph in (f"{BASE}graph/places", f"{BASE}graph/agents"):
        assert update(world, f"DROP GRAPH <{graph}>") == 422, graph
        reply = world.client.delete(f"/store?graph={graph}", headers={"Authorization": f"Bearer {TOKEN}"})
        assert reply.status_code == 422 and b"still points at it" in reply.data, graph
    assert dump(world.settings) == before


@pytest.mark.parametrize("turtle", [
    '<http://example.org/a> <http://example.org/b> "x"@en--ltr .',
    '<http://example.org/a> <http://example.org/b> <<( <http://example.org/c> <http://example.org/d> 1 )>> .',
])
def test_rdf_12_is_a_clear_client_error(world: World, turtle: str) -> None:
    before = dump(world.settings)
    reply = world.client.post(f"/store?graph={UPLOAD}", data=turtle.encode(), headers={
        "Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 400 and b"RDF 1.2" in reply.data
    sparql = f"INSERT DATA {{ GRAPH <{UPLOAD}> {{ {turtle.removesuffix(' .')} }} }}"
    assert update(world, sparql) == 400
    assert dump(world.settings) == before


# --- the audit line comes first --------------------------------------------------------------------------------------

def test_a_write_that_cannot_be_audited_does_not_happen(world: World) -> None:
    log = Path(f"{world.settings.store}.auth") / "audit.log"
    log.unlink()
    log.mkdir()  # an audit log that cannot be opened for writing (root ignores file modes)
    before = dump(world.settings)
    sparql = f'INSERT DATA {{ GRAPH <{UPLOAD}> {{ <http://example.org/a> <http://example.org/b> "c" }} }}'
    reply = world.client.post("/sparql", data=sparql.encode(), headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 503 and b"audit log" in reply.data
    assert str(world.settings.store).encode() not in reply.data  # the server's paths are its own
    with pytest.raises(StoreError, match="audit log"):
        ingest([str(ROOT / "tests" / "fixtures" / "colombia" / "sample.csv")], world.settings,
               mapping="colombia-victims")
    assert dump(world.settings) == before


# --- one door: no other module writes to a store ---------------------------------------------------------------------

#: The write primitives of the Store protocol, and pyoxigraph's own writing methods (reachable as .oxigraph).
PRIMITIVES = {"stage", "drop_staged", "begin_bulk", "bulk_load", "finish_bulk", "abandon_bulk", "apply_update"}
OXIGRAPH_WRITES = {"add", "remove", "extend", "load", "bulk_load", "update", "clear", "clear_graph", "add_graph",
                   "remove_graph", "drop_graph"}


def test_only_the_store_layer_calls_the_write_primitives() -> None:
    package = ROOT / "src" / "minegraph"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        inside_store = path.parent.name == "store"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Attribute):
                continue
            through_oxigraph = isinstance(node.value, ast.Attribute) and node.value.attr == "oxigraph"
            if (node.attr in PRIMITIVES and not inside_store) or (through_oxigraph and node.attr in OXIGRAPH_WRITES):
                offenders.append(f"{path.relative_to(package)}:{node.lineno} .{node.attr}")
    assert not offenders, "writes outside the door:\n" + "\n".join(offenders)
    door = (package / "store" / "door.py").read_text(encoding="utf-8")
    commit = (package / "store" / "commit.py").read_text(encoding="utf-8")
    assert "commit(" in door and "apply_update" in commit  # the door commits through commit.py's primitives
    others = [p.name for p in (package / "store").glob("*.py")
              if p.name not in ("door.py", "commit.py", "embedded.py", "remote.py", "__init__.py")
              and any(f".{name}(" in p.read_text(encoding="utf-8") for name in PRIMITIVES)]
    assert not others, f"store modules that write besides the door: {others}"


def test_a_command_line_ingest_of_a_listed_name_exits_1(world: World, tmp_path: Path) -> None:
    path = tmp_path / "attack.nt"
    path.write_text(f'<http://example.org/z> <http://example.org/p> "{NAME}" .\n', encoding="utf-8")
    shutil.copy(path, tmp_path / "copy.nt")
    result = subprocess.run([sys.executable, "-m", "minegraph", "ingest", str(path), "--store",
                             str(world.settings.store), "--data", str(world.data), "-q"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1, result.stderr
    assert "identifying a person" in result.stderr and NAME not in result.stderr + result.stdout
