"""A workbook is checked from its own records before calamine reads any of it.

calamine holds each sheet as a grid from its first to its farthest cell (32 bytes a cell, and
the build's rows start at A1, 8 more bytes a cell in Python), and it gives no way to ask how
big a sheet is without building that grid. A 4.8 KB xlsx with cells at A1 and XFD1048576 asks
for 549,755,813,888 bytes and aborts the whole build. So the guard reads every cell's
coordinates, and each sheet's declared range, with a streaming parser (bounded: 64 KiB at a
time, from members check_archive has already sized), and refuses the file when its grids would
need more than the budget (Limits.max_grid_bytes).

The same pass finds cells whose saved value the file cannot vouch for: a formula saved without
its result (calamine reads it as empty, which would load as `missing`), and a link to another
workbook (its saved value is whatever that file held when this one was last saved). They are
returned by sheet and position; the reader puts an UntrustedCell there, so a layout that loads
one refuses the file naming the cell, and a stray formula in a notes sheet costs nothing.

By format (chosen by extension, as calamine chooses its reader):
- .xlsx, .xlsm: each worksheet's XML, streamed through expat.
- .ods: content.xml through expat, counting repeated rows and columns as calamine expands them;
  formulas are attributes there, checked the same way.
- .xls: the BIFF record stream from the OLE container (olefile): cell records' coordinates and
  each sheet's DIMENSIONS record. BIFF keeps a formula's result in its record, so no formula is
  without one; links to other workbooks are not looked for in .xls.
- .xlsb is refused: no publication uses it and its binary records are not checked.
"""
from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from xml.parsers import expat

from .errors import SourceError, cell_ref
from .limits import GRID_MB_ENV, Limits
from .values import UntrustedCell

BYTES_PER_CELL = 40          # calamine's 32-byte cell and the Python row's 8-byte pointer
MAX_FLAGGED_CELLS = 10_000   # beyond this, the file as a whole was saved without calculating
CHUNK = 1 << 16
_FORMULA_SHOWN = 80          # characters of a formula quoted in a message

_NO_RESULT_HINT = ("Open the file in Excel or LibreOffice Calc and save it there (that calculates "
                   "every formula and saves the results), or paste values over the formulas, "
                   "and build again.")
_EXTERNAL_HINT = ("Replace the link with the figure itself (copy, then paste values) and build "
                  "again; or put the linked publication in the raw folder instead.")
# A reference into another workbook: '[1]Sheet1!A1' and '[1]!Name' as Excel stores them,
# '[Book.xlsx]Sheet1!A1', and quoted "'C:\dir\[Book.xlsx]My sheet'!A1". Structured references
# to tables (Table1[Column]) have no '!' after the bracket.
_XLSX_EXTERNAL = re.compile(r"'[^']*\[[^\]]+\][^']*'!|\[[^\]\[]+\][\w.]*!")
# OpenFormula's reference into another document: ['file:///C:/book.ods'#$Sheet1.A1].
_ODS_EXTERNAL = re.compile(r"'#\$|\bfile:/")


class Flag(NamedTuple):
    """Why one cell's saved value cannot be trusted."""
    external: bool
    formula: str

    def cell(self, shown: str) -> UntrustedCell:
        quoted = self.formula if len(self.formula) <= _FORMULA_SHOWN else \
            self.formula[:_FORMULA_SHOWN] + "..."
        if self.external:
            value = f" ({shown})" if shown else ""
            return UntrustedCell(shown, f"the cell links to another workbook ({quoted}): its value"
                                        f"{value} is whatever that workbook held when this file "
                                        "was last saved", _EXTERNAL_HINT)
        return UntrustedCell(shown, f"the cell holds a formula ({quoted}) saved without its "
                                    "result, so it has no value to load", _NO_RESULT_HINT)


