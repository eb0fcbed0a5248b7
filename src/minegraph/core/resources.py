"""Where the ontology, concept schemes and shapes live, and loading them once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import Graph

_PACKAGE = Path(__file__).resolve().parents[1]  # src/minegraph (or site-packages/minegraph)


def _directory(name: str) -> Path:
    # In a checkout (or an editable install) the package holds links to the repository's folders;
    # in a wheel setuptools has copied them into the package.
    for candidate in (_PACKAGE / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"minegraph's {name}/ folder is missing from the installation")


def ontology_dir() -> Path:
    return _directory("ontology")


def shapes_dir() -> Path:
    return _directory("shapes")


@cache
def ontology_graph() -> Graph:
    """The minegraph ontology (``ontology/minegraph.ttl``)."""
    return _parse(ontology_dir() / "minegraph.ttl")


@cache
def concepts_graph() -> Graph:
    """The SKOS concept schemes (``ontology/concepts.ttl``)."""
    return _parse(ontology_dir() / "concepts.ttl")


@cache
def shapes_graph() -> Graph:
    """Every shapes file of ``shapes/``, merged."""
    graph = Graph()
    for path in sorted(shapes_dir().glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _parse(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph
