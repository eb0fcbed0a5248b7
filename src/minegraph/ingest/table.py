"""Reading tables: bytes with a size limit, UTF-8 checked, CSV parsed, HXL hashtag rows recognised.

A :class:`Table` keeps every data row with its line number in the file, so that each problem can be
reported as file, row, column, value and rule (:class:`RowError`).
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from minegraph.core.errors import InputError, UnreadableInput

STDIN = "-"
_HXL_TAG = re.compile(r"^#[a-z][a-z0-9_]*(\s*\+[a-z][a-z0-9_]*)*$", re.IGNORECASE)


@dataclass(frozen=True)
class RowError:
    """One problem with one cell (or one row): where, what was found, and which rule it breaks."""

    file: str
    row: int
    column: str | None
    value: str | None
    rule: str

    def text(self) -> str:
        where = f"{self.file}, row {self.row}" + (f", column {self.column}" if self.column else "")
        value = f", value {self.value!r}" if self.value is not None else ""
        return f"{where}{value}: {self.rule}"


@dataclass(frozen=True)
class HxlTag:
    """A parsed HXL hashtag: ``#affected+killed+f`` -> tag ``affected``, attributes ``{killed, f}``."""

    tag: str
    attributes: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> HxlTag | None:
        text = text.strip()
        if not _HXL_TAG.match(text):
            return None
        parts = [p.strip().lower() for p in text[1:].split("+")]
        return cls(parts[0], frozenset(parts[1:]))

    def matches(self, pattern: HxlTag) -> bool:
        """True when this column's tag is ``pattern``'s tag and has (at least) its attributes."""
        return self.tag == pattern.tag and pattern.attributes <= self.attributes

    def __str__(self) -> str:
        return "#" + "+".join([self.tag, *sorted(self.attributes)])


@dataclass
class Table:
    """A CSV file: its header, its optional HXL hashtag row, and its data rows with line numbers."""

    file: str
    raw: bytes
    text: str
    columns: list[str]
    header_line: str
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    tags: list[HxlTag | None] = field(default_factory=list)


    def tag_indices(self, pattern: str) -> list[int]:
        """Indices of the columns whose hashtag matches ``pattern`` (e.g. ``#affected+killed``)."""
        wanted = HxlTag.parse(pattern)
        if wanted is None:
            raise ValueError(f"not an HXL hashtag: {pattern}")
        return [i for i, tag in enumerate(self.tags) if tag is not None and tag.matches(wanted)]


def read_bytes(path: str, max_bytes: int) -> bytes:
    """The bytes of ``path`` (``-`` for stdin), refusing more than ``max_bytes`` without reading them all."""
    try:
        if path == STDIN:
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            size = Path(path).stat().st_size
            if size > max_bytes:
                raise UnreadableInput(f"is {size:,} bytes, more than the limit of {max_bytes:,} "
                                      "(setting max_ingest_bytes / MINEGRAPH_MAX_INGEST_BYTES)", file=path)
            data = Path(path).read_bytes()
    except OSError as error:
        raise UnreadableInput(f"cannot be read: {error.strerror}", file=path) from error
    if len(data) > max_bytes:
        raise UnreadableInput(f"is more than the limit of {max_bytes:,} bytes "
                              "(setting max_ingest_bytes / MINEGRAPH_MAX_INGEST_BYTES)", file=path)
    if not data.strip():
        raise UnreadableInput("is empty", file=path)
    return data


def decode(data: bytes, file: str, encoding: str = "utf-8") -> str:
    """Text of ``data``; a byte that is not valid in ``encoding`` is reported with its line and column."""
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # a byte-order mark is accepted and dropped
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        hint = " (it looks like Latin-1 or Windows-1252: re-save it as UTF-8)" if _looks_latin1(data) else ""
        raise UnreadableInput(f"is not {encoding.removesuffix('-sig').upper()} text: byte "
                              f"0x{data[error.start]:02x} at line {line}, column {column}{hint}", file=file) from error


def _looks_latin1(data: bytes) -> bool:
    return any(0xC0 <= b <= 0xFF for b in data[:65536])


def read_table(path: str, max_bytes: int, *, encoding: str = "utf-8", require_hxl: bool = False) -> Table:
    """Read a CSV (or HXL-tagged CSV) file; the hashtag row, if any, is the first row of hashtags."""
    raw = read_bytes(path, max_bytes)
    text = decode(raw, path, encoding)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    records: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            records.append((reader.line_num, cells))
    except csv.Error as error:
        raise UnreadableInput(f"is not valid CSV at line {reader.line_num}: {error}", file=path) from error
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise UnreadableInput("has no rows", file=path)
    tag_row = next((i for i, (_line, cells) in enumerate(records[:26]) if _is_hashtag_row(cells)), None)
    if require_hxl and tag_row is None:
        raise UnreadableInput("has no HXL hashtag row (a row of #tags such as #date, #adm1+name, "
                              "#affected+killed under the column headers): it cannot be read as HXL", file=path)
    if tag_row is not None:
        tags = [HxlTag.parse(c) if c.strip() else None for c in records[tag_row][1]]
        columns = records[tag_row - 1][1] if tag_row > 0 else [str(t or "") for t in tags]
        data_rows = records[tag_row + 1:]
    else:
        tags = []
        columns = records[0][1]
        data_rows = records[1:]
    columns = [c.strip() for c in columns]
    header_line = text.splitlines()[0] if text else ""
    return Table(file=path, raw=raw, text=text, columns=columns, header_line=header_line.lstrip("\ufeff"),
                 rows=data_rows, tags=tags)


def _is_hashtag_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    return bool(filled) and all(HxlTag.parse(c) is not None for c in filled)


def check_width(table: Table) -> list[RowError]:
    """A row with more cells than the header is an error, naming the first cell past the header (fewer cells are
    read as empty): a shifted row would otherwise put its values under the wrong columns, silently."""
    width = len(table.columns)
    errors = []
    for line, cells in table.rows:
        extra = [i for i, cell in enumerate(cells[width:], start=width) if cell.strip()]
        if extra:
            errors.append(RowError(table.file, line, f"{extra[0] + 1} (past the {width} of the header)",
                                   cells[extra[0]], f"has {len(cells)} cells, the header has {width}: a cell may "
                                   "be missing or split earlier in the row"))
    return errors


def fail_on(errors: list[RowError], file: str, limit: int = 20) -> InputError:
    """One error for a refused file, listing its first row errors."""
    lines = [e.text() for e in errors[:limit]]
    more = f"\n… and {len(errors) - limit} more problem(s)" if len(errors) > limit else ""
    rows = len({e.row for e in errors})
    problems = f" ({len(errors)} problems)" if len(errors) != rows else ""
    return InputError(f"{rows} bad row(s){problems}; the file was refused (nothing written):\n" + "\n".join(lines)
                      + more, file=file)
