"""Declarative mapping files (``data/mappings/NAME.yaml``): columns to fields, values to concepts.

A mapping file says, for one kind of table, which column holds what, which values mean which concept
(``values:``), which columns are never published (``drop:``, with the reason) and which are read but
not used (``ignore:``). Every other column is unknown: it is ignored too, and listed in the report.
Nothing here is specific to one data set; docs/ingest.md documents the format.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minegraph.core.errors import InputError
from minegraph.core.yamlio import load_yaml

#: record fields that take a concept, and their concept scheme
CONCEPT_FIELDS = {
    "device": "explosive-ordnance", "outcome": "outcome", "status": "victim-status", "sex": "sex",
    "age_band": "age-band", "activity": "activity", "context": "incident-context",
}


@functools.lru_cache(maxsize=65536)
def normalise(value: str) -> str:
    """A value as compared with a mapping's ``values:`` keys: case, accents and spacing do not matter.

    Cached: a national table repeats a few dozen distinct values in hundreds of thousands of cells.
    """
    text = unicodedata.normalize("NFKD", value.strip().casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


@dataclass(frozen=True)
class ConceptField:
    """One concept-valued field: the column it is read from and its value table."""

    name: str
    scheme: str
    column: str | None
    values: dict[str, str]
    default: str | None = None

    def code(self, raw: str) -> str | None:
        """The concept code for ``raw``; None when the value is not in the table."""
        if not raw.strip():
            return self.default
        return self.values.get(normalise(raw))


@dataclass(frozen=True)
class PlaceLevel:
    """One admin level of the places a table names by code (coarsest first)."""

    level: int
    code: str
    name: str
    digits: int
    pcode: str  # P-code template, e.g. "CO{code}": the place's IRI is minted from the P-code
    identifier: str | None = None  # ontology property for the code as the source gives it, e.g. "daneCode"


@dataclass(frozen=True)
class Country:
    id: str
    label: str
    iso3166: str | None = None
    wikidata: str | None = None


@dataclass(frozen=True)
class MappingSpec:
    """A parsed mapping file."""

    name: str
    path: Path
    row: str  # "victim": one victim per row
    identity: tuple[str, ...]
    drop: dict[str, str]
    ignore: tuple[str, ...]
    country: Country
    places: tuple[PlaceLevel, ...]
    year: str
    month: str | None
    fields: dict[str, ConceptField] = field(default_factory=dict)
    meta: Path | None = None
    encoding: str = "utf-8"
    label_language: str = "es"

    def used_columns(self) -> set[str]:
        used = {self.year, *((self.month and [self.month]) or [])}
        for level in self.places:
            used |= {level.code, level.name}
        used |= {f.column for f in self.fields.values() if f.column}
        return used | set(self.identity)


def find_mapping(name: str, data_dir: Path) -> Path:
    """``NAME`` (in ``{data_dir}/mappings/``) or a path to a mapping file."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    path = data_dir / "mappings" / f"{name}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in (data_dir / "mappings").glob("*.yaml") if not p.stem.endswith(".meta"))
        raise InputError(f"no mapping named {name!r} (known: {', '.join(known) or 'none'})",
                         file=str(path))
    return path


def load_mapping(path: Path) -> MappingSpec:
    """Read and check a mapping file."""
    file = str(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError("a mapping file is a YAML mapping", file=file)

    def need(container: dict[str, Any], key: str, where: str) -> Any:
        if container.get(key) in (None, ""):
            raise InputError("is required", file=file, record=where, field=key)
        return container[key]

    if data.get("row", "victim") != "victim":
        raise InputError("only `row: victim` tables are supported by mapping files (HXL incident tables are "
                         "read without one)", file=file, field="row", value=data.get("row"))
    country = need(data, "country", "mapping")
    places = tuple(
        PlaceLevel(level=int(need(p, "level", f"places[{i}]")), code=need(p, "code", f"places[{i}]"),
                   name=need(p, "name", f"places[{i}]"), digits=int(p.get("digits", 0)),
                   pcode=need(p, "pcode", f"places[{i}]"), identifier=p.get("identifier"))
        for i, p in enumerate(need(data, "places", "mapping"))
    )
    date = need(data, "date", "mapping")
    fields: dict[str, ConceptField] = {}
    for name, spec in (data.get("fields") or {}).items():
        if name not in CONCEPT_FIELDS:
            raise InputError(f"unknown field; known: {', '.join(CONCEPT_FIELDS)}", file=file, record="fields",
                             field=name)
        values = {normalise(str(k)): str(v) for k, v in (spec.get("values") or {}).items()}
        fields[name] = ConceptField(name, CONCEPT_FIELDS[name], spec.get("column"), values, spec.get("default"))
    for required in ("outcome",):
        if required not in fields:
            raise InputError("is required", file=file, record="fields", field=required)
    meta = data.get("meta")
    return MappingSpec(
        name=str(data.get("name") or path.stem), path=path, row="victim",
        identity=tuple(need(data, "identity", "mapping")),
        drop={str(k): str(v) for k, v in (data.get("drop") or {}).items()},
        ignore=tuple(data.get("ignore") or ()),
        country=Country(need(country, "id", "country"), need(country, "label", "country"),
                        country.get("iso3166"), country.get("wikidata")),
        places=places, year=need(date, "year", "date"), month=date.get("month"), fields=fields,
        meta=(path.parent / meta) if meta else None, encoding=str(data.get("encoding") or "utf-8"),
        label_language=str(data.get("label_language") or "es"),
    )
