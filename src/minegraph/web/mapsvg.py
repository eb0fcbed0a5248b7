"""A small locator map as inline SVG: a place's representative point on the shipped country outlines.

Nothing is fetched: the outlines (Natural Earth, public domain; see ``static/map/README.md``) ship with the
package and the SVG is drawn on the server, so the map works offline and without script.

>>> svg = locator_map(MapPoint(47.03, 39.40, "Jabrayil District", 15000), country="Azerbaijan")
>>> svg.startswith("<svg") and "Jabrayil District" in svg
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from markupsafe import Markup, escape

OUTLINES = Path(__file__).resolve().parent / "static" / "map" / "countries.json"
WIDTH = 560
MAX_HEIGHT = 420
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class MapPoint:
    lon: float
    lat: float
    label: str
    precision_m: float | None = None


Ring = list[tuple[float, float]]


@cache
def outlines() -> dict[str, list[Ring]]:
    """Country name -> rings of (lon, lat)."""
    data = json.loads(OUTLINES.read_text(encoding="utf-8"))
    return {name: [list(zip(ring[::2], ring[1::2], strict=True)) for ring in rings]
            for name, rings in data["countries"].items()}


@cache
def ring_boxes() -> dict[str, list[tuple[float, float, float, float]]]:
    """The bounding box of every ring of :func:`outlines`, computed once."""
    return {name: [_bbox([ring]) for ring in rings] for name, rings in outlines().items()}


def _bbox(rings: list[Ring]) -> tuple[float, float, float, float]:
    lons = [p[0] for ring in rings for p in ring]
    lats = [p[1] for ring in rings for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def _frame(point: MapPoint, country: str) -> tuple[float, float, float, float]:
    """The area shown: the country (when its outline is known and holds the point), else 4° around the point."""
    rings = outlines().get(country)
    if rings:
        # Only the rings near the point: a country's far-away islands should not shrink the map.
        near = [ring for ring in rings if _distance(_bbox([ring]), point) < 8]
        if near:
            west, south, east, north = _bbox(near)
            if west - 1 <= point.lon <= east + 1 and south - 1 <= point.lat <= north + 1:
                pad = max(east - west, north - south) * 0.12 + 0.2
                return west - pad, south - pad, east + pad, north + pad
    return point.lon - 2, point.lat - 2, point.lon + 2, point.lat + 2


def _distance(bbox: tuple[float, float, float, float], point: MapPoint) -> float:
    west, south, east, north = bbox
    dx = max(west - point.lon, 0, point.lon - east)
    dy = max(south - point.lat, 0, point.lat - north)
    return math.hypot(dx, dy)


@lru_cache(maxsize=4096)
def locator_map(point: MapPoint, *, country: str = "", title: str | None = None) -> Markup:
    """The SVG (safe to insert into a page: every text in it is escaped). Cached: places are few."""
    frame = _frame(point, country)
    xy, width, height, scale = _projection(frame, WIDTH, MAX_HEIGHT)
    paths, labels = _countries(frame, xy, width, height, (country,), titled=True)
    px, py = xy(point.lon, point.lat)
    circle = ""
    if point.precision_m:
        radius = max(3.0, point.precision_m / METRES_PER_DEGREE * scale)
        circle = f'<circle class="map-precision" cx="{px}" cy="{py}" r="{radius:.1f}"/>'
    label_x = px + 10 if px < width * 0.7 else px - 10
    anchor = "start" if px < width * 0.7 else "end"
    heading = title or f"Map of {point.label}"
    precision = f", within about {_km(point.precision_m)}" if point.precision_m else ""
    desc = (f"Representative point of {point.label} at {abs(point.lat):.2f}° {'N' if point.lat >= 0 else 'S'}, "
            f"{abs(point.lon):.2f}° {'E' if point.lon >= 0 else 'W'}{precision}, on country outlines.")
    return Markup(
        f'<svg class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="map-title map-desc">'
        f'<title id="map-title">{escape(heading)}</title><desc id="map-desc">{escape(desc)}</desc>'
        f'<rect class="map-sea" x="0" y="0" width="{width}" height="{height}"/>'
        + "".join(paths) + "".join(labels) + circle
        + f'<circle class="map-point" cx="{px}" cy="{py}" r="5"/>'
        f'<text class="map-label" x="{label_x:.1f}" y="{py + 4:.1f}" text-anchor="{anchor}">'
        f"{escape(point.label)}</text>"
        "</svg>"
    )


Frame = tuple[float, float, float, float]  # west, south, east, north
Project = Callable[[float, float], tuple[float, float]]


def _projection(frame: Frame, max_width: int, max_height: int) -> tuple[Project, int, int, float]:
    """(lon, lat) -> (x, y) in pixels for ``frame`` (equirectangular, x shrunk by the cosine of the middle
    latitude), the picture's width and height within the bounds, and the scale in pixels per degree."""
    west, south, east, north = frame
    x_scale = math.cos(math.radians((south + north) / 2))
    span_x, span_y = (east - west) * x_scale, north - south
    scale = min(max_width / span_x, max_height / span_y)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return round((lon - west) * x_scale * scale, 1), round((north - lat) * scale, 1)

    return xy, round(span_x * scale), round(span_y * scale), scale


