"""Namespaces, key minting and the mapping between IRIs and URL paths.

Keys are opaque, short and stable: ten Crockford base32 characters taken from a SHA-256 of
``kind|source id|record id``, then one check character (Luhn mod 32), so that a mistyped key in a
citation is detected rather than silently pointing at something else.

>>> key = mint_key("incident", "newsaz-ombudsperson-april-6", "jabrayil-anama")
>>> len(key), check_key(key)
(11, True)
>>> check_key(key[:-1] + ("0" if key[-1] != "0" else "1"))
False
"""

from __future__ import annotations

import hashlib
import re

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

DEFAULT_BASE = "https://w3id.org/minegraph/"

MG = Namespace("https://w3id.org/minegraph/def/")
MGC = Namespace("https://w3id.org/minegraph/concept/")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("http://schema.org/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
QB = Namespace("http://purl.org/linked-data/cube#")
#: the SPARQL 1.1 Service Description vocabulary and the W3C's names of formats (used by it)
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

PREFIXES: dict[str, str] = {
    "mg": str(MG),
    "mgc": str(MGC),
    "oa": str(OA),
    "schema": str(SCHEMA),
    "geo": str(GEO),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "time": str(TIME),
    "wd": str(WD),
    "void": str(VOID),
    "dcat": str(DCAT),
}

#: The kinds of thing that get ``{base}id/{kind}/{key}`` IRIs.
KINDS = ("incident", "victim", "place", "source", "statement", "agent", "observation", "dataset")

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_POSITION = {char: index for index, char in enumerate(ALPHABET)}
KEY_BODY_LENGTH = 10
_KEY_RE = re.compile(rf"^[{ALPHABET}]{{{KEY_BODY_LENGTH + 1}}}$")


def sparql_prefixes() -> str:
    """The PREFIX lines for every namespace in :data:`PREFIXES`."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


def check_character(body: str) -> str:
    """The Luhn mod 32 check character of ``body`` (characters of :data:`ALPHABET`)."""
    factor, total, n = 2, 0, len(ALPHABET)
    for char in reversed(body):
        addend = factor * _POSITION[char]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def check_key(key: str) -> bool:
    """True when ``key`` is well formed and its check character matches."""
    if not _KEY_RE.match(key):
        return False
    return check_character(key[:-1]) == key[-1]


def normalise_key(key: str) -> str:
    """Read a key as a person may have typed it: case-insensitive, ``o``→0, ``i``/``l``→1, no hyphens."""
    return key.strip().lower().replace("-", "").translate(str.maketrans("oil", "011"))


def mint_key(kind: str, *parts: str) -> str:
    """Mint the key of a thing of ``kind`` from the identifiers of its source record."""
    digest = hashlib.sha256("|".join((kind, *parts)).encode("utf-8")).digest()
    number = int.from_bytes(digest[:8], "big")
    body = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(KEY_BODY_LENGTH))
    return body + check_character(body)


def normalise_base(base: str) -> str:
    """A base IRI always ends with a slash."""
    return base if base.endswith("/") else base + "/"


def thing_iri(base: str, kind: str, key: str) -> URIRef:
    """``{base}id/{kind}/{key}``."""
    return URIRef(f"{normalise_base(base)}id/{kind}/{key}")


def graph_iri(base: str, name: str) -> URIRef:
    """``{base}graph/{name}``: ``source/{key}``, ``ontology``, ``concepts``, ``places``, ``meta``."""
    return URIRef(f"{normalise_base(base)}graph/{name}")


def concept_iri(scheme: str, code: str) -> URIRef:
    """The IRI of concept ``code`` in scheme ``scheme``."""
    return MGC[f"{scheme}/{code}"]


def split_thing_iri(base: str, iri: str) -> tuple[str, str] | None:
    """``(kind, key)`` when ``iri`` is a thing IRI under ``base``, else None."""
    prefix = f"{normalise_base(base)}id/"
    if not iri.startswith(prefix):
        return None
    kind, _, key = iri[len(prefix):].partition("/")
    if kind not in KINDS or not key or "/" in key:
        return None
    return kind, key


#: The id under which shared gazetteer and agent records mint their keys.
PLACES_SOURCE = "gazetteer"
AGENTS_SOURCE = "agents"


def agent_iri(base: str, agent_id: str) -> URIRef:
    return thing_iri(base, "agent", mint_key("agent", AGENTS_SOURCE, agent_id))


def source_iri(base: str, source_id: str) -> URIRef:
    return thing_iri(base, "source", mint_key("source", source_id))


def source_graph_iri(base: str, source_id: str) -> URIRef:
    return graph_iri(base, f"source/{mint_key('source', source_id)}")
