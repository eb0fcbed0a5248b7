"""The schemas of the YAML files ingest reads: record files, agents.yaml, source metadata (``--meta``) and mapping
files (pydantic models, every one ``extra="forbid"``; see :mod:`minegraph.core.schema` for how errors read).

The record file's schema is also published as JSON Schema for editors (``docs/record-file.schema.json``,
:func:`record_file_json_schema`). Readers convert these models into the frozen dataclasses the rest of the code uses
(:mod:`minegraph.ingest.records`, :mod:`minegraph.ingest.sources`, :mod:`minegraph.ingest.spec`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, ConfigDict, Discriminator, Field, Tag, ValidationInfo, WithJsonSchema

from minegraph.core.redaction import is_digest
from minegraph.core.schema import Code, Date, Id, Language, Schema, Sha256, Text

STATEMENT_KINDS = ("incident-report", "aggregate-claim", "responsibility-claim", "victim-profile-claim")
#: Fields a victim record might carry that identify a person: refused, with why.
IDENTIFYING_FIELDS = ("name", "names", "birth_date", "birth_year", "address", "phone", "email", "restricted")
IDENTIFYING = ("identifies a person: victims are described by categories only (outcome, status, sex, age_band, "
               "activity), and a name or other identifying detail never goes into a record file")
PLAIN_REDACT = "identifies a person and must not be committed: run `minegraph redact FILE` to replace it by a digest"
#: record sections of a record file, for naming records in messages
RECORDS: dict[str, Literal["one", "list", "map"]] = {
    "source": "one", "statements": "list", "incidents": "list", "victims": "list"}
#: the context under which ``minegraph redact`` reads a file whose ``redact:`` still lists plain strings
PLAIN_REDACT_ALLOWED = "plain_redact_allowed"


def _redact_entry(value: str, info: ValidationInfo) -> str:
    if not is_digest(value) and not (info.context or {}).get(PLAIN_REDACT_ALLOWED):
        raise ValueError(PLAIN_REDACT)
    return value


RedactEntry = Annotated[str, AfterValidator(_redact_entry), WithJsonSchema({
    "type": "string", "pattern": r"^sha256:[1-9][0-9]?:[0-9a-f]{64}$",
    "description": "A digest `sha256:WORDS:HEX` of a string of the text that identifies a person. List the string "
                   "itself here, then run `minegraph redact FILE`: it masks the text and writes the digest."})]


class SourceSchema(Schema):
    """`source:` — the source document."""

    what = "the source"
    id: Id = Field(description="The source's id: every key in the file is minted from it. Never rename it once "
                               "published.")
    title: Text
    title_note: Text | None = Field(None, description="Why the title is what it is (e.g. minegraph's description).")
    type: Text = Field(description="A code of the source-type scheme: news-article, official-statement, dataset.")
    publisher: Id = Field(description="An agent id of data/agents.yaml.")
    language: Language = Field(description="The text's language (BCP 47, e.g. `en`); the title is in it.")
    text: Text = Field(description="The kept text, relative to this file (`../texts/NAME.txt`).")
    sha256: Sha256 = Field(description="SHA-256 of the text as the source published it.")
    kept_sha256: Sha256 | None = Field(None, description="SHA-256 of the kept text, with redacted strings masked "
                                                         "(written by `minegraph redact`).")
    retrieved: Date = Field(description="When we read the text (YYYY-MM-DD).")
    issued: Date | None = Field(None, description="When the source published it (YYYY-MM-DD).")
    url: Text | None = None
    licence: Text | None = None
    redact: list[RedactEntry] = Field([], description="Digests of the strings of the text that identify a person.")


class StatementSchema(Schema):
    """One of `statements:` — what the source said, with exact quotes."""

    what = "a statement"
    id: Id
    kind: Literal["incident-report", "aggregate-claim", "responsibility-claim", "victim-profile-claim"]
    label: Text = Field(description="A neutral description of the statement.")
    speaker: Id = Field(description="An agent id of data/agents.yaml: an office or organisation, never a private "
                                    "person.")
    speech: Literal["direct", "reported"] = Field("direct", description="A direct quote or reported speech.")
    quotes: list[Text] = Field(min_length=1, description="Verbatim parts of the text (to skip a name, quote the "
                                                         "parts around it).")
    supports: list[Id] = Field([], description="Ids of incidents and victims of this file that the statement "
                                               "supports.")
    about: list[Id] = Field([], description="Ids of incidents and victims of this file that the statement is about.")
    date: Date | None = None
    count: int | None = Field(None, description="Aggregate claims: the number of people.")
    period_start: Code | None = Field(None, description="Aggregate claims: YYYY or YYYY-MM-DD.")
    period_end: Code | None = Field(None, description="Aggregate claims: YYYY or YYYY-MM-DD.")
    area: Id | None = Field(None, description="Aggregate claims: a place id.")
    area_note: Text | None = None
    outcomes: list[Id] = Field([], description="Aggregate claims: outcome codes.")
    devices: list[Id] = Field([], description="Aggregate claims: explosive-ordnance codes.")
    alleged_responsible: Id | None = Field(None, description="Responsibility claims: the agent the source holds "
                                                             "responsible (a claim of the source, never a fact).")
    includes_children: bool | None = Field(None, description="Victim-profile claims.")


class DateSchema(Schema):
    """An incident's `date:` — what the source said, and the range it allows."""

    what = "a date"
    reported: Text | None = Field(None, description="The date as the source put it (`April 6`).")
    year: int | None = Field(None, description="Only if the source gives it: never invent a year.")
    month: int | None = None
    day: int | None = None
    earliest: Date = Field(description="The earliest day the incident can have happened.")
    latest: Date = Field(description="The latest day the incident can have happened.")
    note: Text | None = Field(None, description="How the range was derived.")


