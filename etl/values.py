"""Turn a published cell's text into a number and a value status.

The statuses are the warehouse contract's: published, suppressed, not_applicable, missing
(derived is set by transforms, never by parsing).
"""
from __future__ import annotations

import math
import re

# Markers as printed across ASCOF, SALT and PSS-EX1 publications.
MARKER_STATUS = {
    "[c]": "suppressed",
    "*": "suppressed",
    "[x]": "not_applicable",
    "[z]": "not_applicable",
    "..": "missing",
    "-": "missing",
    "": "missing",
}

# Thousands separators must group digits in threes: "1,234" is a number, "1,23" is not.
# ASCII digits only: \d would also take Arabic-Indic or full-width digits, which no
# publication prints and which would more likely mean a mis-decoded file.
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$", re.ASCII)
_PERCENT = re.compile(r"^(?P<number>.+?)\s?%$")


class ValueParseError(ValueError):
    """The text is neither a number nor a known marker; `hint` says what to do, where the
    usual advice (correct the cell, or declare a new marker) does not fit."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


class UntrustedCell(str):
    """A workbook cell whose saved value cannot be trusted: a formula saved without its result,
    or a link to another workbook (its value is whatever that file held when this one was last
    saved). It reads as the text the spreadsheet reader gave, so headers and labels match as
    before; parse_value refuses it, so a value the build would load is never taken from it.
    etl/workbook_guard.py finds these cells; etl/readers.py puts them in the grid."""

    problem: str
    hint: str

    def __new__(cls, shown: str, problem: str, hint: str) -> "UntrustedCell":
        cell = super().__new__(cls, shown)
        cell.problem, cell.hint = problem, hint
        return cell


def _finite(number: float, cleaned: str) -> float:
    if not math.isfinite(number):
        raise ValueParseError(f"'{cleaned}' is too large to be a published figure")
    return number


def parse_value(text: object, extra_markers: dict[str, str] | None = None, *,
                allow_percent: bool = False) -> tuple[float | None, str]:
    """Return (number or None, status) for one cell as printed.

    `allow_percent`: the cell is a percentage, so "12%" (or "12 %") is 12. Elsewhere a percent
    sign means the cell holds something other than the count the layout expects, and is refused.
    """
    if text is None:
        return None, "missing"
    if text.__class__ is UntrustedCell:
        raise ValueParseError(text.problem, hint=text.hint)
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if text != text:  # NaN from a spreadsheet reader means an empty cell
            return None, "missing"
        try:
            return _finite(float(text), str(text)), "published"
        except OverflowError:  # an integer beyond float range
            raise ValueParseError(f"'{text}' is too large to be a published figure") from None
    cleaned = " ".join(str(text).split())
    markers = MARKER_STATUS if not extra_markers else {**MARKER_STATUS, **extra_markers}
    status = markers.get(cleaned.lower())
    if status is not None:
        return None, status
    if _NUMBER.match(cleaned):
        return _finite(float(cleaned.replace(",", "")), cleaned), "published"
    percent = _PERCENT.match(cleaned)
    if percent and _NUMBER.match(percent.group("number")):
        if allow_percent:
            return _finite(float(percent.group("number").replace(",", "")), cleaned), "published"
        raise ValueParseError(f"'{cleaned}' is not a number or a known marker: it has a percent "
                              "sign where a count is expected",
                              hint="Write the count itself; if the column holds percentages, "
                                   "the layout maps it to the wrong role.")
    raise ValueParseError(
        f"'{cleaned}' is not a number or a known marker "
        f"({', '.join(repr(m) for m in markers if m)})"
    )
