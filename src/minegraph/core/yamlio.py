"""Reading YAML files written by people: size limit, parse errors with line and column, duplicate keys, ids.

A mapping that gives a key twice (``killed: 1`` then ``killed: 2``) is refused with both lines: YAML requires
keys to be unique, and PyYAML would silently keep the last one, publishing a value nobody may have meant.

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


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a mapping that gives a key twice (merge keys, ``<<:``, may still be
    overridden: that is what they are for)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key_node, _value in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:
                    continue  # an unhashable key: the constructor below refuses it
                if first is not key_node:
                    shown = str(key) if len(str(key)) <= 80 else str(key)[:77] + "..."
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key `{shown}` is given twice in one mapping (first at line "
                        f"{first.start_mark.line + 1}): remove one", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; a file that cannot be read or parsed, or that gives a key twice in one mapping, is
    :class:`UnreadableInput` naming the line."""
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
        return yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader: no arbitrary objects
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