@dataclass
class SheetGrid:
    """What one sheet would take to read, and its untrusted cells (0-based row, column)."""
    name: str
    rows: int = 0                       # farthest row and column holding a cell, 1-based
    columns: int = 0
    row_reached_by: tuple[int, int] = (0, 0)      # the cells (1-based) that reach them
    column_reached_by: tuple[int, int] = (0, 0)
    declared: tuple[int, int] = (0, 0)  # rows and columns the sheet says it spans, from A1
    declared_text: str = ""             # as written, for the message
    flagged: dict[tuple[int, int], Flag] = field(default_factory=dict)
    tally: "_Tally" = field(default=None, repr=False)   # the workbook's budget, shared

    def __post_init__(self):
        self.tally = self.tally or _Tally(1 << 62)
        self.allowed = self.tally.cells_left()   # what the sheets read before it left
        self.tally.grids.append(self)

    @property
    def cells(self) -> int:
        return self.rows * self.columns

    @property
    def declared_cells(self) -> int:
        return self.declared[0] * self.declared[1]

    def reach(self, row: int, column: int) -> None:
        if row > self.rows:
            self.rows, self.row_reached_by = row, (row, column)
        if column > self.columns:
            self.columns, self.column_reached_by = column, (row, column)
        if self.rows * self.columns > self.allowed:
            raise _OverBudget

    def declare(self, rows: int, columns: int, text: str) -> None:
        self.declared, self.declared_text = (rows, columns), text
        if rows * columns > self.allowed:
            raise _OverBudget

    def flag(self, row: int, column: int, flag: Flag) -> None:
        """Mark a cell (0-based). A workbook with thousands was saved without calculating at
        all: refused as a whole, before the marks outgrow the memory they are meant to spare."""
        if (row, column) not in self.flagged:
            self.tally.flags += 1
            if self.tally.flags > MAX_FLAGGED_CELLS:
                raise _Refusal(f"has more than {MAX_FLAGGED_CELLS:,} formula cells without a "
                               "saved result or linking to another workbook.",
                               _EXTERNAL_HINT if flag.external else _NO_RESULT_HINT,
                               cell_ref(row + 1, column))
        self.flagged[(row, column)] = flag


class _Tally:
    """One workbook's grids so far: how many cells the budget has left, how many flags."""

    def __init__(self, cells: int):
        self.cells = cells
        self.flags = 0
        self.stopped = False    # the scan stopped at the first sheet over the budget
        self.grids: list[SheetGrid] = []

    def cells_left(self) -> int:
        return self.cells - sum(max(grid.cells, grid.declared_cells) for grid in self.grids)


class _OverBudget(Exception):
    """A sheet has outgrown what the budget leaves it: the scan stops, check_budget says why."""


class _Refusal(Exception):
    """Raised inside a parser's handlers; turned into a SourceError naming file and sheet."""

    def __init__(self, message: str, hint: str, cell: str | None = None):
        super().__init__(message)
        self.message, self.hint, self.cell = message, hint, cell


