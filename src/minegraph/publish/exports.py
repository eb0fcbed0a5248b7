"""Dumps, and the dataset's descriptions in VoID (``/.well-known/void``) and DCAT (``/catalog``).

VoID says what is in the data (class and property partitions, links to Wikidata and GeoNames, where the
SPARQL endpoint and the dumps are); DCAT says what can be downloaded (a dataset per release, each with its
N-Quads and Turtle dumps, their sizes and SHA-256 checksums), under which licence and from whom.
Both use canonical IRIs under the base (``{base}dataset``, ``{base}catalog``, ``{base}release/{n}/…``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from minegraph.core.vocab import DCAT, MG, MGC, PREFIXES, VOID, WD, normalise_base

SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "https://www.iana.org/assignments/media-types/"
#: The licence of the data minegraph publishes (the ontology carries the same).
DATA_LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
PUBLISHER_NAME = "minegraph contributors"
TITLE = "minegraph: landmine and ERW incidents"
DESCRIPTION = ("Landmine and explosive-remnants-of-war incidents as reported by sources: incidents, victims "
               "(categories only), places, and the attributed statements with exact quotes that support them.")
#: Datasets we link to with skos:exactMatch: (slug, title, IRI prefix of their resources, home page).
LINK_TARGETS: tuple[tuple[str, str, str, str], ...] = (
    ("wikidata", "Wikidata", str(WD), "https://www.wikidata.org/"),
    ("geonames", "GeoNames", "https://sws.geonames.org/", "https://www.geonames.org/"),
)
#: Dump files of a release: (file name pattern, extension in formats.DATASET_FORMATS / RDF_FORMATS).
DUMPS: tuple[tuple[str, str], ...] = (("minegraph-{n}.nq", "nq"), ("minegraph-{n}.ttl", "ttl"))

CLASS_COUNTS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
PROPERTY_COUNTS = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"
LINK_COUNTS = f"""SELECT ?target (COUNT(*) AS ?n) WHERE {{
  ?s <{SKOS.exactMatch}> ?o .
  VALUES ?target {{ %s }} FILTER(STRSTARTS(STR(?o), ?target)) }} GROUP BY ?target"""
TOTALS = """SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) WHERE { ?s ?p ?o }"""


@dataclass
class Statistics:
    """Counts for the VoID description."""

    triples: int = 0
    subjects: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Dump:
    """A downloadable file of a release."""

    name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ReleaseSummary:
    """What the catalog needs to know about one release."""

    number: int
    issued: str
    dumps: tuple[Dump, ...]
    triples: int = 0


def _rows(result: Any) -> list[dict[str, str]]:
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def statistics(store: Any) -> Statistics:
    """The counts of the VoID description, from a store (or anything with a SPARQL ``query``)."""
    stats = Statistics()
    totals = _rows(store.query(TOTALS))
    if totals:
        stats.triples, stats.subjects = int(totals[0].get("triples", 0)), int(totals[0].get("subjects", 0))
    stats.classes = {r["c"]: int(r["n"]) for r in _rows(store.query(CLASS_COUNTS)) if "c" in r}
    stats.properties = {r["p"]: int(r["n"]) for r in _rows(store.query(PROPERTY_COUNTS)) if "p" in r}
    values = " ".join(f'"{prefix}"' for _slug, _title, prefix, _home in LINK_TARGETS)
    stats.links = {r["target"]: int(r["n"]) for r in _rows(store.query(LINK_COUNTS % values))}
    return stats


def _slug(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return re.sub(r"[^A-Za-z0-9_-]", "-", f"{prefix}-{iri[len(namespace):]}")
    return re.sub(r"[^A-Za-z0-9_-]", "-", iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]) or "x"


def new_graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF),
                              ("rdf", RDF), ("rdfs", RDFS), ("xsd", XSD), ("spdx", SPDX), ("skos", SKOS)):
        graph.bind(prefix, namespace)
    return graph


def dataset_iri(base: str) -> URIRef:
    return URIRef(f"{normalise_base(base)}dataset")


def dump_url(base: str, number: int, name: str) -> URIRef:
    return URIRef(f"{normalise_base(base)}release/{number}/{name}")


def void_graph(base: str, stats: Statistics, releases: Iterable[ReleaseSummary] = ()) -> Graph:
    """The VoID description of the dataset (the current data; dumps of the newest release)."""
    base = normalise_base(base)
    graph, dataset = new_graph(), dataset_iri(base)
    add = graph.add
    add((dataset, RDF.type, VOID.Dataset))
    add((dataset, DCTERMS.title, Literal(TITLE, lang="en")))
    add((dataset, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    add((dataset, DCTERMS.license, DATA_LICENCE))
    add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}sparql")))
    add((dataset, VOID.uriSpace, Literal(f"{base}id/")))
    add((dataset, VOID.uriLookupEndpoint, URIRef(f"{base}id/")))
    add((dataset, VOID.rootResource, URIRef(f"{base}catalog")))
    for vocabulary in (MG, MGC, PREFIXES["prov"], PREFIXES["oa"], PREFIXES["schema"], PREFIXES["skos"],
                       PREFIXES["geo"], PREFIXES["time"], PREFIXES["dcterms"]):
        add((dataset, VOID.vocabulary, URIRef(str(vocabulary))))
    add((dataset, VOID.triples, Literal(stats.triples)))
    add((dataset, VOID.distinctSubjects, Literal(stats.subjects)))
    add((dataset, VOID.classes, Literal(len(stats.classes))))
    add((dataset, VOID.properties, Literal(len(stats.properties))))
    add((dataset, VOID.entities, Literal(sum(n for c, n in stats.classes.items() if c.startswith(str(MG))))))
    for cls, count in sorted(stats.classes.items()):
        node = URIRef(f"{dataset}#class-{_slug(cls)}")
        add((dataset, VOID.classPartition, node))
        add((node, VOID["class"], URIRef(cls)))
        add((node, VOID.entities, Literal(count)))
    for prop, count in sorted(stats.properties.items()):
        node = URIRef(f"{dataset}#property-{_slug(prop)}")
        add((dataset, VOID.propertyPartition, node))
        add((node, VOID.property, URIRef(prop)))
        add((node, VOID.triples, Literal(count)))
    for slug, title, prefix, home in LINK_TARGETS:
        target, linkset = URIRef(f"{dataset}#{slug}"), URIRef(f"{dataset}#linkset-{slug}")
        add((target, RDF.type, VOID.Dataset))
        add((target, DCTERMS.title, Literal(title)))
        add((target, FOAF.homepage, URIRef(home)))
        add((target, VOID.uriSpace, Literal(prefix)))
        add((dataset, VOID.subset, linkset))
        add((linkset, RDF.type, VOID.Linkset))
        add((linkset, VOID.subjectsTarget, dataset))
        add((linkset, VOID.objectsTarget, target))
        add((linkset, VOID.linkPredicate, SKOS.exactMatch))
        add((linkset, VOID.triples, Literal(stats.links.get(prefix, 0))))
    newest = max(releases, key=lambda r: r.number, default=None)
    if newest is not None:
        for dump in newest.dumps:
            add((dataset, VOID.dataDump, dump_url(base, newest.number, dump.name)))
    return graph


def catalog_graph(base: str, releases: Iterable[ReleaseSummary]) -> Graph:
    """The DCAT catalog: the dataset, the SPARQL service, and one dataset per release with its dumps."""
    base = normalise_base(base)
    graph, dataset, catalog = new_graph(), dataset_iri(base), URIRef(f"{base}catalog")
    add = graph.add
    publisher, service = URIRef(f"{catalog}#publisher"), URIRef(f"{base}sparql")
    add((catalog, RDF.type, DCAT.Catalog))
    add((catalog, DCTERMS.title, Literal(f"{TITLE}: catalog", lang="en")))
    add((catalog, DCTERMS.publisher, publisher))
    add((catalog, DCTERMS.license, DATA_LICENCE))
    add((catalog, DCAT.dataset, dataset))
    add((catalog, DCAT.service, service))
    add((catalog, FOAF.homepage, URIRef(base)))
    add((publisher, RDF.type, FOAF.Agent))
    add((publisher, FOAF.name, Literal(PUBLISHER_NAME)))
    add((service, RDF.type, DCAT.DataService))
    add((service, DCTERMS.title, Literal("minegraph SPARQL 1.1 endpoint", lang="en")))
    add((service, DCAT.endpointURL, service))
    add((service, DCAT.endpointDescription, URIRef(f"{base}.well-known/void")))
    add((service, DCAT.servesDataset, dataset))
    add((dataset, RDF.type, DCAT.Dataset))
    add((dataset, DCTERMS.title, Literal(TITLE, lang="en")))
    add((dataset, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    add((dataset, DCTERMS.license, DATA_LICENCE))
    add((dataset, DCTERMS.publisher, publisher))
    add((dataset, RDFS.seeAlso, URIRef(f"{base}.well-known/void")))
    add((dataset, DCTERMS.conformsTo, URIRef(str(MG))))
    for keyword in ("landmines", "explosive remnants of war", "mine action", "casualties", "linked data"):
        add((dataset, DCAT.keyword, Literal(keyword, lang="en")))
    for release in sorted(releases, key=lambda r: r.number):
        version = URIRef(f"{base}release/{release.number}/dataset")
        add((dataset, DCAT.hasVersion, version))
        add((catalog, DCAT.dataset, version))
        add((version, RDF.type, DCAT.Dataset))
        add((version, DCTERMS.title, Literal(f"{TITLE}, release {release.number}", lang="en")))
        add((version, DCTERMS.isVersionOf, dataset))
        add((version, DCAT.version, Literal(str(release.number))))
        add((version, OWL.versionInfo, Literal(str(release.number))))
        add((version, DCTERMS.issued, Literal(release.issued, datatype=XSD.dateTime)))
        add((version, DCTERMS.license, DATA_LICENCE))
        add((version, DCTERMS.publisher, publisher))
        for dump in release.dumps:
            url = dump_url(base, release.number, dump.name)
            add((version, DCAT.distribution, url))
            add((url, RDF.type, DCAT.Distribution))
            add((url, DCTERMS.title, Literal(dump.name)))
            add((url, DCAT.downloadURL, url))
            add((url, DCAT.accessURL, URIRef(f"{base}release/{release.number}/")))
            add((url, DCAT.mediaType, URIRef(IANA + dump.media_type)))
            add((url, DCAT.byteSize, Literal(dump.size, datatype=XSD.nonNegativeInteger)))
            add((url, DCTERMS.license, DATA_LICENCE))
            checksum = URIRef(f"{url}#sha256")
            add((url, SPDX.checksum, checksum))
            add((checksum, RDF.type, SPDX.Checksum))
            add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))
    return graph


def summaries(manifests: Iterable[Mapping[str, Any]]) -> list[ReleaseSummary]:
    """:class:`ReleaseSummary` objects from release manifests (``release.json`` contents)."""
    found = []
    for m in manifests:
        dumps = tuple(Dump(d["name"], d["media_type"], int(d["size"]), d["sha256"]) for d in m.get("dumps", []))
        found.append(ReleaseSummary(int(m["number"]), str(m["issued"]), dumps, int(m.get("triples", 0))))
    return found
