"""Limits a raw file must be within before anything parses it.

A raw folder takes files from anywhere: a download cut short, a 200 MB file, a zip bomb named
.xlsx. These checks read only the file's size and, for zip-based workbooks, the zip's own
directory of members (their declared sizes), so a hostile file is refused in milliseconds and
without decompressing a byte. The reader that parses the workbook (calamine) then refuses any
member that inflates beyond its declared size, so a directory that lies cannot get around them.

Limits: the file on disk (default 100 MB, `--max-file-mb` or UPTAKE_MAX_FILE_MB), the sizes a
workbook declares once unpacked (ten times that), and the compression ratio of any member over
1 MiB (default 100:1, `--max-zip-ratio` or UPTAKE_MAX_ZIP_RATIO). The real publications are at
most 2.8 MB on disk, 18.7 MB unpacked and 19:1.

The grid budget (default 512 MB, UPTAKE_MAX_GRID_MB) bounds the memory the reader needs for a
workbook's sheets as grids: calamine holds every sheet from A1 to its farthest cell, 40 bytes a
cell with the Python rows, so a 5 KB file with cells at A1 and XFD1048576 would need 687 GB.
etl/workbook_guard.py measures that from the workbook's own records before calamine reads it.
The real publications need at most 28 MB (ONS mid-2019 estimates: 701,610 cells in 13 sheets).
"""
from __future__ import annotations

import os
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import SourceError

DEFAULT_MAX_FILE_MB = 100.0
DEFAULT_MAX_ZIP_RATIO = 100.0
FILE_MB_ENV = "UPTAKE_MAX_FILE_MB"
ZIP_RATIO_ENV = "UPTAKE_MAX_ZIP_RATIO"
DEFAULT_MAX_GRID_MB = 512.0
GRID_MB_ENV = "UPTAKE_MAX_GRID_MB"
UNPACKED_FACTOR = 10           # a workbook may declare ten times the file limit once unpacked
RATIO_FLOOR = 1 << 20          # small members (styles, [Content_Types].xml) compress 20:1 or more
MAX_MEMBERS = 10_000           # the SALT tables, 90 sheets, have 268 members
ZIP_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".ods"}
_MB = 1_000_000
_RAISE = (f"If the file is genuine, raise the limit with --max-file-mb or {FILE_MB_ENV}; "
          "otherwise remove it from the raw folder.")


def _megabytes(count: float) -> str:
    return f"{count / _MB:,.1f} MB"


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number.") from None
    if not value > 0:
        raise ValueError(f"{name}={text!r} must be above 0.")
    return value


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_zip_ratio: float
    max_grid_bytes: int = int(DEFAULT_MAX_GRID_MB * _MB)

    @property
    def max_unpacked_bytes(self) -> int:
        return self.max_file_bytes * UNPACKED_FACTOR

    @classmethod
    def from_env(cls, max_file_mb: float | None = None, max_zip_ratio: float | None = None,
                 max_grid_mb: float | None = None) -> "Limits":
        """Explicit values (the command line) win over the environment, then the defaults."""
        file_mb = max_file_mb if max_file_mb is not None else _env_number(FILE_MB_ENV, DEFAULT_MAX_FILE_MB)
        ratio = max_zip_ratio if max_zip_ratio is not None else _env_number(ZIP_RATIO_ENV, DEFAULT_MAX_ZIP_RATIO)
        grid_mb = max_grid_mb if max_grid_mb is not None else _env_number(GRID_MB_ENV, DEFAULT_MAX_GRID_MB)
        return cls(max_file_bytes=int(file_mb * _MB), max_zip_ratio=float(ratio),
                   max_grid_bytes=int(grid_mb * _MB))


def check_file_size(path: Path, file_label: str, limits: Limits) -> int:
    """The file's size in bytes, or refuse it before a byte of it is read."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise SourceError(f"is {_megabytes(size)}, over the {_megabytes(limits.max_file_bytes)} "
                          "limit for a raw file; it was not read.", file=file_label, hint=_RAISE)
    return size


def _declared_member_count(path: Path) -> int | None:
    """Members the zip's end record declares (None: not found), read from the last 64 KiB only,
    so a directory of millions of entries is refused before zipfile builds an object for each."""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - (1 << 16) - 22))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    return struct.unpack_from("<H", tail, at + 10)[0]   # 0xFFFF: zip64, 65,535 or more


def check_archive(path: Path, file_label: str, limits: Limits) -> None:
    """Refuse a zip-based workbook that is incomplete or would unpack to far more than it is."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic[:4] == b"\xd0\xcf\x11\xe0":
        return  # not a zip (an old binary workbook renamed): calamine refuses it as unreadable
    kind = path.suffix.lower().lstrip(".")
    if magic[:2] != b"PK":
        raise SourceError(f"is not a spreadsheet: an .{kind} file is a zip archive, and this one "
                          f"starts with {magic!r}.", file=file_label,
                          hint="Check the download completed (it may be an error page); re-fetch it.")
    members = _declared_member_count(path)
    if members is None:
        raise SourceError(f"is an incomplete .{kind} file: its zip archive has no directory at "
                          "the end, so the download was probably cut short.", file=file_label,
                          hint="Re-fetch the file and build again.")
    if members > MAX_MEMBERS:
        raise SourceError(f"declares {members:,} files inside its zip archive (a workbook has at "
                          f"most a few thousand); refused before unpacking.", file=file_label,
                          hint="Remove the file from the raw folder.")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:  # EOFError is an OSError
        raise SourceError(f"is a damaged .{kind} file: its zip directory cannot be read "
                          f"({error}).", file=file_label,
                          hint="Re-fetch the file and build again.") from error
    total = sum(info.file_size for info in infos)
    if total > limits.max_unpacked_bytes:
        raise SourceError(f"declares {_megabytes(total)} once unpacked, over the "
                          f"{_megabytes(limits.max_unpacked_bytes)} limit; refused before "
                          "decompressing anything.", file=file_label, hint=_RAISE)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > limits.max_zip_ratio:
            raise SourceError(
                f"looks like a zip bomb: member '{info.filename}' declares "
                f"{_megabytes(info.file_size)} from {_megabytes(info.compress_size)} compressed "
                f"({ratio:,.0f}:1; published workbooks compress about 20:1, the limit is "
                f"{limits.max_zip_ratio:g}:1); refused before decompressing anything.",
                file=file_label,
                hint=f"Remove the file; if it is genuine, raise --max-zip-ratio or {ZIP_RATIO_ENV}.")
