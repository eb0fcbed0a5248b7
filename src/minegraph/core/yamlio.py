"""Reading YAML files written by people: size limit, parse errors with line and column, ids.

What a file may hold is its schema's business (:mod:`minegraph.core.schema`). Every problem is an
:class:`~minegraph.core.errors.InputError` naming file, record and field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from minegraph.core.errors import InputError, UnreadableInput

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
#: Record files are written by people; anything larger is refused before it is parsed.
MAX_RECORD_FILE_CHARS = 20_000_000


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


def unique(ids: list[str], file: str, section: str) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise InputError("this id is used twice", file=file, record=f"{section}[{ident}]", field="id")
        seen.add(ident)


def id_of(item: Any, index: int) -> str:
    return str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{index + 1}"