class VictimSchema(Schema):
    """One of an incident's `victims:` — categories only, never a name."""

    what = "a victim"
    hints: ClassVar[Mapping[str, str]] = dict.fromkeys(IDENTIFYING_FIELDS, IDENTIFYING)
    id: Id
    outcome: Text = Field(description="A code of the outcome scheme: killed, injured, unknown.")
    status: Text = Field("unknown", description="A code of the victim-status scheme: civilian, deminer, military, "
                                                "security-forces, unknown.")
    sex: Text | None = None
    age_band: Text | None = Field(None, description="A code of the age-band scheme: child, adult, unknown.")
    activity: Text | None = None
    note: Text | None = None


class IncidentSchema(Schema):
    """One of `incidents:` — one mine event at one place and time: an explosion, a find, a hazardous area…"""

    what = "an incident"
    hints: ClassVar[Mapping[str, str]] = {
        "responsible": "is not a field of an incident: who is responsible is only ever a claim of a source; record "
                       "it as a statement of kind `responsibility-claim` with `alleged_responsible:`",
        "alleged_responsible": "belongs to a statement of kind `responsibility-claim`, not to an incident",
    }
    id: Id
    label: Text = Field(description="A neutral description of the incident.")
    date: DateSchema
    place: Id = Field(description="A place id of data/places.yaml (or a P-code in lower case).")
    device: Text = Field("unknown", description="A code of the explosive-ordnance scheme.")
    type: Text | None = Field(None, description="A code of the event-type scheme: accident (an explosion that killed "
                              "or injured people), explosion-without-casualties, device-found, seizure, stockpile, "
                              "destruction, suspected-hazardous-area, confirmed-hazardous-area, clearance, unknown.")
    context: Text | None = Field(None, description="A code of the incident-context scheme.")
    killed: int | None = Field(None, description="How many people were killed; leave it out when the source does not "
                                                 "say (not stated), write 0 only when it says none were.")
    injured: int | None = Field(None, description="How many people were injured; leave it out when the source does "
                                                  "not say (not stated), write 0 only when it says none were.")
    note: Text | None = None
    victims: list[VictimSchema] = Field(default_factory=list)


class SourceFile(Schema):
    """A record file (`data/sources/NAME.yaml`): one source document and what minegraph reads from it."""

    model_config = ConfigDict(title="minegraph record file")
    what = "a record file"
    source: SourceSchema
    statements: list[StatementSchema]
    incidents: list[IncidentSchema] = Field(default_factory=list)


