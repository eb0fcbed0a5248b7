"""Rows to records: what one table says, as the incidents, victims and places of :mod:`minegraph.ingest.model`
(the classes a record file becomes too), emitted by :mod:`minegraph.ingest.emit`.

A row's record id is its *identity* (the mapping's ``identity:`` columns, or an HXL ``#event+id``) plus an
occurrence counter among rows of the same identity, in file order (``05313|2005|3#1``); keys are minted from it
as from a record file's ids. See docs/ingest.md for why those columns and what the counter costs.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rdflib.namespace import SKOS

from minegraph.core.gazetteer import Place as GazetteerPlace
from minegraph.core.gazetteer import pcode_place_iri, place_iri_of
from minegraph.core.resources import concepts_graph
from minegraph.core.vocab import MGC, WD
from minegraph.ingest.model import Incident, IncidentDate, Place, Victim
from minegraph.ingest.spec import MappingSpec, normalise
from minegraph.ingest.table import RowError, Table

MONTHS = tuple(calendar.month_name)


@dataclass
class TableRecords:
    """What one table yields: records, and everything the report must say about it."""

    incidents: list[Incident] = field(default_factory=list)
    #: every place a row names, and the places enclosing them, by id (an incident's ``place``)
    places: dict[str, Place] = field(default_factory=dict)
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


def incident_label(device: str, place_names: Sequence[str], date: IncidentDate) -> str:
    """The label of an incident read from a table: ``Antipersonnel mine incident, Granada, Antioquia, March 2005``
    (the place and the places enclosing it but the country, finest first)."""
    d = date
    if d.year is None:
        when = f"{d.day} {MONTHS[d.month or 0]} (year unknown)" if d.day else f"{MONTHS[d.month or 0]} (year unknown)"
    else:
        when = " ".join(str(part) for part in (d.day, MONTHS[d.month] if d.month else None, d.year) if part)
    device_label = concept_labels("explosive-ordnance").get(device, device.replace("-", " "))
    return f"{device_label.capitalize()} incident, {', '.join(place_names)}, {when}"


@lru_cache(maxsize=65536)
def title_case(name: str) -> str:
    """``NORTE DE SANTANDER`` -> ``Norte de Santander`` (Spanish particles stay lower case)."""
    small = {"de", "del", "la", "las", "los", "el", "y", "e"}
    words = name.strip().lower().split()
    return " ".join(w if (i and w in small) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def map_victim_table(table: Table, spec: MappingSpec, base: str) -> TableRecords:
    """One victim per row, one incident per victim (the table has no incident id and no day). The counts come from
    the one victim: 1 killed and 0 injured, or 0 killed and 1 injured; not stated when the outcome is unknown."""
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
    country = spec.country
    country_iri = str(place_iri_of(base, GazetteerPlace(country.id, country.label, 0, iso3166=country.iso3166)))
    out.places[country.id] = Place(country.id, country_iri, country.label, 0,
                                   identifiers={"iso3166": country.iso3166} if country.iso3166 else {},
                                   same_as=(f"{WD}{country.wikidata}",) if country.wikidata else ())
    occurrences: Counter[str] = Counter()
    seen_rows: dict[tuple[str, ...], int] = {}
    duplicates = 0
    this_year = dt.date.today().year
    date_of = lru_cache(maxsize=4096)(IncidentDate.of)
    label_of = lru_cache(maxsize=65536)(incident_label)
    counts = {"killed": (1, 0), "injured": (0, 1)}
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
        parent, place, place_names = country_iri, country.id, []
        for level in spec.places:
            code_text, name = cell(level.code), cell(level.name)
            if not code_text.isdigit() or (level.digits and len(code_text) > level.digits):
                errors.append(RowError(table.file, line, level.code, code_text,
                                       f"is not a code of {level.digits or 'some'} digits"))
                break
            code = code_text.zfill(level.digits)
            pcode = level.pcode.format(code=code)
            place_id = pcode.lower()  # as the gazetteer names a P-coded place
            known = out.places.get(place_id)
            if known is None:
                identifiers = {"pcode": pcode} | ({level.identifier: code} if level.identifier else {})
                known = out.places[place_id] = Place(
                    place_id, str(pcode_place_iri(base, pcode)), title_case(name) or code, level.level,
                    spec.label_language, parent, ((name, spec.label_language),) if name else (), identifiers)
            elif known.parent != parent:
                errors.append(RowError(table.file, line, level.code, code_text,
                                       "names a place already read inside another enclosing place"))
            parent, place = known.iri, place_id
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
        date = date_of(year, month)
        killed, injured = counts.get(outcome, (None, None))
        victim = Victim(record_id, outcome, codes.get("status") or "unknown", codes.get("sex"), codes.get("age_band"),
                        codes.get("activity"))
        out.incidents.append(Incident(
            record_id, label_of(device, tuple(reversed(place_names)), date), date, place, device, killed, injured,
            context=codes.get("context"), victims=(victim,), row=line))
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

