"""The record classes every reader produces and the one emitter (:mod:`minegraph.ingest.emit`) writes as RDF.

A curated record file (:mod:`minegraph.ingest.records`), a table read through a mapping file
(:mod:`minegraph.ingest.rows`) and an HXL table (:mod:`minegraph.ingest.hxl`) all become one
:class:`SourceRecords`: a :class:`SourceDocument`, its :class:`Statement` s (with their :class:`Quote` s), the
:class:`Incident` s they support (each with an :class:`IncidentDate` and its :class:`Victim` s), and the
:class:`Agent` s and :class:`Place` s the source describes itself. Pure data: no RDF, no IO.

Every thing's key is minted the same way, whatever the reader: ``mint_key(kind, source id, record id)``. A record
file's record id is the ``id`` a curator wrote; a table row's is its identity (``05313|2005|3#1``, an HXL
``#event+id``), see docs/ingest.md.

A count is ``None`` when the source does not state it: unknown is not zero.

>>> IncidentDate.of(2005, 2).earliest, IncidentDate.of(2005, 2).latest, IncidentDate.of(2005, 2).precision
(datetime.date(2005, 2, 1), datetime.date(2005, 2, 28), 'month')
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from minegraph.core.gazetteer import Place as GazetteerPlace
from minegraph.core.gazetteer import place_iri_of
from minegraph.core.vocab import WD


@dataclass(frozen=True, slots=True)
class Quote:
    """A verbatim part of a source's text and where it is (character offsets)."""

    exact: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Agent:
    """A publisher, speaker or organisation (data/agents.yaml, or a publisher a meta file describes)."""

    id: str
    label: str
    description: str | None = None
    homepage: str | None = None
    wikidata: str | None = None


@dataclass(frozen=True)
class SourceDocument:
    id: str
    title: str
    type: str
    #: an agent id (of data/agents.yaml, or of an agent the source describes: :attr:`SourceRecords.agents`)
    publisher: str
    #: the language of the source (BCP 47); its title is in it
    language: str
    #: SHA-256 of the source as published (a table: of the file read)
    sha256: str
    retrieved: dt.date
    #: why the title is what it is (e.g. that it is minegraph's description)
    title_note: str | None = None
    issued: dt.date | None = None
    url: str | None = None
    licence: str | None = None
    #: notes about the source (a meta file's ``notes:``, the columns of a table not published)
    notes: tuple[str, ...] = ()
    #: the kept text of a record file (None for a table)
    text_path: Path | None = None
    #: the register: digests of the strings of the text that identify a person (:mod:`minegraph.core.redaction`)
    redact: tuple[str, ...] = ()
    #: SHA-256 of the kept text (redacted strings masked), when it differs from the published one
    kept_sha256: str | None = None


@dataclass(frozen=True)
class SourceMeta:
    """What a source metadata file (``--meta``, a mapping's ``meta:``) says of a table: everything of its
    :class:`SourceDocument` but the hash, which is the file's."""

    id: str
    title: str
    publisher: Agent | str  # an Agent described here, or an id of data/agents.yaml
    retrieved: dt.date
    language: str = "en"
    type: str = "dataset"
    issued: dt.date | None = None
    url: str | None = None
    licence: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def publisher_id(self) -> str:
        return self.publisher if isinstance(self.publisher, str) else self.publisher.id

    @property
    def agents(self) -> tuple[Agent, ...]:
        """The agents this meta file describes (its publisher, when not an id)."""
        return () if isinstance(self.publisher, str) else (self.publisher,)

    def document(self, sha256: str, notes: Iterable[str] = ()) -> SourceDocument:
        return SourceDocument(id=self.id, title=self.title, type=self.type, publisher=self.publisher_id,
                              language=self.language, sha256=sha256, retrieved=self.retrieved, issued=self.issued,
                              url=self.url, licence=self.licence, notes=(*self.notes, *notes))


@dataclass(frozen=True)
class Statement:
    """What a source said, with exact quotes; ``supports`` / ``about``: record ids of incidents and victims."""

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


