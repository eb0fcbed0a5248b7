"""Bounded descriptions: what a document about one thing, term or concept says.

A description is the thing's own triples plus enough around it to stand alone when cited. For an incident:
its victims (categories only), the statements supporting it or about it with their quotes, their source
documents and speakers, its places with their parents, links and geometry, its date node and the labels of
everything it points at. Every kind has its own set of SPARQL branches (:data:`BRANCHES`); a second query
adds labels and types of the IRIs the first one reached.

The IRI is put into the query text, so it must be a valid IRI (``vocab.check_key`` has vetted the key
of a request before it gets here); :func:`sparql_iri` refuses anything else.

>>> "<https://w3id.org/minegraph/id/incident/k318zecnq29>" in thing_query(
...     "https://w3id.org/minegraph/id/incident/k318zecnq29", "incident")
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize
from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral

from minegraph.core.formats import Format
from minegraph.core.vocab import MG, MGC, PREFIXES, sparql_prefixes, split_thing_iri

#: How many things pointing at a thing (incidents at a place, statements of an agent…) a description lists.
MAX_BACKLINKS = 500
#: How many other things the claims about an incident are about, at most, in the incident's description.
MAX_TOGETHER = 20
_UNSAFE = re.compile(r'[\s<>"{}|^`\\]')


class Queryable(Protocol):
    """Anything with a SPARQL ``query`` whose CONSTRUCT results iterate as pyoxigraph triples."""

    def query(self, sparql: str) -> Any: ...


def sparql_iri(iri: str) -> str:
    """``<iri>`` for a query text; ValueError for anything that is not a plain absolute IRI."""
    if not iri or _UNSAFE.search(iri) or ":" not in iri:
        raise ValueError(f"not an IRI that can go into a query: {iri!r}")
    return f"<{iri}>"


# Each branch binds ?s ?p ?o; $X stands for the described IRI.
_OWN = "{ VALUES ?s { $X } ?s ?p ?o }"
_HASH_NODES = "{ $X ?hp ?s . FILTER(STRSTARTS(STR(?s), CONCAT(STR($X), \"#\"))) ?s ?p ?o }"
_CATEGORIES = "FILTER(?p IN (rdf:type, mg:incident, mg:outcome, mg:status, mg:sex, mg:ageBand, mg:activity))"


#: The predicates of statements, but mg:supports and mg:about: see :func:`statement_predicates`.
STATEMENT_PREDICATES_QUERY = """SELECT DISTINCT ?p WHERE {
  { SELECT DISTINCT ?st WHERE { { ?st mg:supports|mg:about ?x } UNION { ?x mg:supportedBy ?st } } }
  ?st ?p ?o FILTER(?p NOT IN (mg:supports, mg:about)) } ORDER BY ?p"""


def statement_predicates(store: Queryable) -> tuple[str, ...]:
    """Every predicate a statement has, but mg:supports and mg:about (one pass over the statements).

    A statement of a table supports every row, so its own triples are mostly ``mg:supports``; a description
    that names the other predicates looks its triples up instead of reading all of them. Pass the result to
    :func:`describe_triples` for as long as the store does not change.
    """
    return tuple(row["p"].value for row in store.query(sparql_prefixes() + STATEMENT_PREDICATES_QUERY))


def _statement_own(statements: str, predicates: Sequence[str] | None) -> list[str]:
    """The statements' own triples, without their mg:supports / mg:about of anything but the described thing."""
    if predicates is None:  # reads every triple of the statements, its rows included
        return [f"{{ {statements} BIND(?st AS ?s) ?s ?p ?o FILTER(?p NOT IN (mg:supports, mg:about) || ?o = $X) }}"]
    # one lookup per predicate, after the statements are known (oxigraph would start from a VALUES ?p block)
    each = " UNION ".join(f"{{ ?st {sparql_iri(p)} ?o BIND({sparql_iri(p)} AS ?p) }}" for p in predicates)
    own = [f"{{ {{ SELECT DISTINCT ?st WHERE {{ {statements} }} }} {each} BIND(?st AS ?s) }}"] if each else []
    return [*own, f"{{ {statements} VALUES ?p {{ mg:supports mg:about }} ?st ?p $X BIND(?st AS ?s) BIND($X AS ?o) }}"]


