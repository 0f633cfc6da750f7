"""Geography for the map page: where the files are, reading them once per process, and which
layout fits a period's councils.

The map reads public geography files in place; the project never copies them.

Environment variables (all optional):

- ``UPTAKE_GEO_DIR``: the folder holding the geography files. Default: ``../shared/geo``
  beside the project root. Every ``*.hexjson`` under it whose English hexes are upper-tier
  councils (codes E06, E08, E09, E10; files with district codes E07 are skipped) is a hex
  layout the map may choose; the boundaries file is ``onsvisual-uk-topojson/topo.json``,
  else ``ons-ctyua-may2021-buc/Counties_and_Unitary_Authorities_(May_2021)_UK_BUC.geojson``.
- ``UPTAKE_HEXJSON``: one or more HexJSON files (separated by ``:``, or ``;`` on Windows)
  used instead of the folder search, e.g. Open Innovations' ``uk-utla-2023.hexjson``
  (https://github.com/odileeds/hexmaps).
- ``UPTAKE_BOUNDARIES``: a TopoJSON or GeoJSON file of upper-tier council boundaries in
  longitude/latitude, used instead of the folder's. ONS Open Geography Portal's "Counties and
  Unitary Authorities (<month> <year>) Boundaries UK BUC" GeoJSON works as downloaded (field
  ``CTYUAyyCD``); a TopoJSON layer with ``areacd``/``areanm`` and optional ``start``/``end``
  years (inclusive) is filtered to the year a financial year starts in.

For each period the map draws the hex layout whose council codes best match the councils with
data (fewest councils left without a hex, then fewest hexes without data) and says which
boundary year that layout represents, worked out from the warehouse's council lifetimes.
A recode or a same-boundary merger is the same area, so its data is drawn on the hex or shape
under the other code: Barnsley E08000016 -> E08000038, and Buckinghamshire, North Yorkshire and
Somerset, one series each under their unitary codes (E06000060, E06000065, E06000066) for every
year, drawn on their county's shape in layouts and boundary years older than the unitary. A
split or a merger of several councils is not (Northamptonshire to 2020-21, then North and West
Northamptonshire; Cumbria to 2022-23, then Cumberland and Westmorland and Furness).

The reader's own council and region travel in the URL (`council=`, `region=`): `council_code`
finds the council a reader typed, `region_of` which region each drawn code is in.
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_GEO_DIR = PROJECT.parent / "shared" / "geo"
DEFAULT_BOUNDARIES = ("onsvisual-uk-topojson/topo.json",
                      "ons-ctyua-may2021-buc/Counties_and_Unitary_Authorities_(May_2021)_UK_BUC.geojson")
COUNCIL_PREFIXES = ("E06", "E08", "E09", "E10")
SQRT3 = math.sqrt(3)
# Longitude is scaled by cos(52.5 degrees), England's middle latitude: an equirectangular
# projection that keeps shapes close to true without a map library.
LON_SCALE = math.cos(math.radians(52.5))
SIMPLIFY_DEGREES = 0.006          # about 400-650 m, a pixel at page scale: half the points

ATTRIBUTIONS = {
    "uk-utla-2023.hexjson": "Hex layout: Open Innovations hexmaps (upper-tier local authorities 2023), MIT licence.",
    "uk-upper-tier-local-authorities.hexjson": "Hex layout: Open Innovations (ODI Leeds) hexmaps, "
                                               "upper-tier local authorities, MIT licence.",
    "topo.json": "Boundaries: ONS Digital UK TopoJSON (simplified), Open Government Licence v3. "
                 "Contains OS data \u00a9 Crown copyright and database right.",
}
BOUNDARY_ATTRIBUTION = ("Boundaries: Office for National Statistics, Open Government Licence v3. "
                        "Contains OS data \u00a9 Crown copyright and database right.")


class GeographyUnavailable(RuntimeError):
    """A geography file is missing or unreadable: the message names the path and the variable."""


# ---------------------------------------------------------------- where the files are

def geo_dir() -> Path:
    return Path(os.environ.get("UPTAKE_GEO_DIR") or DEFAULT_GEO_DIR).expanduser()


def hexjson_paths() -> list[Path]:
    """The HexJSON files to choose from: UPTAKE_HEXJSON, else those found under the folder."""
    explicit = os.environ.get("UPTAKE_HEXJSON")
    if explicit:
        paths = [Path(p).expanduser() for p in explicit.split(os.pathsep) if p.strip()]
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise GeographyUnavailable(
                f"No HexJSON file at {missing[0]}: set UPTAKE_HEXJSON to the path of a HexJSON file of "
                "upper-tier councils (or unset it to use the files in UPTAKE_GEO_DIR).")
        return paths
    folder = geo_dir()
    found = sorted(p for p in folder.rglob("*.hexjson") if p.is_file()) if folder.is_dir() else []
    councils = [p for p in found if _is_council_hexjson(p)]
    if not councils:
        raise GeographyUnavailable(
            f"No HexJSON layout of upper-tier councils in {folder}. Set UPTAKE_GEO_DIR to the folder "
            "holding the geography files, or UPTAKE_HEXJSON to a HexJSON file (for example "
            "uk-utla-2023.hexjson from https://github.com/odileeds/hexmaps).")
    return councils


def boundaries_path() -> Path:
    explicit = os.environ.get("UPTAKE_BOUNDARIES")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise GeographyUnavailable(
                f"No boundaries file at {path}: set UPTAKE_BOUNDARIES to a TopoJSON or GeoJSON file of "
                "upper-tier council boundaries (or unset it to use the file in UPTAKE_GEO_DIR).")
        return path
    folder = geo_dir()
    for name in DEFAULT_BOUNDARIES:
        if (folder / name).is_file():
            return folder / name
    raise GeographyUnavailable(
        f"No boundaries file in {folder} (looked for {' or '.join(DEFAULT_BOUNDARIES)}). Set "
        "UPTAKE_GEO_DIR to the folder holding the geography files, or UPTAKE_BOUNDARIES to a GeoJSON "
        "file such as ONS \"Counties and Unitary Authorities (May 2021) Boundaries UK BUC\".")


def is_council(code: str) -> bool:
    return isinstance(code, str) and code.startswith(COUNCIL_PREFIXES)


def _is_council_hexjson(path: Path) -> bool:
    try:
        return _holds_councils(path, path.stat().st_mtime_ns)
    except OSError:
        return False


@lru_cache(maxsize=64)
def _holds_councils(path: Path, mtime_ns: int) -> bool:
    """Whether a HexJSON file is a layout of upper-tier councils: once per file version, as the
    folder is searched on every map request and a layout holds hundreds of hexes."""
    try:
        hexes = _read_json(path, mtime_ns).get("hexes", {})
    except (OSError, ValueError, AttributeError):
        return False
    codes = [str(h.get("id", key)) for key, h in hexes.items()]
    return sum(map(is_council, codes)) >= 20 and not any(c.startswith("E07") for c in codes)


@lru_cache(maxsize=16)
def _read_json(path: Path, mtime_ns: int) -> dict:
    with open(path, encoding="utf-8-sig") as handle:
        return json.load(handle)


# ---------------------------------------------------------------- hex geometry

def hex_centre(q: int, r: int, layout: str = "odd-r") -> tuple[float, float]:
    """Centre of a unit hex (centre to corner 1) with r growing northwards, as HexJSON files
    from Open Innovations are drawn. Row layouts are pointy-topped: odd-r shifts odd rows half
    a hex east, even-r even rows. Column layouts are flat-topped: odd-q shifts odd columns half
    a hex north, even-q even columns."""
    if layout in ("odd-r", "even-r"):
        shifted = (r % 2 == 1) == (layout == "odd-r")
        return SQRT3 * (q + 0.5 * shifted), 1.5 * r
    if layout in ("odd-q", "even-q"):
        shifted = (q % 2 == 1) == (layout == "odd-q")
        return 1.5 * q, SQRT3 * (r + 0.5 * shifted)
    raise ValueError(f"unknown HexJSON layout {layout!r}: expected odd-r, even-r, odd-q or even-q")


def hex_corners(q: int, r: int, layout: str = "odd-r") -> list[tuple[float, float]]:
    """The six corners, clockwise from the top (pointy) or the west (flat), then the first
    again to close the ring."""
    x, y = hex_centre(q, r, layout)
    start = 90 if layout.endswith("-r") else 180
    corners = [(round(x + math.cos(math.radians(start - 60 * k)), 6),
                round(y + math.sin(math.radians(start - 60 * k)), 6)) for k in range(6)]
    return corners + corners[:1]


@dataclass(frozen=True)
class Hex:
    code: str
    name: str
    q: int
    r: int
    centre: tuple[float, float]
    corners: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class HexMap:
    path: Path
    layout: str
    hexes: dict[str, Hex]          # English upper-tier councils only, by code

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self.hexes)

    @property
    def attribution(self) -> str:
        # Public text names what the layout is, never the file it came from.
        return ATTRIBUTIONS.get(self.path.name, "Hex layout: a HexJSON layout of upper-tier councils.")


def parse_hexjson(data: dict, path: Path = Path("layout.hexjson")) -> HexMap:
    layout = data.get("layout", "odd-r")
    hexes = {}
    for key, cell in data.get("hexes", {}).items():
        code = str(cell.get("id", key))
        if not is_council(code):
            continue
        q, r = int(cell["q"]), int(cell["r"])
        hexes[code] = Hex(code, str(cell.get("n") or cell.get("name") or code), q, r,
                          hex_centre(q, r, layout), tuple(hex_corners(q, r, layout)))
    return HexMap(path, layout, hexes)


@lru_cache(maxsize=16)
def _hexmap(path: Path, mtime_ns: int) -> HexMap:
    try:
        return parse_hexjson(_read_json(path, mtime_ns), path)
    except (ValueError, KeyError, TypeError) as error:
        raise GeographyUnavailable(f"Cannot read the HexJSON file {path} ({error}). Set UPTAKE_HEXJSON "
                                   "to a valid HexJSON file of upper-tier councils.") from error


def load_hexmaps() -> list[HexMap]:
    """Every available hex layout, parsed once per file version."""
    return [_hexmap(path, path.stat().st_mtime_ns) for path in hexjson_paths()]


# ---------------------------------------------------------------- boundaries

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Shape:
    """One council's outline: polygons of rings (the first ring outer, the rest holes), in
    projected x = longitude x cos(52.5 degrees), y = latitude."""
    code: str
    name: str
    start: int | None
    end: int | None
    polygons: tuple[tuple[Ring, ...], ...]

    def alive(self, year: int) -> bool:
        return (self.start is None or self.start <= year) and (self.end is None or year <= self.end)

    @property
    def area(self) -> float:
        return sum(abs(_ring_area(polygon[0])) - sum(abs(_ring_area(h)) for h in polygon[1:])
                   for polygon in self.polygons)

    @property
    def centre(self) -> tuple[float, float]:
        biggest = max((p[0] for p in self.polygons), key=lambda ring: abs(_ring_area(ring)))
        xs, ys = zip(*biggest)
        return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


@dataclass(frozen=True)
class BoundarySet:
    path: Path
    kind: str                      # "TopoJSON" or "GeoJSON"
    shapes: tuple[Shape, ...]

    @property
    def has_years(self) -> bool:
        return any(s.start is not None or s.end is not None for s in self.shapes)

    def for_year(self, year: int) -> list[Shape]:
        return [s for s in self.shapes if s.alive(year)]

    @property
    def attribution(self) -> str:
        return ATTRIBUTIONS.get(self.path.name, BOUNDARY_ATTRIBUTION)


def _ring_area(ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: keep the end points and every point further than `tolerance` from the
    line its neighbours would leave."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x0, y0), (x1, y1) = points[first], points[last]
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy)
        worst, index = 0.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            distance = (abs(dy * (px - x0) - dx * (py - y0)) / length if length
                        else math.hypot(px - x0, py - y0))
            if distance > worst:
                worst, index = distance, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep) if kept]


def _project(lon: float, lat: float) -> tuple[float, float]:
    return round(lon * LON_SCALE, 4), round(lat, 4)


def _property(properties: dict, exact: tuple[str, ...], pattern: str) -> str | None:
    for key in exact:
        if properties.get(key):
            return str(properties[key])
    for key, value in properties.items():
        if re.search(pattern, key, re.IGNORECASE) and value:
            return str(value)
    return None


def _code_and_name(properties: dict, fallback_id=None) -> tuple[str | None, str | None]:
    code = _property(properties, ("areacd", "code", "gss_code"), r"^[a-z]+\d\dcd$") or (
        str(fallback_id) if fallback_id else None)
    name = _property(properties, ("areanm", "name"), r"^[a-z]+\d\dnm$") or code
    return code, name


def _year(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _clean_polygon(rings: list[list[tuple[float, float]]]) -> tuple[Ring, ...] | None:
    kept = []
    for ring in rings:
        projected = []
        for lon, lat in ring:
            point = _project(lon, lat)
            if not projected or projected[-1] != point:
                projected.append(point)
        if len(projected) >= 4:
            kept.append(tuple(projected))
    return tuple(kept) if kept else None


def decode_topojson(topology: dict, object_name: str | None = None,
                    tolerance: float = SIMPLIFY_DEGREES) -> list[tuple[dict, list]]:
    """(properties, polygons as lists of lon/lat rings) for each geometry of one object.
    Arcs are simplified before rings are built, so neighbours keep a shared edge."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x, y = x + dx, y + dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(p[0], p[1]) for p in arc]
        arcs.append(simplify(points, tolerance) if tolerance else points)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for index in indexes:
            part = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(part if not points else part[1:])
        return points

    name = object_name or choose_topojson_object(topology)
    decoded = []
    for geometry in topology["objects"][name].get("geometries", []):
        kind = geometry.get("type")
        if kind == "Polygon":
            polygons = [[ring(r) for r in geometry["arcs"]]]
        elif kind == "MultiPolygon":
            polygons = [[ring(r) for r in polygon] for polygon in geometry["arcs"]]
        else:
            continue
        decoded.append(({**geometry.get("properties", {}), "_id": geometry.get("id")}, polygons))
    return decoded


