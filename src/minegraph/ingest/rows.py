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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rdflib.namespace import SKOS

from minegraph.core.gazetteer import Gazetteer, pcode_place_iri, place_iri_of
from minegraph.core.gazetteer import Place as GazetteerPlace
from minegraph.core.resources import concepts_graph
from minegraph.core.vocab import MGC, WD
from minegraph.ingest.model import Incident, IncidentDate, Place, Victim, gazetteer_places
from minegraph.ingest.spec import MappingSpec, normalise
from minegraph.ingest.table import RowError, Table

MONTHS = tuple(calendar.month_name)
#: The events whose points are published, to warn people of a danger where it is (docs/data-responsibility.md):
#: finds, seizures, stockpiles, destructions, hazardous areas and clearances without casualties. An accident's or an
#: explosion's point is never published: it is where someone was harmed or nearly harmed.
PUBLISHED_POINT_TYPES = frozenset({"device-found", "seizure", "stockpile", "destruction", "suspected-hazardous-area",
                                   "confirmed-hazardous-area", "clearance"})
#: Published points are rounded to this many decimals of a degree (about 1.1 km at the equator) ...
POINT_DECIMALS = 2
#: ... and say so: the true location lies within this many metres of the point.
POINT_PRECISION_M = 1000


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


def map_victim_table(table: Table, spec: MappingSpec, base: str, gazetteer: Gazetteer | None = None) -> TableRecords:
    """One victim per row, one incident per victim (the table has no incident id and no day). The counts come from
    the one victim: 1 killed and 0 injured, or 0 killed and 1 injured; not stated when the outcome is unknown. A
    place the ``gazetteer`` knows by its P-code takes its representative point and GeoNames link from there (the
    table's name stays its label)."""
    out = TableRecords(dropped={c: r for c, r in spec.drop.items() if c in table.columns})
    index = _columns(table, spec, out)
    if index is None:
        return out
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
        codes = _concepts(spec, cell, table.file, line, errors)
        year, month = _year_month(spec, cell, table.file, line, errors, this_year)
        parent, place, place_names = country_iri, country.id, []
        for level in spec.places:
            assert level.code is not None and level.pcode is not None  # load_mapping: a victim table's places by code
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
                reference = gazetteer.get(pcode) if gazetteer is not None else None
                point = reference.point if reference is not None else None
                known = out.places[place_id] = Place(
                    place_id, str(pcode_place_iri(base, pcode)), title_case(name) or code, level.level,
                    spec.label_language, parent, ((name, spec.label_language),) if name else (), identifiers,
                    same_as=(f"https://sws.geonames.org/{reference.geonames}/",) if reference and reference.geonames
                    else (), point=(point.lat, point.lon, point.precision_m) if point else None)
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


def _columns(table: Table, spec: MappingSpec, out: TableRecords) -> dict[str, int] | None:
    """Where each column the mapping uses is (``out`` told of the unknown ones), or None (and an error of the
    header) when one is missing."""
    used = spec.used_columns()
    missing = sorted(c for c in used if c not in table.columns)
    if missing:
        out.errors.append(RowError(table.file, 1, ", ".join(missing), None,
                                   f"the header lacks column(s) that mapping {spec.name} needs"))
        return None
    out.unknown_columns = [c for c in table.columns if c and c not in used and c not in spec.drop
                           and c not in spec.ignore]
    return {c: table.columns.index(c) for c in used}


def _concepts(spec: MappingSpec, cell: Callable[[str], str], file: str, line: int,
              errors: list[RowError]) -> dict[str, str | None]:
    """The concept code of each field of a row (an unknown or missing value is an error of the row)."""
    codes: dict[str, str | None] = {}
    for name, fld in spec.fields.items():
        raw = cell(fld.column) if fld.column else ""
        code = fld.code(raw)
        if code is None:
            errors.append(RowError(file, line, fld.column, raw,
                                   f"is not a known value of {fld.scheme} (add it to `values:` of mapping "
                                   f"{spec.name})" if raw else f"is empty ({fld.scheme} needs a value)"))
        codes[name] = code
    return codes


