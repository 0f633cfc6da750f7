"""Cells -> warehouse rows: group by observation, sum and pivot roles, derive, note. Pure."""
from __future__ import annotations

from typing import NamedTuple

from .errors import SourceError, cell_ref
from .extract import Cell
from .quality import consistency_note, counts_check
from .values import UntrustedCell, ValueParseError, parse_value

FACT_COLUMNS = [
    "area_code", "period", "measure_id", "age_band", "client_group", "numerator",
    "denominator", "value", "value_status", "counts_check", "note", "source_id",
    "source_file", "source_sheet", "source_row", "value_cell", "numerator_cell",
    "denominator_cell", "numerator_error", "denominator_error", "value_error", "numerator_imputed",
    "denominator_imputed", "value_imputed", "quality_flag", "quality_note",
]
# Statuses that stop a sum: a total with an unknown part is unknown.
_BLOCKING = ("missing", "not_applicable", "suppressed")
# Units whose values count something, so are never below zero. Money may be: the 2014-15
# expenditure has negative adjustments. Percentages are checked against 0-100 on their own.
NON_NEGATIVE_UNITS = frozenset({"count", "rate_per_100000"})
# Units whose numerator counts people among its denominator's: it cannot be the larger.
SHARE_UNITS = frozenset({"percent", "rate_per_100000"})
# Cell texts never looked up in the parse cache: True == 1 as a key, but a TRUE cell is not the
# number 1; an untrusted cell equals its shown text, but must be refused, not parsed as it.
_UNCACHED = (bool, UntrustedCell)
# Bounds a finite float lies strictly within (NaN and infinities do not): those parse as themselves.
_HUGE = float("inf")


class Part(NamedTuple):
    number: float | None
    status: str
    row: int                    # row number and 0-based column: formatted only when needed
    column: int
    raw: object


class RoleValue(NamedTuple):
    number: float | None
    status: str | None
    refs: str | None
    note: str | None
    error: float = 0.0          # how far rounding may have moved the number from the true count
    all_suppressed: bool = False  # a sum whose every cell was suppressed
    imputed: float = 0.0        # how much of the number is suppressed cells counted at a midpoint


_NO_VALUE = RoleValue(None, None, None, None)
_ROLE_INDEX = {"numerator": 0, "denominator": 1, "value": 2}


def _decimals(raw: object) -> int:
    """Decimal places as printed: '19' -> 0, '10.7' -> 1; spreadsheet floats count as 1."""
    if isinstance(raw, str):
        text = raw.strip().rstrip("%").rstrip()
        return len(text.rsplit(".", 1)[1]) if "." in text else 0
    if isinstance(raw, float) and not raw.is_integer():
        return 1
    return 0


def compact_refs(positions: list[tuple[int, int]]) -> str:
    """[(5, 2), (5, 3), (5, 4), (5, 6)] -> 'C5:E5, G5': adjacent cells in a row become ranges."""
    ordered = sorted(set(positions))
    if not ordered:
        return ""
    pieces = []
    first = last = ordered[0]
    for position in ordered[1:]:     # one pass, keeping only each run's ends
        if position[0] == last[0] and position[1] == last[1] + 1:
            last = position
            continue
        pieces.append(cell_ref(*first) if first is last else f"{cell_ref(*first)}:{cell_ref(*last)}")
        first = last = position
    pieces.append(cell_ref(*first) if first is last else f"{cell_ref(*first)}:{cell_ref(*last)}")
    return ", ".join(pieces)


