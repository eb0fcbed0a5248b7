"""HXL-tagged CSV for the Humanitarian Data Exchange: incidents, aggregates, and the HDX dataset metadata.

``incidents.csv`` has one row per incident: its IRI (``#event+id``), the date as precisely as known
(``#date``: YYYY-MM-DD, YYYY-MM, YYYY, or ``--MM-DD`` when the year is not known, with ``#date+start`` /
``#date+end``), the admin-1 and admin-2 areas with their P-codes (from the place hierarchy, whatever the level
of the incident's place: a settlement has its district and province), the device type and the counts. A count the
source did not state (no ``mg:killedCount`` / ``mg:injuredCount``) is an empty cell, never 0. The HXL library
(libhxl) reads both files with the hashtags of :data:`INCIDENT_COLUMNS` and :data:`AGGREGATE_COLUMNS`, and
``incidents.csv`` reads back through ``minegraph ingest`` to the same incidents and counts (an empty cell: a count
not stated), whatever the order of its columns (tests/test_unstated_counts.py).

``aggregates.csv`` has one row per admin-1 area and month, and per admin-1 area and year for the incidents whose
month is not known (``#date+year`` always, ``#date+month`` empty in those rows; an incident without a year is in
no row):
casualties killed and injured, their breakdown by sex and for children, the number of incidents, and how many
of them do not state the number killed (``#event+num+unstated+killed``) or injured (``…+injured``). Killed and
injured are sums of the stated counts only: an unstated count adds nothing (it is not 0), and a cell in which no
incident states the count is empty. The breakdown counts the victims whose sex (``#affected+f``, ``+m``) or age band
(``#affected+children``) is stated; unknown is not zero there either: a breakdown cell is 0 only when the sex (or
age band) of every person counted in the row is stated and none is female (male, a child), and empty when it is
not known (:func:`breakdown`). Disclosure control: a breakdown cell of fewer than :data:`SMALL_CELL` people is
suppressed (left empty, and named in ``#meta+suppressed``); totals are not suppressed, because every incident is
public with its counts.

A store without incidents is refused: nothing is written (an export of headers only looked like a success).

``hdx-metadata.json`` carries the HDX dataset fields (title, notes, licence, tags, dates, locations, update
frequency, methodology, caveats with the suppression rule).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry

from minegraph.core.errors import InputError
from minegraph.core.vocab import sparql_prefixes
from minegraph.store import Store

SMALL_CELL = 5

INCIDENT_COLUMNS = (
    ("Incident", "#event+id"), ("Date", "#date"), ("Earliest date", "#date+start"), ("Latest date", "#date+end"),
    ("Country", "#country+code"), ("Admin 1 P-code", "#adm1+code"), ("Admin 1", "#adm1+name"),
    ("Admin 2 P-code", "#adm2+code"), ("Admin 2", "#adm2+name"), ("Device", "#event+code"),
    ("Killed", "#affected+killed"), ("Injured", "#affected+injured"), ("Source", "#meta+source"),
)
AGGREGATE_COLUMNS = (
    ("Country", "#country+code"), ("Admin 1 P-code", "#adm1+code"), ("Admin 1", "#adm1+name"),
    ("Year", "#date+year"), ("Month", "#date+month"), ("Killed", "#affected+killed"), ("Injured", "#affected+injured"),
    ("Female", "#affected+f"), ("Male", "#affected+m"), ("Children", "#affected+children"),
    ("Incidents", "#event+num"), ("Incidents not stating killed", "#event+num+unstated+killed"),
    ("Incidents not stating injured", "#event+num+unstated+injured"), ("Suppressed cells", "#meta+suppressed"),
)

#: The questions the export asks, each a scan of one kind of statement: joined here, in Python, by incident and
#: place. One query with the OPTIONALs of all of them took 16 minutes for 36,530 incidents (the engine re-evaluated
#: the optional parts for every incident); these take seconds.
INCIDENTS = """SELECT ?incident ?earliest ?latest ?place ?device WHERE {
  ?incident a mg:Incident ; mg:earliestDate ?earliest ; mg:latestDate ?latest ; mg:place ?place ;
            mg:explosiveOrdnanceType/skos:notation ?device }"""
COUNTS = """SELECT ?incident ?value WHERE { ?incident a mg:Incident ; %s ?value }"""
WHEN = """SELECT ?incident ?year ?month ?day WHERE { ?incident a mg:Incident ; time:hasTime ?when .
  OPTIONAL { ?when time:year ?year } OPTIONAL { ?when time:month ?month } OPTIONAL { ?when time:day ?day } }"""
SOURCES = """SELECT ?incident ?source WHERE { ?incident a mg:Incident ; mg:supportedBy/prov:wasDerivedFrom ?source }"""
LICENCES = """SELECT ?source ?title ?licence WHERE { ?source a mg:SourceDocument .
  OPTIONAL { ?source dcterms:title ?title } OPTIONAL { ?source dcterms:license ?licence } }"""
PLACES = """SELECT ?place ?level ?label ?pcode ?parent ?iso WHERE { ?place mg:adminLevel ?level .
  OPTIONAL { ?place rdfs:label ?label } OPTIONAL { ?place mg:pcode ?pcode }
  OPTIONAL { ?place schema:containedInPlace ?parent } OPTIONAL { ?place mg:iso3166 ?iso } }"""

VICTIMS = """
SELECT ?incident ?outcome ?sex ?age WHERE {
  ?v a mg:Victim ; mg:incident ?incident ; mg:outcome/skos:notation ?outcome .
  OPTIONAL { ?v mg:sex/skos:notation ?sex } OPTIONAL { ?v mg:ageBand/skos:notation ?age }
}"""


@dataclass
class Incident:
    iri: str
    date: str
    earliest: str
    latest: str
    month: str | None
    device: str
    killed: int | None  # None: the source did not state it (never 0)
    injured: int | None
    country: str
    adm1: tuple[str, str]
    adm2: tuple[str, str]
    source: str
    sources: set[str] = field(default_factory=set)
    year: str | None = None


def _iso3(alpha2: str | None) -> str:
    country = pycountry.countries.get(alpha_2=alpha2) if alpha2 else None
    return country.alpha_3 if country else ""


def _cell(count: int | None) -> str:
    """A count as a CSV cell: empty when not stated."""
    return "" if count is None else str(count)


@dataclass
class Area:
    """A place of the gazetteer as the export needs it: its level, name, P-code, parent, ISO code."""

    level: int
    label: str = ""
    label_rank: int = 9
    pcode: str = ""
    parent: str = ""
    iso: str = ""


def _rows(store: Store, query: str) -> Any:
    return store.query(sparql_prefixes() + query)


def _value(row: Any, name: str) -> str:
    term = row[name]
    return "" if term is None else str(term.value)


def read_areas(store: Store) -> dict[str, Area]:
    """Every place with an admin level; its English (else untagged, else any) label."""
    areas: dict[str, Area] = {}
    for row in _rows(store, PLACES):
        iri = _value(row, "place")
        area = areas.setdefault(iri, Area(int(_value(row, "level") or 0)))
        label = row["label"]
        if label is not None:
            rank = {"en": 0, "": 1}.get(getattr(label, "language", None) or "", 2)
            if (rank, label.value) < (area.label_rank, area.label):
                area.label, area.label_rank = label.value, rank
        area.pcode = area.pcode or _value(row, "pcode")
        area.parent = area.parent or _value(row, "parent")
        area.iso = area.iso or _value(row, "iso")
    return areas


def lineage(areas: dict[str, Area], place: str) -> dict[int, Area]:
    """The place and the places that contain it, by admin level (the nearest of each level)."""
    found: dict[int, Area] = {}
    seen: set[str] = set()
    while place in areas and place not in seen:
        seen.add(place)
        area = areas[place]
        found.setdefault(area.level, area)
        place = area.parent
    return found


def read_incidents(store: Store) -> list[Incident]:
    """Every incident with its date, areas and counts (one entry per incident; a count not stated is None),
    ordered by date. Admin 1 and admin 2 come from the place hierarchy, whatever the level of the incident's place
    (a settlement's district and province too)."""
    areas = read_areas(store)
    counts: dict[str, dict[str, int]] = {"killed": {}, "injured": {}}
    for name, predicate in (("killed", "mg:killedCount"), ("injured", "mg:injuredCount")):
        for row in _rows(store, COUNTS % predicate):
            counts[name].setdefault(_value(row, "incident"), int(_value(row, "value")))
    when: dict[str, tuple[str, str, str]] = {}
    for row in _rows(store, WHEN):
        when.setdefault(_value(row, "incident"), (_value(row, "year")[:4], _value(row, "month")[-2:],
                                                  _value(row, "day")[-2:]))
    sources: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, SOURCES):
        sources[_value(row, "incident")].add(_value(row, "source"))
    found: dict[str, Incident] = {}
    for row in _rows(store, INCIDENTS):
        iri = _value(row, "incident")
        if iri in found:
            continue
        year, month, day = when.get(iri, ("", "", ""))
        if year:
            date = "-".join(part for part in (year, month, day) if part)
        elif month and day:
            date = f"--{month}-{day}"
        else:
            date = ""
        levels = lineage(areas, _value(row, "place"))
        adm1, adm2, country = levels.get(1), levels.get(2), levels.get(0)
        stated = sorted(sources.get(iri, set()))
        found[iri] = Incident(iri, date, _value(row, "earliest"), _value(row, "latest"),
                              f"{year}-{month}" if year and month else None, _value(row, "device"),
                              counts["killed"].get(iri), counts["injured"].get(iri),
                              _iso3(country.iso if country else None),
                              (adm1.pcode, adm1.label) if adm1 else ("", ""),
                              (adm2.pcode, adm2.label) if adm2 else ("", ""),
                              stated[0] if stated else "", set(stated), year or None)
    return sorted(found.values(), key=lambda i: (i.earliest, i.iri))


