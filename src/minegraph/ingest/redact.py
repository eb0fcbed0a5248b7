"""Redacting a record file (``minegraph redact``): the strings of its text that identify a person are masked in the
kept text and listed only as digests.

A curator lists the strings in plain text under ``source.redact:`` (or gives them with ``--add``), then runs
``minegraph redact FILE``, which

1. checks the file against its schema (plain entries allowed, for this once) and the text against ``sha256`` (the
   text as the source published it) or ``kept_sha256`` (the text as already kept): anything else is refused;
2. checks that every new string occurs in the text, as whole words (:meth:`Register.contains`);
3. masks every listed string in the text (:func:`~minegraph.core.redaction.mask`: same length, so quote offsets
   stay valid) and computes the kept text's hash;
4. replaces the plain entries by their digests and sets ``kept_sha256``, editing only those lines of the file
   (comments and layout stay as they were), and checks the result as ``minegraph validate`` would;
5. writes the record file, then the text, each atomically (a temporary file renamed over it). Stopped between
   the two, the text still matches ``sha256`` and a second run finishes the work.

Nothing is written unless everything checks; a file already redacted is left as it is. Nothing here ever shows a
listed string: messages name entries by their position (``redact[0]``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from minegraph.core.errors import InputError
from minegraph.core.redaction import Register, digest, is_digest, mask
from minegraph.core.schema import check
from minegraph.core.yamlio import load_yaml
from minegraph.ingest.records import source_records
from minegraph.ingest.schema import PLAIN_REDACT_ALLOWED, RECORDS, SourceFile


@dataclass(frozen=True)
class Redaction:
    """What :func:`redact_source` did (counts only: never the strings)."""

    path: Path
    text_path: Path
    digested: int  # plain entries and --add strings now listed as digests
    masked: int  # occurrences masked in the text
    entries: int  # digests listed after the run
    kept_sha256: str | None
    changed: bool


def redact_source(path: Path, add: Sequence[str] = ()) -> Redaction:
    """Redact the record file ``path`` (and its text), adding the strings ``add``; see the module's docstring."""
    file = str(path)
    data = load_yaml(path)
    model = check(SourceFile, data, file=file, records=RECORDS, context={PLAIN_REDACT_ALLOWED: True})
    source = model.source
    text_path = (path.parent / source.text).resolve()
    try:
        raw = text_path.read_bytes()
    except OSError as error:
        raise InputError(f"the source text cannot be read: {error.strerror}", file=file, record="source",
                         field="text", value=str(text_path)) from error
    found = hashlib.sha256(raw).hexdigest()
    if found not in (source.sha256.lower(), (source.kept_sha256 or "").lower()):
        raise InputError(f"the text's SHA-256 is {found}: it matches neither `sha256` (the text as the source "
                         "published it) nor `kept_sha256` (the text as kept), so it changed or the hash is wrong; "
                         "nothing was masked", file=file, record="source", field="sha256")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError("the source text is not UTF-8", file=file, record="source", field="text") from error

    entries = list(source.redact)
    listed = {entry for entry in entries if is_digest(entry)}  # already masked: no longer in the text
    replaced: dict[int, str] = {}
    for index, entry in enumerate(entries):
        if not is_digest(entry):
            replaced[index] = _new_digest(entry, text, listed, file, f"redact[{index}]")
    listed |= set(replaced.values())
    added: list[str] = []
    for number, string in enumerate(add, start=1):
        entry = _new_digest(string, text, listed, file, f"redact (--add #{number})")
        if entry not in listed:
            listed.add(entry)
            added.append(entry)
    register = [replaced.get(i, e) for i, e in enumerate(entries)] + added

    kept_text, masked = mask(text, register)
    kept = kept_text.encode("utf-8")
    kept_sha256 = hashlib.sha256(kept).hexdigest()
    new_kept = kept_sha256 if kept_sha256 != (source.kept_sha256 or source.sha256).lower() else None
    file_text = path.read_bytes().decode("utf-8")  # (line ends as they are)
    if not replaced and not added and new_kept is None and kept == raw:
        source_records(model, data, path, raw, file_text)  # already redacted: still say what is wrong, if anything
        return Redaction(path, text_path, 0, 0, len(register), source.kept_sha256, changed=False)

    edited = edit_record_file(file_text, replaced, added, new_kept, file)
    edited_data = yaml.safe_load(edited)
    expected = _expected(data, register, new_kept)
    if edited_data != expected:
        raise InputError("the file's layout is too unusual to edit safely: write `source:` as a block mapping and "
                         "`redact:` as a block list (`- ` lines) and run again; nothing was written", file=file)
    source_records(check(SourceFile, edited_data, file=file, records=RECORDS), edited_data, path, kept, edited)
    if edited != file_text:
        _write_atomically(path, edited.encode("utf-8"))
    if kept != raw:
        _write_atomically(text_path, kept)
    return Redaction(path, text_path, len(replaced) + len(added), masked, len(register),
                     new_kept or source.kept_sha256, changed=True)