def _countries(frame: Frame, xy: Project, width: int, height: int, focus: tuple[str, ...], *,
               titled: bool) -> tuple[list[str], list[str]]:
    """The country outlines within ``frame`` as SVG paths (``focus`` highlighted; each with a <title> when
    ``titled``) and the names of those with room for one."""
    west, south, east, north = frame
    paths, labels = [], []
    box = (west - 1, south - 1, east + 1, north + 1)
    for name, rings in outlines().items():
        visible = [clipped for ring, ring_box in zip(rings, ring_boxes()[name], strict=True)
                   if _overlaps(ring_box, box) and len(clipped := clip(ring, box)) >= 3]
        if not visible:
            continue
        d = " ".join("M" + " L".join(f"{x},{y}" for x, y in (xy(*p) for p in ring)) + " Z" for ring in visible)
        css = "map-country map-focus" if name in focus else "map-country"
        paths.append(f'<path class="{css}" d="{d}">' + (f"<title>{escape(name)}</title>" if titled else "")
                     + "</path>")
        spot = _label_spot([[xy(*p) for p in ring] for ring in visible], width * height)
        half = len(name) * 4.5 + 4  # about half the width of the name at 12px, upper case
        if spot is not None and half <= spot[0] <= width - half and 14 <= spot[1] <= height - 6:
            labels.append(f'<text class="map-country-label" x="{spot[0]:.1f}" y="{spot[1]:.1f}" '
                          f'text-anchor="middle">{escape(name)}</text>')
    return paths, labels