def guard_workbook(path: Path, file_label: str, limits: Limits) -> dict[str, dict[tuple[int, int], Flag]]:
    """Refuse a workbook whose sheets would not fit the grid budget; else its untrusted cells
    by sheet name. Files of a kind it cannot open are left to calamine, which refuses them.
    Zip-based workbooks must have passed check_archive (etl/readers.py runs it first): that
    bounds what their XML can inflate to, so the streams read here are bounded too."""
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        magic = handle.read(8)
    if suffix == ".xlsb":
        raise SourceError("is an .xlsb (binary) workbook, which the build does not read: its "
                          "records cannot be checked before loading.", file=file_label,
                          hint="Save it as .xlsx and build again.")
    tally = _Tally(limits.max_grid_bytes // BYTES_PER_CELL)
    try:
        if suffix in (".xlsx", ".xlsm") and magic[:2] == b"PK":
            _zip_grids(path, file_label, _xlsx_grids, tally)
        elif suffix == ".ods" and magic[:2] == b"PK":
            _zip_grids(path, file_label, _ods_grids, tally)
        elif suffix == ".xls" and magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            _xls_grids(path, file_label, tally)
        else:
            return {}
    except _OverBudget:  # no need to read further: check_budget refuses it, naming the sheet
        tally.stopped = True
    check_budget(tally.grids, file_label, limits, stopped=tally.stopped)
    return {grid.name: grid.flagged for grid in tally.grids if grid.flagged}


# -- the budget ---------------------------------------------------------------------------------
def _memory(cells: int) -> str:
    amount = cells * BYTES_PER_CELL
    return f"{amount / 1e9:,.1f} GB" if amount >= 1e9 else f"{amount / 1e6:,.1f} MB"


def _grid_words(rows: int, columns: int) -> str:
    return (f"a grid of {rows:,} rows by {columns:,} columns ({rows * columns:,} cells, about "
            f"{_memory(rows * columns)} of memory)")


def check_budget(grids: list[SheetGrid], file_label: str, limits: Limits, *,
                 stopped: bool = False) -> None:
    """Refuse when the grids the sheets need (from A1 to their farthest cell, or to the range
    they declare, whichever is larger) would take more memory than the budget. The message
    names the sheet that needs most, and its farthest cells (`stopped`: the scan stopped at the
    first cell over the budget, so the sheet takes at least that)."""
    needs = [max(grid.cells, grid.declared_cells) for grid in grids]
    total = sum(needs)
    if total * BYTES_PER_CELL <= limits.max_grid_bytes:
        return
    worst = grids[needs.index(max(needs))]
    if worst.declared_cells > worst.cells:
        what = f"declares that the sheet spans {worst.declared_text}, {_grid_words(*worst.declared)}"
        hint = ("Open the file in a spreadsheet program and save it (that rewrites the declared "
                f"range); if the file is genuine, raise {GRID_MB_ENV}.")
        cell = None
    else:
        reached = dict.fromkeys([worst.row_reached_by, worst.column_reached_by])
        refs = [cell_ref(row, column - 1) for row, column in reached]
        what = (f"has {'a cell at ' if len(refs) == 1 else 'cells at '}{' and '.join(refs)}, so "
                f"reading the sheet takes {'at least ' if stopped else ''}"
                f"{_grid_words(worst.rows, worst.columns)}")
        hint = ("If the far cells are strays, delete them (or the empty rows and columns up to "
                f"them) and save the file; if the file is genuine, raise {GRID_MB_ENV}.")
        cell = refs[-1]
    together = f" (with its other sheets, {_memory(total)})" if total > max(needs) else ""
    raise SourceError(f"{what}{together}; the budget for a workbook is "
                      f"{limits.max_grid_bytes / 1e6:,g} MB. Refused before reading it.",
                      file=file_label, sheet=worst.name, cell=cell, hint=hint)


# -- zip-based workbooks ---------------------------------------------------------------------------
def _zip_grids(path: Path, file_label: str, read, tally: _Tally) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            read(archive, file_label, tally)
    except _Refusal as refusal:  # raised before any sheet was named (the workbook part)
        raise SourceError(refusal.message, file=file_label, hint=refusal.hint) from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError,
            expat.ExpatError) as error:
        raise SourceError(f"is a damaged workbook: a part of its zip archive cannot be read "
                          f"({error}).", file=file_label,
                          hint="Re-fetch the file and build again.") from error


def _parser(namespaces: bool) -> expat.XMLParserType:
    """An expat parser that refuses a DOCTYPE: no workbook has one, and entities declared in one
    are how an XML file grows without bound."""
    parser = expat.ParserCreate(namespace_separator=" " if namespaces else None)
    parser.buffer_text = True

    def doctype(*_):
        raise _Refusal("contains an XML document type declaration, which no workbook has.",
                       "Remove the file from the raw folder.")
    parser.StartDoctypeDeclHandler = doctype
    return parser


