"""Apply a recognised layout to a sheet: text cells -> raw observations with their locations.

Nothing is parsed or resolved here (transform.py does that), so every record still carries the
text exactly as published and the cell it came from.
"""
from __future__ import annotations

from dataclasses import dataclass

from .detect import Match, normalise_header
from .errors import SourceError, cell_ref
from .readers import cell_text


@dataclass
class RawObservation:
    area_label: str
    period_text: str
    measure_id: str
    age_band: str
    client_group: str
    value_text: object
    numerator_text: object
    denominator_text: object
    unit: str | None
    transcription_note: str | None
    sheet: str | None
    row_number: int
    area_cell: str
    value_cell: str | None
    numerator_cell: str | None
    denominator_cell: str | None


def _column_index(header: list[object], wanted: str, *, file_label: str, sheet: str | None,
                  row_number: int) -> int:
    target = normalise_header(wanted)
    for index, cell in enumerate(header):
        if normalise_header(cell) == target:
            return index
    raise SourceError(f"has no column headed '{wanted}' in its header row.", file=file_label,
                      sheet=sheet, row=row_number,
                      hint="The layout may have changed: compare the header with the registry.")


def _period_from_meta(match: Match, file_label: str) -> str:
    key = match.layout.period["meta"]
    if key not in match.sheet.meta:
        raise SourceError(f"has no '# {key}: ...' line in its header block.", file=file_label,
                          row=1, hint=f"Add a line like '# {key}: 2011-12' above the table.")
    return match.sheet.meta[key]


def extract(match: Match, file_label: str) -> list[RawObservation]:
    layout, sheet = match.layout, match.sheet
    header = sheet.rows[match.header_index]
    header_row_number = sheet.first_row_number + match.header_index

    def index_of(role: str) -> int | None:
        if role not in layout.columns:
            return None
        return _column_index(header, layout.columns[role], file_label=file_label,
                             sheet=sheet.name, row_number=header_row_number)

    area_index = index_of("area")
    note_index = index_of("note")
    period_from_file = _period_from_meta(match, file_label) if "meta" in layout.period else None
    group_columns = [
        (group, {role: index_of_header(header, getattr(group, role), file_label, sheet.name,
                                       header_row_number)
                 for role in ("value", "numerator", "denominator", "note")})
        for group in layout.groups]
    long_columns = {role: index_of(role) for role in
                    ("period", "measure_id", "age_band", "client_group", "value",
                     "numerator", "denominator", "unit")} if layout.shape == "long" else {}
    if layout.shape not in ("wide", "long"):
        raise ValueError(f"{layout.path}: unknown shape '{layout.shape}'.")

    def cell(row: list[object], index: int | None) -> object:
        return row[index] if index is not None and index < len(row) else None

    observations: list[RawObservation] = []
    for offset, row in enumerate(sheet.rows[match.header_index + 1:], start=1):
        row_number = header_row_number + offset
        area_label = cell_text(cell(row, area_index))
        if not area_label:
            continue  # blank separator rows between tables
        common = dict(area_label=area_label, transcription_note=cell_text(cell(row, note_index)) or None,
                      sheet=sheet.name, row_number=row_number,
                      area_cell=cell_ref(row_number, area_index))
        if layout.shape == "wide":
            for group, columns in group_columns:
                group_note = cell_text(cell(row, columns["note"])) or None
                observations.append(RawObservation(
                    **{**common, "transcription_note": group_note or common["transcription_note"]},
                    period_text=period_from_file, measure_id=group.measure_id,
                    age_band=group.age_band, client_group=group.client_group, unit=None,
                    **_cells(row, row_number, columns, cell)))
        else:
            observations.append(RawObservation(
                **common,
                period_text=period_from_file or cell_text(cell(row, long_columns["period"])),
                measure_id=cell_text(cell(row, long_columns["measure_id"])),
                age_band=cell_text(cell(row, long_columns["age_band"])),
                client_group=cell_text(cell(row, long_columns["client_group"])),
                unit=cell_text(cell(row, long_columns["unit"])) or None,
                **_cells(row, row_number, long_columns, cell)))
    return observations


def _cells(row, row_number, columns, cell) -> dict[str, object]:
    """The value, numerator and denominator texts of one observation and their cell refs."""
    result: dict[str, object] = {}
    for role in ("value", "numerator", "denominator"):
        result[f"{role}_text"] = cell(row, columns[role])
        result[f"{role}_cell"] = _ref(row_number, columns[role])
    return result


def index_of_header(header: list[object], wanted: str | None, file_label: str,
                    sheet: str | None, row_number: int) -> int | None:
    if wanted is None:
        return None
    return _column_index(header, wanted, file_label=file_label, sheet=sheet, row_number=row_number)


def _ref(row_number: int, index: int | None) -> str | None:
    return None if index is None else cell_ref(row_number, index)
