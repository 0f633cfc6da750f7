"""One generic reader per file kind: every file becomes sheets of cells with locations.

Layouts (etl/registry) find headers and columns in these grids by content, so nothing here
knows about any publication. Workbook sheets load lazily: detection reads only their tops.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .errors import SourceError
from .limits import ZIP_SUFFIXES, Limits, check_archive, check_file_size
from .workbook_guard import Flag, guard_workbook

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
READ_SUFFIXES = SPREADSHEET_SUFFIXES | CSV_SUFFIXES


class Sheet:
    """A grid of cells; rows[i] is row number first_row_number + i in the file."""

    def __init__(self, name: str | None, rows: list[list[object]] | None = None, *,
                 first_row_number: int = 1, meta: dict[str, str] | None = None,
                 encoding: str | None = None, loader=None):
        self.name = name
        self._rows = rows
        self._loader = loader          # (nrows | None) -> rows, for workbook sheets
        self.first_row_number = first_row_number
        self.meta = meta or {}
        self.encoding = encoding

    def head(self, count: int) -> list[list[object]]:
        if self._rows is not None:
            return self._rows[:count]
        return self._loader(count)

    @property
    def rows(self) -> list[list[object]]:
        if self._rows is None:
            self._rows = self._loader(None)
        return self._rows


# Byte order marks, longest first: a UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = [(b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")]
# What the build report says when a file is not plain UTF-8 (no news for the usual case).
ENCODING_NAMES = {"utf-8-sig": "UTF-8 with a byte order mark", "utf-16": "UTF-16 (byte order mark)",
                  "utf-16-le": "UTF-16 little-endian (no byte order mark)",
                  "utf-16-be": "UTF-16 big-endian (no byte order mark)",
                  "utf-32": "UTF-32 (byte order mark)", "cp1252": "Windows-1252"}


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 saved without a mark: ASCII text has a zero in every other byte."""
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    odd_zeros = sample[1::2].count(0) / len(sample[1::2])
    even_zeros = sample[0::2].count(0) / len(sample[0::2])
    if odd_zeros > 0.4 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.4 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def decode_text(raw: bytes, file_label: str) -> tuple[str, str]:
    """Decode CSV bytes: by byte order mark, else UTF-8, else UTF-16 recognised by its zero
    bytes, else Windows-1252 (older HSCIC files). Returns (text, encoding used)."""
    hint = "Save it as UTF-8 CSV and build again."
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceError("is a spreadsheet, not CSV text, despite its name.", file=file_label,
                          hint="Rename it with its real extension (.xlsx, .ods or .xls).")
    encoding = next((name for mark, name in _BOMS if raw.startswith(mark)), None) \
        or ("utf-8" if b"\x00" not in raw else _utf16_without_bom(raw))
    candidates = [encoding] if encoding else []
    if encoding in (None, "utf-8"):
        candidates.append("cp1252")
    names = [ENCODING_NAMES.get(c, c.upper()) for c in candidates]
    for position, candidate in enumerate(candidates):
        try:
            text = raw.decode(candidate)
        except UnicodeDecodeError as error:
            if position + 1 < len(candidates):
                continue
            tried = f"neither {' nor '.join(names)}" if len(names) > 1 else f"not {names[0]}"
            raise SourceError(f"is {tried} text (byte {error.start} cannot be decoded).",
                              file=file_label, hint=hint) from error
        if text.startswith("\ufeff"):  # the mark itself is not part of the first header
            text = text[1:]
        if "\x00" in text:  # binary data, or UTF-16 too irregular to recognise
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise SourceError(f"contains NUL characters (first on line {line}) when read as "
                              f"{names[position]}: it is not CSV text.", file=file_label,
                              row=line, hint=hint)
        return text, candidate
    raise AssertionError("unreachable: the last candidate returns or raises")


# No published cell is near this long; a longer field is an unclosed quote swallowing the file.
CSV_FIELD_LIMIT = 131072


