"""HXL-tagged incident tables: one row per incident, columns found by hashtag, in any order.

Read: ``#event+id`` (the row's identity, when present), ``#date`` (YYYY-MM-DD, YYYY-MM or YYYY),
``#country+code``, ``#adm1`` / ``#adm2`` with ``+code`` (a P-code of the gazetteer) or ``+name``, ``#loc+name``
(kept in a note only), ``#event+code`` or ``#event+type`` (a device: a concept's code or any of its labels),
``#affected+killed`` and ``#affected+injured``, and their ``+f`` / ``+m`` / ``+children`` breakdowns.
``#geo+lat`` / ``#geo+lon`` are the coordinates of harm: never published. Other columns are listed as unknown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from minegraph.core.gazetteer import CERTAIN, Gazetteer, Place, place_iri_of
from minegraph.core.gazetteer import load as load_gazetteer
from minegraph.core.settings import Settings
from minegraph.core.vocab import mint_key, thing_iri
from minegraph.ingest.rows import IncidentRow, PlaceRow, TableRecords, VictimRow, concept_lookup
from minegraph.ingest.spec import normalise
from minegraph.ingest.table import RowError, Table

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
#: A day whose year is not known, as ISO 8601 writes it (and xsd:gMonthDay): --MM-DD.
_MONTH_DAY = re.compile(r"^--(\d{2})-(\d{2})$")
DROPPED = {"geo": "coordinates of harm: never published (the place is kept at admin level)"}
KNOWN = {"event", "date", "country", "adm1", "adm2", "loc", "affected", "geo"}


def map_hxl_table(table: Table, source_id: str, settings: Settings) -> TableRecords:
    base = settings.base_uri
    out = TableRecords()
    gazetteer = load_gazetteer(settings.data_dir)
    by_pcode = {p.pcode.upper(): p for p in gazetteer.places.values() if p.pcode}

    def column(pattern: str, exact: bool = False) -> int | None:
        found = table.tag_indices(pattern)
        if exact:
            wanted = set(pattern.split("+")[1:])
            found = [i for i in found if set(getattr(table.tags[i], "attributes", ())) <= wanted | {"num"}]
        return found[0] if found else None

    cols = {name: column(pattern, exact) for name, pattern, exact in (
        ("id", "#event+id", False), ("date", "#date", True), ("start", "#date+start", False),
        ("end", "#date+end", False), ("country", "#country+code", False),
        ("adm1_code", "#adm1+code", False), ("adm1_name", "#adm1+name", False),
        ("adm2_code", "#adm2+code", False), ("adm2_name", "#adm2+name", False), ("loc", "#loc", False),
        ("device", "#event+code", False), ("device_type", "#event+type", False),
        ("killed", "#affected+killed", True), ("injured", "#affected+injured", True))}
    breakdown = {(o, a): column(f"#affected+{o}+{a}") for o in ("killed", "injured") for a in ("f", "m", "children")}
    for index, tag in enumerate(table.tags):
        if tag is None:
            continue
        if tag.tag == "geo":
            out.dropped[table.columns[index] or str(tag)] = DROPPED["geo"]
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
        year = month = day = None
        earliest = latest = None
        date_error = _read_date(cell("date"), cell("start"), cell("end"))
        if isinstance(date_error, str):
            errors.append(RowError(table.file, line, table.columns[cols["date"] or 0] or "#date", cell("date"),
                                   date_error))
        else:
            year, month, day, earliest, latest = date_error
        place = _place(cell, by_pcode, gazetteer, out, base)
        if isinstance(place, str) and place.startswith("!"):
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
        counts = {}
        for name in ("killed", "injured"):
            text = cell(name) or "0"
            counts[name] = int(text) if text.isdigit() else -1
            if counts[name] < 0:
                errors.append(RowError(table.file, line, f"#affected+{name}", cell(name), "is not a whole number >= 0"))
        if errors:
            out.errors.extend(errors)
            continue
        identity = cell("id") or "|".join((cell("date"), cell("adm1_code"), cell("adm2_code"), cell("adm1_name"),
                                           cell("adm2_name"), cell("loc")))
        occurrences[identity] += 1
        record_id = f"{identity}#{occurrences[identity]}" if not cell("id") else identity
        if cell("id") and occurrences[identity] > 1:
            out.errors.append(RowError(table.file, line, "#event+id", cell("id"), "this incident id is used twice"))
            continue
        assert isinstance(place, str)
        iri = str(thing_iri(base, "incident", mint_key("incident", source_id, record_id)))
        when = cell("date") if year else f"{dt.date(2000, month or 1, day or 1):%-d %B} (year unknown)"
        label = f"{device.replace('-', ' ').capitalize()} incident, {out.places[place].label}, {when}"
        incident = IncidentRow(iri, line, label, place, year, month, day, device, counts["killed"], counts["injured"],
                               earliest=earliest, latest=latest)
        _victims(incident, cells, breakdown, source_id, record_id, base)
        out.incidents.append(incident)
    return out


DateParts = tuple[int | None, int | None, int | None, dt.date | None, dt.date | None]


def _read_date(text: str, start: str, end: str) -> DateParts | str:
    """(year, month, day, earliest, latest) of a row's ``#date`` (YYYY-MM-DD, YYYY-MM, YYYY, or --MM-DD with
    ``#date+start`` and ``#date+end``), or the reason it is refused."""
    match = _DATE.match(text)
    if match:
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            dt.date(year or 1, month or 1, day or 1)
        except ValueError:
            return "is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"
        return year, month, day, None, None
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
    return None, int(month_day.group(1)), int(month_day.group(2)), earliest, latest


