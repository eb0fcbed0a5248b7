"""The curated record format (YAML) and its reader: pure data, no RDF.

A source file (``data/sources/*.yaml``) holds one source document and what we read from it: its
statements (each with exact quotes) and the incidents and victims they support. Places and agents are
shared (``data/places.yaml``, ``data/agents.yaml``). Every problem is reported as an
:class:`~minegraph.core.errors.InputError` naming file, record and field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from minegraph.core.errors import InputError, UnreadableInput
from minegraph.core.yamlio import Fields, id_of, load_yaml, section, unique

T = TypeVar("T")

STATEMENT_KINDS = ("incident-report", "aggregate-claim", "responsibility-claim", "victim-profile-claim")


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
class Agent:
    id: str
    label: str
    description: str | None = None
    homepage: str | None = None
    wikidata: str | None = None


def read_source(path: Path) -> SourceRecords:
    """Read and check one source file: structure, the text's hash, and every quote against the text."""
    file = str(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise UnreadableInput("expected a YAML mapping with `source:`, `statements:` and `incidents:`", file=file)
    source = _read_source_document(Fields(data.get("source"), file, "source"), path)
    text = _read_text(source, file)
    statements = tuple(
        _read_statement(Fields(item, file, f"statements[{id_of(item, index)}]"), text)
        for index, item in enumerate(section(data, "statements", file))
    )
    incidents = tuple(
        _read_incident(Fields(item, file, f"incidents[{id_of(item, index)}]"))
        for index, item in enumerate(section(data, "incidents", file, required=False))
    )
    unique([s.id for s in statements], file, "statements")
    unique([i.id for i in incidents], file, "incidents")
    unique([v.id for i in incidents for v in i.victims], file, "victims")
    known = {i.id for i in incidents} | {v.id for i in incidents for v in i.victims}
    for statement in statements:
        for name, targets in (("supports", statement.supports), ("about", statement.about)):
            for target in targets:
                if target not in known:
                    raise InputError("names no incident or victim of this file", file=file,
                                     record=f"statements[{statement.id}]", field=name, value=target)
    return SourceRecords(path=path, source=source, statements=statements, incidents=incidents)


def _read_source_document(f: Fields, path: Path) -> SourceDocument:
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


def _read_statement(f: Fields, text: str) -> Statement:
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


def _read_incident(f: Fields) -> Incident:
    date = Fields(f.get("date", dict, required=True), f.file, f.record)
    incident_date = IncidentDate(
        earliest=date.date("earliest", required=True) or dt.date.min,
        latest=date.date("latest", required=True) or dt.date.min,
        reported=date.text("reported"), year=date.get("year", int), month=date.get("month", int),
        day=date.get("day", int), note=date.text("note"),
    )
    victims = tuple(
        _read_victim(Fields(item, f.file, f"{f.record}.victims[{id_of(item, index)}]"))
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


def _read_victim(f: Fields) -> Victim:
    return Victim(
        id=f.ident(), outcome=f.text("outcome", required=True) or "", status=f.text("status") or "unknown",
        sex=f.text("sex"), age_band=f.text("age_band"), activity=f.text("activity"), note=f.text("note"),
        dropped_fields=tuple(name for name in IDENTIFYING_FIELDS if name in f.data),
    )


def read_agents(path: Path) -> tuple[Agent, ...]:
    file = str(path)
    agents = []
    for index, item in enumerate(section(load_yaml(path), "agents", file)):
        f = Fields(item, file, f"agents[{id_of(item, index)}]")
        agents.append(Agent(id=f.ident(), label=f.text("label", required=True) or "",
                            description=f.text("description"), homepage=f.text("homepage"),
                            wikidata=f.text("wikidata")))
    unique([a.id for a in agents], file, "agents")
    return tuple(agents)
