"""HXL-tagged incident tables: one row per incident, columns found by hashtag, in any order.

Read (a column may carry more attributes than named here, as HXL allows: ``#date+occurred`` is a ``#date``; of
several, one with ``+occurred`` first): ``#event+id`` (the row's identity, when present), ``#date`` (not
``+start`` / ``+end``: YYYY-MM-DD, YYYY-MM or YYYY),
``#country+code``, ``#adm1`` / ``#adm2`` with ``+code`` (a P-code of the gazetteer) or ``+name``, ``#event+code`` or
``#event+type`` (a device: a concept's code or any of its labels), ``#affected+killed`` and ``#affected+injured`` (a
blank cell: the count is not stated, never 0), and their ``+f`` / ``+m`` / ``+children`` breakdowns (victims, when
the count is stated and the breakdown accounts for everyone). ``#geo+lat`` / ``#geo+lon`` (the coordinates of harm)
and ``#loc`` (the site: a village, a field) are never published, nor used in any key: they are dropped, and the
report and the source document's note name the columns. Other columns are listed as unknown.

A row without ``#event+id`` is named by its date and admin places only (``date|adm1 code|adm2 code|adm1 name|adm2
name``), and rows of the same date and places by their order (``#1``, ``#2``…): keys are public, and a key hashed
from a site name could confirm a guessed site.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator

from minegraph.core.gazetteer import Gazetteer, Place
from minegraph.core.gazetteer import load as load_gazetteer
from minegraph.core.settings import Settings
from minegraph.ingest.model import Incident, IncidentDate, Victim, gazetteer_places
from minegraph.ingest.rows import TableRecords, concept_lookup, incident_label
from minegraph.ingest.spec import normalise
from minegraph.ingest.table import RowError, Table

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
#: A day whose year is not known, as ISO 8601 writes it (and xsd:gMonthDay): --MM-DD.
_MONTH_DAY = re.compile(r"^--(\d{2})-(\d{2})$")
DROPPED = {"geo": "coordinates of harm: never published (the place is kept at admin level)",
           "loc": "site of harm: never published nor used in keys (the place is kept at admin level)"}
KNOWN = {"event", "date", "country", "adm1", "adm2", "loc", "affected", "geo"}


def map_hxl_table(table: Table, settings: Settings) -> TableRecords:
    base = settings.base_uri
    out = TableRecords()
    gazetteer = load_gazetteer(settings.data_dir)
    by_pcode = {p.pcode.upper(): p for p in gazetteer.places.values() if p.pcode}

    def column(pattern: str, without: frozenset[str] = frozenset(), prefer: str = "") -> int | None:
        """The first column matching ``pattern`` (a column may have more attributes, as in HXL) and none of
        ``without``; one with the attribute ``prefer`` first."""
        found = [i for i in table.tag_indices(pattern)
                 if not without & getattr(table.tags[i], "attributes", frozenset())]
        found.sort(key=lambda i: prefer not in getattr(table.tags[i], "attributes", frozenset()))
        return found[0] if found else None

    breakdowns = frozenset({"f", "m", "children"})
    cols = {name: column(pattern, without, prefer) for name, pattern, without, prefer in (
        ("id", "#event+id", frozenset(), ""), ("date", "#date", frozenset({"start", "end"}), "occurred"),
        ("start", "#date+start", frozenset(), ""), ("end", "#date+end", frozenset(), ""),
        ("country", "#country+code", frozenset(), ""),
        ("adm1_code", "#adm1+code", frozenset(), ""), ("adm1_name", "#adm1+name", frozenset(), ""),
        ("adm2_code", "#adm2+code", frozenset(), ""), ("adm2_name", "#adm2+name", frozenset(), ""),
        ("device", "#event+code", frozenset(), ""), ("device_type", "#event+type", frozenset(), ""),
        ("killed", "#affected+killed", breakdowns, ""), ("injured", "#affected+injured", breakdowns, ""))}
    breakdown = {(o, a): column(f"#affected+{o}+{a}") for o in ("killed", "injured") for a in ("f", "m", "children")}
    for index, tag in enumerate(table.tags):
        if tag is None:
            continue
        if tag.tag in DROPPED:
            out.dropped[table.columns[index] or str(tag)] = DROPPED[tag.tag]
        elif tag.tag not in KNOWN:
            out.unknown_columns.append(f"{table.columns[index]} ({tag})" if table.columns[index] else str(tag))
    missing = [t for t, c in (("#date", cols["date"]), ("#affected+killed", cols["killed"]),
                              ("#affected+injured", cols["injured"])) if c is None]
    if cols["adm1_code"] is None and cols["adm2_code"] is None and cols["adm1_name"] is None:
        missing.append("#adm1+code or #adm2+code")
    if missing:
        out.errors.append(RowError(table.file, 1, ", ".join(missing), None,
                                   "the hashtag row lacks tag(s) an HXL incident table needs"))
        return out
    devices = concept_lookup("explosive-ordnance")
    occurrences: Counter[str] = Counter()
    seen: dict[tuple[str, ...], int] = {}
    for line, cells in table.rows:
        cells = cells + [""] * (len(table.tags) - len(cells))

        def cell(name: str, cells: list[str] = cells) -> str:
            i = cols.get(name)
            return cells[i].strip() if i is not None else ""

        errors: list[RowError] = []
        key = tuple(c.strip() for c in cells)
        if key in seen:
            errors.append(RowError(table.file, line, None, None, f"repeats row {seen[key]} exactly (an incident "
                                   "table lists each incident once; give #event+id to tell incidents apart)"))
        seen.setdefault(key, line)
        date = _read_date(cell("date"), cell("start"), cell("end"))
        if isinstance(date, str):
            errors.append(RowError(table.file, line, table.columns[cols["date"] or 0] or "#date", cell("date"), date))
        place = _place(cell, by_pcode, gazetteer, out, base)
        if place.startswith("!"):
            errors.append(RowError(table.file, line, place.split("|")[1], place.split("|")[2], place.split("|")[3]))
        device = "unknown"
        raw_device = cell("device") or cell("device_type")
        if raw_device:
            code = devices.get(normalise(raw_device))
            if code is None:
                errors.append(RowError(table.file, line, "#event+code", raw_device,
                                       "is not a known explosive ordnance type (a code or label of "
                                       "mgc:explosive-ordnance)"))
            device = code or "unknown"
        counts: dict[str, int | None] = {}
        for name in ("killed", "injured"):
            text = cell(name)
            counts[name] = _count(text)  # blank: not stated
            if text and counts[name] is None:
                errors.append(RowError(table.file, line, f"#affected+{name}", text, "is not a whole number >= 0 "
                                       "(leave the cell empty when the source does not state it)"))
        if errors:
            out.errors.extend(errors)
            continue
        assert isinstance(date, IncidentDate)
        # never the site (#loc) nor coordinates: a key must not confirm a guessed site name
        identity = cell("id") or "|".join((cell("date"), cell("adm1_code"), cell("adm2_code"), cell("adm1_name"),
                                           cell("adm2_name")))
        occurrences[identity] += 1
        record_id = f"{identity}#{occurrences[identity]}" if not cell("id") else identity
        if cell("id") and occurrences[identity] > 1:
            out.errors.append(RowError(table.file, line, "#event+id", cell("id"), "this incident id is used twice"))
            continue
        names = [p.label for p in enclosing(gazetteer.places[place], gazetteer) if p.level > 0]
        victims = _victims(counts, cells, breakdown, record_id)
        out.incidents.append(Incident(record_id, incident_label(device, names, date), date, place, device,
                                      counts["killed"], counts["injured"], victims=victims, row=line))
    return out


def _read_date(text: str, start: str, end: str) -> IncidentDate | str:
    """The date of a row's ``#date`` (YYYY-MM-DD, YYYY-MM, YYYY, or --MM-DD with ``#date+start`` and
    ``#date+end``), or the reason it is refused."""
    match = _DATE.match(text)
    if match:
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            dt.date(year or 1, month or 1, day or 1)
        except ValueError:
            return "is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"
        assert year is not None
        return IncidentDate.of(year, month, day)
    month_day = _MONTH_DAY.match(text)
    if not month_day:
        return "is not a date (YYYY-MM-DD, YYYY-MM, YYYY, or --MM-DD for a day whose year is not known)"
    try:
        earliest, latest = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        dt.date(2000, int(month_day.group(1)), int(month_day.group(2)))
    except ValueError:
        return "a day whose year is not known (--MM-DD) needs #date+start and #date+end (YYYY-MM-DD)"
    if earliest > latest:
        return "#date+start is after #date+end"
    return IncidentDate(earliest, latest, month=int(month_day.group(1)), day=int(month_day.group(2)))


