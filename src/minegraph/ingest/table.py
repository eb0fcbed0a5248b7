"""Reading tables: bytes with a size limit, UTF-8 checked, CSV parsed, HXL hashtag rows recognised.

A :class:`Table` keeps every data row with its line number in the file, so that each problem can be
reported as file, row, column, value and rule (:class:`RowError`).

The HXL hashtag row is found, and its hashtags and attributes parsed, by the HXL library (PyPI ``libhxl``): it is
given the rows this module has already read and checked (size, encoding, CSV), never a path or a URL, so it
opens nothing itself and nothing is fetched.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minegraph.core.errors import InputError, UnreadableInput

STDIN = "-"
#: libhxl logs a malformed hashtag (and would print it through logging's last resort): the report names it instead.
logging.getLogger("hxl").addHandler(logging.NullHandler())


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


@dataclass
class Table:
    """A CSV file: its header, its optional HXL hashtag row, and its data rows with line numbers."""

    file: str
    raw: bytes
    text: str
    columns: list[str]
    header_line: str
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    #: The hashtag row as libhxl parsed it: one ``hxl.model.Column`` per cell (``.tag`` None when the cell is empty
    #: or not a hashtag), or none when the table has no hashtag row.
    tags: list[Any] = field(default_factory=list)
    #: The cells of the hashtag row as written (a malformed hashtag is named by them).
    tag_cells: list[str] = field(default_factory=list)

    def tag_indices(self, pattern: str) -> list[int]:
        """Indices of the columns that match the HXL tag pattern ``pattern``, in file order, as libhxl matches them
        (``hxl.model.TagPattern``): ``#affected+killed`` is also ``#affected+killed+civilians``; ``-f`` excludes a
        column with ``+f``; a final ``!`` allows no attribute but those named."""
        from hxl.model import TagPattern

        wanted = TagPattern.parse(pattern)
        return [i for i, column in enumerate(self.tags) if wanted.match(column)]


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
    """Read a CSV (or HXL-tagged CSV) file; the hashtag row, if any, is the one libhxl finds (:func:`_hashtag_row`),
    and the row above it, if any, the column headers."""
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
    found = _hashtag_row(records)
    if require_hxl and found is None:
        raise UnreadableInput("has no HXL hashtag row among its first 25 rows (a row of #tags such as #date, "
                              "#adm1+name, #affected+killed under the column headers): it cannot be read as HXL",
                              file=path)
    tags: list[Any] = []
    tag_cells: list[str] = []
    if found is not None:
        tags, tag_row, data_rows = found
        tag_cells = records[tag_row][1]
        columns = records[tag_row - 1][1] if tag_row > 0 else [t.display_tag for t in tags]
    else:
        columns = records[0][1]
        data_rows = records[1:]
    columns = [c.strip() for c in columns]
    header_line = text.splitlines()[0] if text else ""
    return Table(file=path, raw=raw, text=text, columns=columns, header_line=header_line.lstrip("\ufeff"),
                 rows=data_rows, tags=tags, tag_cells=tag_cells)


#: The columns a GeoJSON Feature's geometry gives a mapped table (a mapping's ``point: {lat, lon}`` names them).
GEOMETRY_COLUMNS = ("geometry:lat", "geometry:lon")


def read_geojson(path: str, max_bytes: int) -> Table:
    """A GeoJSON FeatureCollection (RFC 7946) as a table: one row per Feature (row N is the Nth Feature), its
    properties as columns (in order of first appearance), and its geometry's representative point as the columns
    ``geometry:lat`` and ``geometry:lon`` — a Point as it is, a (Multi)Polygon or LineString as the mean of its
    vertices. A mapping reads it as it reads a CSV file; what it publishes of a point is the mapping's rule."""
    raw = read_bytes(path, max_bytes)
    text = decode(raw, path)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise UnreadableInput(f"is not valid JSON: {str(error)[:200]}", file=path) from error
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise UnreadableInput("is not a GeoJSON FeatureCollection (an object with \"type\": \"FeatureCollection\" "
                              "and a list of \"features\")", file=path)
    columns: dict[str, None] = {}
    features = [f if isinstance(f, dict) else {} for f in data["features"]]
    for feature in features:
        found = feature.get("properties")
        if isinstance(found, dict):
            columns |= dict.fromkeys(str(k) for k in found)
    names = [*columns, *GEOMETRY_COLUMNS]
    rows = []
    for number, feature in enumerate(features, start=1):
        given = feature.get("properties")
        properties: dict[str, Any] = given if isinstance(given, dict) else {}
        point = _representative_point(feature.get("geometry"))
        cells = [_cell(properties.get(name)) for name in columns]
        cells += [repr(point[1]), repr(point[0])] if point else ["", ""]
        rows.append((number, cells))
    if not rows:
        raise UnreadableInput("has no features", file=path)
    return Table(file=path, raw=raw, text=text, columns=names, header_line=",".join(names), rows=rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _representative_point(geometry: Any) -> tuple[float, float] | None:
    """(lon, lat) of a Point, or the mean of the vertices of another geometry's outer rings; None for none."""
    if not isinstance(geometry, dict):
        return None
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    outer = {"Point": lambda c: [c], "MultiPoint": lambda c: c, "LineString": lambda c: c,
             "MultiLineString": lambda c: [p for line in c for p in line], "Polygon": lambda c: c[0] if c else [],
             "MultiPolygon": lambda c: [p for polygon in c if polygon for p in polygon[0]]}.get(str(kind))
    try:
        points = [(float(p[0]), float(p[1])) for p in outer(coordinates)] if outer else []
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    if not points:
        return None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _hashtag_row(records: list[tuple[int, list[str]]]) -> tuple[list[Any], int, list[tuple[int, list[str]]]] | None:
    """The hashtag row as libhxl finds it among the first 25 rows (a row at least half of whose filled cells are
    hashtags) and parses it, its index in ``records``, and the data rows after it with their line numbers; None
    when there is none. libhxl is handed the rows already read, as an array: it opens no file and no URL."""
    import hxl.input

    reader = hxl.input.HXLReader(hxl.input.ArrayInput(cells for _line, cells in records))
    try:
        columns = reader.columns
    except hxl.input.HXLTagsNotFoundException:
        return None
    tag_row = len(records) - 1  # the rows after it are all data rows
    data_rows: list[tuple[int, list[str]]] = []
    for row in reader:  # row.source_row_number: its index in records (row.values are that record's cells)
        if not data_rows:
            tag_row = row.source_row_number - 1
        data_rows.append(records[row.source_row_number])
    return list(columns), tag_row, data_rows


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
