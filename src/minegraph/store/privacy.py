"""The privacy rules of every write, whatever its path (docs/data-responsibility.md).

They apply to every **public** graph a write touches (every graph but ``{base}graph/restricted/…``):

1. **No listed string.** No literal, and no IRI, may contain a string that *any* source lists as identifying a
   person (the redaction register: the digests of :mod:`minegraph.core.redaction`, kept in the restricted graph
   :func:`register_graph`). When a write adds digests to the register, the graphs it does not touch are checked
   for them too: a name listed today is refused wherever it already is.
2. **Victims carry categories only.** A victim (typed ``mg:Victim`` in any public graph, or an IRI
   ``{base}id/victim/…``) may have only the properties of :data:`VICTIM_PREDICATES` and no type but
   ``mg:Victim``: whatever the spelling of a name property (``http://schema.org/name``,
   ``https://schema.org/name``, ``foaf:name``, an invented one), it is refused. Only an incident
   (``mg:victim``), a statement (``mg:supports``) or a claim (``mg:about``) may point at a victim. The rules hold
   across graphs: a write that makes something a victim is checked against what every other graph says about it.
3. **No person linked to the data.** A person record (:data:`PERSON_CLASSES`: ``schema:Person`` and
   ``schema:Patient`` in either spelling, ``foaf:Person``, ``vcard:Individual``, ``prov:Person``, Wikidata's
   human ``wd:Q5``…) is refused when it is linked, either way, to minegraph's things (``{base}id/…``), in any
   graph; and none of minegraph's things may be typed a person. A victim cannot come back as a "person" beside
   its incident. (Speakers and publishers are offices and organisations, mg:Agent.)

Restricted graphs may hold identifying data; no public route reads them (:mod:`minegraph.store.view`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rdflib.namespace import SKOS

from minegraph.core.ntriples import RDF_TYPE, NTriplesGraph, iri_value, lexical, literal, split_line
from minegraph.core.redaction import Register, is_digest
from minegraph.core.vocab import MG, check_key, normalise_base, split_thing_iri
from minegraph.store.gate import REDACTED, VIOLATION, Result, locate

REGISTER_PATH = "graph/restricted/redactions"
DIGEST = f"<{MG}redactionDigest>"

_SKOS_NOTE = f"<{SKOS.note}>"
#: Everything a public victim may say: categories, its incident, its supporting statements, a neutral note.
VICTIM_PREDICATES = frozenset({
    RDF_TYPE, f"<{MG}incident>", f"<{MG}outcome>", f"<{MG}status>", f"<{MG}sex>", f"<{MG}ageBand>",
    f"<{MG}activity>", f"<{MG}supportedBy>", _SKOS_NOTE,
})
VICTIM_TYPE = f"<{MG}Victim>"
#: The only properties that may point at a victim: from its incident, its supporting statements, a claim.
VICTIM_INCOMING = frozenset({f"<{MG}victim>", f"<{MG}supports>", f"<{MG}about>"})
#: Classes of person records, compared without scheme and ``www.`` (so both spellings of schema.org match).
PERSON_CLASSES = frozenset({
    "schema.org/Person", "schema.org/Patient", "xmlns.com/foaf/0.1/Person", "w3.org/2006/vcard/ns#Individual",
    "w3.org/ns/person#Person", "w3.org/ns/prov#Person", "wikidata.org/entity/Q5", "dbpedia.org/ontology/Person",
    "purl.org/vocab/bio/0.1/Person"})
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?")


def register_graph(base: str) -> str:
    """``{base}graph/restricted/redactions``: the register of every source (restricted: never public)."""
    return normalise_base(base) + REGISTER_PATH


def register_entries(triples: Iterable[object]) -> dict[str, set[str]]:
    """The register graph's triples (pyoxigraph) as source graph -> digests."""
    entries: dict[str, set[str]] = {}
    for triple in triples:
        subject, predicate, obj = (str(term) for term in (triple.subject, triple.predicate, triple.object))  # type: ignore[attr-defined]
        value = lexical(obj)
        if predicate == DIGEST and value and is_digest(value):
            entries.setdefault(iri_value(subject) or subject, set()).add(value)
    return entries


def register_lines(entries: Mapping[str, Iterable[str]]) -> NTriplesGraph:
    """The register graph of ``entries`` (source graph -> digests), sorted."""
    return NTriplesGraph(sorted(f"<{graph}> {DIGEST} {literal(entry)} .\n"
                                for graph, digests in entries.items() for entry in digests))


#: The fragments minegraph mints under a thing IRI (``…/incident/KEY#date``): nothing else is exempt.
_MINTED_FRAGMENT = re.compile(r"^(?:date|geometry|quote-[0-9]+(?:-text|-position)?)$")