def _place(cell: Callable[[str], str], by_pcode: dict[str, Place], gazetteer: Gazetteer, out: TableRecords,
           base: str) -> str:
    """The gazetteer id of the finest place of a row (it and the places enclosing it added to ``out.places``), or
    ``!|col|value|rule``. A name is looked for within the row's country and, for an admin-2 name, within its
    admin-1 area (META / GRANADA is Granada in Meta, not in Antioquia); a tie or a miss is refused, named."""
    country = cell("country").upper() or None
    if country is not None and len(country) == 3:
        country = _alpha2(country)
    found: Place | None = None
    for level in ("adm1", "adm2"):
        code, name = cell(f"{level}_code"), cell(f"{level}_name")
        if code:
            at = by_pcode.get(code.upper())
            if at is None:
                return f"!|#{level}+code|{code}|is not a P-code of the gazetteer (data/reference, places.yaml)"
            found = at
        elif name:
            resolution = gazetteer.resolve(name, country=country, level=int(level[-1]), parent=found)
            if resolution.place is None:
                within = f" in {found.label}" if found else (f" in {country}" if country else "")
                if resolution.status == "tie":
                    options = "; ".join(_where(c.place, gazetteer) for c in resolution.candidates[:4])
                    return f"!|#{level}+name|{name}|names several places{within}: {options} (give #{level}+code)"
                return f"!|#{level}+name|{name}|names no place of the gazetteer{within} with certainty"
            found = resolution.place
    if found is None:
        return "!|#adm1+code||no place"
    if found.id not in out.places:
        chain = list(enclosing(found, gazetteer))
        out.places |= {p.id: p for p in gazetteer_places(chain, base) if p.id not in out.places}
    return found.id


