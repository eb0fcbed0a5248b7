"""The privacy rules of every write, whatever its path (docs/data-responsibility.md).

They apply to every **public** graph a write touches (every graph but ``{base}graph/restricted/…``):

1. **No listed string.** No literal, and no IRI, may contain a string that *any* source lists as identifying a
   person (the redaction register: the digests of :mod:`minegraph.core.redaction`, kept in the restricted graph
   :func:`register_graph`). When a write adds digests to the register, the graphs it does not touch are checked
   for them too: a name listed today is refused wherever it already is.
2. **Victims carry categories only.** A victim (typed ``mg:Victim`` anywhere, or an IRI ``{base}id/victim/…``)
   may have only the properties of :data:`VICTIM_PREDICATES`: whatever the spelling of a name property
   (``http://schema.org/name``, ``https://schema.org/name``, ``foaf:name``, an invented one), it is refused.
3. **No person linked to the data.** A person record (``schema:Person`` in either spelling, ``foaf:Person``,
   ``vcard:Individual``…) is refused when it is linked, either way, to minegraph's things (``{base}id/…``): a
   victim cannot come back as a "person" beside its incident. (Speakers and publishers are offices and
   organisations, mg:Agent.)

Restricted graphs may hold identifying data; no public route reads them (:mod:`minegraph.store.view`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from minegraph.core.ntriples import RDF_TYPE, NTriplesGraph, iri_value, is_text, lexical, literal, split_line
from minegraph.core.redaction import Register, is_digest
from minegraph.core.vocab import MG, PREFIXES, check_key, normalise_base, split_thing_iri
from minegraph.store.gate import REDACTED, VIOLATION, Result, locate

REGISTER_PATH = "graph/restricted/redactions"
DIGEST = f"<{MG}redactionDigest>"

_SKOS_NOTE = "<http://www.w3.org/2004/02/skos/core#note>"
#: Everything a public victim may say: categories, its incident, its supporting statements, a neutral note.
VICTIM_PREDICATES = frozenset({
    RDF_TYPE, f"<{MG}incident>", f"<{MG}outcome>", f"<{MG}status>", f"<{MG}sex>", f"<{MG}ageBand>",
    f"<{MG}activity>", f"<{MG}supportedBy>", _SKOS_NOTE,
})
VICTIM_TYPE = f"<{MG}Victim>"
#: Classes of person records, compared without scheme and ``www.`` (so both spellings of schema.org match).
PERSON_CLASSES = frozenset({"schema.org/Person", "xmlns.com/foaf/0.1/Person", "w3.org/2006/vcard/ns#Individual",
                            "w3.org/ns/person#Person"})
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


def _spells_nothing(iri: str, base: str) -> bool:
    """An IRI that cannot spell a name: a minted thing IRI (its key is random, with a check character) or a term
    of a vocabulary minegraph knows."""
    thing = split_thing_iri(base, iri.split("#", 1)[0])
    return (thing is not None and check_key(thing[1])) or iri.startswith(_VOCABULARIES)


_VOCABULARIES = tuple(PREFIXES.values())


def _unschemed(iri: str) -> str:
    return _SCHEME.sub("", iri)


def check_graph(graph: NTriplesGraph, register: Register, victims: set[str], base: str,
                where: Mapping[str, tuple[str, str]] | None = None) -> list[Result]:
    """Violations of the privacy rules in one public graph.

    ``victims``: the subject terms (``<…>``) known to be victims elsewhere (typed ``mg:Victim`` in another
    graph); the graph's own victims are found here. ``where`` locates nodes in the input (file, record).
    """
    victim_prefix = f"<{normalise_base(base)}id/victim/"
    own_victims = {s for s, p, o in graph.triples() if p == RDF_TYPE and o == VICTIM_TYPE}
    all_victims = victims | own_victims
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

    things = f"<{normalise_base(base)}id/"
    persons = {s for s, p, o in graph.triples() if p == RDF_TYPE and _unschemed(iri_value(o) or "") in PERSON_CLASSES}
    for subject, predicate, obj in graph.triples():
        if register:
            text = lexical(obj)
            if (text is not None and is_text(obj) and register.contains(text)) or any(
                    listed_iri(term) for term in (subject, predicate, obj)):
                results.append(result("contains a string a source lists as identifying a person: it must not be "
                                      "published", subject, predicate, REDACTED))
                continue
        if (subject in all_victims or subject.startswith(victim_prefix)) and predicate not in VICTIM_PREDICATES:
            results.append(result(
                "a victim is described by categories only (outcome, status, sex, age band, activity), its incident, "
                "its supporting statements and a note: this property is not one of them and may identify a person",
                subject, predicate, None))
        elif (subject in persons and obj.startswith(things)) or (obj in persons and subject.startswith(things)):
            results.append(result("links a person record to minegraph's incidents and victims: victims are "
                                  "described as mg:Victim, by category only; speakers and publishers are offices "
                                  "and organisations (mg:Agent)", subject, predicate, None))
    return results


def listed_in(lines: Iterable[str], register: Register) -> list[tuple[str, str]]:
    """(subject, predicate) of every line whose text or IRIs contain a string of ``register``."""
    found = []
    for line in lines:
        subject, predicate, obj = split_line(line)
        text = lexical(obj)
        if (text is not None and is_text(obj) and register.contains(text)) or any(
                (value := iri_value(term)) is not None and register.contains_iri(value)
                for term in (subject, predicate, obj)):
            found.append((subject, predicate))
    return found
