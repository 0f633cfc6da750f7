"""The registry: every publication layout the ETL reads, described as data (layouts/*.toml).

A layout says how to recognise a file by its content (signature headers, title, sheet name),
where its period comes from, how rows name their area, and how cells become observations:
- shape "wide": fixed column groups, one observation per group per row (a printed table);
- shape "long": one observation, or one role of one (numerator, denominator, value), per row;
- shape "columns": rules match each column's header and say what its cells contribute to.
Generic code in detect.py, extract.py and transform.py does the rest.
In every shape a data row is one area's (wide, columns: with its row labels) or one
observation's role (long): a second row with the same identity is refused as a duplicate.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LAYOUT_DIR = Path(__file__).with_name("layouts")
# "reference": a file recognised as a lookup the reference tables were written from (not a
# publication of figures): named in the build report as such, loads nothing, never fails --strict.
SHAPES = {"wide", "long", "columns", "reference"}
# A key under the wrong [table] in TOML is silently a different key: name what each may hold.
SECTION_KEYS = {
    "signature": {"header", "title_pattern", "sheet_pattern", "header_rows_above", "header_rows_filled"},
    "period": {"meta", "column", "title", "title_mid_year", "filename", "filename_year_is_end",
               "filename_short_years", "from_column_groups"},
    "source": {"title", "publisher", "licence", "cites", "meta_sheet", "precedence", "url"},
    "rows": {"area_code_columns", "area_name_column", "area_label_column_index",
             "area_label_pattern", "area_cassr_column", "area_cassr_column_index", "fixed_area",
             "keep_area_codes", "keep_where", "skip_where", "dims", "header_notes",
             "area_from_sheet_name"},
    "rounding": {"counts_to", "counts_to_meta"},
    "long": {"value", "numerator", "denominator", "role", "measure_id", "age_band",
             "client_group", "unit", "note", "citation"},
}
TOP_LEVEL_KEYS = {"id", "shape", "description", "signature", "period", "source", "rows",
                  "markers", "rounding", "groups", "long", "column_rules", "maps",
                  "header_search_rows", "suppressed_in_sums", "measure_from_title", "period_maps"}


@lru_cache(maxsize=65536, typed=True)  # labels repeat on every row; True and 1 differ
def map_key(text: object) -> str:
    """Keys of value maps ignore case, spacing and punctuation: '1C(1A)' and '1C1A' agree."""
    return re.sub(r"[^0-9a-z+]+", "", str(text or "").casefold())


@dataclass(frozen=True)
class Layout:
    layout_id: str
    shape: str
    config: dict
    path: Path

    def section(self, name: str) -> dict:
        return self.config.get(name, {})

    @property
    def signature(self) -> tuple[str, ...]:
        return tuple(self.section("signature")["header"])

    @property
    def title_pattern(self) -> re.Pattern | None:
        pattern = self.section("signature").get("title_pattern")
        return re.compile(pattern, re.IGNORECASE) if pattern else None

    @property
    def sheet_pattern(self) -> re.Pattern | None:
        pattern = self.section("signature").get("sheet_pattern")
        return re.compile(pattern, re.IGNORECASE) if pattern else None

    @property
    def header_search_rows(self) -> int:
        return int(self.config.get("header_search_rows", 30))

    def value_map(self, name: str) -> dict[str, str]:
        """A map from the [maps] section, keyed by map_key."""
        return {map_key(k): v for k, v in self.section("maps").get(name, {}).items()}


def _validate(data: dict, path: Path) -> Layout:
    unknown = set(data) - TOP_LEVEL_KEYS
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}; known: {sorted(TOP_LEVEL_KEYS)}.")
    for section, allowed in SECTION_KEYS.items():
        misplaced = set(data.get(section, {})) - allowed
        if misplaced:
            raise ValueError(f"{path}: [{section}] has unknown keys {sorted(misplaced)}; "
                             f"known: {sorted(allowed)}. (A key written below a [table] header "
                             "belongs to that table.)")
    for key in ("id", "shape", "signature") + (() if data.get("shape") == "reference" else ("period",)):
        if key not in data:
            raise ValueError(f"{path}: layout needs a '{key}'.")
    if data["shape"] not in SHAPES:
        raise ValueError(f"{path}: shape '{data['shape']}' is not one of {sorted(SHAPES)}.")
    return Layout(layout_id=data["id"], shape=data["shape"], config=data, path=path)


def load_layouts(directory: Path = LAYOUT_DIR) -> list[Layout]:
    layouts = [_validate(tomllib.loads(path.read_text(encoding="utf-8")), path)
               for path in sorted(directory.glob("*.toml"))]
    seen: set[str] = set()
    for layout in layouts:
        if layout.layout_id in seen:
            raise ValueError(f"{layout.path}: layout id '{layout.layout_id}' is used twice.")
        seen.add(layout.layout_id)
    return layouts