def incidents_csv(incidents: list[Incident]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for name, _tag in INCIDENT_COLUMNS])
    writer.writerow([tag for _name, tag in INCIDENT_COLUMNS])
    for i in incidents:
        writer.writerow([i.iri, i.date, i.earliest, i.latest, i.country, i.adm1[0], i.adm1[1], i.adm2[0], i.adm2[1],
                         i.device, _cell(i.killed), _cell(i.injured), " ".join(sorted(i.sources))])
    return out.getvalue()


#: the breakdown columns: (key, the category the victims must state, the value counted)
BREAKDOWN = (("f", "sex", "female"), ("m", "sex", "male"), ("children", "age", "child"))
#: the values of a category that state it (``unknown`` does not)
STATED = {"sex": ("female", "male"), "age": ("child", "adult")}


def breakdown(counts: Counter[str], key: str, category: str) -> int | None:
    """A breakdown cell of an aggregates row: how many of its victims are female, male or children; None (an
    empty cell) when that is not known.

    A positive count is what the victims who state the category say. 0 is said only when it is known: the row
    states every count (no incident leaves killed or injured unstated) and as many victims state the category as
    the row counts people. A row whose victims state no sex — an HXL table's ``#affected+injured`` of 1 with no
    breakdown, a record file without ``sex:`` — has an empty cell, never 0."""
    if counts[key]:
        return counts[key]
    everyone_counted = not counts["unstated_killed"] and not counts["unstated_injured"]
    people = counts["killed"] + counts["injured"]
    return 0 if everyone_counted and counts[f"stated_{category}"] >= people else None