def _statement_branches(statements: str, predicates: Sequence[str] | None = None) -> list[str]:
    """Branches describing the statements that ``statements`` (a pattern binding ?st) finds."""
    return [
        # a statement of a table supports every row: describe it here without its other rows
        *_statement_own(statements, predicates),
        f"{{ {statements} ?st mg:quote ?s . ?s ?p ?o }}",
        f"{{ {statements} ?st mg:quote/oa:hasSelector ?s . ?s ?p ?o }}",
        f"{{ {statements} ?st prov:wasDerivedFrom ?s . ?s ?p ?o }}",
        f"{{ {statements} ?st prov:wasAttributedTo ?s . ?s ?p ?o FILTER(?p IN (rdf:type, rdfs:label)) }}",
    ]


_PLACES = "{ $X mg:place/schema:containedInPlace* ?s . ?s ?p ?o }"
_GEOMETRY = "{ $X mg:place/schema:containedInPlace*/geo:hasGeometry ?s . ?s ?p ?o }"

#: The statements a description of each kind includes (a pattern binding ?st).
STATEMENTS = {
    "incident": "{ $X mg:supportedBy ?st } UNION { ?st mg:supports|mg:about $X } "
                "UNION { $X mg:victim/mg:supportedBy ?st }",
    "victim": "{ $X mg:supportedBy ?st } UNION { ?st mg:supports $X }",
    "statement": "VALUES ?st { $X }",
}


def branches(predicates: Sequence[str] | None = None) -> dict[str, list[str]]:
    """The SPARQL branches of each kind's description (``predicates``: see :func:`statement_predicates`)."""
    return {
        "incident": [
            _OWN, _HASH_NODES,
            f"{{ $X mg:victim ?s . ?s ?p ?o {_CATEGORIES} }}",
            *_statement_branches(STATEMENTS["incident"], predicates),
            # what else a claim about this incident is about ("four people, including children" of two incidents)
            f"{{ {{ SELECT ?s ?o WHERE {{ ?s mg:about $X . ?s mg:about ?o FILTER(?o != $X) }} ORDER BY ?s ?o "
            f"LIMIT {MAX_TOGETHER} }} BIND(mg:about AS ?p) }}",
            _PLACES, _GEOMETRY,
        ],
        "victim": [
            f"{{ VALUES ?s {{ $X }} ?s ?p ?o {_CATEGORIES} }}",
            "{ VALUES ?s { $X } ?s ?p ?o FILTER(?p IN (mg:supportedBy, skos:note)) }",
            "{ $X mg:incident ?s . ?s ?p ?o FILTER(?p IN (rdf:type, rdfs:label, mg:place, mg:killedCount, "
            "mg:injuredCount, mg:earliestDate, mg:latestDate, mg:dateAsReported)) }",
            *_statement_branches(STATEMENTS["victim"], predicates),
        ],
        "place": [
            _OWN, _HASH_NODES,
            "{ $X schema:containedInPlace+ ?s . ?s ?p ?o }",
            "{ $X schema:containedInPlace+/geo:hasGeometry ?s . ?s ?p ?o }",
            "{ ?s schema:containedInPlace $X . ?s ?p ?o "
            "FILTER(?p IN (rdf:type, rdfs:label, schema:containedInPlace)) }",
            f"{{ {{ SELECT ?s WHERE {{ ?s mg:place|mg:area $X }} ORDER BY ?s LIMIT {MAX_BACKLINKS} }} "
            "?s ?p ?o FILTER(?p IN (rdf:type, rdfs:label, mg:place, mg:area)) }",
        ],
        "statement": [
            _OWN, _HASH_NODES,
            *_statement_branches(STATEMENTS["statement"], predicates),
            "{ $X mg:supports|mg:about ?s . ?s ?p ?o "
            "FILTER(?p IN (rdf:type, rdfs:label, mg:incident, mg:outcome, mg:status)) }",
            "{ $X mg:area ?s . ?s ?p ?o FILTER(?p IN (rdf:type, rdfs:label, schema:containedInPlace)) }",
            "{ $X mg:allegedResponsibleParty ?s . ?s ?p ?o FILTER(?p IN (rdf:type, rdfs:label)) }",
        ],
        "source": [
            _OWN,
            "{ $X dcterms:publisher ?s . ?s ?p ?o FILTER(?p IN (rdf:type, rdfs:label, foaf:homepage)) }",
            f"{{ {{ SELECT ?s WHERE {{ ?s prov:wasDerivedFrom $X }} ORDER BY ?s LIMIT {MAX_BACKLINKS} }} "
            "?s ?p ?o FILTER(?p IN (rdf:type, rdfs:label, prov:wasDerivedFrom, prov:wasAttributedTo, mg:speech)) }",
        ],
        "agent": [
            _OWN,
            f"{{ {{ SELECT ?s WHERE {{ ?s prov:wasAttributedTo|dcterms:publisher|mg:allegedResponsibleParty $X }} "
            f"ORDER BY ?s LIMIT {MAX_BACKLINKS} }} ?s ?p ?o FILTER(?p IN (rdf:type, rdfs:label, dcterms:title, "
            "prov:wasAttributedTo, dcterms:publisher, mg:allegedResponsibleParty)) }",
        ],
        "term": [
            _OWN,
            "{ ?s rdfs:domain|rdfs:range|rdfs:subClassOf|rdfs:subPropertyOf $X . "
            "?s ?p ?o FILTER(?p IN (rdf:type, rdfs:label, rdfs:domain, rdfs:range, rdfs:subClassOf, "
            "rdfs:subPropertyOf)) }",
        ],
        "scheme": [_OWN, "{ ?s skos:inScheme $X . ?s ?p ?o }"],
        "concept": [_OWN],
    }


