"""Documents: which IRI a document path describes, and a document's bytes in each format.

Every document has a path under the base (without extension): ``doc/{kind}/{key}`` for things,
``def/{term}`` and ``def/index`` (the whole ontology) for the ontology, ``concept/{scheme}``,
``concept/{scheme}/{code}`` and ``concept/index`` for concept schemes. The live server and releases render
documents with the same functions, so a release holds exactly what the server would have served.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pyoxigraph import Literal, NamedNode, Triple
from rdflib import Graph, namespace

from minegraph.core.formats import Format
from minegraph.core.vocab import KINDS, MG, MGC, VOID, check_key, graph_iri, normalise_base
from minegraph.publish.describe import dataset_query, describe_triples, serialize_triples, sparql_iri, to_rdflib
from minegraph.publish.exports import DATA_LICENCE, dataset_iri

TERM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,99}$")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
FOAF, DCT, VOID_NS = str(namespace.FOAF), str(namespace.DCTERMS), str(VOID)
RDF_TYPE, XSD_DATETIME = str(namespace.RDF.type), str(namespace.XSD.dateTime)


@dataclass(frozen=True)
class Target:
    """What a document describes: ``kind`` (a thing kind, ``term``, ``scheme``, ``concept``, ``ontology``,
    ``schemes``), the ``iri`` described, and the document's ``path`` under the base (no extension)."""

    kind: str
    iri: str
    path: str

    @property
    def is_thing(self) -> bool:
        return self.kind in KINDS


def thing_target(base: str, kind: str, key: str) -> Target | None:
    """The document of thing ``kind``/``key``; None unless the kind is known and the key well formed."""
    if kind not in KINDS or not check_key(key):
        return None
    return Target(kind, f"{normalise_base(base)}id/{kind}/{key}", f"doc/{kind}/{key}")


def def_target(term: str) -> Target | None:
    """An ontology term's document (``index``: the whole ontology); None for a malformed name."""
    if term in ("", "index"):
        return Target("ontology", str(MG), "def/index")
    return Target("term", f"{MG}{term}", f"def/{term}") if TERM_RE.match(term) else None


def concept_target(scheme: str, code: str | None = None) -> Target | None:
    """A concept scheme's or a concept's document (scheme ``index``: every scheme); None when malformed."""
    if scheme in ("", "index") and code is None:
        return Target("schemes", str(MGC), "concept/index")
    if not CODE_RE.match(scheme) or (code is not None and not CODE_RE.match(code)):
        return None
    if code is None:
        return Target("scheme", f"{MGC}{scheme}", f"concept/{scheme}")
    return Target("concept", f"{MGC}{scheme}/{code}", f"concept/{scheme}/{code}")


def target_of_path(base: str, path: str) -> Target | None:
    """The target of a document path (``doc/incident/{key}``, ``def/Incident``, ``concept/outcome/killed``)."""
    parts = path.split("/")
    if parts[0] == "doc" and len(parts) == 3:
        return thing_target(base, parts[1], parts[2])
    if parts[0] == "def" and len(parts) == 2:
        return def_target(parts[1])
    if parts[0] == "concept" and len(parts) in (2, 3):
        return concept_target(parts[1], parts[2] if len(parts) == 3 else None)
    return None


SCHEMES_QUERY = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  ?s a <{namespace.SKOS.ConceptScheme}> ; ?p ?o }}"""


def description(store: Any, target: Target, base: str, statement_predicates: Sequence[str] | None = None
                ) -> list[Triple]:
    """The triples of ``target``'s document (empty when the store knows nothing of it); for
    ``statement_predicates`` see :func:`minegraph.publish.describe.statement_predicates`."""
    if target.kind == "ontology":
        return sorted(store.query(dataset_query([str(graph_iri(base, "ontology"))])), key=str)
    if target.kind == "schemes":
        return sorted(store.query(SCHEMES_QUERY), key=str)
    triples = describe_triples(store, target.iri, base=base, kind=target.kind,
                               statement_predicates=statement_predicates)
    if target.kind in ("term", "scheme", "concept") and not any(str(t.subject) == f"<{target.iri}>" for t in triples):
        return []
    return triples


def metadata(target: Target, base: str, release: int | None = None, issued: str | None = None) -> list[Triple]:
    """Triples about a thing's document itself: its primary topic, dataset, licence (and release)."""
    if not target.is_thing:
        return []
    base = normalise_base(base)
    live = NamedNode(f"{base}{target.path}")
    doc = NamedNode(f"{base}release/{release}/{target.path}") if release else live
    dataset = NamedNode(f"{base}release/{release}/dataset") if release else NamedNode(str(dataset_iri(base)))
    triples = [
        Triple(doc, NamedNode(RDF_TYPE), NamedNode(f"{FOAF}Document")),
        Triple(doc, NamedNode(f"{FOAF}primaryTopic"), NamedNode(target.iri)),
        Triple(doc, NamedNode(f"{VOID_NS}inDataset"), dataset),
        Triple(doc, NamedNode(f"{DCT}license"), NamedNode(str(DATA_LICENCE))),
    ]
    if release:
        triples.append(Triple(doc, NamedNode(f"{DCT}isVersionOf"), live))
        if issued:
            triples.append(Triple(doc, NamedNode(f"{DCT}issued"), Literal(issued, datatype=NamedNode(XSD_DATETIME))))
    return triples


