"""The registry: every publication layout the ETL reads, described as data (layouts/*.toml).

A layout says how to recognise a file by its content (signature headers), where its period
comes from, which column holds the area, and how columns become tidy observations. The
generic code in detect.py and extract.py does the rest.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

LAYOUT_DIR = Path(__file__).with_name("layouts")


@dataclass(frozen=True)
class ColumnGroup:
    """Columns of a wide table that together make one observation per data row."""
    measure_id: str
    age_band: str
    client_group: str
    value: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    note: str | None = None         # a transcription note about these columns only


@dataclass(frozen=True)
class Layout:
    layout_id: str
    shape: str                      # "wide" (one row per area) or "long" (one row per observation)
    signature: tuple[str, ...]      # header cells that must all appear in one row
    columns: dict[str, str]         # role -> header text (area, note, period, measure_id, ...)
    period: dict[str, str]          # where the period is read: {"meta": key} or {"column": role}
    source: dict[str, str]          # default publication metadata when the file carries none
    groups: tuple[ColumnGroup, ...] = ()
    rounding: dict[str, object] = field(default_factory=dict)
    sheets: tuple[str, ...] = ()    # sheet names to look in (workbooks); empty = all
    header_search_rows: int = 30
    path: Path | None = None


def _layout_from_toml(path: Path) -> Layout:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        return Layout(
            layout_id=data["id"],
            shape=data["shape"],
            signature=tuple(data["signature"]["header"]),
            columns=dict(data.get("columns", {})),
            period=dict(data["period"]),
            source=dict(data.get("source", {})),
            groups=tuple(ColumnGroup(**group) for group in data.get("groups", [])),
            rounding=dict(data.get("rounding", {})),
            sheets=tuple(data.get("sheets", ())),
            header_search_rows=int(data.get("header_search_rows", 30)),
            path=path,
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"{path}: layout is missing or misnames a key ({error}).") from error


def load_layouts(directory: Path = LAYOUT_DIR) -> list[Layout]:
    layouts = [_layout_from_toml(path) for path in sorted(directory.glob("*.toml"))]
    seen: set[str] = set()
    for layout in layouts:
        if layout.layout_id in seen:
            raise ValueError(f"{layout.path}: layout id '{layout.layout_id}' is used twice.")
        seen.add(layout.layout_id)
    return layouts
