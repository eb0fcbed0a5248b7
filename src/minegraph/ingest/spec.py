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

from minegraph.core.errors import InputError
from minegraph.core.schema import check
from minegraph.core.yamlio import load_yaml
from minegraph.ingest.schema import MAPPING_RECORDS, MappingFile

#: record fields that take a concept, and their concept scheme
CONCEPT_FIELDS = {
    "event_type": "event-type", "device": "explosive-ordnance", "outcome": "outcome", "status": "victim-status",
    "sex": "sex", "age_band": "age-band", "activity": "activity", "context": "incident-context",
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
    code: str | None  # None: the level's places are matched by name in the gazetteer
    name: str
    digits: int
    pcode: str | None  # P-code template, e.g. "CO{code}": the place's IRI is minted from the P-code
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
    row: str  # "victim": one victim per row; "event": one mine event per row
    identity: tuple[str, ...]
    drop: dict[str, str]
    ignore: tuple[str, ...]
    country: Country
    places: tuple[PlaceLevel, ...]
    year: str
    month: str | None
    fields: dict[str, ConceptField] = field(default_factory=dict)
    #: the columns of the counts of an event table: {"killed": column, "injured": column}
    counts: dict[str, str] = field(default_factory=dict)
    #: the latitude and longitude columns of an event table: (lat, lon)
    point: tuple[str, str] | None = None
    meta: Path | None = None
    encoding: str = "utf-8"
    label_language: str = "es"

    def used_columns(self) -> set[str]:
        used = {self.year, *((self.month and [self.month]) or [])}
        for level in self.places:
            used |= {level.name} | ({level.code} if level.code else set())
        used |= {f.column for f in self.fields.values() if f.column}
        used |= set(self.counts.values()) | set(self.point or ())
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
    m = check(MappingFile, load_yaml(path), file=str(path), records=MAPPING_RECORDS)
    fields = {name: ConceptField(name, CONCEPT_FIELDS[name], spec.column,
                                 {normalise(k): v for k, v in spec.values.items()}, spec.default)
              for name in CONCEPT_FIELDS if (spec := getattr(m.fields, name)) is not None}
    c = m.country
    file = str(path)
    if m.row == "victim" and "outcome" not in fields:
        raise InputError("a `row: victim` mapping needs `fields: outcome:` (each row is a victim)", file=file,
                         field="fields")
    for level in m.places:
        if level.code and not level.pcode:
            raise InputError("a level read by `code` needs its P-code template `pcode:` (e.g. \"CO{code}\")",
                             file=file, record=f"places[{level.level}]", field="pcode")
        if m.row == "victim" and not level.code:
            raise InputError("a `row: victim` mapping reads its places by code", file=file,
                             record=f"places[{level.level}]", field="code")
    counts = {name: column for name, column in (("killed", m.counts.killed), ("injured", m.counts.injured))
              if column} if m.counts else {}
    if counts and m.row != "event":
        raise InputError("`counts:` are for `row: event` tables (a victim table counts its rows)", file=file,
                         field="counts")
    if m.point and m.row != "event":
        raise InputError("`point:` is for `row: event` tables: a victim's point of harm is never published (list the "
                         "columns under `drop:`)", file=file, field="point")
    return MappingSpec(
        name=m.name or path.stem, path=path, row=m.row, identity=tuple(m.identity), drop=dict(m.drop),
        ignore=tuple(m.ignore), country=Country(c.id, c.label, c.iso3166, c.wikidata),
        places=tuple(PlaceLevel(level=p.level, code=p.code, name=p.name, digits=p.digits, pcode=p.pcode,
                                identifier=p.identifier) for p in m.places),
        year=m.date.year, month=m.date.month, fields=fields, counts=counts,
        point=(m.point.lat, m.point.lon) if m.point else None,
        meta=(path.parent / m.meta) if m.meta else None,
        encoding=m.encoding, label_language=m.label_language,
    )
