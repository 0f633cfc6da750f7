"""Recognise a file's layout from its content: the header cells each layout's signature names."""
from __future__ import annotations

from dataclasses import dataclass

from .readers import Sheet, cell_text
from .registry import Layout

_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " "})


def normalise_header(text: object) -> str:
    """Headers match ignoring case, spacing and the kind of dash a publication printed."""
    return " ".join(cell_text(text).translate(_DASHES).casefold().split())


@dataclass
class Match:
    layout: Layout
    sheet: Sheet
    header_index: int          # index into sheet.rows


@dataclass
class NoMatch:
    closest: Layout | None
    missing: list[str]         # signature headers of the closest layout not found
    score: float


def _score_row(row: list[object], signature: tuple[str, ...]) -> tuple[float, list[str]]:
    present = {normalise_header(cell) for cell in row}
    missing = [header for header in signature if normalise_header(header) not in present]
    return 1 - len(missing) / len(signature), missing


def detect_layout(sheets: list[Sheet], layouts: list[Layout]) -> Match | NoMatch:
    best = NoMatch(closest=None, missing=[], score=0.0)
    for layout in layouts:
        for sheet in sheets:
            if layout.sheets and sheet.name not in layout.sheets:
                continue
            for index, row in enumerate(sheet.rows[: layout.header_search_rows]):
                score, missing = _score_row(row, layout.signature)
                if score == 1:
                    return Match(layout=layout, sheet=sheet, header_index=index)
                if score > best.score:
                    best = NoMatch(closest=layout, missing=missing, score=score)
    return best
