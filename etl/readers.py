"""One generic reader per file kind: every file becomes sheets of cells with locations.

Layouts (etl/registry) find headers and columns in these grids by content, so nothing here
knows about any publication. Workbook sheets load lazily: detection reads only their tops.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .errors import SourceError

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}


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


def decode_text(raw: bytes, file_label: str) -> tuple[str, str]:
    """Decode CSV bytes: BOM, else UTF-8, else Windows-1252 (older HSCIC files)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise SourceError(
            f"is neither UTF-8 nor Windows-1252 text (byte {error.start}).",
            file=file_label, hint="Save it as UTF-8 CSV and build again.") from error


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
    rows = [list(row) for row in csv.reader(io.StringIO("\n".join(lines[skipped:])))]
    return [Sheet(None, rows, first_row_number=skipped + 1, meta=meta, encoding=encoding)]


def read_workbook(path: Path, file_label: str) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

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
                return parsed[name].to_python(skip_empty_area=False, nrows=count)
            except Exception as error:
                raise SourceError(f"sheet cannot be read ({error}).", file=file_label,
                                  sheet=name) from error
        return load

    return [Sheet(name, loader=loader(name)) for name in workbook.sheet_names]


def read_file(path: Path, file_label: str) -> list[Sheet]:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(path, file_label)
    if suffix in SPREADSHEET_SUFFIXES:
        return read_workbook(path, file_label)
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