def _stream(archive: zipfile.ZipFile, member: str, parser: expat.XMLParserType) -> None:
    with archive.open(member) as handle:
        while chunk := handle.read(CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _parse_member(archive: zipfile.ZipFile, member: str, parser, file_label: str,
                  sheet_now) -> None:
    """Stream one member through `parser`; refusals name the sheet `sheet_now()` was on."""
    try:
        _stream(archive, member, parser)
    except _Refusal as refusal:
        raise SourceError(refusal.message, file=file_label, sheet=sheet_now(), cell=refusal.cell,
                          hint=refusal.hint) from None
    except expat.ExpatError as error:
        raise SourceError(f"sheet cannot be read: its XML ({member}) is malformed ({error}).",
                          file=file_label, sheet=sheet_now(),
                          hint="The file is damaged: re-fetch it and build again.") from error
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:  # the member's bytes
        raise SourceError(f"sheet cannot be read ({error}).", file=file_label, sheet=sheet_now(),
                          hint="The file is damaged: re-fetch it and build again.") from error


def _attributes(archive: zipfile.ZipFile, member: str, element: str) -> list[dict[str, str]]:
    """The attributes (local names) of every `element` in a small XML part."""
    found: list[dict[str, str]] = []
    parser = _parser(namespaces=True)

    def start(name, attrs):
        if name.rpartition(" ")[2] == element:
            found.append({key.rpartition(" ")[2]: value for key, value in attrs.items()})
    parser.StartElementHandler = start
    _stream(archive, member, parser)
    return found


def _xlsx_sheet_members(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip member) in workbook order, as calamine finds them."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return []  # not a workbook calamine can open either: it refuses the file itself
    targets = {rel.get("Id"): rel.get("Target", "")
               for rel in _attributes(archive, "xl/_rels/workbook.xml.rels", "Relationship")}
    members: dict[str, str] = {}   # member -> sheet name
    for sheet in _attributes(archive, "xl/workbook.xml", "sheet"):
        target = targets.get(sheet.get("id"), "")
        member = target[1:] if target.startswith("/") else posixpath.normpath("xl/" + target)
        if member in members:  # one part read once per name: a way to multiply the work
            raise _Refusal(f"lists two sheets ('{members[member]}' and '{sheet.get('name', '')}') "
                           f"stored in one part ({member}), which no spreadsheet program writes.",
                           "Remove the file from the raw folder.")
        if member in names:
            members[member] = sheet.get("name", "")
    return [(name, member) for member, name in members.items()]


def _xlsx_grids(archive: zipfile.ZipFile, file_label: str, tally: _Tally) -> None:
    for name, member in _xlsx_sheet_members(archive):
        grid = SheetGrid(name, tally=tally)
        if _plain_sheet_grid(archive, member, grid, file_label):
            continue
        parser, close = _xlsx_sheet_parser(grid)
        try:
            _parse_member(archive, member, parser, file_label, lambda: name)
        finally:
            close()


# The fast path: a sheet of plain values as Excel writes it (every cell's reference first, no
# formula, no namespace prefix, no DOCTYPE) needs only its farthest references, which a regular
# expression finds in C. Anything else goes through the parser above.
_NEEDS_PARSER = re.compile(rb"<f[\s>/]|<!DOCTYPE|<[A-Za-z_][\w.-]*:c[\s>/]")
# A cell tag (as counted: '<c' then a space, tab, newline, '>' or '/') not led by its reference,
# or one opened with a form feed or vertical tab (which the reference pattern's \s would match
# but the count would not): either sends the sheet to the parser, which places such cells.
_CELL_WITHOUT_REFERENCE = re.compile(rb'<c[\f\v]|<c(?=[ \t\n\r>/])(?!\s+r="[A-Z]{1,3}[0-9]{1,15}")')
# Each cell's row digits, and its column letters: two flat lists the regex engine fills in C
# (a list of (letters, digits) pairs costs a tuple per cell, half a million in the largest).
_ROW_OF_CELL = re.compile(rb'<c\s+r="[A-Z]{1,3}([0-9]{1,15})"')
_COLUMN_OF_CELL = re.compile(rb'<c\s+r="([A-Z]{1,3})[0-9]{1,15}"')
_DIMENSION = re.compile(rb'<dimension\s+ref="([^"]*)"')


def _reference_order(part: bytes) -> tuple[int, bytes]:
    """Row digits and column letters, as bytes, order by length and then by value."""
    return len(part), part


def _plain_sheet_grid(archive: zipfile.ZipFile, member: str, grid: SheetGrid, file_label: str) -> bool:
    """Fill `grid` from a plain sheet and say True; False (nothing filled) when the sheet needs
    the parser. Read 64 KiB at a time, each piece cut after its last complete tag."""
    farthest_row = farthest_column = (b"", b"")
    tail = b""
    try:
        with archive.open(member) as handle:
            while True:
                chunk = handle.read(CHUNK)
                data = tail + chunk
                cut = data.rfind(b"<") if chunk else len(data)
                cut = len(data) if cut <= 0 else cut
                piece, tail = data[:cut], data[cut:]
                if _NEEDS_PARSER.search(piece) or _CELL_WITHOUT_REFERENCE.search(piece):
                    return False          # a cell without a leading reference: the parser places it
                digits = set(_ROW_OF_CELL.findall(piece))
                if digits:
                    # Distinct letters and digits are few (tens of columns, a few hundred rows a
                    # chunk): reduce them in C, then find the first cell that holds each farthest.
                    row = max(digits, key=_reference_order)
                    column = max(set(_COLUMN_OF_CELL.findall(piece)), key=_reference_order)
                    if _reference_order(row) > _reference_order(farthest_row[1]):
                        farthest_row = re.search(rb'<c\s+r="([A-Z]{1,3})(' + row + rb')"', piece).groups()
                    if _reference_order(column) > _reference_order(farthest_column[0]):
                        farthest_column = re.search(rb'<c\s+r="(' + column + rb')([0-9]{1,15})"',
                                                    piece).groups()
                    if int(farthest_row[1]) * column_number(farthest_column[0].decode()) > grid.allowed:
                        break             # over the budget already: no need to read further
                dimension = _DIMENSION.search(piece)
                if dimension:
                    text = dimension.group(1).decode("ascii", "replace")
                    grid.declare(*_declared(text), f"{text} (its <dimension>)")
                if not chunk:
                    break
    except _OverBudget:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
        raise SourceError(f"sheet cannot be read ({error}).", file=file_label, sheet=grid.name,
                          hint="The file is damaged: re-fetch it and build again.") from error
    for letters, digits in (farthest_row, farthest_column):
        if digits:
            grid.reach(int(digits), column_number(letters.decode()))
    return True


_COLUMN_NUMBERS: dict[str, int] = {}


def column_number(letters: str) -> int | None:
    """'A' -> 1, 'XFD' -> 16384; None for anything but letters. Past XFD is as hostile as XFD
    itself (the budget refuses both), so twelve letters are as far as it counts."""
    number = _COLUMN_NUMBERS.get(letters)
    if number is None:
        if not (letters.isascii() and letters.isalpha()):
            return None
        number = 0
        for letter in letters[:12].upper():
            number = number * 26 + ord(letter) - 64
        if len(_COLUMN_NUMBERS) < 20_000:
            _COLUMN_NUMBERS[letters] = number
    return number


def _reference(text: str | None) -> tuple[int, int] | None:
    """'XFD1048576' -> (1048576, 16384); None when it is no cell reference."""
    if not text:
        return None
    letters = text.rstrip("0123456789")
    digits = text[len(letters):]
    column = column_number(letters) if letters and digits else None
    return (_count(digits), column) if column is not None else None


def _count(digits: str) -> int:
    """ASCII digits as a number, at most fifteen of them (int() refuses 4,300 digits, and any
    row past a million is refused by the budget anyway)."""
    return int(digits[:15]) if len(digits) <= 15 else int("9" * 15)


def _declared(text: str) -> tuple[int, int]:
    """A <dimension ref> ('A1:AF182', or one cell 'A1') as the rows and columns from A1 that it
    takes: the reader's rows begin at A1, wherever the range begins."""
    corners = [_reference(part.strip().replace("$", "")) for part in text.split(":")]
    corners = [corner for corner in corners if corner]
    return (max(c[0] for c in corners), max(c[1] for c in corners)) if corners else (0, 0)


def _xlsx_sheet_parser(grid: SheetGrid):
    """A parser that fills `grid` from one worksheet's XML, and what to call once it has read
    the last element (it writes the farthest cells to the grid). Its start handler runs for every
    element of the largest files (half a million cells), so it is written for speed: closures
    over locals, attributes as lists, and only a cell holding a formula gets an end handler and
    character data."""
    parser = _parser(namespaces=False)
    parser.ordered_attributes = True
    columns: dict[str, int] = {}
    row = 0                   # the current <row>'s number, and as written
    row_text = "\x00"         # (matches no reference before the first row)
    column = 0                # the last cell's column: a cell without a reference follows it
    cell_row = 1
    cell_attrs: list[str] = []
    max_row = max_column = 0
    row_by = column_by = (0, 0)
    formula: list | None = None   # [row, column, type, shared index, text, value, inline]
    shared: dict[str, str] = {}
    allowed = grid.allowed

    def attribute(attrs: list[str], key: str) -> str | None:
        for index in range(0, len(attrs) - 1, 2):
            if attrs[index] == key:
                return attrs[index + 1]
        return None

    def start(name: str, attrs: list[str]) -> None:
        nonlocal row, row_text, column, cell_row, cell_attrs, max_row, max_column, row_by, \
            column_by, formula
        if name == "c":
            ref = attrs[1] if attrs and attrs[0] == "r" else attribute(attrs, "r")
            # Most references are a known column's letters and the row's own number.
            number = columns.get(ref[:-len(row_text)]) if ref and ref.endswith(row_text) else None
            if number is not None:
                column, cell_row = number, row
            else:
                letters = ref.rstrip("0123456789") if ref else ""
                number = columns.get(letters) if letters else None
                if number is None and letters:
                    number = column_number(letters)
                    if number is not None and len(columns) < 20_000:
                        columns[letters] = number
                if number is not None and len(ref) > len(letters):
                    digits = ref[len(letters):]
                    column, cell_row = number, int(digits) if len(digits) < 16 else 10 ** 15
                else:  # no reference: the cell after the last, as calamine places it
                    column, cell_row = column + 1, max(row, 1)
            if cell_row > max_row:
                max_row, row_by = cell_row, (cell_row, column)
                if max_row * max_column > allowed:
                    raise _OverBudget
            if column > max_column:
                max_column, column_by = column, (cell_row, column)
                if max_row * max_column > allowed:
                    raise _OverBudget
            cell_attrs = attrs
        elif name == "v":
            if formula is not None:
                formula[5] = []
                parser.CharacterDataHandler = formula[5].append
        elif name == "row":
            found = attrs[1] if attrs and attrs[0] == "r" else attribute(attrs, "r")
            if found and found.isascii() and found.isdigit() and len(found) < 16:
                row, row_text = int(found), found
            else:
                row = row + 1
                row_text = str(row)
            column = 0
        elif name == "f":
            formula = [cell_row, column, attribute(attrs, "t"), attribute(attrs, "si"), [], None, False]
            parser.CharacterDataHandler = formula[4].append
            parser.EndElementHandler = end
        elif name == "is":
            if formula is not None:
                formula[6] = True
        elif name == "dimension":
            text = attribute(attrs, "ref") or ""
            grid.declare(*_declared(text), f"{text} (its <dimension>)")
        elif ":" in name:  # 'x:c' from writers that prefix the main namespace
            start(name.rpartition(":")[2], attrs)

    def end(name: str) -> None:
        nonlocal formula
        local = name.rpartition(":")[2]
        if local in ("f", "v"):
            parser.CharacterDataHandler = None
        elif local == "c":
            parser.EndElementHandler = None
            _judge_formula(grid, formula, cell_attrs, shared)
            formula = None

    def close() -> None:
        """Write the farthest cells to the grid (without raising: the scan is over)."""
        for row_at, column_at in (row_by, column_by):
            if row_at > grid.rows:
                grid.rows, grid.row_reached_by = row_at, (row_at, column_at)
            if column_at > grid.columns:
                grid.columns, grid.column_reached_by = column_at, (row_at, column_at)

    parser.StartElementHandler = start
    return parser, close


def _judge_formula(grid: SheetGrid, formula: list, cell_attrs: list[str], shared: dict[str, str]) -> None:
    """A formula cell is flagged if it links to another workbook, or if nothing of its result
    was saved (an empty <v/> is what a program that writes formulas without calculating them
    leaves; a string result may be empty, and says so with t="str")."""
    row, column, kind, shared_index, text, value, inline = formula
    text = "".join(text)
    if kind == "shared" and shared_index is not None:
        # A shared formula is written once, in its first cell; the others refer to it.
        if text:
            shared[shared_index] = text
        else:
            text = shared.get(shared_index, "")
    cell_type = next((cell_attrs[i + 1] for i in range(0, len(cell_attrs) - 1, 2)
                      if cell_attrs[i] == "t"), None)
    saved = inline or (value is not None and ("".join(value) != "" or cell_type in ("str", "inlineStr")))
    if _XLSX_EXTERNAL.search(text):
        grid.flag(row - 1, column - 1, Flag(True, "=" + text))
    elif not saved:
        grid.flag(row - 1, column - 1, Flag(False, "=" + text))


# -- OpenDocument ---------------------------------------------------------------------------------
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
_ODS_CELLS = {_TABLE + "table-cell", _TABLE + "covered-table-cell"}


def _repeats(text: str | None) -> int:
    if text is None:
        return 1
    return _count(text) if text.isascii() and text.isdigit() and int(text[:15]) > 0 else 1


def _ods_grids(archive: zipfile.ZipFile, file_label: str, tally: _Tally) -> None:
    if "content.xml" not in archive.namelist():
        return  # calamine refuses it
    scan = _OdsScan(tally)
    _parse_member(archive, "content.xml", scan.parser, file_label,
                  lambda: scan.grid.name if scan.grid else None)
    scan.finish_row()


class _OdsScan:
    """content.xml holds every sheet. A row or cell may say it repeats (a million empty rows
    close most sheets LibreOffice saves): calamine expands repeats of cells that hold something,
    so those count, and empty ones do not."""

    def __init__(self, tally: _Tally):
        self.parser = parser = _parser(namespaces=True)
        parser.StartElementHandler = self.start
        self.tally = tally
        self.grid: SheetGrid | None = None
        self.row_first = 0        # 0-based first row of the current <table-row>
        self.row_repeat = 0
        self.row_filled = False
        self.column = 0           # 0-based next column
        self.depth = 0            # elements open inside the current cell
        self.cell_first = 0
        self.cell_repeat = 0
        self.cell_filled = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.depth:            # the cell's paragraphs: it holds something
            self.depth += 1
            self.cell_filled = True
            return
        if name in _ODS_CELLS:
            if self.grid is None:
                return
            repeat = _repeats(attrs.get(_TABLE + "number-columns-repeated"))
            self.cell_first, self.cell_repeat = self.column, repeat
            self.column += repeat
            self.cell_filled = _OFFICE + "value-type" in attrs
            formula = attrs.get(_TABLE + "formula")
            if formula is not None:
                self._judge(formula, self.cell_filled)
                self.cell_filled = True
            self.depth = 1
            self.parser.EndElementHandler = self.end
        elif name == _TABLE + "table-row":
            self.finish_row()
            self.row_repeat = _repeats(attrs.get(_TABLE + "number-rows-repeated"))
            self.row_filled, self.column = False, 0
        elif name == _TABLE + "table":
            self.finish_row()
            self.grid = SheetGrid(attrs.get(_TABLE + "name", ""), tally=self.tally)
            self.row_first = 0

    def end(self, name: str) -> None:
        self.depth -= 1
        if self.depth == 0:
            self.parser.EndElementHandler = None
            if self.cell_filled:
                self.row_filled = True
                last = self.cell_first + self.cell_repeat
                if last > self.grid.columns:
                    self.grid.reach(self.row_first + 1, last)

    def finish_row(self) -> None:
        if self.grid is not None and self.row_repeat:
            if self.row_filled:
                self.grid.reach(self.row_first + self.row_repeat, 1)
            self.row_first += self.row_repeat
            self.row_repeat = 0

    def _judge(self, formula: str, saved: bool) -> None:
        external = bool(_ODS_EXTERNAL.search(formula))
        if saved and not external:
            return
        flag = Flag(external, formula)
        # A repeated cell is as many cells: flag() refuses past the cap, so the loops are bounded.
        for row in range(self.row_first, self.row_first + min(self.row_repeat, MAX_FLAGGED_CELLS + 1)):
            for column in range(self.cell_first,
                                self.cell_first + min(self.cell_repeat, MAX_FLAGGED_CELLS + 1)):
                self.grid.flag(row, column, flag)


# -- BIFF (.xls) ----------------------------------------------------------------------------------
_BOF, _EOF, _BOUNDSHEET, _DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x0200
_WORKSHEET = 0x0010
# Records calamine turns into cells (BIFF5/8), each with its row and first column at offset 0:
# FORMULA, RSTRING, LABELSST, NUMBER, LABEL, BOOLERR, RK. MULRK ends with its last column.
# BLANK and MULBLANK only format an empty cell: calamine makes no cell of them.
_CELL_RECORDS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E})
_MULRK = 0x00BD


