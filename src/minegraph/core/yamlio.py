"""Reading YAML files written by people: size limit, parse errors with line and column, typed fields.

Every problem is an :class:`~minegraph.core.errors.InputError` naming file, record and field.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml

from minegraph.core.errors import InputError, UnreadableInput

T = TypeVar("T")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Record files are written by people; anything larger is refused before it is parsed.
MAX_RECORD_FILE_CHARS = 20_000_000


class Fields:
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
        if not ID_RE.match(value):
            raise self.error(name, "must be lower-case letters, digits and hyphens", value)
        return str(value)

    def ids(self, name: str) -> tuple[str, ...]:
        value = self.get(name, list) or []
        for item in value:
            if not isinstance(item, str) or not ID_RE.match(item):
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


def section(data: Any, name: str, file: str, *, required: bool = True) -> list[Any]:
    if not isinstance(data, dict):
        raise UnreadableInput("expected a YAML mapping at the top level", file=file)
    value = data.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise InputError(f"needs a list `{name}:`", file=file, field=name, value=value)
    return value


def unique(ids: list[str], file: str, section: str) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise InputError("this id is used twice", file=file, record=f"{section}[{ident}]", field="id")
        seen.add(ident)


def id_of(item: Any, index: int) -> str:
    return str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{index + 1}"
