"""Schemas of the YAML files people write (pydantic), and their errors in a curator's words.

Every file kind is a tree of :class:`Schema` models, each ``extra="forbid"`` and strict: a key the model does not
know is an error (with the closest known key as a suggestion), and a value of the wrong kind is not converted.
:func:`check` validates parsed YAML against a model and turns pydantic's errors into an
:class:`~minegraph.core.errors.InputError` (:class:`SchemaProblems`) that lists every problem of the file (up to
:data:`MAX_LISTED`), each naming the record (``incidents[aghdam-family-injured]``, ``incidents[x].victims[y]``,
``statements[z]``, ``source``) and the field (``date.earliest``, ``quotes[2]``), built from the error's location
(``loc``) and the ids of the records in the file. The error's own ``record``, ``field`` and ``value`` are the first
problem's.

The models only describe and check; readers convert them into the frozen dataclasses the rest of the code uses.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError

from minegraph.core.errors import InputError, UnreadableInput
from minegraph.core.yamlio import ID_RE, id_of

M = TypeVar("M", bound="Schema")

ID_PATTERN = ID_RE.pattern
SHA256_PATTERN = r"^[0-9a-fA-F]{64}$"
LANGUAGE_PATTERN = r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$"
#: what a pattern means, for messages (pydantic would only quote the pattern)
PATTERN_WORDS = {
    ID_PATTERN: "must be an id: lower-case letters, digits and hyphens (up to 80)",
    SHA256_PATTERN: "must be a SHA-256: 64 hexadecimal digits (`sha256sum FILE`)",
    LANGUAGE_PATTERN: "must be a language tag (BCP 47: `en`, `es`, `az-Latn`)",
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Schema(BaseModel):
    """A record of a file written by people: unknown keys are errors, values are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    #: the record's kind in messages ("an incident")
    what: ClassVar[str] = "this record"
    #: keys that are not fields, and what to say instead of "did you mean"
    hints: ClassVar[Mapping[str, str]] = {}


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("is not a date (YYYY-MM-DD)")


def _scalar_text(value: Any) -> Any:
    """Numbers and booleans as text: ``geonames: 148140``, ``period_start: 2020``, a mapping's ``1: killed``."""
    if isinstance(value, bool | int | float):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return value


#: a record id (the key of everything minted from it): lower-case letters, digits and hyphens
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
#: non-empty text, surrounding white space dropped
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
#: text that YAML may have read as a number (``"2020"`` or ``2020``)
Code = Annotated[str, BeforeValidator(_scalar_text), StringConstraints(strip_whitespace=True, min_length=1)]
#: a calendar date, ``YYYY-MM-DD``
Date = Annotated[dt.date, BeforeValidator(_date)]
Sha256 = Annotated[str, StringConstraints(pattern=SHA256_PATTERN)]
#: a language tag (BCP 47): text in that language is published tagged with it
Language = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]


def check(model: type[M], data: Any, *, file: str, records: Mapping[str, Literal["one", "list", "map"]],
          context: dict[str, Any] | None = None) -> M:
    """``data`` as ``model``, or an :class:`InputError` for its first problem.

    ``records`` names the keys whose values are records: ``"one"`` a record of its own (``source``), ``"list"`` a
    list of records named by their ``id`` (``incidents``), ``"map"`` a mapping of records named by their key.
    """
    if not isinstance(data, dict):
        raise UnreadableInput("expected a YAML mapping (`key: value` lines) at the top level", file=file)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        # ``from None``: pydantic's own text repeats the values, and a value may be a name that must not be shown.
        raise input_error(error, model, data, file, records) from None


#: A file's problems listed in one error, at most (the rest are counted).
MAX_LISTED = 50


class SchemaProblems(InputError):
    """Every problem of one file against its schema: the error's ``record``, ``field`` and ``value`` are the first
    problem's; its text lists them all (up to :data:`MAX_LISTED`), each with its record and field."""

    def __init__(self, problems: Sequence[InputError], total: int, *, file: str) -> None:
        first = problems[0]
        super().__init__(first.message, file=file, record=first.record, field=first.field, value=first.value)
        self.problems = list(problems)
        self.total = total

    def __str__(self) -> str:
        text = super().__str__()
        if self.total > 1:
            text += f"\n  {self.total} problems in this file:"
            text += "".join(f"\n  - {problem}" for problem in self.problems)
            if self.total > len(self.problems):
                text += f"\n  … and {self.total - len(self.problems)} more (only the first {len(self.problems)} " \
                        "are listed)"
        return text