def aggregates_csv(incidents: list[Incident], store: Store) -> tuple[str, int]:
    """The per admin-1 and month (or year, when the month is not known) table, and how many cells it suppressed.

    Killed and injured sum the counts the incidents of a cell state; the incidents that do not state one are counted
    apart (``unstated_killed``, ``unstated_injured``), and a sum no incident states is an empty cell. The breakdown
    by sex and age counts the victims that state them; a cell that is not known is empty (:func:`breakdown`)."""
    by_incident: dict[str, Counter[str]] = defaultdict(Counter)
    for row in store.query(sparql_prefixes() + VICTIMS):  # type: ignore[union-attr]
        counts = by_incident[row["incident"].value]
        values = {"sex": row["sex"].value if row["sex"] is not None else None,
                  "age": row["age"].value if row["age"] is not None else None}
        for category, value in values.items():
            if value in STATED[category]:
                counts[f"stated_{category}"] += 1
        for key, category, value in BREAKDOWN:
            if values[category] == value:
                counts[key] += 1
    cells: dict[tuple[str, str, str, str, str], Counter[str]] = defaultdict(Counter)
    for i in incidents:
        year = i.year or (i.month[:4] if i.month else None)
        if year is None or not i.adm1[0]:
            continue
        cell = cells[(i.country, i.adm1[0], i.adm1[1], year, i.month or "")]
        cell["incidents"] += 1
        for name, count in (("killed", i.killed), ("injured", i.injured)):
            if count is None:
                cell[f"unstated_{name}"] += 1
            else:
                cell[name] += count
        cell.update(by_incident.get(i.iri, Counter()))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for name, _tag in AGGREGATE_COLUMNS])
    writer.writerow([tag for _name, tag in AGGREGATE_COLUMNS])
    suppressed_total = 0
    for (country, pcode, name, year, month), counts in sorted(cells.items()):
        cells_out, suppressed = [], []
        for key, category, _value in BREAKDOWN:
            value = breakdown(counts, key, category)
            if value is not None and 0 < value < SMALL_CELL:
                cells_out.append("")
                suppressed.append(f"#affected+{key}")
            else:
                cells_out.append(_cell(value))
        suppressed_total += len(suppressed)
        sums = [str(counts[n]) if counts[f"unstated_{n}"] < counts["incidents"] else "" for n in ("killed", "injured")]
        writer.writerow([country, pcode, name, year, month, *sums, *cells_out, counts["incidents"],
                         counts["unstated_killed"], counts["unstated_injured"], " ".join(suppressed)])
    return out.getvalue(), suppressed_total