def _year_month(spec: MappingSpec, cell: Callable[[str], str], file: str, line: int, errors: list[RowError],
                this_year: int) -> tuple[int | None, int | None]:
    year, month = _integer(cell(spec.year), 1900, this_year), None
    if year is None:
        errors.append(RowError(file, line, spec.year, cell(spec.year), f"is not a year (1900-{this_year})"))
    if spec.month:
        month = _integer(cell(spec.month), 1, 12)
        if month is None and cell(spec.month):
            errors.append(RowError(file, line, spec.month, cell(spec.month), "is not a month (1-12)"))
    return year, month


def event_label(event_type: str, device: str, place_names: Sequence[str], date: IncidentDate) -> str:
    """The label of a mine event read from a table: ``Explosive ordnance found (antipersonnel mine), Miraflores,
    Boyacá, 2010``; an accident keeps the incident label (``Antipersonnel mine incident, …``)."""
    if event_type in ("accident", "unknown"):
        return incident_label(device, place_names, date)
    what = concept_labels("event-type").get(event_type, event_type.replace("-", " ")).capitalize()
    if device != "unknown":
        what += f" ({concept_labels('explosive-ordnance').get(device, device.replace('-', ' '))})"
    when = incident_label(device, place_names, date).rsplit(", ", 1)[-1]
    return f"{what}, {', '.join(place_names)}, {when}"


def map_event_table(table: Table, spec: MappingSpec, base: str, gazetteer: Gazetteer) -> TableRecords:
    """One mine event per row (an accident, an explosion without casualties, a find, a seizure, a hazardous area, a
    clearance…): its type, device, date, place and counts (a blank count: not stated); no victims. A level read by
    name is matched in the gazetteer within the mapping's country and the coarser level of the row (BOYACA /
    MIRAFLORES is Miraflores in Boyacá); a name of no place there, or of several, rejects the row, named."""
    out = TableRecords(dropped={c: r for c, r in spec.drop.items() if c in table.columns})
    index = _columns(table, spec, out)
    if index is None:
        return out
    country = gazetteer.get(spec.country.iso3166 or spec.country.id)
    if country is None:
        out.errors.append(RowError(str(spec.path), 1, "country", spec.country.id, "is no country of the gazetteer"))
        return out
    occurrences: Counter[str] = Counter()
    this_year = dt.date.today().year
    label_of = lru_cache(maxsize=65536)(event_label)
    withheld = 0
    unmatched: Counter[str] = Counter()
    for line, cells in table.rows:
        cells = cells + [""] * (len(table.columns) - len(cells))

        def cell(column: str, cells: list[str] = cells) -> str:
            return cells[index[column]].strip()

        errors: list[RowError] = []
        codes = _concepts(spec, cell, table.file, line, errors)
        year, month = _year_month(spec, cell, table.file, line, errors, this_year)
        counts: dict[str, int | None] = {}
        for name in ("killed", "injured"):
            column = spec.counts.get(name)
            text = cell(column) if column else ""
            counts[name] = int(text) if text.isascii() and text.isdigit() else None
            if text and counts[name] is None:
                errors.append(RowError(table.file, line, column, text, "is not a whole number >= 0 (leave the cell "
                                       "empty when the source does not state it)"))
        point = _point(spec, cell, table.file, line, errors)
        place, as_reported = _event_place(spec, cell, gazetteer, country, table.file, line, errors)
        if errors or place is None:
            out.errors.extend(errors)
            continue
        chain = list(gazetteer.enclosing(place))
        out.places |= {p.id: p for p in gazetteer_places(chain, base) if p.id not in out.places}
        if as_reported:
            unmatched[f"{as_reported} in {place.label}"] += 1
        identity = "|".join(cell(c) for c in spec.identity)
        occurrences[identity] += 1
        record_id = f"{identity}#{occurrences[identity]}"
        assert year is not None
        event_type, device = codes.get("event_type") or "unknown", codes.get("device") or "unknown"
        harmed = any(counts[name] for name in ("killed", "injured"))
        if point is not None and (event_type not in PUBLISHED_POINT_TYPES or harmed):
            point, withheld = None, withheld + 1
        date = IncidentDate.of(year, month)
        names = tuple(p.label for p in chain if p.level > 0)
        out.incidents.append(Incident(
            record_id, label_of(event_type, device, names, date), date, place.id, device, counts["killed"],
            counts["injured"], context=codes.get("context"), event_type=event_type, row=line,
            place_as_reported=as_reported,
            point=(round(point[0], POINT_DECIMALS), round(point[1], POINT_DECIMALS), POINT_PRECISION_M)
            if point else None))
    if unmatched:
        out.notices.append(unmatched_notice(table.file, unmatched))
    if withheld:
        out.notices.append(f"{table.file}: the points of {withheld} event(s) are not published: accidents, explosions, "
                           "events of unknown type and any event that harmed people are shown at their place only")
    if spec.point:
        out.notices.append(f"{table.file}: points ({spec.point[0]}, {spec.point[1]}) are published only for finds, "
                           "seizures, stockpiles, destructions, hazardous areas and clearances that harmed nobody, "
                           f"rounded to {POINT_DECIMALS} decimals of a degree (~{POINT_PRECISION_M} m)")
    return out