def choose_topojson_object(topology: dict) -> str:
    """The object of upper-tier councils: the most council codes, and no district (E07) codes."""
    def score(item):
        name, obj = item
        codes = [_code_and_name(g.get("properties", {}), g.get("id"))[0] for g in obj.get("geometries", [])]
        if any(c and c.startswith("E07") for c in codes):
            return (-1, name == "utla")
        return (sum(map(is_council, codes)), name == "utla")
    return max(topology["objects"].items(), key=score)[0]


def parse_boundaries(data: dict, path: Path = Path("boundaries.json")) -> BoundarySet:
    if data.get("type") == "Topology":
        features, kind = decode_topojson(data), "TopoJSON"
    elif data.get("type") == "FeatureCollection":
        features, kind = [], "GeoJSON"
        for feature in data["features"]:
            geometry = feature.get("geometry") or {}
            if geometry.get("type") == "Polygon":
                polygons = [geometry["coordinates"]]
            elif geometry.get("type") == "MultiPolygon":
                polygons = geometry["coordinates"]
            else:
                continue
            polygons = [[simplify([tuple(p[:2]) for p in r], SIMPLIFY_DEGREES) for r in polygon]
                        for polygon in polygons]
            features.append(({**(feature.get("properties") or {}), "_id": feature.get("id")}, polygons))
    else:
        raise ValueError("neither a TopoJSON Topology nor a GeoJSON FeatureCollection")
    shapes = []
    for properties, polygons in features:
        code, name = _code_and_name(properties, properties.get("_id"))
        if not is_council(code):
            continue
        cleaned = [p for p in (_clean_polygon(rings) for rings in polygons) if p]
        if cleaned:
            shapes.append(Shape(code, name, _year(properties.get("start")), _year(properties.get("end")),
                                tuple(cleaned)))
    if not shapes:
        raise ValueError("no English upper-tier council (E06, E08, E09, E10 codes) in the file")
    return BoundarySet(path, kind, tuple(shapes))