#: How a source's licence statement says CC BY 4.0.
CC_BY = ("creativecommons.org/licenses/by/4.0", "cc by 4.0", "cc-by-4.0", "cc-by 4.0")


def read_licences(store: Store) -> dict[str, tuple[str, str]]:
    """Each source document's title and licence statement ("" when it states none)."""
    found: dict[str, tuple[str, str]] = {}
    for row in _rows(store, LICENCES):
        found.setdefault(_value(row, "source"), (_value(row, "title"), _value(row, "licence")))
    return found


def licence_fields(incidents: list[Incident], licences: dict[str, tuple[str, str]]) -> dict[str, str]:
    """The HDX licence of the export: CC BY 4.0 when every source of its incidents says so; otherwise HDX's
    "other", with each source's own terms — the facts are the sources', and minegraph's CC BY 4.0 on its own work
    does not override them."""
    used = sorted({source for i in incidents for source in i.sources})
    terms = [licences.get(source, ("", "")) for source in used]
    if used and all(any(mark in text.casefold() for mark in CC_BY) for _title, text in terms):
        return {"license_id": "cc-by", "license_title": "Creative Commons Attribution 4.0 International (CC BY 4.0)"}
    stated = "; ".join(f"{title or source}: {text or 'no licence stated'}"
                       for source, (title, text) in zip(used, terms, strict=True))
    return {"license_id": "hdx-other", "license_title": "Other",
            "license_other": ("minegraph's own work (the structure, the attribution of each fact) is CC BY 4.0; the "
                              f"facts are their sources', whose terms apply: {stated or 'no source stated'}.")}


