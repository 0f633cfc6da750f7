"""Errors that point a person at the exact place in a raw file to fix."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1024)   # every cell reference of a wide table repeats its column's letters
def column_letter(index: int) -> str:
    """0-based column index -> spreadsheet letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_ref(row_number: int, column_index: int) -> str:
    """1-based row number and 0-based column index -> A1 reference."""
    return f"{column_letter(column_index)}{row_number}"


class SourceError(Exception):
    """A raw file cannot be loaded as it is; says where and what to do."""

    def __init__(self, message: str, *, file: str, sheet: str | None = None,
                 row: int | None = None, cell: str | None = None, hint: str | None = None):
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.cell = cell
        self.hint = hint
        super().__init__(str(self))

    def location(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.cell:
            parts.append(f"cell {self.cell}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.message}"
        if self.hint:
            text += f" {self.hint}"
        return text

    def __reduce__(self):
        # Sent back whole from a process that loaded a file in parallel (etl/parallel.py):
        # the default would call __init__ with the message alone and lose file, sheet and cell.
        return _restore_source_error, (type(self), self.message, {
            "file": self.file, "sheet": self.sheet, "row": self.row, "cell": self.cell, "hint": self.hint})


def _restore_source_error(kind: type, message: str, fields: dict) -> SourceError:
    return kind(message, **fields)


class BuildError(Exception):
    """The build as a whole failed (data checks, no sources); the old database is untouched."""
