"""The data behind the home page and the incident list: dataset figures, filter choices, keyset pages.

Queries run in the query workers (:func:`select`). No value from a request is ever pasted into SPARQL text:
a place, device type or outcome must be one of the IRIs read from the store's own lists, a date is parsed
into a :class:`datetime.date` and written back from it, and a cursor is decoded and each part re-validated
(a date, and an incident IRI with a correct check character) before use.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from minegraph.core.errors import InputError, StoreError
from minegraph.core.vocab import MGC, check_key, normalise_base, sparql_prefixes

PAGE_SIZE = 25


#: How many answers of the pages' queries a web process keeps (each a few rows: figures, choices, a page).
CACHED_ANSWERS = 256
_LOCK = threading.Lock()


def select(sparql: str, *, raw: bool = False, all_rows: bool = False, keep: bool = True) -> list[dict[str, Any]]:
    """Rows of a SELECT run in a query worker: IRIs and strings as ``str``, integers as ``int`` (``raw``: the
    terms as SPARQL JSON results give them, datatypes kept). ``all_rows``: every row, not cut at the endpoint's
    row limit (the map and the GeoJSON read every incident); ``keep=False``: not kept (the caller keeps what it
    makes of the rows: a scan of every incident is large).

    The answers are kept until the store changes (the pages ask the same questions of the same data: the
    figures, the filter choices and the first pages each scan every incident)."""
    from flask import current_app

    from minegraph.web.state import state

    if not keep:
        return _select(sparql, raw, all_rows)
    key = (state().version(), sparql, raw, all_rows)
    cache: OrderedDict[Any, list[dict[str, Any]]] = current_app.extensions.setdefault("minegraph.listing",
                                                                                       OrderedDict())
    with _LOCK:
        rows = cache.get(key)
        if rows is not None:
            cache.move_to_end(key)
            return rows
    rows = _select(sparql, raw, all_rows)
    with _LOCK:
        cache[key] = rows
        while len(cache) > CACHED_ANSWERS:
            cache.popitem(last=False)
    return rows


def _select(sparql: str, raw: bool = False, all_rows: bool = False) -> list[dict[str, Any]]:
    from minegraph.web.public import public_job
    from minegraph.web.state import state

    answer = state().run(public_job({"kind": "query", "sparql": sparql_prefixes() + sparql, "results": "json",
                                     "graph": "ttl", "all_rows": all_rows}))
    if answer.status != 200:
        raise StoreError(f"the page's query failed: {answer.body.decode('utf-8', 'replace')}")
    data = json.loads(answer.body)
    if raw:
        return list(data["results"]["bindings"])
    rows = []
    for binding in data["results"]["bindings"]:
        row: dict[str, Any] = {}
        for name, term in binding.items():
            value: Any = term["value"]
            if term.get("datatype", "").endswith(("#integer", "#int", "#long", "#decimal")):
                try:
                    value = int(value)
                except ValueError:
                    value = float(value)
            row[name] = value
        rows.append(row)
    return rows


def figures() -> dict[str, Any]:
    """Counts for the home page.

    Each count reads one pattern: ``mg:killedCount``, ``mg:injuredCount`` and ``mg:place`` have the domain
    ``mg:Incident`` (ontology/minegraph.ttl), so what has them is an incident, and no join over every
    incident is needed (at 400,000 incidents a join costs seconds, one pattern a tenth of one).

    A count no source stated is absent, not 0: ``killed`` is the sum of the stated counts, ``killed_stated`` the
    number of incidents that state one (counted over the same pattern, like the sum: at 400,000 counts it costs
    nothing more, where COUNT(DISTINCT) would double the figure's time; the gate allows one count per incident),
    ``killed_unstated`` the incidents that do not (and the same for ``injured``)."""
    rows = select("""
SELECT ?incidents ?killed ?killed_stated ?injured ?injured_stated WHERE {
  { SELECT (COUNT(DISTINCT ?i) AS ?incidents) WHERE { ?i a mg:Incident } }
  { SELECT (SUM(?k) AS ?killed) (COUNT(?a) AS ?killed_stated) WHERE { ?a mg:killedCount ?k } }
  { SELECT (SUM(?j) AS ?injured) (COUNT(?b) AS ?injured_stated) WHERE { ?b mg:injuredCount ?j } } }""")
    counts = select("""
SELECT
  (COUNT(DISTINCT ?src) AS ?sources) (COUNT(DISTINCT ?place) AS ?places) (COUNT(DISTINCT ?st) AS ?statements)
WHERE { { ?src a mg:SourceDocument } UNION { ?i mg:place ?place } UNION { ?st prov:wasDerivedFrom ?d } }""")
    built = select("""
SELECT (MAX(?when) AS ?built) WHERE {
  { ?d dcterms:modified ?when } UNION { ?d prov:generatedAtTime ?when } UNION { ?d dcterms:issued ?when }
  ?d a ?type . VALUES ?type { void:Dataset dcat:Dataset } }""")
    out: dict[str, Any] = {"incidents": 0, "killed": 0, "killed_stated": 0, "injured": 0, "injured_stated": 0,
                           "sources": 0, "places": 0, "statements": 0, "built": ""}
    for row in (*rows[:1], *counts[:1]):
        out.update({k: v for k, v in row.items() if v is not None})
    for name in ("killed", "injured"):
        out[f"{name}_unstated"] = max(int(out["incidents"]) - int(out[f"{name}_stated"]), 0)
    if built and built[0].get("built"):
        out["built"] = str(built[0]["built"])
    return out


# Sorting every incident in SPARQL costs the engine tens of seconds at national scale (400,000 incidents:
# ~25 s for ORDER BY … LIMIT 26), where counting the incidents of each date over one pattern costs 0.2 s. So
# the unfiltered views read the dates' counts first, then ask only for the incidents of the dates they need,
# and order those few here, exactly as ORDER BY would (dates as xsd:date lexical forms, then IRIs).

def _dates(predicate: str) -> list[tuple[str, int, str]]:
    """(lexical form, number of things, the literal in SPARQL) of every value of ``predicate``, in date order."""
    return _date_counts(f"SELECT ?d (COUNT(?s) AS ?n) WHERE {{ ?s {predicate} ?d }} GROUP BY ?d")


def _date_counts(sparql: str) -> list[tuple[str, int, str]]:
    """The rows (?d, ?n) of ``sparql`` as (lexical form, count, the literal in SPARQL), in date order."""
    rows = select(sparql, raw=True)
    return sorted((r["d"]["value"], int(r["n"]["value"]), _sparql_term(r["d"])) for r in rows if "d" in r)


def _sparql_term(term: dict[str, str]) -> str:
    """A term of SPARQL JSON results written back as SPARQL (its value escaped)."""
    if term["type"] == "uri":
        return f"<{term['value']}>"
    text = json.dumps(term["value"], ensure_ascii=False)
    if "xml:lang" in term:
        return f"{text}@{term['xml:lang']}"
    return f"{text}^^<{term['datatype']}>" if "datatype" in term else text


def _batches(dates: list[tuple[str, int, str]], wanted: int) -> Iterator[list[tuple[str, int, str]]]:
    """``dates`` in runs holding at least ``wanted`` things each (the last run may hold fewer)."""
    run: list[tuple[str, int, str]] = []
    count = 0
    for date in dates:
        run.append(date)
        count += date[1]
        if count >= wanted:
            yield run
            run, count = [], 0
    if run:
        yield run


def latest_incidents(limit: int = 5) -> list[dict[str, Any]]:
    """The incidents with the latest possible dates (newest first, then by IRI), for the home page."""
    found: list[dict[str, Any]] = []
    for run in _batches(_dates("mg:latestDate")[::-1], limit):
        values = " ".join(literal for _lexical, _n, literal in run)
        found += select(f"""
SELECT ?i (SAMPLE(?l) AS ?label) (MAX(?t) AS ?latest) WHERE {{
  VALUES ?t {{ {values} }} ?i mg:latestDate ?t ; a mg:Incident . OPTIONAL {{ ?i rdfs:label ?l }} }}
GROUP BY ?i""")
        if len(found) >= limit:
            break
    found.sort(key=lambda row: row["i"])
    found.sort(key=lambda row: str(row["latest"]), reverse=True)
    return found[:limit]


# --- filters -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    iri: str
    code: str
    label: str
    depth: int = 0


@dataclass
class Filters:
    start: dt.date | None = None
    end: dt.date | None = None
    place: Choice | None = None
    device: Choice | None = None
    outcome: Choice | None = None
    errors: list[str] = field(default_factory=list)

    def query_args(self) -> dict[str, str]:
        """The request parameters that give these filters (for links to the next page)."""
        args = {"from": self.start.isoformat() if self.start else "", "to": self.end.isoformat() if self.end else "",
                "place": self.place.code if self.place else "", "device": self.device.code if self.device else "",
                "outcome": self.outcome.code if self.outcome else ""}
        return {k: v for k, v in args.items() if v}


def concept_choices(scheme: str) -> list[Choice]:
    rows = select(f"""
SELECT ?c ?code (SAMPLE(?l) AS ?label) WHERE {{
  ?c skos:inScheme <{MGC[scheme]}> ; skos:notation ?code .
  OPTIONAL {{ ?c skos:prefLabel ?l FILTER(langMatches(lang(?l), "en")) }}
}} GROUP BY ?c ?code ORDER BY ?code""")
    return [Choice(r["c"], str(r["code"]), str(r.get("label") or r["code"])) for r in rows]


def place_choices() -> list[Choice]:
    """The places incidents are in and the places containing them (not the whole gazetteer), as a tree
    (depth-first, by label), keyed by their keys."""
    rows = select("""
SELECT ?p (SAMPLE(?l) AS ?label) (SAMPLE(?parent) AS ?up) WHERE {
  { SELECT DISTINCT ?named WHERE { ?i mg:place ?named } } ?named schema:containedInPlace* ?p .
  OPTIONAL { ?p rdfs:label ?l } OPTIONAL { ?p schema:containedInPlace ?parent } } GROUP BY ?p""")
    by_parent: dict[str | None, list[dict[str, Any]]] = {}
    known = {r["p"] for r in rows}
    for row in rows:
        parent = row.get("up") if row.get("up") in known else None
        by_parent.setdefault(parent, []).append(row)
    out: list[Choice] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for row in sorted(by_parent.get(parent, []), key=lambda r: str(r.get("label") or r["p"])):
            if row["p"] in seen:
                continue
            seen.add(row["p"])
            out.append(Choice(row["p"], row["p"].rsplit("/", 1)[-1], str(row.get("label") or row["p"]), depth))
            walk(row["p"], depth + 1)

    walk(None, 0)
    return out


def _pick(value: str, choices: list[Choice], what: str, errors: list[str]) -> Choice | None:
    value = value.strip()
    if not value:
        return None
    for choice in choices:
        if value in (choice.code, choice.iri):
            return choice
    errors.append(f"There is no {what} “{value}”; the filter was not applied.")
    return None


def _date(value: str, what: str, errors: list[str]) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else _bad(value)
    except ValueError:
        errors.append(f"The {what} date “{value}” is not a date of the form 2024-04-06; the filter was not applied.")
        return None


def _bad(value: str) -> dt.date:
    raise ValueError(value)


def read_filters(args: Any, places: list[Choice], devices: list[Choice], outcomes: list[Choice]) -> Filters:
    errors: list[str] = []
    filters = Filters(
        start=_date(args.get("from", ""), "from", errors), end=_date(args.get("to", ""), "to", errors),
        place=_pick(args.get("place", ""), places, "place", errors),
        device=_pick(args.get("device", ""), devices, "explosive ordnance type", errors),
        outcome=_pick(args.get("outcome", ""), outcomes, "outcome", errors),
    )
    filters.errors = errors
    return filters


# --- cursor ----------------------------------------------------------------------------------------------------

def encode_cursor(earliest: str, iri: str) -> str:
    raw = json.dumps([earliest, iri], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, base: str) -> tuple[dt.date, str]:
    """(earliest date, incident IRI) of a cursor; :class:`InputError` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        earliest, iri = json.loads(raw)
        day = dt.date.fromisoformat(earliest)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise InputError("the page cursor (after=) is damaged: go back to the first page") from None
    prefix = f"{normalise_base(base)}id/incident/"
    key = iri[len(prefix):] if isinstance(iri, str) and iri.startswith(prefix) else ""
    if not check_key(key):
        raise InputError("the page cursor (after=) is damaged: go back to the first page")
    return day, prefix + key


# --- the page of incidents ------------------------------------------------------------------------------------

def _literal_date(day: dt.date) -> str:
    assert isinstance(day, dt.date)
    return f'"{day.isoformat()}"^^xsd:date'


def _where(filters: Filters) -> str:
    parts = ["?i a mg:Incident ; mg:earliestDate ?earliest ; mg:latestDate ?latest ."]
    if filters.start:  # incidents that may have happened on or after the start
        parts.append(f"FILTER(?latest >= {_literal_date(filters.start)})")
    if filters.end:
        parts.append(f"FILTER(?earliest <= {_literal_date(filters.end)})")
    if filters.place:
        parts.append(f"?i mg:place ?fp . ?fp schema:containedInPlace* <{filters.place.iri}> .")
    if filters.device:
        parts.append(f"?i mg:explosiveOrdnanceType <{filters.device.iri}> .")
    if filters.outcome:
        code = filters.outcome.code
        if code == "killed":
            parts.append("?i mg:killedCount ?fk FILTER(?fk > 0)")
        elif code == "injured":
            parts.append("?i mg:injuredCount ?fj FILTER(?fj > 0)")
        else:
            parts.append(f"?i mg:victim ?fv . ?fv mg:outcome <{filters.outcome.iri}> .")
    return "\n  ".join(parts)


def filtered(filters: Filters) -> bool:
    """Whether any filter is set."""
    return any((filters.start, filters.end, filters.place, filters.device, filters.outcome))


def matching_incidents(filters: Filters) -> set[str]:
    """The IRIs of every incident ``filters`` select (the map and the GeoJSON take the list's filters)."""
    return {str(row["i"]) for row in select(f"SELECT DISTINCT ?i WHERE {{ {_where(filters)} }}", all_rows=True)}


def _page_ids_by_date(filters: Filters, after: tuple[dt.date, str] | None, size: int
                      ) -> tuple[list[dict[str, Any]], int]:
    """:func:`_page_ids` from the number of matching incidents per earliest date (see :func:`_dates`): the
    incidents of the dates the page needs, ordered here; and the number of matching incidents.

    Without filters the counts come from one pattern (every incident has exactly one earliest and one latest
    date: the gate sees to it); with filters from the filters' own patterns, grouped but never sorted."""
    if filtered(filters):
        dates = _date_counts(f"SELECT (?earliest AS ?d) (COUNT(DISTINCT ?i) AS ?n) WHERE {{ {_where(filters)} }} "
                             "GROUP BY ?earliest")
        total = sum(n for _lexical, n, _literal in dates)
    else:
        dates = _dates("mg:earliestDate")
        rows = select("SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a mg:Incident }")
        total = int(rows[0]["n"]) if rows else 0
    start = (after[0].isoformat(), after[1]) if after is not None else None
    if start is not None:
        dates = [d for d in dates if d[0] >= start[0]]
    found: list[dict[str, Any]] = []
    for run in _batches(dates, size):
        values = " ".join(literal for _lexical, _n, literal in run)
        rows = select(f"""
SELECT DISTINCT ?i ?earliest WHERE {{
  VALUES ?earliest {{ {values} }}
  {_where(filters)}
}}""")
        found += [r for r in rows if start is None or (str(r["earliest"]), r["i"]) > start]
        if len(found) >= size:
            break
    found.sort(key=lambda row: (str(row["earliest"]), row["i"]))
    return found[:size], total


def incident_page(filters: Filters, after: tuple[dt.date, str] | None, size: int = PAGE_SIZE
                  ) -> tuple[list[dict[str, Any]], str | None, int]:
    """One page of incidents in (earliest date, IRI) order, the cursor of the next page, and the total."""
    ids, total = _page_ids_by_date(filters, after, size + 1)
    more = len(ids) > size
    ids = ids[:size]
    if not ids:
        return [], None, total
    values = " ".join(f"<{row['i']}>" for row in ids)
    details = select(f"""
SELECT ?i (SAMPLE(?l) AS ?label) (SAMPLE(?e) AS ?earliest) (SAMPLE(?t) AS ?latest) (SAMPLE(?k) AS ?killed)
       (SAMPLE(?j) AS ?injured) (SAMPLE(?pl) AS ?place) (SAMPLE(?dl) AS ?device) (SAMPLE(?pr) AS ?precision)
       (SAMPLE(?yy) AS ?year) (SAMPLE(?mm) AS ?month) (SAMPLE(?dd) AS ?day)
WHERE {{
  VALUES ?i {{ {values} }}
  ?i mg:earliestDate ?e ; mg:latestDate ?t .
  OPTIONAL {{ ?i rdfs:label ?l }} OPTIONAL {{ ?i mg:killedCount ?k }} OPTIONAL {{ ?i mg:injuredCount ?j }}
  OPTIONAL {{ ?i mg:place/rdfs:label ?pl }} OPTIONAL {{ ?i mg:explosiveOrdnanceType/skos:prefLabel ?dl }}
  OPTIONAL {{ ?i mg:datePrecision ?pr }}
  OPTIONAL {{ ?i time:hasTime ?t0 OPTIONAL {{ ?t0 time:year ?yy }} OPTIONAL {{ ?t0 time:month ?mm }}
             OPTIONAL {{ ?t0 time:day ?dd }} }}
}} GROUP BY ?i""")
    by_iri = {row["i"]: row for row in details}
    page = [by_iri[row["i"]] for row in ids if row["i"] in by_iri]
    cursor = encode_cursor(str(ids[-1]["earliest"]), ids[-1]["i"]) if more else None
    return page, cursor, total