def _where(place: Place, gazetteer: Gazetteer) -> str:
    """``Granada (Meta, Colombia)``."""
    return f"{place.label} ({', '.join(p.label for p in list(gazetteer.enclosing(place))[1:])})"


def _alpha2(alpha3: str) -> str | None:
    import pycountry

    country = pycountry.countries.get(alpha_3=alpha3)
    return country.alpha_2 if country else None


def enclosing(place: Place, gazetteer: Gazetteer) -> Iterator[Place]:
    """``place`` and the places enclosing it, finest first."""
    at: Place | None = place
    while at is not None:
        yield at
        at = gazetteer.places.get(at.parent) if at.parent else None


def _count(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def _victims(counts: dict[str, int | None], cells: list[str], breakdown: dict[tuple[str, str], int | None],
             record_id: str) -> tuple[Victim, ...]:
    """Victims from the +f / +m breakdown, when the count is stated and the breakdown accounts for every person of
    that outcome."""
    def count(outcome: str, attribute: str) -> int | None:
        i = breakdown[(outcome, attribute)]
        return _count(cells[i].strip()) if i is not None else None

    victims: list[Victim] = []
    for outcome in ("killed", "injured"):
        total = counts[outcome]
        f, m, children = count(outcome, "f"), count(outcome, "m"), count(outcome, "children")
        if total is None or f is None or m is None or f + m != total:
            continue
        age = "child" if children == total and total else "adult" if children == 0 else None
        for sex, n in (("female", f), ("male", m)):
            victims.extend(Victim(f"{record_id}|{outcome}|{sex}|{k + 1}", outcome, "unknown", sex, age)
                           for k in range(n))
    return tuple(victims)