def render_rdf(target: Target, triples: list[Triple], fmt: Format, *, base: str, release: int | None = None,
               issued: str | None = None) -> bytes:
    """A document in the RDF format ``fmt``."""
    return serialize_triples(triples + metadata(target, base, release, issued), fmt, base=base)


def render_graph(target: Target, triples: list[Triple], *, base: str, release: int | None = None,
                 issued: str | None = None) -> Graph:
    """The document as an rdflib graph (what the HTML renderer gets)."""
    return to_rdflib(triples + metadata(target, base, release, issued))


def all_targets(store: Any, base: str) -> Iterator[Target]:
    """Every document there is: each thing, term, scheme and concept, and the two indexes."""
    from minegraph.store.registry import things

    for iri, kind, _label in things(store, base):
        target = thing_target(base, kind, iri.rsplit("/", 1)[1])
        if target:
            yield target
    yield Target("ontology", str(MG), "def/index")
    yield Target("schemes", str(MGC), "concept/index")
    query = (f"SELECT DISTINCT ?s WHERE {{ GRAPH {sparql_iri(str(graph_iri(base, 'ontology')))} {{ ?s ?p ?o }} "
             f"FILTER(STRSTARTS(STR(?s), \"{MG}\")) }} ORDER BY ?s")
    for row in store.query(query):
        target = def_target(row["s"].value[len(str(MG)):])
        if target and target.kind == "term":
            yield target
    query = (f"SELECT DISTINCT ?s WHERE {{ GRAPH {sparql_iri(str(graph_iri(base, 'concepts')))} {{ ?s ?p ?o }} "
             f"FILTER(STRSTARTS(STR(?s), \"{MGC}\")) }} ORDER BY ?s")
    for row in store.query(query):
        scheme, _, code = row["s"].value[len(str(MGC)):].partition("/")
        target = concept_target(scheme, code or None)
        if target and target.kind != "schemes":
            yield target


def key_problem(key: str) -> str | None:
    """What is wrong with a key as typed, in words for a person; None when it is well formed."""
    from minegraph.core.vocab import ALPHABET, KEY_BODY_LENGTH

    if check_key(key):
        return None
    if len(key) != KEY_BODY_LENGTH + 1:
        return f"a key has {KEY_BODY_LENGTH + 1} characters; {key!r} has {len(key)}"
    if any(c not in ALPHABET for c in key):
        return "a key is made of 0-9 and a-z without i, l, o and u (lower case)"
    return ("the check character (the last one) does not match the rest of the key: "
            "the key was probably mistyped or copied incompletely")


def key_candidates(key: str) -> list[str]:
    """Well-formed keys a person may have meant: the key normalised (case, o/i/l), then every key one
    substitution or one swap of neighbours away that passes the check."""
    from minegraph.core.vocab import ALPHABET, KEY_BODY_LENGTH, normalise_key

    found: list[str] = []
    normal = normalise_key(key)
    if normal != key and check_key(normal):
        found.append(normal)
    if len(normal) != KEY_BODY_LENGTH + 1 or any(c not in ALPHABET for c in normal):
        return found
    for i in range(len(normal)):
        for char in ALPHABET:
            candidate = normal[:i] + char + normal[i + 1:]
            if candidate != normal and check_key(candidate):
                found.append(candidate)
        if i + 1 < len(normal):
            swapped = normal[:i] + normal[i + 1] + normal[i] + normal[i + 2:]
            if swapped != normal and check_key(swapped):
                found.append(swapped)
    return list(dict.fromkeys(found))


def existing_things(store: Any, iris: list[str]) -> list[str]:
    """The IRIs of ``iris`` (well-formed thing IRIs) that the store has data about."""
    if not iris:
        return []
    values = " ".join(sparql_iri(iri) for iri in iris)
    rows = store.query(f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} ?s a ?type }}")
    return sorted(row["s"].value for row in rows)


def suggestions(store: Any, base: str, kind: str, key: str) -> list[str]:
    """Thing IRIs that exist and that ``kind``/``key`` was probably meant to be."""
    base = normalise_base(base)
    kinds = [kind] if kind in KINDS else list(KINDS)
    iris = [f"{base}id/{k}/{candidate}" for k in kinds for candidate in key_candidates(key)]
    if check_key(key):  # the right key under another kind
        iris += [f"{base}id/{k}/{key}" for k in KINDS if k != kind]
    return existing_things(store, iris)
