"""The curated record format (YAML) and its reader: record files into the record classes of
:mod:`minegraph.ingest.model`, which every reader produces.

A source file (``data/sources/*.yaml``) holds one source document and what we read from it: its
statements (each with exact quotes) and the incidents and victims they support. Places and agents are
shared (``data/places.yaml``, ``data/agents.yaml``). A file is first checked against its schema
(:mod:`minegraph.ingest.schema`), then for what a schema cannot say: the kept text's hash, the strings listed for
redaction (:mod:`minegraph.core.redaction`), quotes verbatim in the text, ids, references. Every problem is reported
as an :class:`~minegraph.core.errors.InputError` naming file, record and field.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from minegraph.core.errors import InputError
from minegraph.core.redaction import MASK, Register, is_digest
from minegraph.core.schema import check, locate
from minegraph.core.yamlio import load_yaml, unique
from minegraph.ingest.model import (
    Agent,
    Incident,
    IncidentDate,
    Quote,
    SourceDocument,
    SourceRecords,
    Statement,
    Victim,
)
from minegraph.ingest.schema import (
    RECORDS,
    AgentsFile,
    IncidentSchema,
    SourceFile,
    SourceSchema,
    StatementSchema,
)


def read_source(path: Path) -> SourceRecords:
    """Read and check one source file: its schema, the kept text's hash, the register, every quote against the
    text, ids and the references between records."""
    file = str(path)
    data = load_yaml(path)
    model = check(SourceFile, data, file=file, records=RECORDS)
    text_path = (path.parent / model.source.text).resolve()
    try:
        raw = text_path.read_bytes()
    except OSError as error:
        raise InputError(f"the source text cannot be read: {error.strerror}", file=file, record="source",
                         field="text", value=str(text_path)) from error
    return source_records(model, data, path, raw, path.read_text(encoding="utf-8"))


def source_records(model: SourceFile, data: dict[str, Any], path: Path, kept: bytes, file_text: str) -> SourceRecords:
    """The checks of a record file that are not schema checks, and its records.

    ``model`` is ``data`` (the parsed file, whose text is ``file_text``) validated; ``kept`` the bytes of its kept
    text. ``minegraph redact`` calls this on a file and a text it is about to write.
    """
    file = str(path)
    text = _kept_text(model.source, kept, file)
    register = Register.of(model.source.redact)
    if register.contains(text):
        raise InputError("the kept text still contains a string listed for redaction: run `minegraph redact FILE`",
                         file=file, record="source", field="text")
    _check_digests_mask_something(model.source.redact, text, file)
    _check_no_listed_string(register, data, file_text, file)
    source = _source_document(model.source, path)
    statements = tuple(_statement(s, text, file) for s in model.statements)
    incidents = tuple(_incident(i) for i in model.incidents)
    unique([s.id for s in statements], file, "statements")
    unique([i.id for i in incidents], file, "incidents")
    unique([v.id for i in incidents for v in i.victims], file, "victims")
    known = {i.id for i in incidents} | {v.id for i in incidents for v in i.victims}
    for statement in statements:
        for name, targets in (("supports", statement.supports), ("about", statement.about)):
            for index, target in enumerate(targets):
                if target not in known:
                    raise InputError("names no incident or victim of this file", file=file,
                                     record=f"statements[{statement.id}]", field=f"{name}[{index}]", value=target)
    return SourceRecords(path=path, source=source, statements=statements, incidents=incidents)


def _kept_text(source: SourceSchema, kept: bytes, file: str) -> str:
    """The kept text, checked against ``kept_sha256`` (when there is one) or ``sha256``."""
    digest = hashlib.sha256(kept).hexdigest()
    if source.kept_sha256 is not None and digest != source.kept_sha256.lower():
        if digest == source.sha256.lower():
            raise InputError("the kept text is the original one, with nothing masked: run `minegraph redact FILE`",
                             file=file, record="source", field="kept_sha256")
        raise InputError(f"does not match the kept text's SHA-256 {digest}: the text changed or the hash is wrong",
                         file=file, record="source", field="kept_sha256", value=source.kept_sha256)
    if source.kept_sha256 is None and digest != source.sha256.lower():
        raise InputError(f"does not match the text's SHA-256 {digest}: the text changed or the hash is wrong",
                         file=file, record="source", field="sha256", value=source.sha256)
    try:
        return kept.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError("the source text is not UTF-8", file=file, record="source", field="text") from error


#: masked words (runs of the mask character) separated by white space only: one masked stretch of the kept text
_MASKED_STRETCH = re.compile(f"{MASK}+(?:\\s+{MASK}+)*")
_MASKED_WORD = re.compile(f"{MASK}+")
#: a digest names at most 99 words (``sha256:N:…``, N of one or two digits)
MAX_DIGEST_WORDS = 99


def masked_word_counts(text: str) -> set[int]:
    """How many words a string masked in ``text`` (by :func:`minegraph.core.redaction.mask`) may have.

    A mask covers a string from its first word to its last, every character but white space, so that N words
    separated by spaces leave N masked words, and words joined by a hyphen or an apostrophe (``Al-Hassan``,
    ``O'Brien``) one longer masked word: a masked word of L characters holds 1 to (L + 1) // 2 words. Any run of
    consecutive masked words of one stretch may be one string (two names side by side are one stretch)."""
    counts: set[int] = set()
    for stretch in _MASKED_STRETCH.finditer(text):
        lengths = [len(word) for word in _MASKED_WORD.findall(stretch.group(0))]
        for start in range(len(lengths)):
            most = 0
            for end in range(start, min(len(lengths), start + MAX_DIGEST_WORDS)):
                most += (lengths[end] + 1) // 2
                counts.update(range(end - start + 1, min(most, MAX_DIGEST_WORDS) + 1))
    return counts


def _check_digests_mask_something(entries: list[str], text: str, file: str) -> None:
    """Every digest of ``redact:`` (``sha256:N:…``) masks something in the kept text: a masked stretch that can be
    N words. (A digest cannot be checked against the string it hides; one that masks nothing was never applied, or
    is not of this text, and the string it was meant to hide may still be in it.) The entry is named by its
    position only."""
    digests = [(index, entry) for index, entry in enumerate(entries) if is_digest(entry)]
    if not digests:
        return
    counts = masked_word_counts(text)
    for index, entry in digests:
        words = int(entry.split(":")[1])
        if words not in counts:
            raise InputError(f"this digest masks nothing in the kept text: it has no masked string ({MASK}) of "
                             f"{words} word(s). List the string in plain text and run `minegraph redact FILE`, or "
                             "remove the entry if the text does not hold it", file=file, record="source",
                             field=f"redact[{index}]")


def _check_no_listed_string(register: Register, data: dict[str, Any], file_text: str, file: str) -> None:
    """No string listed for redaction anywhere in the record file: not in a value, not in a comment."""
    if not register or not register.contains(file_text):
        return
    for loc, value in _strings(data, ()):
        if register.contains(value):
            record, field = locate(loc, data, RECORDS)
            raise InputError("contains a string listed for redaction (it identifies a person): remove it; quote "
                             "the parts of the text around a name", file=file, record=record, field=field)
    raise InputError("a comment or key of the file contains a string listed for redaction (it identifies a person):"
                     " remove it", file=file)


def _strings(node: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*loc, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*loc, index))


def _source_document(s: SourceSchema, path: Path) -> SourceDocument:
    return SourceDocument(
        id=s.id, title=s.title, type=s.type, publisher=s.publisher, language=s.language,
        text_path=(path.parent / s.text).resolve(), sha256=s.sha256.lower(), retrieved=s.retrieved,
        title_note=s.title_note, issued=s.issued, url=s.url, licence=s.licence, redact=tuple(s.redact),
        kept_sha256=s.kept_sha256.lower() if s.kept_sha256 else None,
    )


def _statement(s: StatementSchema, text: str, file: str) -> Statement:
    quotes = []
    for index, exact in enumerate(s.quotes):
        start = text.find(exact)
        if start < 0:
            raise InputError("is not a verbatim part of the source text", file=file, record=f"statements[{s.id}]",
                             field=f"quotes[{index}]", value=exact)
        quotes.append(Quote(exact=exact, start=start, end=start + len(exact)))
    def once(ids: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(ids))

    return Statement(
        id=s.id, kind=s.kind, label=s.label, speaker=s.speaker, speech=s.speech, quotes=tuple(quotes),
        supports=once(s.supports), about=once(s.about), date=s.date, count=s.count, period_start=s.period_start,
        period_end=s.period_end, area=s.area, area_note=s.area_note, outcomes=once(s.outcomes),
        devices=once(s.devices), alleged_responsible=s.alleged_responsible, includes_children=s.includes_children,
    )


def _incident(i: IncidentSchema) -> Incident:
    d = i.date
    return Incident(
        id=i.id, label=i.label, place=i.place, device=i.device, killed=i.killed, injured=i.injured,
        context=i.context, event_type=i.type, note=i.note,
        date=IncidentDate(earliest=d.earliest, latest=d.latest, reported=d.reported, year=d.year, month=d.month,
                          day=d.day, note=d.note),
        victims=tuple(Victim(id=v.id, outcome=v.outcome, status=v.status, sex=v.sex, age_band=v.age_band,
                             activity=v.activity, note=v.note) for v in i.victims),
    )


def read_agents(path: Path) -> tuple[Agent, ...]:
    file = str(path)
    agents = tuple(Agent(id=a.id, label=a.label, description=a.description, homepage=a.homepage, wikidata=a.wikidata)
                   for a in check(AgentsFile, load_yaml(path), file=file, records={"agents": "list"}).agents)
    unique([a.id for a in agents], file, "agents")
    return agents