def _place(cell: object, by_pcode: dict[str, Place], gazetteer: Gazetteer, out: TableRecords,
           base: str) -> str:
    """The IRI of the finest place of a row (its chain of parents added to ``out.places``), or ``!|col|value|rule``."""
    get = cell
    found: Place | None = None
    for level in ("adm2", "adm1"):
        code, name = get(f"{level}_code"), get(f"{level}_name")  # type: ignore[operator]
        if code:
            found = by_pcode.get(code.upper())
            if found is None:
                return f"!|#{level}+code|{code}|is not a P-code of the gazetteer (data/reference, places.yaml)"
            break
        if name:
            matches = gazetteer.reconcile(name, level=int(level[-1]))
            if not matches or matches[0].score < CERTAIN:
                return f"!|#{level}+name|{name}|names no place of the gazetteer with certainty"
            found = matches[0].place
            break
    if found is None:
        return "!|#adm1+code||no place"
    chain: list[Place] = []
    place: Place | None = found
    while place is not None:
        chain.append(place)
        place = gazetteer.places.get(place.parent) if place.parent else None
    parent_iri = None
    for p in reversed(chain):
        iri = str(place_iri_of(base, p))
        if iri not in out.places:
            out.places[iri] = PlaceRow(iri, p.label, p.level, parent_iri, language="en",
                                       identifiers={"pcode": p.pcode} if p.pcode else {}, iso3166=p.iso3166,
                                       wikidata=p.wikidata)
        parent_iri = iri
    return str(place_iri_of(base, found))


def _victims(incident: IncidentRow, cells: list[str], breakdown: dict[tuple[str, str], int | None],
             source_id: str, record_id: str, base: str) -> None:
    """Victims from the +f / +m breakdown, when it accounts for every person of an outcome."""
    def count(outcome: str, attribute: str) -> int | None:
        i = breakdown[(outcome, attribute)]
        text = cells[i].strip() if i is not None else ""
        return int(text) if text.isdigit() else None

    for outcome, total in (("killed", incident.killed), ("injured", incident.injured)):
        f, m, children = count(outcome, "f"), count(outcome, "m"), count(outcome, "children")
        if f is None or m is None or f + m != total:
            continue
        age = "child" if children == total and total else "adult" if children == 0 else None
        for sex, n in (("female", f), ("male", m)):
            for k in range(n):
                ident = f"{record_id}|{outcome}|{sex}|{k + 1}"
                incident.victims.append(VictimRow(str(thing_iri(base, "victim", mint_key("victim", source_id, ident))),
                                                  outcome, "unknown", sex, age))