@dataclass(frozen=True, slots=True)
class IncidentDate:
    """When an incident happened: the parts the source gives (never an invented year) and the range they allow."""

    earliest: dt.date
    latest: dt.date
    reported: str | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    note: str | None = None

    @classmethod
    def of(cls, year: int, month: int | None = None, day: int | None = None) -> IncidentDate:
        """The date of known parts (a year, maybe a month and a day); the range is the day, month or year."""
        if month and day:
            earliest = latest = dt.date(year, month, day)
        elif month:
            earliest, latest = dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        else:
            earliest, latest = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return cls(earliest, latest, year=year, month=month, day=day)

    @property
    def precision(self) -> str:
        """A code of the date-precision scheme."""
        if self.year and self.month and self.day:
            return "day"
        if self.month and self.day:
            return "day-unknown-year"
        if self.year and self.month:
            return "month"
        return "year" if self.year else "unknown"


@dataclass(frozen=True, slots=True)
class Victim:
    """A person killed or injured, by categories only (codes of the concept schemes), never a name."""

    id: str
    outcome: str
    status: str = "unknown"
    sex: str | None = None
    age_band: str | None = None
    activity: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    label: str
    date: IncidentDate
    #: a place id: of the gazetteer (record files, HXL), or of a place the source describes (:attr:`Place.id`)
    place: str
    device: str
    #: None: the source does not state it (never 0 for "not stated")
    killed: int | None
    injured: int | None
    context: str | None = None
    note: str | None = None
    victims: tuple[Victim, ...] = ()
    #: a code of the event-type scheme (None: not given, as in records made before the scheme)
    event_type: str | None = None
    #: (lat, lon, precision in metres) of a find, a seizure or a hazardous area, as published (rounded: see
    #: :data:`minegraph.ingest.rows.PUBLISHED_POINT_TYPES`); never the point of an accident
    point: tuple[float, float, int] | None = None
    #: the place names a row gives below :attr:`place` when they could not be matched with certainty (finest first)
    place_as_reported: str | None = None
    #: the line of the table the incident was read from (header = 1); None for a record file
    row: int | None = None


@dataclass(frozen=True)
class Place:
    """A place as published: a place of the gazetteer (:func:`gazetteer_places`) or an admin area a table names by
    code. (:class:`minegraph.core.gazetteer.Place` is the reference data, with ids for parents and names by
    language; this is what the emitter writes of it.)"""

    id: str
    iri: str
    label: str
    level: int
    #: the language of ``label``
    language: str = "en"
    #: the IRI of the enclosing place
    parent: str | None = None
    #: other names: (name, language)
    alt_labels: tuple[tuple[str, str], ...] = ()
    #: ontology property (``pcode``, ``daneCode``, ``iso3166``, ``geonamesId``) -> the code
    identifiers: dict[str, str] = field(default_factory=dict)
    #: IRIs of the same place elsewhere (Wikidata, GeoNames)
    same_as: tuple[str, ...] = ()
    #: a representative point of the area (never of an incident): (lat, lon, precision in metres)
    point: tuple[float, float, int | None] | None = None


@dataclass(frozen=True)
class SourceRecords:
    """Everything read from one source: the file it came from, its document, statements and incidents, and the
    agents and places it describes itself (a table's publisher and admin areas)."""

    path: Path | str
    source: SourceDocument
    statements: tuple[Statement, ...]
    incidents: tuple[Incident, ...]
    agents: tuple[Agent, ...] = ()
    places: tuple[Place, ...] = ()


def gazetteer_places(places: Iterable[GazetteerPlace], base: str) -> list[Place]:
    """Places of the gazetteer as published (``skos:altLabel`` never repeats the English label); a place's parent is
    linked when it is among ``places``."""
    chosen = list(places)
    iris = {p.id: str(place_iri_of(base, p)) for p in chosen}
    out = []
    for p in chosen:
        identifiers = {name: value for name, value in (("pcode", p.pcode), ("iso3166", p.iso3166),
                                                       ("geonamesId", p.geonames)) if value}
        same_as = ((f"https://sws.geonames.org/{p.geonames}/",) if p.geonames else ()) + (
            (f"{WD}{p.wikidata}",) if p.wikidata else ())
        alt = tuple(dict.fromkeys((name, lang) for lang, names in p.names.items() for name in names))
        point = (p.point.lat, p.point.lon, p.point.precision_m) if p.point else None
        out.append(Place(p.id, iris[p.id], p.label, p.level, "en", iris.get(p.parent or ""), alt, identifiers,
                         same_as, point))
    return out
