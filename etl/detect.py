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


# typed=True: True, 1 and 1.0 are one dict key, but True reads "true" and the others "1".
@lru_cache(maxsize=65536, typed=True)  # the same headers and labels are compared over and over
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
    sheet: str | None = None   # where it came closest
    row_number: int | None = None

    def describe(self) -> str:
        """Why no layout recognised the file, for the build report and --strict's error."""
        if self.closest is None:
            return "no known layout's headers appear in it"
        where = "" if self.row_number is None else \
            (f", sheet '{self.sheet}' row {self.row_number}" if self.sheet else f", row {self.row_number}")
        found = "all its headers" if self.score > 0.98 else f"{self.score:.0%} of its signature"
        return (f"closest layout '{self.closest.layout_id}' ({found}{where}), "
                f"missing: {', '.join(self.missing)}")


# Past the rows a layout searches, detection looks this far down only to say where the
# headers went when a file matched nothing (a title block grown by a few dozen rows).
DEEP_SEARCH_ROWS = 1000


def _missing_headers(present: set[str], signature: tuple[str, ...]) -> list[str]:
    return [header for header in signature if normalise_header(header) not in present]


@lru_cache(maxsize=256)
def _signature_set(headers: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalise_header(header) for header in headers)


def _title_found(layout: Layout, rows_above: list[list[object]]) -> bool:
    pattern = layout.title_pattern
    return pattern is None or any(pattern.search(cell_text(cell))
                                  for row in rows_above for cell in row if cell)


def _name_fits(layout: Layout, sheet: Sheet) -> bool:
    return layout.sheet_pattern is None or bool(layout.sheet_pattern.search(sheet.name or ""))


def _present(rows: list[list[object]]) -> list[set[str]]:
    return [{normalise_header(cell) for cell in row if cell is not None} for row in rows]


def detect_layouts(sheets: list[Sheet], layouts: list[Layout]) -> tuple[list[Match], NoMatch]:
    """Every (layout, sheet) whose signature row lies within the layout's first
    header_search_rows rows, with its title above and its sheet name fitting; else the
    layout that came closest and what it lacked."""
    matches: list[Match] = []
    closest = NoMatch(closest=None, missing=[], score=0.0)
    if not layouts:
        return matches, closest
    signatures = [_signature_set(layout.signature) for layout in layouts]   # once, not per sheet
    wanted = frozenset().union(*signatures)
    deepest = max(l.header_search_rows for l in layouts)
    for sheet in sheets:
        head = sheet.head(deepest)
        # Only signature headers matter to the tests below; a row with none of any layout's
        # (most rows: titles, notes, data) scores 0 for every layout, which never beats the
        # closest so far, so it is passed over once rather than once per layout.
        present_by_row = [(index, present & wanted) for index, present in enumerate(_present(head))]
        relevant_rows = [(index, present) for index, present in present_by_row if present]
        for layout, signature in zip(layouts, signatures):
            name_fits = _name_fits(layout, sheet)
            found = None
            rows = relevant_rows if signature else present_by_row
            for index, present in rows:
                if index >= layout.header_search_rows:
                    break
                absent = len(signature - present)
                # Cheap test first: only a row near the best so far is worth naming what it lacks.
                if absent and 1 - absent / len(signature) <= closest.score:
                    continue
                missing = _missing_headers(present, layout.signature) if absent else []
                title_found = not missing and _title_found(layout, head[:index])
                if not missing and title_found and name_fits:
                    found = index
                    break
                score = 1 - len(missing) / len(layout.signature) - (0 if missing else 0.01)
                if score > closest.score:
                    if not missing:  # all headers: the title or the sheet name let it down
                        missing = ([] if title_found else
                                   [f"a title like /{layout.title_pattern.pattern}/ above them"]) + \
                                  ([] if name_fits else
                                   [f"a sheet name like /{layout.sheet_pattern.pattern}/ " +
                                    (f"(this sheet is '{sheet.name}')" if sheet.name
                                     else "(a CSV file has no sheet name)")])
                    closest = NoMatch(layout, missing, score, sheet.name,
                                      sheet.first_row_number + index)
            if found is not None:
                matches.append(Match(layout, sheet, found))
                break
    if not matches:
        closest = _headers_further_down(sheets, layouts) or closest
    return matches, closest


def _headers_further_down(sheets: list[Sheet], layouts: list[Layout]) -> NoMatch | None:
    """A layout whose whole signature (and title, and sheet name) sits below the rows it
    searches: the nearest miss of all, and the message says where."""
    for sheet in sheets:
        head = sheet.head(DEEP_SEARCH_ROWS)
        present_by_row = _present(head)
        for layout in layouts:
            if not _name_fits(layout, sheet):
                continue
            for index in range(layout.header_search_rows, len(present_by_row)):
                if not _missing_headers(present_by_row[index], layout.signature) \
                        and _title_found(layout, head[:index]):
                    row_number = sheet.first_row_number + index
                    return NoMatch(layout, [
                        f"its headers within the first {layout.header_search_rows} rows (they are "
                        f"at row {row_number}: delete the rows above them, or raise "
                        f"header_search_rows in {layout.path.name})"], 0.995, sheet.name, row_number)
    return None