def read_csv(path: Path, file_label: str) -> list[Sheet]:
    text, encoding = decode_text(path.read_bytes(), file_label)
    lines = text.splitlines()
    meta: dict[str, str] = {}
    skipped = 0
    # A header block of "# key: value" lines names the publication a bundled file cites.
    while skipped < len(lines) and lines[skipped].startswith("#"):
        key, _, value = lines[skipped][1:].partition(":")
        if value.strip():  # a field left blank, as the blank template has them, is absent
            meta[key.strip().lower()] = value.strip()
        skipped += 1
    # The limit is global to the process and other libraries raise it (frictionless sets it to
    # 2**31 on import): set ours each time, so a runaway quote is refused, not read to the end.
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO("\n".join(lines[skipped:])))
    rows: list[list[str]] = []
    try:
        while True:
            started = skipped + reader.line_num + 1   # a quoted field can span lines
            rows.append(next(reader))
    except StopIteration:
        pass
    except csv.Error as error:  # an unclosed quote swallowing the file, a field too long
        raise SourceError(f"is not valid CSV from this row on ({error}).", file=file_label,
                          row=started, hint="Check the quotes on this row; re-export the file "
                                            "as CSV.") from error
    return [Sheet(None, rows, first_row_number=skipped + 1, meta=meta, encoding=encoding)]


def mark_untrusted(rows: list[list[object]], flagged: dict[tuple[int, int], Flag],
                   count: int | None) -> list[list[object]]:
    """Put an UntrustedCell where the workbook holds a formula without its result or a link to
    another workbook (within the first `count` rows), so a layout that loads it refuses the file
    naming the cell. calamine leaves a formula without a result out, so its row may be short
    or missing: rows and cells up to it are added, empty."""
    for (row, column), flag in flagged.items():
        if count is not None and row >= count:
            continue
        while len(rows) <= row:
            rows.append([])
        cells = rows[row]
        if len(cells) <= column:
            cells.extend([""] * (column + 1 - len(cells)))
        cells[column] = flag.cell(cell_text(cells[column]))
    return rows


def read_workbook(path: Path, file_label: str, limits: Limits | None = None, *,
                  guarded: bool = True) -> list[Sheet]:
    """The workbook's sheets, loaded lazily. `guarded=False` skips the checks of its records
    (benchmarks/build.py's parse-only baseline: calamine alone)."""
    from python_calamine import CalamineWorkbook

    limits = limits or Limits.from_env()
    if path.suffix.lower() in ZIP_SUFFIXES:
        check_archive(path, file_label, limits)
    # Before calamine reads a byte: sheets too big for memory are refused, untrusted cells found.
    untrusted = guard_workbook(path, file_label, limits) if guarded else {}
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own types for corrupt or mislabelled files
        raise SourceError(f"cannot be opened as a spreadsheet ({error}).", file=file_label,
                          hint="Check the download completed; re-fetch the file.") from error

    parsed: dict[str, object] = {}  # get_sheet_by_name parses the whole sheet: do it once

    def loader(name: str):
        def load(count: int | None) -> list[list[object]]:
            try:
                if name not in parsed:
                    parsed[name] = workbook.get_sheet_by_name(name)
                # skip_empty_area=False keeps row numbers equal to the sheet's own.
                rows = parsed[name].to_python(skip_empty_area=False, nrows=count)
                return mark_untrusted(rows, untrusted[name], count) if name in untrusted else rows
            except Exception as error:
                raise SourceError(f"sheet cannot be read ({error}).", file=file_label,
                                  sheet=name, hint="The file is damaged: re-fetch it and build "
                                                   "again.") from error
        return load

    return [Sheet(name, loader=loader(name)) for name in workbook.sheet_names]


def read_file(path: Path, file_label: str, limits: Limits | None = None, *,
              guarded: bool = True) -> list[Sheet]:
    """The file's sheets, once it is within `limits` (default: the environment's or built in)."""
    limits = limits or Limits.from_env()
    suffix = path.suffix.lower()
    if suffix in READ_SUFFIXES:
        check_file_size(path, file_label, limits)
    if suffix in CSV_SUFFIXES:
        return read_csv(path, file_label)
    if suffix in SPREADSHEET_SUFFIXES:
        return read_workbook(path, file_label, limits, guarded=guarded)
    raise SourceError(f"has a file type ({suffix or 'none'}) the ETL does not read.",
                      file=file_label, hint="Supported: .csv, .xlsx, .xls, .ods.")


def cell_text(value: object) -> str:
    """A cell as text, integers without a trailing .0, for matching headers and labels."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
    return " ".join(str(value).split())