def _new_digest(string: str, text: str, listed: set[str], file: str, where: str) -> str:
    """The digest of a string to list; it must occur in the text, unless it is listed already."""
    try:
        entry = digest(string)
    except ValueError:
        raise InputError("has no letters or digits: there is nothing to redact", file=file, record="source",
                         field=where) from None
    if entry not in listed and not Register.of([entry]).contains(text):
        raise InputError("does not occur in the text (as whole words): an entry must be a string of the text that "
                         "identifies a person; check its spelling", file=file, record="source", field=where)
    return entry


def _expected(data: dict[str, Any], register: list[str], kept_sha256: str | None) -> dict[str, Any]:
    source = dict(data["source"])
    if register or "redact" in source:
        source["redact"] = register
    if kept_sha256 is not None:
        source["kept_sha256"] = kept_sha256
    return {**data, "source": source}


def edit_record_file(text: str, replaced: dict[int, str], added: Sequence[str], kept_sha256: str | None,
                     file: str) -> str:
    """``text`` with ``source.redact[i]`` replaced by ``replaced[i]``, ``added`` appended to ``source.redact`` and
    ``source.kept_sha256`` set (when not None); every other character stays as it was."""
    newline = "\r\n" if "\r\n" in text else "\n"
    if not text.endswith("\n"):
        text += newline
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    source = _value(root, "source")
    if not isinstance(source, yaml.MappingNode) or source.flow_style:
        raise InputError("write `source:` as a block mapping (one `key: value` per line) so that it can be edited",
                         file=file, record="source")
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in characters of text
    insert_at, indent = _line_after(text, source, "sha256")
    inserted = ""
    if kept_sha256 is not None:
        kept = _value(source, "kept_sha256")
        if kept is None:
            inserted += f"{indent}kept_sha256: {kept_sha256}{newline}"
        else:
            edits.append((kept.start_mark.index, kept.end_mark.index, kept_sha256))
    redact = _value(source, "redact")
    if isinstance(redact, yaml.SequenceNode):
        items = redact.value
        flow = bool(redact.flow_style) or not items
        for index, entry in replaced.items():
            node = items[index]
            edits.append((node.start_mark.index, node.end_mark.index, f'"{entry}"' if flow else entry))
        if added and flow:
            close = text.rindex("]", redact.start_mark.index, redact.end_mark.index)
            edits.append((close, close, (", " if items else "") + ", ".join(f'"{e}"' for e in added)))
        elif added:
            last = items[-1]
            line_start = text.rfind("\n", 0, items[0].start_mark.index) + 1
            prefix = text[line_start:items[0].start_mark.index]
            at = _end_of_line(text, last.end_mark.index)
            edits.append((at, at, "".join(f"{prefix}{e}{newline}" for e in added)))
    elif added:
        inserted += f"{indent}redact:{newline}" + "".join(f"{indent}  - {e}{newline}" for e in added)
    if inserted:
        edits.append((insert_at, insert_at, inserted))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _value(mapping: Any, key: str) -> Any:
    if isinstance(mapping, yaml.MappingNode):
        for key_node, value_node in mapping.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
    return None


def _line_after(text: str, mapping: yaml.MappingNode, key: str) -> tuple[int, str]:
    """Where a new line goes after ``key: value`` of a block mapping, and the mapping's indentation."""
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return _end_of_line(text, value_node.end_mark.index), " " * key_node.start_mark.column
    raise AssertionError(f"the schema requires `{key}:`")


def _end_of_line(text: str, index: int) -> int:
    """The start of the line after the one ``index`` is on (the end of the text if it is the last)."""
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _write_atomically(target: Path, data: bytes) -> None:
    """``data`` into ``target`` through a temporary file renamed over it: readers see the old file or the new one."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, target.stat().st_mode & 0o7777)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