def combine(parts: list[Part], suppressed_as: float | None, rounded_to: float | None = None) -> RoleValue:
    """One role's value: a single cell as published, or a derived sum of several.

    The error is the most rounding can have moved it (half the rounding unit per rounded cell);
    `imputed` is how much of it is suppressed cells counted at the middle of their range, each
    of which may be off by as much again.
    """
    if not parts:
        return _NO_VALUE
    half = (rounded_to or 0) / 2
    # Parts are read by position: assembly builds them as plain tuples, which is cheaper.
    if len(parts) == 1:  # most values are one published cell
        number, status, row, column, _ = parts[0]
        return RoleValue(number, status, cell_ref(row, column), None,
                         half if status == "published" else 0.0)
    refs = compact_refs([(p[2], p[3]) for p in parts])
    if suppressed_as is not None and all(p[1] == "suppressed" for p in parts):
        note = (f"All {len(parts)} cells this figure sums were suppressed by the publisher, so "
                "no figure can be given.")
        return RoleValue(None, "suppressed", refs, note, 0.0, True)
    total, suppressed, error = 0.0, 0, 0.0
    for part in parts:
        status = part[1]
        if status == "published":
            total += part[0]
            error += half
        elif status == "suppressed" and suppressed_as is not None:
            total += suppressed_as
            suppressed += 1
        elif status in _BLOCKING:
            return RoleValue(None, status, refs, None)
    note = (f"Sums {suppressed} suppressed cell{'s' if suppressed > 1 else ''}, each counted as "
            f"{suppressed_as:g} (the middle of the suppressed range)." if suppressed else None)
    return RoleValue(total, "derived", refs, note, error, False, suppressed * (suppressed_as or 0))


def _tier(area_code: str) -> str:
    """Publications round councils and aggregates differently (ASCOF 2024-25: only aggregates)."""
    return "aggregate" if area_code.startswith(("E12", "E92")) else "council"


def _describe(key: tuple) -> str:
    area_code, period, measure_id, age_band, client_group = key
    return f"{area_code} {period} {measure_id}/{age_band}/{client_group}"


def _cells(refs: str) -> str:
    return f"cells {refs}" if ":" in refs or "," in refs else f"cell {refs}"


def _refuse_negative(parts: list[tuple], role: str, *, key: tuple, file_label: str,
                     sheet: str | None) -> None:
    """Counts are never below zero: refuse the first negative cell of a count role, by name."""
    for number, _, row, column, _ in parts:
        if number is not None and number < 0:
            raise SourceError(
                f"{number:g} is below zero, but the {role} of {key[2]} is a count ({_describe(key)}).",
                file=file_label, sheet=sheet, row=row, cell=cell_ref(row, column),
                hint="Correct the cell from the publication; if the table holds adjustments or "
                     "differences rather than counts, the layout reads the wrong rows or columns.")


def _numerator_over_denominator(numerator: RoleValue, denominator: RoleValue, first_part: tuple,
                                *, key: tuple, file_label: str, sheet: str | None) -> SourceError:
    # Suppressed cells counted at their midpoint can tip a sum over: the message says so.
    imputed = " ".join(side.note for side in (numerator, denominator) if side.imputed and side.note)
    return SourceError(
        f"the numerator {numerator.number:g} ({_cells(numerator.refs)}) is larger than its "
        f"denominator {denominator.number:g} ({_cells(denominator.refs)}) for {_describe(key)}."
        + (f" {imputed}" if imputed else ""),
        file=file_label, sheet=sheet, row=first_part[2], cell=numerator.refs,
        hint="A numerator counts some of the people its denominator counts, so it cannot be "
             "larger: check both cells against the publication (a typo, or the two swapped), "
             "correct them and build again.")


# A row listed without a figure whose status alone does not say why ('[c]' says it: suppressed).
_UNEXPLAINED = ("missing", "not_applicable")


def _printed(part: tuple) -> str:
    raw = part[4]
    if raw is None or (isinstance(raw, float) and raw != raw) or not str(raw).strip():
        return "blank"
    if part[0] is not None:
        return f"{part[0]:,.0f}" if float(part[0]).is_integer() else f"{part[0]:,}"
    return f"\u201c{' '.join(str(raw).split())}\u201d"


