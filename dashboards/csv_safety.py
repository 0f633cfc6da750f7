"""CSV as every channel writes it: the API, a chart's downloads and the whole-dataset bundle.

One function, safe_text, decides what a text cell becomes, so a note that starts like a
formula (`=HYPERLINK(...)`) is made harmless the same way wherever it is downloaded: a
spreadsheet opening the file shows it as text instead of running it. Numbers are written the
same way everywhere too: whole numbers without ".0", others to 15 significant digits.

Imports nothing from the app (only pandas and numpy), so the ETL's bundle export can use it
without starting Dash.
"""
from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def safe_text(value) -> str:
    """A text cell a spreadsheet will show rather than run: formula starts get a quote."""
    if _missing(value):
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number_text(value) -> str:
    """Deterministic text: integers without '.0', other numbers to 15 significant digits."""
    if _missing(value):
        return ""
    if float(value).is_integer():
        return str(int(value))
    return format(float(value), ".15g")


def boolean_text(value) -> str:
    """As DuckDB and JSON write them: true, false, or nothing."""
    return "" if _missing(value) else ("true" if value else "false")


def csv_field(value) -> str:
    """safe_text, then quoted as csv.writer's QUOTE_MINIMAL quotes it."""
    text = safe_text(value)
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def formatted(series: pd.Series, format_one: Callable[[object], str], missing: str) -> np.ndarray:
    """format_one applied to each distinct value once; missing where there is no value. A column
    of a few thousand rows has a few hundred distinct values: this is most of the speed."""
    codes, distinct = pd.factorize(series, use_na_sentinel=True)
    texts = np.array([format_one(value) for value in distinct.tolist()] + [missing], dtype=object)
    return texts[codes]          # code -1 (no value) picks the last: missing


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def field_columns(frame: pd.DataFrame, numeric: Collection[str] | None = None) -> list[np.ndarray]:
    """Each column of frame as its CSV fields. Numbers are the columns named in numeric, or,
    when numeric is None, those of a numeric type; booleans are true/false; the rest is text,
    made safe."""
    columns = []
    for name in frame.columns:
        series = frame[name]
        if (name in numeric) if numeric is not None else _is_number(series):
            columns.append(formatted(series, number_text, ""))
        elif numeric is None and pd.api.types.is_bool_dtype(series):
            columns.append(formatted(series, boolean_text, ""))
        else:
            columns.append(formatted(series, csv_field, ""))
    return columns


def csv_rows(frame: pd.DataFrame, numeric: Collection[str] | None = None) -> list[str]:
    """Each row of frame as one CSV line with its newline, exactly as csv.writer writes it."""
    return [",".join(fields) + "\n" for fields in zip(*field_columns(frame, numeric))]


class _Lines(list):
    """A file for csv.writer that keeps each row's text apart (writerow writes once per row)."""
    write = list.append


def header_line(columns: Iterable[str]) -> str:
    lines = _Lines()
    csv.writer(lines, lineterminator="\n").writerow(columns)
    return lines[0]


def to_csv(frame: pd.DataFrame, *, numeric: Collection[str] | None = None, bom: bool = False) -> str:
    """The whole frame as CSV text, header first (a byte order mark before it for Excel)."""
    return ("\ufeff" if bom else "") + header_line(frame.columns) + "".join(csv_rows(frame, numeric))


def public_file_names(rows: pd.DataFrame) -> pd.DataFrame:
    """The publisher's name for each source file, not the folder the server read it from."""
    if "source_file" not in rows:
        return rows
    return rows.assign(source_file=rows["source_file"].map(
        lambda name: PurePosixPath(name).name if isinstance(name, str) else name))
