"""Turn a published cell's text into a number and a value status.

The statuses are the warehouse contract's: published, suppressed, not_applicable, missing
(derived is set by transforms, never by parsing).
"""
from __future__ import annotations

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
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


class ValueParseError(ValueError):
    """The text is neither a number nor a known marker."""


def parse_value(text: object, extra_markers: dict[str, str] | None = None) -> tuple[float | None, str]:
    """Return (number or None, status) for one cell as printed."""
    if text is None:
        return None, "missing"
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if text != text:  # NaN from a spreadsheet reader means an empty cell
            return None, "missing"
        return float(text), "published"
    cleaned = " ".join(str(text).split())
    markers = MARKER_STATUS if not extra_markers else {**MARKER_STATUS, **extra_markers}
    status = markers.get(cleaned.lower())
    if status is not None:
        return None, status
    if _NUMBER.match(cleaned):
        return float(cleaned.replace(",", "")), "published"
    raise ValueParseError(
        f"'{cleaned}' is not a number or a known marker "
        f"({', '.join(repr(m) for m in markers if m)})"
    )