def _spells_nothing(iri: str, base: str) -> bool:
    """An IRI that cannot spell a name: a minted thing IRI (its key is random, with a check character), bare or
    with one of the fragments minegraph mints. Every other IRI — vocabulary terms included: anyone can write
    ``http://schema.org/Their_Name`` — is read for listed strings."""
    thing, hash_, fragment = iri.partition("#")
    split = split_thing_iri(base, thing)
    return split is not None and check_key(split[1]) and (not hash_ or _MINTED_FRAGMENT.match(fragment) is not None)


def _unschemed(iri: str) -> str:
    return _SCHEME.sub("", iri)


def is_person_class(term: str) -> bool:
    """Whether the term ``<…>`` is a class of person records (:data:`PERSON_CLASSES`), in any spelling."""
    return _unschemed(iri_value(term) or "") in PERSON_CLASSES


def person_class_iris() -> list[str]:
    """Every spelling of :data:`PERSON_CLASSES` (http and https, with and without ``www.``), for queries."""
    return sorted({f"{scheme}{www}{cls}" for cls in PERSON_CLASSES for scheme in ("http://", "https://")
                   for www in ("", "www.")})


def typed_terms(graph: NTriplesGraph) -> tuple[set[str], set[str]]:
    """The victims and the person records a graph types (subject terms)."""
    victims, persons = set(), set()
    for s, p, o in graph.triples():
        if p == RDF_TYPE:
            if o == VICTIM_TYPE:
                victims.add(s)
            elif is_person_class(o):
                persons.add(s)
    return victims, persons


def check_graph(graph: NTriplesGraph, register: Register, victims: set[str], base: str,
                where: Mapping[str, tuple[str, str]] | None = None, persons: set[str] | None = None) -> list[Result]:
    """Violations of the privacy rules in one public graph.

    ``victims`` and ``persons``: the subject terms (``<…>``) typed ``mg:Victim`` or as a person record in other
    public graphs; the graph's own are found here. ``where`` locates nodes in the input (file, record).
    """
    victim_prefix = f"<{normalise_base(base)}id/victim/"
    own_victims, own_persons = typed_terms(graph)
    all_victims = victims | own_victims
    all_persons = (persons or set()) | own_persons
    results: list[Result] = []
    seen_iris: dict[str, bool] = {}

    def listed_iri(term: str) -> bool:
        found = seen_iris.get(term)
        if found is None:
            value = iri_value(term)
            found = seen_iris[term] = (bool(register) and value is not None and not _spells_nothing(value, base)
                                       and register.contains_iri(value))
        return found

    def result(message: str, subject: str, predicate: str, value: str | None) -> Result:
        focus = iri_value(subject) or subject
        located = locate(where, focus)
        return Result(VIOLATION, message, focus, iri_value(predicate), value, None,
                      *(located or (None, None)))

    def is_victim(term: str) -> bool:
        return term in all_victims or term.startswith(victim_prefix)

    things = f"<{normalise_base(base)}id/"
    for subject, predicate, obj in graph.triples():
        if register:
            text = lexical(obj)  # every literal: "Their Name"^^xsd:integer is still their name
            if (text is not None and register.contains(text)) or any(
                    listed_iri(term) for term in (subject, predicate, obj)):
                results.append(result("contains a string a source lists as identifying a person: it must not be "
                                      "published", subject, predicate, REDACTED))
                continue
        if is_victim(subject) and predicate not in VICTIM_PREDICATES:
            results.append(result(
                "a victim is described by categories only (outcome, status, sex, age band, activity), its incident, "
                "its supporting statements and a note: this property is not one of them and may identify a person",
                subject, predicate, None))
        elif is_victim(subject) and predicate == RDF_TYPE and obj != VICTIM_TYPE:
            results.append(result("a victim is an mg:Victim and nothing else: another type may identify a person or "
                                  "link it to a record that does", subject, predicate, obj))
        elif is_victim(obj) and predicate not in VICTIM_INCOMING:
            results.append(result("only an incident (mg:victim), a statement (mg:supports) or a claim (mg:about) "
                                  "may point at a victim: this link may identify a person", subject, predicate, None))
        elif (subject in all_persons and obj.startswith(things)) or (obj in all_persons and subject.startswith(things)):
            results.append(result("links a person record to minegraph's incidents and victims: victims are "
                                  "described as mg:Victim, by category only; speakers and publishers are offices "
                                  "and organisations (mg:Agent)", subject, predicate, None))
        elif predicate == RDF_TYPE and subject.startswith(things) and is_person_class(obj):
            results.append(result("types one of minegraph's things as a person record: victims are mg:Victim, "
                                  "speakers and publishers mg:Agent", subject, predicate, obj))
    return results


def listed_in(lines: Iterable[str], register: Register) -> list[tuple[str, str]]:
    """(subject, predicate) of every line whose text or IRIs contain a string of ``register``."""
    found = []
    for line in lines:
        subject, predicate, obj = split_line(line)
        text = lexical(obj)
        if (text is not None and register.contains(text)) or any(
                (value := iri_value(term)) is not None and register.contains_iri(value)
                for term in (subject, predicate, obj)):
            found.append((subject, predicate))
    return found