def printed_gap_note(value_parts: list, numerator_parts: list, denominator_parts: list) -> str:
    """What the publication prints where it lists an area without a figure, from the cells
    themselves: 'Listed without a figure: the publication prints “[x]” in the value, numerator
    and denominator.' A reader can then tell a publisher's marker from a cell left empty."""
    shown: dict[str, list[str]] = {}
    for role, parts in (("value", value_parts), ("numerator", numerator_parts),
                        ("denominator", denominator_parts)):
        texts = list(dict.fromkeys(_printed(part) for part in parts))
        if not texts:
            continue
        cells = role if len(parts) == 1 else f"{role} cells"
        key = texts[0] if len(texts) == 1 else " or ".join(texts)
        shown.setdefault(key, []).append(cells)

    def listed(roles: list[str]) -> str:
        return roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " and " + roles[-1]
    phrases = []
    for text, roles in shown.items():
        if text == "blank":
            phrases.append(f"leaves the {listed(roles)} blank")
        elif text.startswith("\u201c") or " or " in text:
            phrases.append(f"prints {text} in the {listed(roles)}")
        else:
            phrases.append(f"gives the {listed(roles)} ({text})")
    joined = phrases[0] if len(phrases) == 1 else "; ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"Listed without a figure: the publication {joined}."