class AgentSchema(Schema):
    what = "an agent"
    id: Id
    label: Text
    description: Text | None = None
    homepage: Text | None = None
    wikidata: Text | None = None


class AgentsFile(Schema):
    """`data/agents.yaml`: publishers, speakers, organisations."""

    agents: list[AgentSchema]


class PublisherSchema(AgentSchema):
    what = "a publisher"


class MetaFile(Schema):
    """A source metadata file (`--meta`, or a mapping's `meta:`), its fields at the top or under `source:`."""

    what = "a source metadata file"
    id: Id | None = None
    title: Text
    publisher: Annotated[Annotated[Id, Tag("id")] | Annotated[PublisherSchema, Tag("agent")],
                         Discriminator(lambda value: "agent" if isinstance(value, dict) else "id")]
    retrieved: Date | None = None
    language: Language = "en"
    type: Text = "dataset"
    issued: Date | None = None
    url: Text | None = None
    licence: Text | None = None
    notes: list[Code] = Field(default_factory=list)


class CountrySchema(Schema):
    what = "the country"
    id: Id
    label: Text
    iso3166: Text | None = None
    wikidata: Text | None = None


class PlaceLevelSchema(Schema):
    what = "an admin level"
    level: int
    code: Text | None = Field(None, description="The column of the level's code; without it, places are matched by "
                                                "`name` in the gazetteer, within the country and the coarser level.")
    name: Text
    digits: int = 0
    pcode: Text | None = Field(None, description="The P-code template of a coded level, e.g. \"CO{code}\".")
    identifier: Text | None = None


class DateColumnsSchema(Schema):
    what = "the date columns"
    year: Text
    month: Text | None = None


class ConceptFieldSchema(Schema):
    what = "a concept field"
    column: Text | None = None
    values: dict[Code, Code] = Field(default_factory=dict)
    default: Code | None = None


class PointColumnsSchema(Schema):
    what = "the point columns"
    lat: Text = Field(description="The column of the latitude (WGS 84, decimal degrees).")
    lon: Text = Field(description="The column of the longitude (WGS 84, decimal degrees).")


class CountsSchema(Schema):
    what = "the count columns"
    killed: Text | None = Field(None, description="The column of the number of people killed (blank: not stated).")
    injured: Text | None = Field(None, description="The column of the number of people injured (blank: not stated).")


class ConceptFieldsSchema(Schema):
    what = "`fields:`"
    event_type: ConceptFieldSchema | None = None
    device: ConceptFieldSchema | None = None
    outcome: ConceptFieldSchema | None = None
    status: ConceptFieldSchema | None = None
    sex: ConceptFieldSchema | None = None
    age_band: ConceptFieldSchema | None = None
    activity: ConceptFieldSchema | None = None
    context: ConceptFieldSchema | None = None


def _row_kinds(value: str) -> str:
    if value not in ("victim", "event"):
        raise ValueError("is `victim` (one victim per row) or `event` (one mine event per row: an accident, a find, "
                         "a hazardous area…)")
    return value


class MappingFile(Schema):
    """A mapping file (`data/mappings/NAME.yaml`): columns to fields, values to concepts."""

    what = "a mapping file"
    name: Text | None = None
    row: Annotated[str, AfterValidator(_row_kinds)] = "victim"
    encoding: Text = "utf-8"
    meta: Text | None = None
    label_language: Language = "es"
    identity: list[Text]
    drop: dict[Code, Code] = Field(default_factory=dict)
    ignore: list[Code] = Field(default_factory=list)
    country: CountrySchema
    places: list[PlaceLevelSchema]
    date: DateColumnsSchema
    counts: CountsSchema | None = None
    point: PointColumnsSchema | None = None
    fields: ConceptFieldsSchema


#: record sections of a mapping file
MAPPING_RECORDS: dict[str, Literal["one", "list", "map"]] = {
    "country": "one", "places": "list", "date": "one", "counts": "one", "point": "one", "fields": "map"}


def record_file_json_schema() -> str:
    """The JSON Schema of a record file, as committed at ``docs/record-file.schema.json``."""
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                              **SourceFile.model_json_schema()}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
