"""Recognise layouts from content: each layout's signature headers, title and sheet name.

A workbook may hold several recognised tables (SALT has T37, T38 and T39), so detection
returns every (layout, sheet) match; a sheet matches at most one layout.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .readers import Sheet, cell_text
from .registry import Layout

_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " "})


@lru_cache(maxsize=65536)  # the same headers and labels are compared over and over
def normalise_header(text: object) -> str:
    """Headers match ignoring case, spacing and line breaks and the kind of dash printed."""
    return " ".join(cell_text(text).translate(_DASHES).casefold().split())


@dataclass
class Match:
    layout: Layout
    sheet: Sheet
    header_index: int          # index into sheet.rows of the signature row


@dataclass
class NoMatch:
    closest: Layout | None
    missing: list[str]         # what the closest layout looked for and did not find
    score: float


def _missing_headers(present: set[str], signature: tuple[str, ...]) -> list[str]:
    return [header for header in signature if normalise_header(header) not in present]


def _title_found(layout: Layout, rows_above: list[list[object]]) -> bool:
    pattern = layout.title_pattern
    return pattern is None or any(pattern.search(cell_text(cell))
                                  for row in rows_above for cell in row if cell)


def detect_layouts(sheets: list[Sheet], layouts: list[Layout]) -> tuple[list[Match], NoMatch]:
    matches: list[Match] = []
    closest = NoMatch(closest=None, missing=[], score=0.0)
    for sheet in sheets:
        candidates = [l for l in layouts
                      if l.sheet_pattern is None or l.sheet_pattern.search(sheet.name or "")]
        if not candidates:
            continue
        head = sheet.head(max(l.header_search_rows for l in candidates))
        present_by_row = [{normalise_header(cell) for cell in row if cell is not None} for row in head]
        for layout in candidates:
            found = None
            for index, present in enumerate(present_by_row[: layout.header_search_rows]):
                missing = _missing_headers(present, layout.signature)
                if not missing and _title_found(layout, head[:index]):
                    found = index
                    break
                score = 1 - len(missing) / len(layout.signature) - (0 if missing else 0.01)
                if score > closest.score:
                    closest = NoMatch(layout, missing or [f"title like /{layout.title_pattern.pattern}/"
                                                          if layout.title_pattern else "?"], score)
            if found is not None:
                matches.append(Match(layout, sheet, found))
                break
    return matches, closest
