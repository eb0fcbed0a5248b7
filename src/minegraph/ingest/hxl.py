"""HXL-tagged incident tables: one row per incident, columns found by hashtag, in any order.

Columns are found by HXL tag patterns, matched by the HXL library (libhxl's ``hxl.model.TagPattern``): a column
may carry more attributes than the pattern names, in any order and case (``#Date +Occurred`` is a ``#date``), a
``-x`` in a pattern excludes columns with ``+x``. Of several columns that match, the first is read (for ``#date``,
the first with ``+occurred``); the others are listed as unknown, as are the columns of no pattern.

Read (:data:`PATTERNS`): ``#event+id`` (the row's identity, when present), ``#date-start-end`` (YYYY-MM-DD, YYYY-MM
or YYYY), ``#date+start`` and ``#date+end`` (the range of a day whose year is not known),
``#country+code``, ``#adm1`` / ``#adm2`` with ``+code`` (a P-code of the gazetteer) or ``+name``, ``#event+code`` or
``#event+type`` (a device: a concept's code or any of its labels), ``#affected+killed-f-m-children`` and
``#affected+injured-f-m-children`` (a blank cell: the count is not stated, never 0), and their ``+f`` / ``+m`` /
``+children`` breakdowns (victims, when the count is stated and the breakdown accounts for everyone).
``#geo`` (``#geo+lat`` / ``#geo+lon``: the coordinates of harm) and ``#loc`` (the site: a village, a field) are
never published, nor used in any key: they are dropped, and the report and the source document's note name the
columns.

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
from minegraph.ingest.rows import TableRecords, concept_lookup, incident_label, unmatched_notice
from minegraph.ingest.spec import normalise
from minegraph.ingest.table import RowError, Table

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
#: A day whose year is not known, as ISO 8601 writes it (and xsd:gMonthDay): --MM-DD.
_MONTH_DAY = re.compile(r"^--(\d{2})-(\d{2})$")
#: The tag pattern of each column read (libhxl's syntax), and the attribute preferred when several columns match.
PATTERNS: dict[str, tuple[str, str]] = {
    "id": ("#event+id", ""), "date": ("#date-start-end", "occurred"),
    "start": ("#date+start", ""), "end": ("#date+end", ""), "country": ("#country+code", ""),
    "adm1_code": ("#adm1+code", ""), "adm1_name": ("#adm1+name", ""),
    "adm2_code": ("#adm2+code", ""), "adm2_name": ("#adm2+name", ""),
    "device": ("#event+code", ""), "device_type": ("#event+type", ""),
    "killed": ("#affected+killed-f-m-children", ""), "injured": ("#affected+injured-f-m-children", ""),
}
#: The breakdowns of the counts: (outcome, attribute) -> tag pattern.
BREAKDOWNS = {(o, a): f"#affected+{o}+{a}" for o in ("killed", "injured") for a in ("f", "m", "children")}
#: Tag patterns of the columns never read nor published, and why.
DROPPED = {"#geo": "coordinates of harm: never published (the place is kept at admin level)",
           "#loc": "site of harm: never published nor used in keys (the place is kept at admin level)"}


def map_hxl_table(table: Table, settings: Settings) -> TableRecords:
    base = settings.base_uri
    out = TableRecords()
    gazetteer = load_gazetteer(settings.data_dir)
    by_pcode = {p.pcode.upper(): p for p in gazetteer.places.values() if p.pcode}

    def column(pattern: str, prefer: str = "") -> int | None:
        """The first column that matches ``pattern`` (libhxl); of several, the first with the attribute ``prefer``."""
        found = sorted(table.tag_indices(pattern), key=lambda i: not (prefer and table.tags[i].has_attribute(prefer)))
        return found[0] if found else None

    cols = {name: column(pattern, prefer) for name, (pattern, prefer) in PATTERNS.items()}
    breakdown = {key: column(pattern) for key, pattern in BREAKDOWNS.items()}
    dropped = {i for pattern in DROPPED for i in table.tag_indices(pattern)}
    read = {i for i in (*cols.values(), *breakdown.values()) if i is not None}
    def header(index: int | None) -> str:
        """The column's header (none when the hashtag row is the first row: its tags stand for the headers)."""
        name = table.columns[index] if index is not None and index < len(table.columns) else ""
        return "" if index is None or name == table.tags[index].display_tag else name

    for index, tag in enumerate(table.tags):
        if index in dropped:
            out.dropped[header(index) or tag.display_tag] = DROPPED[tag.tag]
        elif tag.tag is not None and index not in read:
            out.unknown_columns.append(f"{header(index)} ({tag.display_tag})" if header(index) else tag.display_tag)
        elif tag.tag is None and table.tag_cells[index].strip():  # libhxl skips a malformed hashtag: it is named
            written = table.tag_cells[index].strip()
            out.unknown_columns.append(f"{header(index)} ({written}: not an HXL hashtag)" if header(index)
                                       else f"{written}: not an HXL hashtag")
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
    unmatched: Counter[str] = Counter()
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
            errors.append(RowError(table.file, line, header(cols["date"]) or "#date", cell("date"), date))
        place, as_reported = _place(cell, by_pcode, gazetteer, out, base)
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
                                      counts["killed"], counts["injured"], victims=victims, row=line,
                                      place_as_reported=as_reported))
        if as_reported:
            unmatched[f"{as_reported} in {gazetteer.places[place].label}"] += 1
    if unmatched:
        out.notices.append(unmatched_notice(table.file, unmatched))
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
           base: str) -> tuple[str, str | None]:
    """The gazetteer id of the finest place of a row matched with certainty (it and the places enclosing it added to
    ``out.places``), or ``!|col|value|rule``; and the names the row gives below it, as given, when one is not matched
    with certainty. A name is looked for within the row's country and, for an admin-2 name, within its admin-1 area
    (META / GRANADA is Granada in Meta, not in Antioquia); a tie or a miss leaves the row at the coarser place (the
    country, when the row gives one) with the name kept, never a guess."""
    country = cell("country").upper() or None
    if country is not None and len(country) == 3:
        country = _alpha2(country)
    found: Place | None = gazetteer.get(country) if country else None
    coarsest = found
    for level in ("adm1", "adm2"):
        code, name = cell(f"{level}_code"), cell(f"{level}_name")
        if code:
            at = by_pcode.get(code.upper())
            if at is None:
                return f"!|#{level}+code|{code}|is not a P-code of the gazetteer (data/reference, places.yaml)", None
            found = at
        elif name:
            resolution = gazetteer.resolve(name, country=country, level=int(level[-1]),
                                           parent=found if found is not coarsest else None)
            if resolution.place is None:
                below = [cell(f"{lvl}_name") for lvl in ("adm2", "adm1")[:2 if level == "adm1" else 1]]
                if found is None:
                    return (f"!|#{level}+name|{name}|names no place of the gazetteer with certainty, and the row "
                            "gives no country to keep it in (give #country+code or a P-code)"), None
                return _added(found, gazetteer, out, base), ", ".join(n for n in below if n)
            found = resolution.place
    if found is None:
        return "!|#adm1+code||no place", None
    return _added(found, gazetteer, out, base), None


def _added(place: Place, gazetteer: Gazetteer, out: TableRecords, base: str) -> str:
    if place.id not in out.places:
        chain = list(enclosing(place, gazetteer))
        out.places |= {p.id: p for p in gazetteer_places(chain, base) if p.id not in out.places}
    return place.id


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
