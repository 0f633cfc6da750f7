"""Apply a recognised layout to a sheet: cells -> contributions to observations.

Each Cell says which observation (area, period, measure, age band, client group) it feeds and
in which role (numerator, denominator or value), with the text as published and its location.
transform.py sums and pivots them; nothing is parsed here beyond what finds rows and columns.
"""
from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .areas import GSS_CODE, AreaResolver
from .detect import Match, normalise_header
from .errors import SourceError, cell_ref
from .periods import normalise_period
from .readers import cell_text
from .registry import map_key
from .values import ValueParseError, parse_value

ROLES = ("numerator", "denominator", "value")
_new = tuple.__new__
_MID_YEAR = re.compile(r"\bmid-(\d{4})\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_SHORT_YEARS = re.compile(r"(?<![0-9])([0-9]{2})[-_]([0-9]{2})(?![0-9])")


class Cell(NamedTuple):
    area_code: str
    period: str
    measure_id: str
    age_band: str
    client_group: str
    role: str
    raw: object
    sheet: str | None
    row_number: int
    column_index: int
    note: str | None


@dataclass
class Extraction:
    cells: list[Cell] = field(default_factory=list)
    # What the layout chose not to load, by reason, so nothing is dropped silently.
    ignored: Counter = field(default_factory=Counter)


def combined_headers(rows: list[list[object]], header_index: int, above: int, filled: int) -> list[str]:
    """One normalised header per column from the signature row and the `above` rows over it.

    The top `filled` rows of the block are spans (merged cells) carried rightwards.
    """
    block = rows[max(header_index - above, 0): header_index + 1]
    width = max((len(row) for row in block), default=0)
    texts = []
    for position, row in enumerate(block):
        cells = [normalise_header(row[j]) if j < len(row) else "" for j in range(width)]
        if position < filled:
            carried = ""
            for j, text in enumerate(cells):
                carried = text or carried
                cells[j] = carried
        texts.append(cells)
    return [" | ".join(t[j] for t in texts if t[j]) for j in range(width)]


def file_period(match: Match, file_path: Path) -> str | None:
    """The period a whole sheet is about: its header block, title, or the file's name."""
    config, sheet = match.layout.section("period"), match.sheet
    if "meta" in config:
        return normalise_period(sheet.meta.get(config["meta"]))
    title_cells = [cell_text(c) for row in sheet.rows[: match.header_index] for c in row if c]
    if config.get("title_mid_year"):
        for text in title_cells:
            found = _MID_YEAR.search(text)
            if found:  # mid-year Y falls in financial year Y to Y+1
                start = int(found.group(1))
                return f"{start}-{(start + 1) % 100:02d}"
    if config.get("title"):
        for text in title_cells:
            period = normalise_period(text)
            if period:
                return period
    if config.get("filename"):
        period = normalise_period(file_path.stem)
        if period:
            return period
        short = _SHORT_YEARS.search(file_path.stem)
        if config.get("filename_short_years") and short and int(short[2]) == (int(short[1]) + 1) % 100:
            return f"20{short[1]}-{short[2]}"  # 'pss-exp-eng-14-15-...': 2014-15
        years = _YEAR.findall(file_path.stem)
        if len(years) == 1 and config.get("filename_year_is_end"):
            end = int(years[0])
            return f"{end - 1}-{end % 100:02d}"
    return None


def _has_text(value: object) -> bool:
    """Whether a cell holds anything (cheaper than cell_text for the numbers most cells are)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return not (isinstance(value, float) and value != value)


def _looks_numeric(value: object) -> bool:
    try:
        return parse_value(value)[0] is not None
    except ValueParseError:
        return False


class SheetExtractor:
    def __init__(self, match: Match, file_label: str, file_path: Path, resolver: AreaResolver,
                 crosswalk: dict[str, str], measure_units: dict[str, str],
                 note_requirements: dict[str, str] | None = None):
        self.layout, self.sheet, self.file_label = match.layout, match.sheet, file_label
        self.resolver, self.crosswalk, self.measure_units = resolver, crosswalk, measure_units
        self.note_requirements = note_requirements or {}
        self.rows = self.sheet.rows
        self.header_index = match.header_index
        self.header_row_number = self.sheet.first_row_number + match.header_index
        signature = self.layout.section("signature")
        above = int(signature.get("header_rows_above", 0))
        self.headers = combined_headers(self.rows, self.header_index, above,
                                        int(signature.get("header_rows_filled", above)))
        header_row = self.rows[self.header_index]
        self.plain_headers = [normalise_header(c) for c in header_row] + \
            [""] * (len(self.headers) - len(header_row))
        self.period = file_period(match, file_path)
        self.title_text = " ".join(cell_text(c) for row in self.rows[: self.header_index]
                                   for c in row if c)
        self.result = Extraction()
        self._columns_by_header: dict[str, int] = {}
        self._mappings: dict[str, dict[str, str]] = {"crosswalk": crosswalk}
        self._first_row: dict[tuple, int] = {}
        self._row_value_memo: dict[tuple, tuple] = {}

    # -- locating ---------------------------------------------------------------------------
    def fail(self, message: str, *, row: int | None = None, column: int | None = None,
             hint: str | None = None) -> SourceError:
        return SourceError(message, file=self.file_label, sheet=self.sheet.name,
                           row=row if row is not None else self.header_row_number,
                           cell=cell_ref(row, column) if row is not None and column is not None else None,
                           hint=hint)

    def column(self, header: str) -> int:
        if header in self._columns_by_header:
            return self._columns_by_header[header]
        target = normalise_header(header)
        for index, (combined, plain) in enumerate(zip(self.headers, self.plain_headers)):
            if target in (combined, plain):
                self._columns_by_header[header] = index
                return index
        raise self.fail(f"has no column headed '{header}'.",
                        hint="The publication's layout may have changed: compare its header "
                             f"with {self.layout.path.name} in etl/registry/layouts.")

    def _map(self, name: str, value: object, *, row: int, column: int, ignore: bool = False) -> str | None:
        if name not in self._mappings:
            self._mappings[name] = self.layout.value_map(name)
        found = self._mappings[name].get(map_key(value))
        if found is None and not ignore:
            where = "etl/reference/client_groups.csv" if name == "crosswalk" else \
                f"[maps.{name}] in {self.layout.path.name}"
            raise self.fail(f"'{cell_text(value)}' has no entry in {where}.", row=row, column=column,
                            hint="Add it there if the publication introduced a new label.")
        return found

    # -- rows ---------------------------------------------------------------------------------
    def _row_filters(self):
        config = self.layout.section("rows")
        keep = {self.column(h): {map_key(v) for v in values}
                for h, values in config.get("keep_where", {}).items()}
        skip = {self.column(h): {map_key(v) for v in values}
                for h, values in config.get("skip_where", {}).items()}
        return keep, skip

    def data_rows(self, classify=None):
        """(row number, row) for each data row, with keep/skip filters applied; or, given
        `classify(row, row number)`, (row number, row, what it returned) for the rows it does
        not reject with None. It runs first: most rows of an all-measures file are other
        measures, and one lookup rejects them more cheaply than the other tests."""
        keep, skip = self._row_filters()
        outside = f"rows outside {self.layout.section('rows').get('keep_where')}"
        for offset, row in enumerate(self.rows[self.header_index + 1:], start=1):
            row_number = self.header_row_number + offset
            found = None
            if classify is not None:
                found = classify(row, row_number)
                if found is None:
                    continue
            if not any(map(_has_text, row)):
                continue
            if keep and any(map_key(row[i] if i < len(row) else "") not in allowed for i, allowed in keep.items()):
                self.result.ignored[outside] += 1
                continue
            if skip and any(map_key(row[i] if i < len(row) else "") in banned for i, banned in skip.items()):
                continue
            yield (row_number, row) if classify is None else (row_number, row, found)

    def area_of(self, row: list[object], row_number: int, period: str | None,
                value_columns: list[int]) -> str | None:
        """The row's area code, None for rows that are not data (footnotes, council types).

        Long files repeat each area on hundreds of rows: the verdict is kept per printed cells
        and period, so each spelling is read and resolved once."""
        if self._fixed_area is not None:
            return self._fixed_area
        width = len(row)
        key = (tuple([row[i] if i < width else None for i in self._area_cells]), period)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._area_verdict(row, row_number, period)
        kind, value = verdict
        if kind == "area":
            return value
        if kind == "outside":
            self.result.ignored[value] += 1
            return None
        if kind == "none" or not any(_looks_numeric(row[i]) for i in value_columns if i < len(row)):
            return None  # not an area, or a footnote, legend or copyright line under the table
        close = ", ".join(self.resolver.closest(value)) or "none close"
        raise self.fail(f"unknown area '{value}' (closest known: {close}).", row=row_number,
                        column=self._label_column if self._label_column is not None else 0,
                        hint="Add the spelling to etl/reference/area_aliases.csv.")

    def _area_verdict(self, row: list[object], row_number: int, period: str | None) -> tuple[str, str | None]:
        """('area', code), ('none', None) for a row that names no area, ('outside', why) for a
        council that did not exist in the period, or ('unknown', the name or code printed). An
        unknown printed code raises at once: it is what the publisher meant, so no name may
        stand in for it."""
        config = self.layout.section("rows")
        cell = lambda index: cell_text(row[index]) if index is not None and index < len(row) else ""
        code_column = next((i for i in self._code_columns if GSS_CODE.match(cell(i))), None)
        code = cell(code_column) if code_column is not None else None
        keep_codes = config.get("keep_area_codes")
        if keep_codes and not (code and re.match(keep_codes, code)):
            return "none", None
        label = cell(self._label_column)
        cassr = cell(self._cassr_column) or None
        pattern = config.get("area_label_pattern")
        if pattern and label:
            parts = re.match(pattern, label)
            if parts:
                cassr = parts.groupdict().get("cassr") or cassr
                label = parts.groupdict().get("name") or label
        if not (code or label or cassr):
            return "none", None
        if code and not self.resolver.knows_code(code):
            # A printed code is what the publisher meant: never fall back to the name, which
            # can denote another council (a reused name, a successor).
            named = self.resolver.resolve(label or None, cassr=cassr, period=period) if label else None
            said = (f"; the name printed beside it, '{label}', is {named}" if named else
                    f" for '{label}' (closest known names: "
                    f"{', '.join(self.resolver.closest(label)) or 'none close'})" if label else "")
            raise self.fail(f"unknown area code '{code}'{said}.", row=row_number,
                            column=code_column,
                            hint="Correct the code, or if it is a new council or a recode add "
                                 "it to etl/reference/areas.csv (and area_changes.csv).")
        found = self.resolver.resolve(label or None, code=code, cassr=cassr, period=period)
        if found and not self.resolver.existed(found, period):
            # A publication on next year's geography (ONS mid-2018 on April 2019 boundaries
            # prints Bournemouth, Christchurch and Poole): the council did not exist yet.
            return "outside", f"{label or code} ({found}): not a council in {period}"
        if found:
            return "area", found
        # The closest names are looked for only if the row turns out to hold figures (area_of):
        # most unknown labels are footnotes and council-type lines, and the search is slow.
        return "unknown", label or code or cassr

    def _prepare_area_columns(self) -> None:
        config = self.layout.section("rows")
        self._fixed_area = config.get("fixed_area")
        self._code_columns = [self.column(h) for h in config.get("area_code_columns", [])]
        name = config.get("area_name_column")
        self._label_column = self.column(name) if name else config.get("area_label_column_index")
        self._cassr_column = config.get("area_cassr_column_index")
        if "area_cassr_column" in config:
            self._cassr_column = self.column(config["area_cassr_column"])
        self._area_cells = tuple(dict.fromkeys(
            c for c in [*self._code_columns, self._label_column, self._cassr_column] if c is not None))
        self._verdicts: dict[tuple, tuple[str, str | None]] = {}

    def _cell(self, area: str, period: str, dims: tuple[str, str, str], role: str, row: list,
              row_number: int, column: int, note: str | None) -> None:
        raw = row[column] if column < len(row) else None
        self.result.cells.append(Cell(area, period, *dims, role, raw, self.sheet.name, row_number,
                                      column, note))

    def _claim(self, identity: tuple, row: list, row_number: int, what) -> None:
        """Each data row gives its own observations: a second row with the same identity (area,
        period and breakdown) is a duplicate, which summing would silently double. `what()`
        describes the identity, only when it is needed."""
        first = self._first_row.setdefault(identity, row_number)
        if first != row_number:
            printed = cell_text(row[self._label_column]) \
                if self._label_column is not None and self._label_column < len(row) else ""
            area = f" ('{printed}')" if printed else ""
            raise self.fail(f"rows {first} and {row_number} are duplicates: both give {what()}{area}.",
                            row=row_number, hint=f"Delete one of them (row {row_number} or row {first}).")

    def _require_period(self, period: str | None, row_number: int) -> str:
        if period is None:
            raise self.fail("has no period: none in its header block, title or file name.",
                            row=row_number,
                            hint="Name the file with its financial year (e.g. 2021-22) or add a "
                                 "period column.")
        return period

    # -- shapes -----------------------------------------------------------------------------
    def extract(self) -> Extraction:
        self._prepare_area_columns()
        {"wide": self._wide, "long": self._long, "columns": self._columns}[self.layout.shape]()
        return self.result

    def _wide(self) -> None:
        groups = []
        for group in self.layout.config.get("groups", []):
            columns = {role: self.column(group[role]) for role in ROLES if role in group}
            note = self.column(group["note"]) if "note" in group else None
            groups.append(((group["measure_id"], group["age_band"], group["client_group"]),
                           columns, note))
        value_columns = [c for _, columns, _ in groups for c in columns.values()]
        for row_number, row in self.data_rows():
            period = self._require_period(self.period, row_number)
            area = self.area_of(row, row_number, period, value_columns)
            if area is None:
                continue
            self._claim((area, period), row, row_number, lambda: f"{area} for {period}")
            for dims, columns, note_column in groups:
                note = cell_text(row[note_column]) if note_column is not None and note_column < len(row) else ""
                for role, column in columns.items():
                    self._cell(area, period, dims, role, row, row_number, column, note or None)

    def _dimension_reader(self, spec):
        """A function (row, row number, period) -> the dimension's value, or None to ignore the
        row: a fixed value, or a column's value through an optional map (or a map that depends
        on the period, for codes reused across years), resolved once per sheet."""
        if isinstance(spec, str):
            return lambda row, row_number, period: spec
        column, name = self.column(spec["column"]), spec["column"]
        if "map" not in spec and "period_map" not in spec:
            return lambda row, row_number, period: cell_text(row[column] if column < len(row) else None)
        memo: dict[tuple, str | None] = {}   # long files repeat a few labels on every row
        ignored_as: dict[tuple, str] = {}
        ignore = spec.get("ignore_unmapped", False)
        check = self._description_check(spec)
        by_period, has_map = "period_map" in spec, "map" in spec
        ignored = self.result.ignored

        def read(row: list, row_number: int, period: str | None) -> str | None:
            value = row[column] if column < len(row) else None
            key = (value, period if by_period else None)
            found = memo.get(key, memo)     # the memo itself marks a label not seen yet
            if found is memo:
                found = memo[key] = self._map(spec["map"], value, row=row_number, column=column, ignore=ignore) \
                    if has_map else self._period_map(spec["period_map"], value, period,
                                                           row=row_number, column=column, ignore=ignore)
            if found is None:
                reason = ignored_as.get(key)
                if reason is None:
                    reason = ignored_as[key] = f"{name} = {cell_text(value)}" + (f" in {period}" if key[1] else "")
                ignored[reason] += 1
            elif check is not None:
                check(found, row, row_number)
            return found
        return read

    def _period_map(self, name: str, value: object, period: str | None, *, row: int, column: int,
                    ignore: bool) -> str | None:
        """The map in force for the period: [[period_maps.NAME]] entries each cover `from` to
        `to` (either open) and map codes to values for those years."""
        for entry in self.layout.config.get("period_maps", {}).get(name, []):
            if period and entry.get("from", "0000-00") <= period <= entry.get("to", "9999-99"):
                found = {map_key(k): v for k, v in entry.items() if k not in ("from", "to")}.get(map_key(value))
                if found is not None or ignore:
                    return found
        if ignore:
            return None
        raise self.fail(f"'{cell_text(value)}' has no entry for {period} in [[period_maps.{name}]] of "
                        f"{self.layout.path.name}.", row=row, column=column,
                        hint="Add it there if the publication introduced a new code.")

    def _description_check(self, spec):
        """A check that the publisher's own description of a row fits the value it maps to,
        so a code reused for another measure is caught rather than loaded as this one."""
        if "check_column" not in spec:
            return None
        column = self.column(spec["check_column"])
        patterns = {key: re.compile(pattern, re.IGNORECASE)
                    for key, pattern in self.layout.section("maps").get(spec["check_map"], {}).items()}
        checked: set[tuple] = set()

        def check(found: str, row: list, row_number: int) -> None:
            text = cell_text(row[column] if column < len(row) else None)
            if (found, text) in checked:
                return
            pattern = patterns.get(found)
            if pattern is not None and not pattern.search(text):
                raise self.fail(f"is mapped to '{found}' but the publisher describes it as "
                                f"'{text[:120]}', which does not match /{pattern.pattern}/.",
                                row=row_number, column=column,
                                hint=f"The code may have been reused for another measure: check "
                                     f"the period maps in {self.layout.path.name}.")
            checked.add((found, text))
        return check

    def _long(self) -> None:
        config = self.layout.section("long")
        period_column = self.column(self.layout.section("period")["column"]) \
            if "column" in self.layout.section("period") else None
        note_column = self.column(config["note"]) if "note" in config else None
        citation_column = self.column(config["citation"]) if "citation" in config else None
        unit_column = self.column(config["unit"]) if "unit" in config else None
        if "role" in config:  # one role per row, named in a column (Numerator / Outcome ...)
            value_column = self.column(config["value"])
            role_columns = None
        else:
            role_columns = {role: self.column(config[role]) for role in ROLES if role in config}
        read_role = self._dimension_reader(config["role"]) if role_columns is None else None
        readers = [self._dimension_reader(config[d]) for d in ("measure_id", "age_band", "client_group")]

        def classify(row: list, row_number: int) -> tuple | None:
            """(period, role, dimensions), or None for a row of a measure not loaded."""
            period = self.period
            if period_column is not None and period_column < len(row):
                period = normalise_period(row[period_column]) or period
            role = None
            if read_role is not None:
                role = read_role(row, row_number, period)
                if role is None:
                    return None
            dims = []
            for read in readers:
                dims.append(read(row, row_number, period))
                if dims[-1] is None:
                    return None  # a measure the layout does not load: its other labels don't matter
            return period, role, tuple(dims)

        for row_number, row, (period, role, dims) in self.data_rows(classify):
            period = self._require_period(period, row_number)
            columns = role_columns or {role: value_column}
            area = self.area_of(row, row_number, period, list(columns.values()))
            if area is None:
                continue
            self._claim((area, period, dims, role), row, row_number,
                        lambda: f"{area} {period} {'/'.join(dims)}" + (f" ({role})" if role else ""))
            note = cell_text(row[note_column]) if note_column is not None and note_column < len(row) else ""
            if unit_column is not None:
                self._check_unit(dims[0], cell_text(row[unit_column]), row_number, unit_column)
            if self.note_requirements.get(dims[0]) and not note:
                raise self.fail(f"measure '{dims[0]}' needs a note naming "
                                f"{self.note_requirements[dims[0]]}.", row=row_number,
                                column=note_column if note_column is not None else 0,
                                hint="Write it in the note column.")
            citation = cell_text(row[citation_column]) if citation_column is not None else ""
            note = " ".join(f"{text.rstrip('.')}." for text in (citation, note) if text)
            for role, column in columns.items():
                self._cell(area, period, dims, role, row, row_number, column, note or None)

    def _check_unit(self, measure_id: str, unit: str, row_number: int, column: int) -> None:
        expected = self.measure_units.get(measure_id)
        if expected is None:
            raise self.fail(f"unknown measure '{measure_id}' (known: "
                            f"{', '.join(sorted(self.measure_units))}).", row=row_number, column=column)
        if unit != expected:
            raise self.fail(f"unit '{unit or '(blank)'}' does not match measure '{measure_id}', "
                            f"which is in '{expected}'.", row=row_number, column=column,
                            hint=f"Write '{expected}' in the unit column.")

    def _row_dimensions(self) -> dict[int, dict[str, object]]:
        """Per row number, the raw labels of [rows.dims] columns, carried down where asked.

        Carrying runs over every row, filtered or not: a band label can sit on a Total row
        that the layout skips.
        """
        specs = self.layout.section("rows").get("dims", {})
        columns = {name: self.column(spec["column"]) for name, spec in specs.items()}
        carried: dict[str, object] = {}
        labels: dict[int, dict[str, object]] = {}
        for offset, row in enumerate(self.rows[self.header_index + 1:], start=1):
            current = {}
            for name, spec in specs.items():
                raw = row[columns[name]] if columns[name] < len(row) else None
                if _has_text(raw):       # cell_text(raw) non-empty, without building the text
                    carried[name] = raw
                elif spec.get("fill_down"):
                    raw = carried.get(name)
                current[name] = raw
            labels[self.header_row_number + offset] = current
        return labels

    def _row_values(self, specs: dict, labels: dict, row_number: int) -> dict | None:
        """Each [rows.dims] label through its map; None when a dimension marked
        ignore_unmapped has no entry (a row the layout does not load)."""
        values = {}
        memo = self._row_value_memo
        for name, spec in specs.items():
            raw = labels[name]
            # Sheets repeat a few labels on every row (and most rows of a per-council sheet are
            # lines the layout does not load): each (dimension, label) is mapped once.
            key = (name, raw) if raw.__class__ in (str, float, int) else None
            found = memo.get(key) if key is not None else None
            if found is None:
                found = self._map(spec["map"], raw, row=row_number, column=self.column(spec["column"]),
                                  ignore=spec.get("ignore_unmapped", False))
                if found is None:
                    found = (None, f"{spec['column']} = {cell_text(raw)}")
                else:
                    found = (found, None)
                if key is not None:
                    memo[key] = found
            if found[0] is None:
                self.result.ignored[found[1]] += 1
                return None
            values[name] = found[0]
        return values

    @staticmethod
    def _substitute(dims: tuple, values: dict) -> list[tuple]:
        """'$row:band' -> the row's mapped band; '$row:item.age_band' -> a field of a mapped
        table. A list (one row feeding several bands: 85+ is also 65+) gives one tuple each."""
        options = []
        for token in dims:
            if token.startswith("$row:"):
                name, _, field = token[5:].partition(".")
                value = values.get(name, token)
                value = value[field] if field else value
            else:
                value = token
            options.append(value if isinstance(value, list) else [value])
        return list(dict.fromkeys(itertools.product(*options)))

    def _columns(self) -> None:
        plans = self._column_plans()
        specs = self.layout.section("rows").get("dims", {})
        row_labels = self._row_dimensions() if specs else {}
        value_columns = [column for column, _ in plans]
        sheet_area = self._sheet_area()
        sheet, sheet_period = self.sheet.name, self.period
        for row_number, row in self.data_rows():
            labels = row_labels.get(row_number, {})
            if not all(map(_has_text, labels.values())):
                continue  # a note or source line under the table, not a data row
            try:
                values = self._row_values(specs, labels, row_number) if specs else {}
            except SourceError:
                if not any(_looks_numeric(row[c]) for c in value_columns if c < len(row)):
                    continue  # a footnote whose text sits in a label column
                raise
            if values is None:
                continue
            areas: dict[str, str | None] = {}  # per period: a column group may name its year
            expanded: dict[tuple, list[tuple]] = {}
            cells = self.result.cells
            for column, contributions in plans:
                raw = row[column] if column < len(row) else None
                for period, dims, role, note, column_area in contributions:
                    period = period or sheet_period
                    area = column_area or sheet_area
                    if area is None:
                        if period not in areas:
                            areas[period] = self.area_of(row, row_number,
                                                         self._require_period(period, row_number), value_columns)
                        area = areas[period]
                        if area is None:
                            continue
                    if values:  # the row's labels in each column's dimensions, once per row
                        substituted = expanded.get(dims)
                        if substituted is None:
                            substituted = expanded[dims] = self._substitute(dims, values)
                    else:
                        substituted = (dims,)
                    for one in substituted:
                        # tuple.__new__ builds the Cell without its Python-level constructor:
                        # this line runs for every value cell of every wide table.
                        cells.append(_new(Cell, (area, period, *one, role, raw, sheet, row_number,
                                                 column, note)))
            found = tuple(sorted((period, area) for period, area in areas.items() if area))
            if found or sheet_area or not areas:
                printed = tuple(cell_text(labels[name]) for name in specs)
                self._claim((found, printed), row, row_number,
                            lambda: " and ".join([f"{area} for {period}" for period, area in found]
                                                 or [sheet_area or "the same row labels"])
                            + "".join(f", {text}" for text in printed))

    def _sheet_area(self) -> str | None:
        """The area a whole sheet is about, when the layout names areas by sheet (one sheet per
        council, as in PSS-EX1 2006-07): resolved through the aliases, else the file is refused."""
        if not self.layout.section("rows").get("area_from_sheet_name"):
            return None
        period = self._require_period(self.period, self.header_row_number)
        found = self.resolver.resolve(self.sheet.name, period=period)
        if found is None:
            close = ", ".join(self.resolver.closest(self.sheet.name or "")) or "none close"
            raise SourceError(f"the sheet name '{self.sheet.name}' is not a known area for {period} "
                              f"(closest known: {close}).", file=self.file_label, sheet=self.sheet.name,
                              hint="Add the sheet name to etl/reference/area_aliases.csv.")
        return found

    def _header_area(self, column: int) -> str | None:
        """The area a column is about, from its own header ('102 - Cumbria'), for tables with
        one column per council."""
        header = cell_text(self.rows[self.header_index][column]) \
            if column < len(self.rows[self.header_index]) else ""
        period = self._require_period(self.period, self.header_row_number)
        found = self.resolver.resolve(header, period=period)
        if found is None:
            close = ", ".join(self.resolver.closest(header)) or "none close"
            raise self.fail(f"the column header '{header}' is not a known area for {period} "
                            f"(closest known: {close}).", row=self.header_row_number, column=column,
                            hint="Add the spelling to etl/reference/area_aliases.csv, or check the "
                                 "column belongs to the table.")
        return found

    def _column_plans(self) -> list[tuple[int, list[tuple]]]:
        """For each column some rule matches: what its cells contribute to."""
        rules = [(re.compile(rule["header"], re.IGNORECASE), rule)
                 for rule in self.layout.config.get("column_rules", [])]
        title_measure = None
        for pattern, measure_id in self.layout.config.get("measure_from_title", {}).items():
            if re.search(pattern, self.title_text, re.IGNORECASE):
                title_measure = measure_id
                break
        header_notes = self.layout.section("rows").get("header_notes", {})
        plans, unmatched = [], 0
        row_columns = self._row_label_columns()
        for column, header in enumerate(self.headers):
            if column in row_columns:
                continue
            for pattern, rule in rules:
                found = pattern.fullmatch(header)
                if found:
                    plans.append((column, self._contributions(rule, found, column, title_measure,
                                                              header, header_notes)))
                    break
            else:
                unmatched += bool(header)
        if not plans:
            raise self.fail("no column matches the layout's column rules.",
                            hint=f"Compare the header with {self.layout.path.name}.")
        self.result.ignored["columns no rule loads"] += unmatched
        return plans

    def _row_label_columns(self) -> set[int]:
        """Columns that label rows (dimensions and filters): never value columns, even where a
        rule's header pattern is as broad as 'any council'."""
        config = self.layout.section("rows")
        names = [spec["column"] for spec in config.get("dims", {}).values()]
        names += list(config.get("keep_where", {})) + list(config.get("skip_where", {}))
        return {self.column(name) for name in names}

    def _contributions(self, rule: dict, found: re.Match, column: int, title_measure: str | None,
                       header: str, header_notes: dict[str, str]) -> list[tuple]:
        def resolve(token: str) -> str:
            if token == "$title":
                if title_measure is None:
                    raise self.fail("the table's title names no measure in measure_from_title.")
                return title_measure
            if token.startswith("$crosswalk:"):
                return self._map("crosswalk", found.group(token[11:]), row=self.header_row_number,
                                 column=column)
            if token.startswith("$") and not token.startswith("$row:"):
                group = found.group(token[1:])
                if token[1:] in self.layout.section("maps"):
                    return self._map(token[1:], group, row=self.header_row_number, column=column)
                return group
            return token

        notes = [note for text, note in header_notes.items() if text.casefold() in header]
        note = " ".join(notes) or None
        period = resolve(rule["period"]) if "period" in rule else None
        if period is not None:
            period = normalise_period(period)
        contributes = rule.get("contributes", [[rule.get("measure_id"), rule.get("role", "value")]])
        area = self._header_area(column) if rule.get("area") == "$header" else None
        return [(period, (resolve(measure_id), resolve(age_band), resolve(client_group)),
                 resolve(role), note, area)
                for measure_id, role in contributes
                for age_band in rule.get("age_bands", ["all"])
                for client_group in rule.get("client_groups", ["all"])]