@lru_cache(maxsize=4)
def _boundaries(path: Path, mtime_ns: int) -> BoundarySet:
    try:
        return parse_boundaries(_read_json(path, mtime_ns), path)
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise GeographyUnavailable(f"Cannot read the boundaries file {path} ({error}). Set UPTAKE_BOUNDARIES "
                                   "to a TopoJSON or GeoJSON file of upper-tier council boundaries.") from error


def load_boundaries() -> BoundarySet:
    path = boundaries_path()
    return _boundaries(path, path.stat().st_mtime_ns)


# ---------------------------------------------------------------- codes, years and matching

def period_year(period: str) -> int:
    """'2017-18' -> 2017: the boundaries in force during a financial year are those of 1 April."""
    return int(period[:4])


def period_of(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def same_area_codes(changes: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Codes that name the same area: recodes and one-to-one mergers (same boundary), chained."""
    parent: dict[str, str] = {}

    def root(code: str) -> str:
        while parent.setdefault(code, code) != code:
            code = parent[code]
        return code

    for row in changes.itertuples():
        old = [c for c in str(row.old_codes or "").split(";") if c]
        new = [c for c in str(row.new_codes or "").split(";") if c]
        if len(old) == 1 and len(new) == 1 and row.kind in ("recode", "merger"):
            parent[root(old[0])] = root(new[0])
    groups: dict[str, set[str]] = {}
    for code in list(parent):
        groups.setdefault(root(code), set()).add(code)
    return {code: frozenset(group) for group in groups.values() for code in group}


def code_lifetimes(areas: pd.DataFrame, changes: pd.DataFrame) -> dict[str, tuple[str | None, str | None]]:
    """Code -> (first period, last period) it was in use, None where open-ended: from the
    warehouse's areas, plus codes only the change list knows (Barnsley's E08000016)."""
    lifetimes = {}
    for row in areas.itertuples():
        first = row.first_period if isinstance(row.first_period, str) and row.first_period else None
        last = row.last_period if isinstance(row.last_period, str) and row.last_period else None
        lifetimes[row.area_code] = (first, last)
    for row in changes.itertuples():
        year = pd.Timestamp(row.effective_date).year
        for code in str(row.old_codes or "").split(";"):
            if code and code not in lifetimes:
                lifetimes[code] = (None, period_of(year - 1))
        for code in str(row.new_codes or "").split(";"):
            if code and code not in lifetimes:
                lifetimes[code] = (period_of(year), None)
    return lifetimes


def valid_periods(codes, lifetimes) -> tuple[str | None, str | None]:
    """The range of periods in which every code was in use: (latest start, earliest end)."""
    firsts = [lifetimes[c][0] for c in codes if c in lifetimes and lifetimes[c][0]]
    lasts = [lifetimes[c][1] for c in codes if c in lifetimes and lifetimes[c][1]]
    return (max(firsts) if firsts else None, min(lasts) if lasts else None)


def boundary_label(codes, lifetimes) -> str:
    """'April 2023 boundaries (valid 2023-24 to 2024-25)', from the codes a layout holds."""
    first, last = valid_periods(codes, lifetimes)
    if first and last and first > last:
        return "mixed boundaries (its codes were never all in use together)"
    if first:
        until = f" to {last}" if last and last != first else ""
        return f"April {first[:4]} boundaries (valid {first}{until})" if last else \
            f"April {first[:4]} boundaries (valid from {first})"
    if last:
        return f"boundaries valid up to {last}"
    return "boundaries of unknown year"


def boundary_year(codes, lifetimes) -> int | None:
    first, last = valid_periods(codes, lifetimes)
    return period_year(first) if first else (period_year(last) if last else None)


@dataclass(frozen=True)
class Placement:
    """Which geography unit each council with data is drawn on."""
    drawn: dict[str, str]          # data code -> geography code
    unplaced: tuple[str, ...]      # councils with data and no hex or shape
    empty: tuple[str, ...]         # geography codes no council's data is drawn on

    @property
    def score(self) -> tuple[int, int]:
        return len(self.unplaced), len(self.empty)


def place(data_codes, geo_codes, same_area: dict[str, frozenset[str]] | None = None) -> Placement:
    """Match councils to geography codes: the same code, else a code for the same area."""
    same_area = same_area or {}
    geo = set(geo_codes)
    drawn, unplaced = {}, []
    for code in sorted(set(data_codes)):
        if code in geo:
            drawn[code] = code
            continue
        others = sorted((same_area.get(code, frozenset()) & geo) - set(drawn.values()))
        if others:
            drawn[code] = others[0]
        else:
            unplaced.append(code)
    used = set(drawn.values())
    return Placement(drawn, tuple(unplaced), tuple(sorted(geo - used)))


def choose_hexmap(data_codes, hexmaps: list[HexMap], period: str, same_area=None,
                  lifetimes=None) -> tuple[HexMap, Placement]:
    """The layout whose codes best match the councils with data: fewest councils without a
    hex, then fewest hexes without data, then the boundary year nearest the period."""
    year = period_year(period)

    def key(item):
        hexmap, placement = item
        boundary = boundary_year(hexmap.codes, lifetimes or {})
        return (*placement.score, abs(boundary - year) if boundary is not None else 99)

    return min(((h, place(data_codes, h.codes, same_area)) for h in hexmaps), key=key)


# ---------------------------------------------------------------- the reader's council and region

def council_code(text: str | None, councils: pd.DataFrame, period: str | None = None) -> str | None:
    """The council a reader named, by its code or its name in any case; None when none matches.
    Where two councils share a name (Dorset's county to 2018-19, its unitary council from
    2019-20), the one in use in `period`, else the newest. `councils` has area_code, area_name,
    first_period and last_period."""
    wanted = (text or "").strip()
    if not wanted:
        return None
    if wanted in set(councils["area_code"]):
        return wanted
    named = councils[councils["area_name"].str.casefold() == wanted.casefold()]
    if named.empty:
        return None
    if period and len(named) > 1:
        first = named["first_period"].fillna("0000-00")
        last = named["last_period"].fillna("9999-99")
        alive = named[(first <= period) & (period <= last)]
        named = alive if len(alive) else named
    return named.sort_values("first_period", na_position="first").iloc[-1]["area_code"]


def region_of(codes, councils: pd.DataFrame, same_area: dict[str, frozenset[str]] | None = None) -> list:
    """Each code's region (None if unknown): a geography code the warehouse does not hold (a
    layout's older code for the same area) takes the region of a code for the same area."""
    regions = dict(zip(councils["area_code"], councils["region_code"]))
    same_area = same_area or {}

    def find(code):
        if code in regions:
            return regions[code]
        return next((regions[other] for other in sorted(same_area.get(code, ())) if other in regions), None)
    return [find(code) for code in codes]


def unknown_place(query: dict[str, str], region: str | None, council: str | None) -> str | None:
    """Why a chart request naming a region or council cannot be answered as asked (the page
    found neither), or None: an embedded chart must show what its URL says, so an unknown one
    is refused rather than dropped. All England is region=E92000001, or no region."""
    asked_region = query.get("region", "")
    if asked_region not in ("", "E92000001") and region is None:
        return (f"region={asked_region[:40]!r} is not a region: give a region's code (E12...), or leave it out "
                "for all England.")
    if query.get("council", "").strip() and council is None:
        return f"council={query['council'][:40]!r} is not a council: give its code or name."
    return None