def hdx_metadata(incidents: list[Incident], *, base: str, suppressed: int,
                 licences: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """The HDX (CKAN) dataset fields for the export; the licence from the sources' (``licences``:
    :func:`read_licences`)."""
    earliest = min((i.earliest for i in incidents), default="")
    latest = max((i.latest for i in incidents), default="")
    countries = sorted({i.country.lower() for i in incidents if i.country})
    return {
        "name": "minegraph-landmine-erw-incidents",
        "title": "Landmine and ERW incidents, as reported by their sources (minegraph)",
        "notes": ("Incidents caused by landmines and explosive remnants of war, each with the statements that "
                  "report it (who said it, where, with the exact quote), from minegraph's linked open data. "
                  f"Every incident is citable by its URI under {base}id/incident/."),
        **licence_fields(incidents, licences or {}),
        "dataset_source": "minegraph, from news reports, official statements and casualty data sets (see #meta+source)",
        "methodology": "Other",
        "methodology_other": ("Curated records and tabular sources are mapped to RDF and validated against SHACL "
                              "shapes; counts are as the sources reported them, and a count a source did not "
                              "state is left out, never recorded as 0."),
        "caveats": (f"Breakdown cells (#affected+f, #affected+m, #affected+children) of fewer than {SMALL_CELL} "
                    "people are suppressed in aggregates.csv (left empty and named in #meta+suppressed); totals "
                    "are not, because every incident is published with its counts. Victims are never named. "
                    "Aggregates have a row per admin-1 area and month, and a row per admin-1 area and year (the "
                    "month empty) for the incidents whose month is not known; incidents whose year is not known are "
                    "in no row. "
                    "Unknown is not zero: when a source does not state how many people were killed or injured, "
                    "the #affected+killed or #affected+injured cell of incidents.csv is empty, never 0. In "
                    "aggregates.csv those columns are sums of the stated counts only (empty when no incident of "
                    "the row states one), and #event+num+unstated+killed and #event+num+unstated+injured count "
                    "the incidents of the row that do not state them, out of #event+num: a sum is the row's "
                    "total only where they are 0. The breakdown (#affected+f, #affected+m, #affected+children) "
                    "counts the victims whose sex or age band the sources state: a breakdown cell is empty when "
                    "it is not known (no victim of the row states it, or some people of the row are not "
                    "described) and not suppressed (#meta+suppressed does not name it), and it is 0 only when "
                    "the sex or age band of every person counted in the row is stated and none is female, male "
                    "or a child."),
        "dataset_date": f"[{earliest}T00:00:00 TO {latest}T23:59:59]" if earliest else "",
        "groups": [{"name": code} for code in countries],
        "tags": [{"name": name} for name in ("landmines", "explosive remnants of war", "casualties", "hxl")],
        "data_update_frequency": "-2",
        "data_update_frequency_note": "as needed: exported again after every build or release",
        "resources": [
            {"name": "incidents.csv", "format": "CSV", "description": "One row per incident (HXL)."},
            {"name": "aggregates.csv", "format": "CSV",
             "description": "Casualties per admin-1 area and month, or year when the month is not known (HXL): "
                            "sums of the stated counts, with the number of incidents that do not state them; a "
                            "breakdown by sex or age that is not known is empty, never 0; small cells suppressed."},
        ],
        "minegraph": {"incidents": len(incidents), "suppressed_cells": suppressed, "small_cell": SMALL_CELL,
                      "breakdown_not_stated": "empty cell (not suppressed): no 0 unless every person of the row "
                                              "is described",
                      "incidents_not_stating": {"killed": sum(i.killed is None for i in incidents),
                                                "injured": sum(i.injured is None for i in incidents)}},
    }


def export(store: Store, directory: Path, *, base: str) -> dict[str, Path]:
    """Write incidents.csv, aggregates.csv and hdx-metadata.json into ``directory``; a store without incidents is
    refused (:class:`InputError`), nothing written."""
    incidents = read_incidents(store)
    if not incidents:
        raise InputError("the store has no incidents: there is nothing to export (build or ingest first)")
    directory.mkdir(parents=True, exist_ok=True)
    aggregates, suppressed = aggregates_csv(incidents, store)
    files = {
        "incidents": directory / "incidents.csv",
        "aggregates": directory / "aggregates.csv",
        "metadata": directory / "hdx-metadata.json",
    }
    files["incidents"].write_text(incidents_csv(incidents), encoding="utf-8")
    files["aggregates"].write_text(aggregates, encoding="utf-8")
    metadata = hdx_metadata(incidents, base=base, suppressed=suppressed, licences=read_licences(store))
    files["metadata"].write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return files