BRANCHES = branches()
_LABELS = ("rdf:type", "rdfs:label", "skos:prefLabel", "dcterms:title", "skos:notation", "skos:inScheme")


#: Things of a kind without branches of its own: their triples and hash nodes, and labels of what they point at.
GENERIC = [_OWN, _HASH_NODES, f"{{ {{ SELECT DISTINCT ?s WHERE {{ ?s ?back $X }} ORDER BY ?s LIMIT {MAX_BACKLINKS} }} "
           "?s ?p ?o FILTER(?p IN (rdf:type, rdfs:label)) }"]


def thing_query(iri: str, kind: str, statement_predicates: Sequence[str] | None = None) -> str:
    """The CONSTRUCT query of the bounded description of ``iri``, a thing (or term) of ``kind``.

    With ``statement_predicates`` (:func:`statement_predicates` of the same store) the statements' own triples
    are looked up by predicate instead of read in full: the same answer, without reading a table's every row.
    """
    table = BRANCHES if statement_predicates is None else branches(statement_predicates)
    body = "\n  UNION ".join(table.get(kind, GENERIC)).replace("$X", sparql_iri(iri))
    return (f"{sparql_prefixes()}PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{\n  {body}\n}}")


def labels_query(iris: Iterable[str]) -> str | None:
    """The CONSTRUCT query of the labels and types of ``iris``; None when there are none."""
    values = " ".join(sparql_iri(iri) for iri in sorted(set(iris)))
    if not values:
        return None
    # a FILTER, not VALUES ?p: oxigraph joins two VALUES blocks with a scan of the whole store
    return (f"{sparql_prefixes()}CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} "
            f"?s ?p ?o FILTER(?p IN ({', '.join(_LABELS)})) }}")


