"""Rows to records: what one table says, as incidents, victims and places ready to emit as RDF.

Keys are minted from a row's *identity* (the mapping's ``identity:`` columns, or an HXL ``#event+id``)
plus an occurrence counter among rows of the same identity, in file order; see docs/ingest.md for why
those columns and what the counter costs.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rdflib.namespace import SKOS

from minegraph.core.gazetteer import Place, pcode_place_iri, place_iri_of
from minegraph.core.resources import concepts_graph
from minegraph.core.vocab import MGC, mint_key, thing_iri
from minegraph.ingest.spec import MappingSpec, normalise
from minegraph.ingest.table import RowError, Table

MONTHS = tuple(calendar.month_name)


@dataclass(slots=True)
class PlaceRow:
    iri: str
    label: str
    level: int
    parent: str | None = None
    alt_labels: tuple[str, ...] = ()
    language: str = "en"
    identifiers: dict[str, str] = field(default_factory=dict)
    iso3166: str | None = None
    wikidata: str | None = None


@dataclass(slots=True)
class VictimRow:
    iri: str
    outcome: str
    status: str
    sex: str | None = None
    age_band: str | None = None
    activity: str | None = None


@dataclass(slots=True)
class IncidentRow:
    iri: str
    row: int
    label: str
    place: str
    year: int | None
    month: int | None
    day: int | None
    device: str
    killed: int
    injured: int
    context: str | None = None
    victims: list[VictimRow] = field(default_factory=list)
    #: the possible dates when the year is not known (``--MM-DD`` with ``#date+start`` / ``#date+end``)
    earliest: dt.date | None = None
    latest: dt.date | None = None


@dataclass
class TableRecords:
    """What one table yields: records, and everything the report must say about it."""

    incidents: list[IncidentRow] = field(default_factory=list)
    places: dict[str, PlaceRow] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)

    def rejected_rows(self) -> set[int]:
        return {e.row for e in self.errors}


@cache
def concept_labels(scheme: str) -> dict[str, str]:
    """code -> English preferred label of every concept of ``scheme``."""
    graph = concepts_graph()
    prefix = f"{MGC}{scheme}/"
    return {str(c)[len(prefix):]: str(label) for c, label in graph.subject_objects(SKOS.prefLabel)
            if str(c).startswith(prefix) and getattr(label, "language", None) == "en"}


@cache
def concept_lookup(scheme: str) -> dict[str, str]:
    """normalised notation, preferred or alternative label -> code, for every concept of ``scheme``."""
    graph = concepts_graph()
    prefix = f"{MGC}{scheme}/"
    found: dict[str, str] = {}
    for predicate in (SKOS.altLabel, SKOS.prefLabel, SKOS.notation):
        for concept, label in graph.subject_objects(predicate):
            if str(concept).startswith(prefix):
                found[normalise(str(label))] = str(concept)[len(prefix):]
    return found


def month_range(year: int, month: int | None) -> tuple[dt.date, dt.date]:
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


@lru_cache(maxsize=65536)
def title_case(name: str) -> str:
    """``NORTE DE SANTANDER`` -> ``Norte de Santander`` (Spanish particles stay lower case)."""
    small = {"de", "del", "la", "las", "los", "el", "y", "e"}
    words = name.strip().lower().split()
    return " ".join(w if (i and w in small) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def map_victim_table(table: Table, spec: MappingSpec, source_id: str, base: str) -> TableRecords:
    """One victim per row, one incident per victim (the table has no incident id and no day)."""
    out = TableRecords(dropped={c: r for c, r in spec.drop.items() if c in table.columns})
    used = spec.used_columns()
    missing = sorted(c for c in used if c not in table.columns)
    if missing:
        out.errors.append(RowError(table.file, 1, ", ".join(missing), None,
                                   f"the header lacks column(s) that mapping {spec.name} needs"))
        return out
    out.unknown_columns = [c for c in table.columns if c and c not in used and c not in spec.drop
                           and c not in spec.ignore]
    index = {c: table.columns.index(c) for c in used}
    country = Place(spec.country.id, spec.country.label, 0, iso3166=spec.country.iso3166)
    country_iri = str(place_iri_of(base, country))
    out.places[country_iri] = PlaceRow(country_iri, spec.country.label, 0, iso3166=spec.country.iso3166,
                                       wikidata=spec.country.wikidata)
    device_labels = concept_labels("explosive-ordnance")
    occurrences: Counter[str] = Counter()
    seen_rows: dict[tuple[str, ...], int] = {}
    place_iris: dict[str, str] = {}  # P-code -> IRI (minted once, not once per row)
    duplicates = 0
    this_year = dt.date.today().year
    for line, cells in table.rows:
        cells = cells + [""] * (len(table.columns) - len(cells))

        def cell(column: str, cells: list[str] = cells) -> str:
            return cells[index[column]].strip()

        errors: list[RowError] = []
        codes: dict[str, str | None] = {}
        for name, fld in spec.fields.items():
            raw = cell(fld.column) if fld.column else ""
            code = fld.code(raw)
            if code is None:
                errors.append(RowError(table.file, line, fld.column, raw,
                                       f"is not a known value of {fld.scheme} (add it to `values:` of mapping "
                                       f"{spec.name})" if raw else f"is empty ({fld.scheme} needs a value)"))
            codes[name] = code
        year, month = _integer(cell(spec.year), 1900, this_year), None
        if year is None:
            errors.append(RowError(table.file, line, spec.year, cell(spec.year), f"is not a year (1900-{this_year})"))
        if spec.month:
            month = _integer(cell(spec.month), 1, 12)
            if month is None and cell(spec.month):
                errors.append(RowError(table.file, line, spec.month, cell(spec.month), "is not a month (1-12)"))
        parent, place, place_names = country_iri, country_iri, []
        for level in spec.places:
            code_text, name = cell(level.code), cell(level.name)
            if not code_text.isdigit() or (level.digits and len(code_text) > level.digits):
                errors.append(RowError(table.file, line, level.code, code_text,
                                       f"is not a code of {level.digits or 'some'} digits"))
                break
            code = code_text.zfill(level.digits)
            pcode = level.pcode.format(code=code)
            iri = place_iris.get(pcode) or place_iris.setdefault(pcode, str(pcode_place_iri(base, pcode)))
            known = out.places.get(iri)
            if known is None:
                identifiers = {"pcode": pcode} | ({level.identifier: code} if level.identifier else {})
                out.places[iri] = PlaceRow(iri, title_case(name) or code, level.level, parent,
                                           (name,) if name else (), spec.label_language, identifiers)
            elif known.parent != parent:
                errors.append(RowError(table.file, line, level.code, code_text,
                                       "names a place already read inside another enclosing place"))
            parent = place = iri
            place_names.append(title_case(name) or code)
        if errors:
            out.errors.extend(errors)
            continue
        identity = "|".join(cell(c) for c in spec.identity)
        occurrences[identity] += 1
        record_id = f"{identity}#{occurrences[identity]}"
        whole = tuple(cells)
        if whole in seen_rows:
            duplicates += 1
        else:
            seen_rows[whole] = line
        assert year is not None
        device, outcome = codes.get("device") or "unknown", codes["outcome"] or "unknown"
        when = f"{MONTHS[month]} {year}" if month else str(year)
        label = f"{device_labels.get(device, device).capitalize()} incident, {', '.join(reversed(place_names))}, {when}"
        incident = IncidentRow(
            str(thing_iri(base, "incident", mint_key("incident", source_id, record_id))), line, label, place,
            year, month, None, device, int(outcome == "killed"), int(outcome == "injured"),
            context=codes.get("context"),
        )
        incident.victims.append(VictimRow(
            str(thing_iri(base, "victim", mint_key("victim", source_id, record_id))), outcome,
            codes.get("status") or "unknown", codes.get("sex"), codes.get("age_band"), codes.get("activity"),
        ))
        out.incidents.append(incident)
    if duplicates:
        out.notices.append(f"{table.file}: {duplicates} row(s) repeat an earlier row exactly; each is read as "
                           "another victim (the table has one row per victim and no victim id)")
    return out


def _integer(text: str, low: int, high: int) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if low <= value <= high else None