def input_error(error: ValidationError, model: type[Schema], data: Any, file: str,
                records: Mapping[str, str]) -> InputError:
    """Every problem of ``error`` in a curator's words (the same problem reported for two members of a union, once
    per member, is listed once)."""
    problems: list[InputError] = []
    seen: set[tuple[str | None, str | None, str]] = set()
    for problem in error.errors(include_url=False):
        loc = tuple(problem["loc"])
        if problem["type"] in ("missing", "extra_forbidden"):  # the last part is a key, never a record
            record, path = locate(loc[:-1], data, records)
            path = f"{path}.{loc[-1]}" if path else str(loc[-1])
        else:
            record, path = locate(loc, data, records)
        message, value = _words(problem, model, loc)
        if (record, path, message) in seen:
            continue
        seen.add((record, path, message))
        problems.append(InputError(message, record=record, field=path, value=value))
    if len(problems) == 1:
        only = problems[0]
        return InputError(only.message, file=file, record=only.record, field=only.field, value=only.value)
    return SchemaProblems(problems[:MAX_LISTED], len(problems), file=file)


def locate(loc: tuple[Any, ...], data: Any, records: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(record, field) of an error location: the record's part from the ids in ``data``, the rest as the field.

    Parts of ``loc`` that are not in the data (the names pydantic gives the members of a union) are left out.
    """
    parts: list[str] = []
    node, index = data, 0
    while index < len(loc) and isinstance(loc[index], str) and loc[index] in records and isinstance(node, dict):
        key, kind = loc[index], records[loc[index]]
        following = loc[index + 1] if index + 1 < len(loc) else None
        child = node.get(key)
        if kind == "list" and isinstance(following, int) and isinstance(child, list) and following < len(child):
            node = child[following]
            parts.append(f"{key}[{id_of(node, following)}]")
            index += 2
        elif kind == "map" and isinstance(following, str) and isinstance(child, dict) and following in child:
            node = child[following]
            parts.append(f"{key}[{following}]")
            index += 2
        elif kind in ("one", "map") and isinstance(child, dict):  # (a mapping of records, as a whole)
            node = child
            parts.append(key)
            index += 1
        else:
            break
    field = ""
    for part in loc[index:]:
        if isinstance(part, int):
            field += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
        elif isinstance(node, dict) and part in node:
            field += f".{part}" if field else str(part)
            node = node.get(part)
        # else: a union member's name, not a key of the file
    return (".".join(parts) or None), (field or None)


def _words(problem: Mapping[str, Any], model: type[Schema], loc: tuple[Any, ...]) -> tuple[str, Any]:
    """The message and the value to show for one pydantic error."""
    kind, ctx = problem["type"], problem.get("ctx") or {}
    value = problem.get("input")
    if kind == "extra_forbidden":
        return _unknown_key(model_at(model, loc[:-1]), str(loc[-1])), None
    words = {
        "missing": "is required",
        "string_type": "must be text",
        "int_type": "must be a whole number",
        "float_type": "must be a number",
        "bool_type": "must be true or false",
        "list_type": "must be a list",
        "dict_type": "must be a mapping (`key: value`)",
        "model_type": "must be a mapping of fields (`key: value`)",
        "string_too_short": "must not be empty",
        "too_short": "must not be an empty list",
    }.get(kind)
    if kind == "literal_error":
        words = f"must be one of {ctx.get('expected')}"
    elif kind == "string_pattern_mismatch":
        words = PATTERN_WORDS.get(str(ctx.get("pattern")), f"does not have the expected form {ctx.get('pattern')}")
    elif kind == "value_error":
        words = str(ctx.get("error", problem["msg"]))
    elif words is None:
        words = str(problem["msg"])
    if kind == "missing" or isinstance(value, dict | list) or "redact" in loc:
        value = None  # nothing to show (a redact entry is never shown: it may be a name)
    return words, value


def _unknown_key(model: type[Schema] | None, key: str) -> str:
    if model is None:
        return "is not a known key"
    if key in model.hints:
        return model.hints[key]
    known = list(model.model_fields)
    message = f"is not a field of {model.what}"
    close = difflib.get_close_matches(key.replace("-", "_").lower(), known, n=1, cutoff=0.6)
    if close:
        return f"{message}; did you mean `{close[0]}`?"
    return f"{message} (known: {', '.join(known)})"


def model_at(model: Any, loc: Sequence[Any]) -> type[Schema] | None:
    """The model that describes the value at ``loc`` (list indexes and union members' names are stepped over)."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return None
    found = [m for m in _models(current) if isinstance(m, type) and issubclass(m, Schema)]
    return found[0] if found else None


def _step(annotation: Any, part: Any) -> Any:
    for candidate in _models(annotation) or [annotation]:
        if isinstance(candidate, type) and issubclass(candidate, Schema):
            if isinstance(part, str) and part in candidate.model_fields:
                return candidate.model_fields[part].annotation
            continue
        origin, args = typing.get_origin(candidate), typing.get_args(candidate)
        if origin in (list, tuple) and args and isinstance(part, int):
            return args[0]
        if origin is dict and len(args) == 2 and isinstance(part, str):
            return args[1]
    if isinstance(part, str) and _models(annotation):
        return annotation  # a union member's name: stay where we are
    return None


def _models(annotation: Any) -> list[Any]:
    """The alternatives of an annotation, unwrapped (``X | None``, ``Annotated[X, …]``)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _models(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _models(arg) if m is not type(None)]
    return [annotation]