def clip(ring: Ring, box: tuple[float, float, float, float]) -> Ring:
    """Sutherland-Hodgman: the part of a ring inside ``box`` (west, south, east, north).

    >>> sorted(clip([(0, 0), (10, 0), (10, 10), (0, 10)], (2, 2, 5, 5)))
    [(2.0, 2), (2.0, 5), (5.0, 2), (5.0, 5)]
    """
    west, south, east, north = box
    edges = (
        (lambda p: p[0] >= west, lambda a, b: (west, a[1] + (b[1] - a[1]) * (west - a[0]) / (b[0] - a[0]))),
        (lambda p: p[0] <= east, lambda a, b: (east, a[1] + (b[1] - a[1]) * (east - a[0]) / (b[0] - a[0]))),
        (lambda p: p[1] >= south, lambda a, b: (a[0] + (b[0] - a[0]) * (south - a[1]) / (b[1] - a[1]), south)),
        (lambda p: p[1] <= north, lambda a, b: (a[0] + (b[0] - a[0]) * (north - a[1]) / (b[1] - a[1]), north)),
    )
    points = list(ring)
    for inside, cut in edges:
        if not points:
            break
        result: Ring = []
        previous = points[-1]
        for current in points:
            if inside(current):
                if not inside(previous):
                    result.append(cut(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(cut(previous, current))
            previous = current
        points = result
    rounded = [(round(x, 4), round(y, 4)) for x, y in points]
    return [p for i, p in enumerate(rounded) if i == 0 or p != rounded[i - 1]]


def _label_spot(rings: list[list[tuple[float, float]]], frame_area: float) -> tuple[float, float] | None:
    """Where to write a country's name: the centroid of its largest visible ring, if that ring is big enough
    to hold a name and its centroid lies inside the frame."""
    best: tuple[float, float, float] | None = None
    for ring in rings:
        area = cx = cy = 0.0
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            cross = x1 * y2 - x2 * y1
            area += cross
            cx += (x1 + x2) * cross
            cy += (y1 + y2) * cross
        if abs(area) < 1e-9:
            continue
        spot = (abs(area) / 2, cx / (3 * area), cy / (3 * area))
        if best is None or spot[0] > best[0]:
            best = spot
    if best is None or best[0] < frame_area * 0.04:
        return None
    return best[1], best[2]


def _km(metres: float | None) -> str:
    if not metres:
        return ""
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


@dataclass(frozen=True)
class Spot:
    """A point drawn on the map of incidents: a place's representative point and how many incidents it stands for."""

    lon: float
    lat: float
    label: str
    count: int


#: The map of incidents' size (its height follows the area shown, up to :data:`SPOTS_MAX_HEIGHT`).
SPOTS_WIDTH = 760
SPOTS_MAX_HEIGHT = 520
#: Up to this many points are named on the map itself; beyond, the table beside it names them.
NAMED_SPOTS = 10


def _spots_frame(spots: tuple[Spot, ...], countries: tuple[str, ...]) -> tuple[float, float, float, float]:
    """The points, and the parts of their countries near them (far islands left out), with a margin."""
    boxes = [(s.lon, s.lat, s.lon, s.lat) for s in spots]
    for country in countries:
        for ring_box in ring_boxes().get(country, []):
            if any(_distance(ring_box, MapPoint(s.lon, s.lat, "")) < 8 for s in spots):
                boxes.append(ring_box)
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad = max(east - west, north - south) * 0.08 + 0.5
    west, south, east, north = west - pad, south - pad, east + pad, north + pad
    if east - west < 4:
        middle = (east + west) / 2
        west, east = middle - 2, middle + 2
    if north - south < 3:
        middle = (north + south) / 2
        south, north = middle - 1.5, middle + 1.5
    return max(west, -180.0), max(south, -85.0), min(east, 180.0), min(north, 85.0)


#: Beyond this many points, they are drawn smaller and only the big ones carry their number (the table has all).
CROWDED = 60


def spot_radius(count: int, largest: int, crowded: bool = False) -> float:
    """A point's radius: its area grows with its number of incidents (the largest 22 px, the smallest 6; 18 and 3
    when the map is crowded).

    >>> spot_radius(1, 1), spot_radius(1, 100), spot_radius(100, 100), spot_radius(1, 100, crowded=True)
    (22.0, 7.6, 22.0, 4.5)
    """
    smallest, spread = (3, 15) if crowded else (6, 16)
    return round(smallest + spread * math.sqrt(count / max(largest, 1)), 1)


def incidents_map(spots: tuple[Spot, ...], *, countries: tuple[str, ...] = (), title: str, description: str) -> Markup:
    """An SVG of points (each with its number of incidents) on the country outlines; ``countries`` are
    highlighted. Every text in it is escaped. Empty when there is no point."""
    if not spots:
        return Markup("")
    frame = _spots_frame(spots, countries)
    xy, width, height, _scale = _projection(frame, SPOTS_WIDTH, SPOTS_MAX_HEIGHT)
    paths, labels = _countries(frame, xy, width, height, countries, titled=False)
    largest = max(s.count for s in spots)
    crowded = len(spots) > CROWDED
    marks: list[str] = []
    numbers: list[str] = []
    names: list[str] = []
    for spot in sorted(spots, key=lambda s: (-s.count, s.label)):  # the small ones on top of the big ones
        x, y = xy(spot.lon, spot.lat)
        radius = spot_radius(spot.count, largest, crowded)
        what = f"{spot.label}: {spot.count:,} incident{'' if spot.count == 1 else 's'}"
        marks.append(f'<g class="map-spot{" crowded" if crowded else ""}"><title>{escape(what)}</title>'
                     f'<circle class="map-point" cx="{x}" cy="{y}" r="{radius}"/></g>')
        if not crowded or radius >= 9:  # the numbers above every point, the big ones' last
            numbers.insert(0, f'<text class="map-count" x="{x}" y="{y + 4:.1f}" text-anchor="middle">'
                              f'{spot.count:,}</text>')
        if len(spots) <= NAMED_SPOTS:
            right = x < width * 0.7
            names.append(f'<text class="map-label" x="{x + radius + 4 if right else x - radius - 4:.1f}" '
                         f'y="{y + 4:.1f}" text-anchor="{"start" if right else "end"}">{escape(spot.label)}</text>')
    return Markup(
        f'<svg class="map map-incidents" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="map-title map-desc">'
        f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(description)}</desc>'
        f'<rect class="map-sea" x="0" y="0" width="{width}" height="{height}"/>'
        + "".join(paths) + "".join(labels) + "".join(marks) + "".join(numbers) + "".join(names) + "</svg>"
    )