class Assembler:
    """Turns one sheet's cells into warehouse rows."""

    def __init__(self, measure_units: dict[str, str], *, markers: dict[str, str],
                 suppressed_as: float | None, counts_rounded_to: float | str | None):
        self.measure_units = measure_units
        self._parsed: dict[object, tuple[float | None, str]] = {}
        self._parsed_percent: dict[object, tuple[float | None, str]] = {}
        self._percent_measures = {m for m, unit in measure_units.items() if unit == "percent"}
        self.markers = markers
        self.suppressed_as = suppressed_as
        self.counts_rounded_to = counts_rounded_to

    def _parse(self, cell: Cell, file_label: str) -> tuple[float | None, str]:
        raw = cell.raw
        # "12%" is 12 only where the cell is a percentage: a measure's value in percent.
        percent = cell.role == "value" and cell.measure_id in self._percent_measures
        cache = self._parsed_percent if percent else self._parsed
        # Markers, blanks and common counts repeat thousands of times. A bool is never cached
        # and never looked up: True == 1 as a key, but a TRUE cell is not the number 1.
        if raw.__class__ not in _UNCACHED and raw in cache:
            return cache[raw]
        try:
            cache[raw] = parse_value(raw, self.markers, allow_percent=percent)
            return cache[raw]
        except ValueParseError as error:
            what = f"the {cell.role} of {cell.measure_id}"
            raise SourceError(f"{error} ({what}).", file=file_label, sheet=cell.sheet,
                              row=cell.row_number,
                              cell=cell_ref(cell.row_number, cell.column_index),
                              hint=error.hint or "Correct the cell, or add the marker to the "
                                   "layout's [markers] if the publication uses a new one.") from error

    def rows(self, cells: list[Cell], *, source_id: str, file_label: str) -> list[tuple]:
        """The sheet's warehouse rows, as tuples in FACT_COLUMNS order.

        One pass over the cells (every value cell of every table passes through here): each
        distinct text is parsed once, counts are noted for rounding detection, and cells are
        grouped by observation as [numerator parts, denominator parts, value parts, notes,
        first cell], each part a plain tuple (number, status, row, column, text)."""
        plain, percent, measures = self._parsed, self._parsed_percent, self._percent_measures
        detect = self.counts_rounded_to == "detect"
        counts: dict[str, list[float]] = {"council": [], "aggregate": []}
        groups: dict[tuple, list] = {}
        for cell in cells:
            area, period, measure, age_band, client_group, role, raw, _, row, column, note = cell
            # "12%" is 12 only where the cell is a percentage; some texts are never looked up.
            if raw.__class__ is float and -_HUGE < raw < _HUGE:
                # Most cells of a workbook are finite floats, which parse as themselves: no
                # lookup (counts rarely repeat, so a cache keyed on them mostly misses).
                parsed = (raw, "published")
            elif raw.__class__ not in _UNCACHED:
                parsed = (percent if role == "value" and measure in measures else plain).get(raw)
            else:
                parsed = None
            if parsed is None:
                parsed = self._parse(cell, file_label)
            number = parsed[0]
            if detect and role != "value" and number:
                counts[_tier(area)].append(number)
            key = (area, period, measure, age_band, client_group)
            group = groups.get(key)
            if group is None:
                group = groups[key] = [[], [], [], [], cell]
            group[_ROLE_INDEX[role]].append((number, parsed[1], row, column, raw))
            if note and note not in group[3]:
                group[3].append(note)
        rounded_to = {tier: 5.0 if len(found) >= 5 and all(n % 5 == 0 for n in found) else None
                      for tier, found in counts.items()} if detect \
            else {"council": self.counts_rounded_to, "aggregate": self.counts_rounded_to}
        return [self._observation(key, group, rounded_to, source_id, file_label)
                for key, group in groups.items()]

    def _observation(self, key: tuple, group: list, rounding: dict[str, float | None],
                     source_id: str, file_label: str) -> tuple:
        area_code, period, measure_id, age_band, client_group = key
        rounded_to = rounding[_tier(area_code)]
        numerator_parts, denominator_parts, value_parts, group_notes, first = group
        unit = self.measure_units.get(measure_id)
        if unit is None:
            raise SourceError(f"unknown measure '{measure_id}' (known: "
                              f"{', '.join(sorted(self.measure_units))}).", file=file_label,
                              sheet=first.sheet, row=first.row_number)
        where = dict(key=key, file_label=file_label, sheet=first.sheet)
        # Most observations lack one or two roles: an empty role has nothing to refuse or sum.
        if numerator_parts:
            _refuse_negative(numerator_parts, "numerator", **where)
        if denominator_parts:
            _refuse_negative(denominator_parts, "denominator", **where)
        if value_parts and unit in NON_NEGATIVE_UNITS:
            _refuse_negative(value_parts, "value", **where)
        suppressed_as = self.suppressed_as
        numerator = combine(numerator_parts, suppressed_as, rounded_to) if numerator_parts else _NO_VALUE
        denominator = combine(denominator_parts, suppressed_as, rounded_to) if denominator_parts else _NO_VALUE
        value = combine(value_parts, suppressed_as, rounded_to) if value_parts else _NO_VALUE
        if unit in SHARE_UNITS and numerator.number is not None and denominator.number is not None \
                and numerator.number > denominator.number:
            raise _numerator_over_denominator(numerator, denominator, numerator_parts[0], **where)
        notes = list(group_notes)
        number, status = value.number, value.status
        check, flag, flag_note = None, None, None
        emptied = numerator if numerator.all_suppressed else denominator if denominator.all_suppressed \
            else value if value.all_suppressed else None
        if emptied is not None:
            flag, flag_note = "derived_from_suppressed", emptied.note
        if unit == "percent" and value.status is None:
            if emptied is not None:
                status = "suppressed"
            elif numerator.number is not None and denominator.number:
                number, status = 100 * numerator.number / denominator.number, "derived"
            else:
                status = next((s for s in (numerator.status, denominator.status)
                               if s in _BLOCKING), "missing")
        elif unit == "percent" and status == "published" and not 0 <= number <= 100:
            part = value_parts[0]
            raise SourceError(f"percentage {number:g} is outside 0-100.", file=file_label,
                              sheet=first.sheet, row=first.row_number, cell=cell_ref(part[2], part[3]),
                              hint="Percentages are written as 0-100 (52.8, not 0.528 or 5280).")
        elif unit == "percent" and status == "published":
            # A single printed cell: its decimals say how precisely it was printed.
            decimals = _decimals(value_parts[0][4]) if len(value_parts) == 1 else 0
            check = counts_check(number, numerator.number, denominator.number, rounded_to, decimals)
            note = consistency_note(number, numerator.number, denominator.number, rounded_to, decimals)
            if note:
                notes.append(note)
        notes += [n for n in (numerator.note, denominator.note, value.note) if n and n != flag_note]
        if number is None and emptied is None and (status or "missing") in _UNEXPLAINED:
            notes.append(printed_gap_note(value_parts, numerator_parts, denominator_parts))
        return (area_code, period, measure_id, age_band, client_group,
                numerator.number, denominator.number, number, status or "missing", check,
                " ".join(dict.fromkeys(notes)) or None, source_id, file_label, first.sheet,
                first.row_number, value.refs, numerator.refs, denominator.refs,
                numerator.error if numerator.number is not None else None,
                denominator.error if denominator.number is not None else None,
                value.error if value.number is not None else None,
                numerator.imputed if numerator.number is not None else None,
                denominator.imputed if denominator.number is not None else None,
                value.imputed if value.number is not None else None,
                flag, flag_note)