def _point(spec: MappingSpec, cell: Callable[[str], str], file: str, line: int,
           errors: list[RowError]) -> tuple[float, float] | None:
    """A row's (lat, lon), when the mapping reads a point and the row gives one."""
    if spec.point is None:
        return None
    lat_text, lon_text = cell(spec.point[0]), cell(spec.point[1])
    if not lat_text and not lon_text:
        return None
    try:
        lat, lon = float(lat_text.replace(",", ".")), float(lon_text.replace(",", "."))
    except ValueError:
        lat = lon = float("nan")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors.append(RowError(file, line, f"{spec.point[0]}, {spec.point[1]}", f"{lat_text}, {lon_text}",
                               "is not a point (latitude -90..90, longitude -180..180, decimal degrees)"))
        return None
    return lat, lon


def _event_place(spec: MappingSpec, cell: Callable[[str], str], gazetteer: Gazetteer, country: GazetteerPlace,
                 file: str, line: int, errors: list[RowError]) -> tuple[GazetteerPlace | None, str | None]:
    """The finest place a row names with certainty, level by level — by P-code (a coded level) or by name within
    the coarser place — and the names it gives below that place, as it gives them, when one is not matched with
    certainty (a tie or a miss: the row stays at the coarser place and keeps the name, never a guess)."""
    at = country
    for position, level in enumerate(spec.places):
        name = cell(level.name)
        if level.code and level.pcode:
            code = cell(level.code)
            found = gazetteer.get(level.pcode.format(code=code.zfill(level.digits))) if code.isdigit() else None
            if found is None:
                errors.append(RowError(file, line, level.code, code, "is not the code of a place of the gazetteer"))
                return None, None
        elif not name:
            break  # a coarser place is all the row gives
        else:
            found = gazetteer.resolve(name, country=country.iso3166, level=level.level, parent=at).place
            if found is None:
                below = [cell(other.name) for other in spec.places[position:] if cell(other.name)]
                return at, ", ".join(reversed(below))
        at = found
    return at, None


def unmatched_notice(file: str, unmatched: Counter[str]) -> str:
    """What the report says of the names kept as reported: ``MIRAFLORES in Meta (2 rows)``…"""
    listed = "; ".join(f"{name} ({count} row{'s' if count > 1 else ''})" for name, count in unmatched.most_common(20))
    more = f"; and {len(unmatched) - 20} more" if len(unmatched) > 20 else ""
    return (f"{file}: {sum(unmatched.values())} row(s) name a place that the gazetteer does not hold with certainty "
            f"within the coarser place (a tie or a miss): each is placed at the coarser place and keeps the name as "
            f"reported (mg:placeAsReported) — {listed}{more}. Add the place to data/places.yaml, or give its code.")


def _integer(text: str, low: int, high: int) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if low <= value <= high else None

