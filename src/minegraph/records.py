"""The curated record format (YAML) and its reader: pure data, no RDF.

A source file (``data/sources/*.yaml``) holds one source document and what we read from it: its
statements (each with exact quotes) and the incidents and victims they support. Places and agents are
shared (``data/places.yaml``, ``data/agents.yaml``). Every problem is reported as an
:class:`~minegraph.errors.InputError` naming file, record and field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from minegraph.errors import InputError, UnreadableInput

T = TypeVar("T")

STATEMENT_KINDS = ("incident-report", "aggregate-claim", "responsibility-claim", "victim-profile-claim")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Record files are written by people; anything larger is refused before it is parsed.
MAX_RECORD_FILE_CHARS = 20_000_000


@dataclass(frozen=True)
class Quote:
    exact: str
    start: int
    end: int


@dataclass(frozen=True)
class SourceDocument:
    id: str
    title: str
    type: str
    publisher: str
    language: str
    text_path: Path
    sha256: str
    retrieved: dt.date
    title_note: str | None = None
    issued: dt.date | None = None
    url: str | None = None
    licence: str | None = None
    redact: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    id: str
    kind: str
    label: str
    speaker: str
    speech: str
    quotes: tuple[Quote, ...]
    supports: tuple[str, ...] = ()
    about: tuple[str, ...] = ()
    date: dt.date | None = None
    count: int | None = None
    period_start: str | None = None
    period_end: str | None = None
    area: str | None = None
    area_note: str | None = None
    outcomes: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    alleged_responsible: str | None = None
    includes_children: bool | None = None


@dataclass(frozen=True)
class IncidentDate:
    earliest: dt.date
    latest: dt.date
    reported: str | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class Victim:
    id: str
    outcome: str
    status: str
    sex: str | None = None
    age_band: str | None = None
    activity: str | None = None
    note: str | None = None
    #: identifying fields that were present in the record and dropped on reading (never published)
    dropped_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Incident:
    id: str
    label: str
    date: IncidentDate
    place: str
    device: str
    killed: int
    injured: int
    context: str | None = None
    note: str | None = None
    victims: tuple[Victim, ...] = ()


@dataclass(frozen=True)
class SourceRecords:
    """Everything read from one source file."""

    path: Path
    source: SourceDocument
    statements: tuple[Statement, ...]
    incidents: tuple[Incident, ...]


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    precision_m: int | None = None


@dataclass(frozen=True)
class Place:
    id: str
    label: str
    level: int
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parent: str | None = None
    pcode: str | None = None
    iso3166: str | None = None
    geonames: str | None = None
    wikidata: str | None = None
    point: Point | None = None


@dataclass(frozen=True)
class Agent:
    id: str
    label: str
    description: str | None = None
    homepage: str | None = None
    wikidata: str | None = None


class _Fields:
    """Typed access to one YAML mapping, raising errors that say file, record and field."""

    def __init__(self, data: Any, file: str, record: str) -> None:
        if not isinstance(data, dict):
            raise InputError("expected a mapping of fields", file=file, record=record, value=data)
        self.data, self.file, self.record = data, file, record

    def error(self, name: str, message: str, value: Any = None) -> InputError:
        return InputError(message, file=self.file, record=self.record, field=name, value=value)

    def get(self, name: str, kind: type[T] | tuple[type, ...], *, required: bool = False) -> Any:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self.error(name, "is required")
            return None
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.error(name, f"must be {_article(expected)}", value)
        return value

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.get(name, str, required=required)
        if value is not None and not value.strip():
            raise self.error(name, "must not be empty", value)
        return value.strip() if value is not None else None

    def ident(self, name: str = "id") -> str:
        value = self.get(name, str, required=True)
        if not _ID_RE.match(value):
            raise self.error(name, "must be lower-case letters, digits and hyphens", value)
        return str(value)

    def ids(self, name: str) -> tuple[str, ...]:
        value = self.get(name, list) or []
        for item in value:
            if not isinstance(item, str) or not _ID_RE.match(item):
                raise self.error(name, "must be a list of record ids", item)
        return tuple(value)

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self.error(name, "is required")
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and _DATE_RE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(name, "is not a date (YYYY-MM-DD)", value)


def _article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; a file that cannot be read or parsed is :class:`UnreadableInput`."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableInput(f"is not UTF-8 text ({error.reason} at byte {error.start})", file=str(path)) from error
    except OSError as error:
        raise UnreadableInput(f"cannot be read: {error.strerror}", file=str(path)) from error
    if len(text) > MAX_RECORD_FILE_CHARS:
        raise UnreadableInput(f"is larger than {MAX_RECORD_FILE_CHARS:,} characters: split it into several "
                              "source files", file=str(path))
    try:
        return yaml.safe_load(text)
    except RecursionError as error:
        raise UnreadableInput("is nested too deeply to be a record file", file=str(path)) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise UnreadableInput(f"is not valid YAML{where}: {problem}", file=str(path)) from error


def _section(data: Any, name: str, file: str, *, required: bool = True) -> list[Any]:
    if not isinstance(data, dict):
        raise UnreadableInput("expected a YAML mapping at the top level", file=file)
    value = data.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise InputError(f"needs a list `{name}:`", file=file, field=name, value=value)
    return value


def _unique(ids: list[str], file: str, section: str) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise InputError("this id is used twice", file=file, record=f"{section}[{ident}]", field="id")
        seen.add(ident)


def read_source(path: Path) -> SourceRecords:
    """Read and check one source file: structure, the text's hash, and every quote against the text."""
    file = str(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise UnreadableInput("expected a YAML mapping with `source:`, `statements:` and `incidents:`", file=file)
    source = _read_source_document(_Fields(data.get("source"), file, "source"), path)
    text = _read_text(source, file)
    statements = tuple(
        _read_statement(_Fields(item, file, f"statements[{_id_of(item, index)}]"), text)
        for index, item in enumerate(_section(data, "statements", file))
    )
    incidents = tuple(
        _read_incident(_Fields(item, file, f"incidents[{_id_of(item, index)}]"))
        for index, item in enumerate(_section(data, "incidents", file, required=False))
    )
    _unique([s.id for s in statements], file, "statements")
    _unique([i.id for i in incidents], file, "incidents")
    _unique([v.id for i in incidents for v in i.victims], file, "victims")
    known = {i.id for i in incidents} | {v.id for i in incidents for v in i.victims}
    for statement in statements:
        for name, targets in (("supports", statement.supports), ("about", statement.about)):
            for target in targets:
                if target not in known:
                    raise InputError("names no incident or victim of this file", file=file,
                                     record=f"statements[{statement.id}]", field=name, value=target)
    return SourceRecords(path=path, source=source, statements=statements, incidents=incidents)


def _id_of(item: Any, index: int) -> str:
    return str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{index + 1}"


def _read_source_document(f: _Fields, path: Path) -> SourceDocument:
    text_name = f.text("text", required=True)
    assert text_name is not None
    sha = f.text("sha256", required=True)
    return SourceDocument(
        id=f.ident(), title=f.text("title", required=True) or "", type=f.text("type", required=True) or "",
        publisher=f.ident("publisher"), language=f.text("language", required=True) or "",
        text_path=(path.parent / text_name).resolve(), sha256=(sha or "").lower(),
        retrieved=f.date("retrieved", required=True) or dt.date.min, title_note=f.text("title_note"),
        issued=f.date("issued"), url=f.text("url"), licence=f.text("licence"),
        redact=tuple(f.get("redact", list) or ()),
    )


def _read_text(source: SourceDocument, file: str) -> str:
    try:
        raw = source.text_path.read_bytes()
    except OSError as error:
        raise InputError(f"the source text cannot be read: {error.strerror}", file=file, record="source",
                         field="text", value=str(source.text_path)) from error
    digest = hashlib.sha256(raw).hexdigest()
    if digest != source.sha256:
        raise InputError(f"does not match the text's SHA-256 {digest}: the text changed or the hash is wrong",
                         file=file, record="source", field="sha256", value=source.sha256)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError("the source text is not UTF-8", file=file, record="source", field="text") from error


def _read_statement(f: _Fields, text: str) -> Statement:
    kind = f.text("kind", required=True)
    if kind not in STATEMENT_KINDS:
        raise f.error("kind", f"must be one of {', '.join(STATEMENT_KINDS)}", kind)
    quotes = []
    for exact in f.get("quotes", list, required=True):
        if not isinstance(exact, str) or not exact.strip():
            raise f.error("quotes", "a quote must be non-empty text", exact)
        start = text.find(exact)
        if start < 0:
            raise f.error("quotes", "is not a verbatim part of the source text", exact)
        quotes.append(Quote(exact=exact, start=start, end=start + len(exact)))
    if not quotes:
        raise f.error("quotes", "needs at least one quote")
    period_start = f.get("period_start", (str, int))
    period_end = f.get("period_end", (str, int))
    return Statement(
        id=f.ident(), kind=kind, label=f.text("label", required=True) or "", speaker=f.ident("speaker"),
        speech=f.text("speech") or "direct", quotes=tuple(quotes), supports=f.ids("supports"),
        about=f.ids("about"), date=f.date("date"), count=f.get("count", int),
        period_start=str(period_start) if period_start is not None else None,
        period_end=str(period_end) if period_end is not None else None,
        area=f.get("area", str), area_note=f.text("area_note"), outcomes=f.ids("outcomes"),
        devices=f.ids("devices"), alleged_responsible=f.get("alleged_responsible", str),
        includes_children=f.get("includes_children", bool),
    )


def _read_incident(f: _Fields) -> Incident:
    date = _Fields(f.get("date", dict, required=True), f.file, f.record)
    incident_date = IncidentDate(
        earliest=date.date("earliest", required=True) or dt.date.min,
        latest=date.date("latest", required=True) or dt.date.min,
        reported=date.text("reported"), year=date.get("year", int), month=date.get("month", int),
        day=date.get("day", int), note=date.text("note"),
    )
    victims = tuple(
        _read_victim(_Fields(item, f.file, f"{f.record}.victims[{_id_of(item, index)}]"))
        for index, item in enumerate(f.get("victims", list) or [])
    )
    return Incident(
        id=f.ident(), label=f.text("label", required=True) or "", date=incident_date,
        place=f.ident("place"), device=f.text("device") or "unknown", killed=f.get("killed", int, required=True),
        injured=f.get("injured", int, required=True), context=f.text("context"), note=f.text("note"),
        victims=victims,
    )


#: Fields a victim record may carry that identify a person: never mapped to public data.
IDENTIFYING_FIELDS = ("name", "names", "birth_date", "birth_year", "address", "phone", "email", "restricted")


def _read_victim(f: _Fields) -> Victim:
    return Victim(
        id=f.ident(), outcome=f.text("outcome", required=True) or "", status=f.text("status") or "unknown",
        sex=f.text("sex"), age_band=f.text("age_band"), activity=f.text("activity"), note=f.text("note"),
        dropped_fields=tuple(name for name in IDENTIFYING_FIELDS if name in f.data),
    )


def read_places(path: Path) -> tuple[Place, ...]:
    file = str(path)
    places = []
    for index, item in enumerate(_section(load_yaml(path), "places", file)):
        f = _Fields(item, file, f"places[{_id_of(item, index)}]")
        point = f.get("point", dict)
        names: dict[str, tuple[str, ...]] = {}
        for lang, value in (f.get("names", dict) or {}).items():
            names[str(lang)] = tuple(value) if isinstance(value, list) else (str(value),)
        places.append(Place(
            id=f.ident(), label=f.text("label", required=True) or "", level=f.get("level", int, required=True),
            names=names, parent=f.get("parent", str), pcode=f.text("pcode"), iso3166=f.text("iso3166"),
            geonames=str(f.get("geonames", (str, int))) if f.data.get("geonames") is not None else None,
            wikidata=f.text("wikidata"),
            point=Point(float(point["lat"]), float(point["lon"]), point.get("precision_m")) if point else None,
        ))
    _unique([p.id for p in places], file, "places")
    known = {p.id for p in places}
    for place in places:
        if place.parent is not None and place.parent not in known:
            raise InputError("names no place of this file", file=file, record=f"places[{place.id}]",
                             field="parent", value=place.parent)
    return tuple(places)


def read_agents(path: Path) -> tuple[Agent, ...]:
    file = str(path)
    agents = []
    for index, item in enumerate(_section(load_yaml(path), "agents", file)):
        f = _Fields(item, file, f"agents[{_id_of(item, index)}]")
        agents.append(Agent(id=f.ident(), label=f.text("label", required=True) or "",
                            description=f.text("description"), homepage=f.text("homepage"),
                            wikidata=f.text("wikidata")))
    _unique([a.id for a in agents], file, "agents")
    return tuple(agents)