def kind_of(iri: str, base: str) -> str | None:
    """The description kind of ``iri``: a thing kind, ``term``, ``scheme``, ``concept``, or None."""
    thing = split_thing_iri(base, iri)
    if thing:
        return thing[0]
    if iri.startswith(str(MG)) and iri != str(MG):
        return "term"
    if iri.startswith(str(MGC)) and iri != str(MGC):
        return "concept" if "/" in iri[len(str(MGC)):] else "scheme"
    return None


def describe_triples(store: Queryable, iri: str, *, base: str, kind: str | None = None,
                     statement_predicates: Sequence[str] | None = None) -> list[Triple]:
    """The bounded description of ``iri`` as sorted pyoxigraph triples (empty when it is unknown).

    ``statement_predicates`` (:func:`statement_predicates`, computed once per store state) makes the
    descriptions of incidents, victims and statements cost the same whatever the size of their tables.
    """
    kind = kind or kind_of(iri, base)
    if kind is None:
        raise ValueError(f"{iri} is not something minegraph describes")
    triples = set(store.query(thing_query(iri, kind, statement_predicates)))
    if not triples:
        return []
    subjects = {t.subject.value for t in triples}
    reached = {t.object.value for t in triples if isinstance(t.object, NamedNode)} - subjects
    query = labels_query(reached)
    if query:
        triples.update(store.query(query))
    return sorted(triples, key=lambda t: _sort_key(t, iri))


def dataset_query(graphs: Iterable[str]) -> str:
    """A CONSTRUCT of every triple of the named ``graphs`` (the ontology, the concept schemes…)."""
    values = " ".join(sparql_iri(g) for g in graphs)
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"


def _sort_key(triple: Triple, first: str = "") -> tuple[int, str, str, str]:
    """The described thing first, then its own hash nodes, then the rest; each by subject, predicate, object."""
    subject = triple.subject.value if isinstance(triple.subject, NamedNode) else str(triple.subject)
    rank = 0 if subject == first else 1 if first and subject.startswith(first + "#") else 2
    return (rank, subject, str(triple.predicate), str(triple.object))


def to_rdflib(triples: Iterable[Triple]) -> Graph:
    """An rdflib graph of pyoxigraph triples, with minegraph's prefixes bound."""
    graph = Graph(bind_namespaces="none")
    data = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    if data:
        graph.parse(data=data.decode("utf-8"), format="nt")
    for prefix, namespace in used_prefixes(graph).items():
        graph.bind(prefix, namespace)
    return graph


def used_prefixes(triples: Iterable[Any]) -> dict[str, str]:
    """The entries of :data:`PREFIXES` whose namespace some IRI of ``triples`` (pyoxigraph or rdflib) is in."""
    iris: set[str] = set()
    for triple in triples:
        for term in triple:
            if isinstance(term, NamedNode | URIRef):
                iris.add(term.value if isinstance(term, NamedNode) else str(term))
            elif isinstance(term, Literal):
                iris.add(term.datatype.value)
            elif isinstance(term, RdfLiteral) and term.datatype is not None:
                iris.add(str(term.datatype))
    used = {}
    for prefix, namespace in PREFIXES.items():
        locals_ = [iri[len(namespace):] for iri in iris if iri.startswith(namespace)]
        # A prefix whose local names would need escaping (mgc:outcome\/killed) reads worse than the full IRI.
        if locals_ and not any("/" in local for local in locals_):
            used[prefix] = namespace
    return used


def serialize_triples(triples: list[Triple], fmt: Format, *, base: str | None = None) -> bytes:
    """``triples`` in the RDF format ``fmt`` (pyoxigraph's serializers; Turtle with minegraph's prefixes)."""
    assert isinstance(fmt.oxigraph, RdfFormat), f"{fmt.extension} is not an RDF format"
    prefixes = used_prefixes(triples) if fmt.extension in ("ttl", "rdf") else None
    return serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""


def describe(store: Queryable, iri: str, *, base: str) -> Graph:
    """The bounded description of ``iri`` (a thing, ontology term, concept scheme or concept) as a graph."""
    return to_rdflib(describe_triples(store, iri, base=base))