def _xls_stream(path: Path, file_label: str) -> bytes | None:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as container:
            for name in ("Workbook", "Book"):   # BIFF8, then BIFF5
                if container.exists(name):
                    return container.openstream(name).read()
    except (OSError, ValueError, struct.error, IndexError) as error:  # olefile's own checks fail
        raise SourceError(f"cannot be opened as a spreadsheet (its OLE container is damaged: "
                          f"{error}).", file=file_label,
                          hint="Check the download completed; re-fetch the file.") from error
    return None  # no workbook stream (an encrypted or other Office file): calamine refuses it


def _sheet_name(body: bytes) -> str:
    """A BOUNDSHEET record's name: BIFF8 says whether it is UTF-16 or Latin-1; BIFF5 is 8-bit."""
    length = body[6] if len(body) > 6 else 0
    if len(body) > 7 and len(body) >= 8 + length * (2 if body[7] & 1 else 1) and body[7] in (0, 1):
        return body[8:8 + length * (2 if body[7] & 1 else 1)].decode(
            "utf-16-le" if body[7] & 1 else "latin-1", "replace")
    return body[7:7 + length].decode("cp1252", "replace")


def _xls_grids(path: Path, file_label: str, tally: _Tally) -> None:
    data = _xls_stream(path, file_label)
    if data is None:
        return
    unpack = struct.unpack_from
    pair = struct.Struct("<HH").unpack_from    # compiled once: this loop runs per record
    names: dict[int, str] = {}   # a sheet's BOF offset in the stream -> its name
    grid: SheetGrid | None = None
    depth = 0
    position, end = 0, len(data) - 4
    while position <= end:
        kind, length = pair(data, position)
        body = position + 4
        if kind in _CELL_RECORDS:
            if grid is not None and length >= 4:
                row, column = pair(data, body)
                if row >= grid.rows or column >= grid.columns:
                    grid.reach(row + 1, column + 1)
        elif kind == _MULRK:
            if grid is not None and length >= 6:
                row = unpack("<H", data, body)[0]
                last = unpack("<H", data, body + length - 2)[0]
                grid.reach(row + 1, last + 1)
        elif kind == _BOF:
            depth += 1
            sheet_type = unpack("<H", data, body + 2)[0] if length >= 4 else 0
            if depth == 1 and sheet_type == _WORKSHEET and position in names:
                grid = SheetGrid(names[position], tally=tally)
            elif depth == 1:
                grid = None
        elif kind == _EOF:
            depth = max(depth - 1, 0)
            if depth == 0:
                grid = None
        elif kind == _BOUNDSHEET and length >= 8:
            names[unpack("<I", data, body)[0]] = _sheet_name(data[body:body + length])
        elif kind == _DIMENSIONS and grid is not None and depth == 1:
            if length >= 14:    # BIFF8: rows as 32-bit, one past the last
                _, rows_end, _, columns_end = unpack("<IIHH", data, body)
            elif length >= 8:
                _, rows_end, _, columns_end = unpack("<HHHH", data, body)
            else:
                rows_end = columns_end = 0
            grid.declare(rows_end, columns_end,
                         f"A1:{cell_ref(rows_end, columns_end - 1)} (its DIMENSIONS record)"
                         if rows_end and columns_end else "")
        position = body + length
