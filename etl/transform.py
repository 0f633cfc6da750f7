"""Raw observations -> typed, resolved warehouse rows. Every failure names its cell."""
from __future__ import annotations

import pandas as pd

from .areas import AreaResolver
from .errors import SourceError
from .extract import RawObservation
from .periods import normalise_period
from .quality import consistency_note, ratio_range
from .values import ValueParseError, parse_value

FACT_COLUMNS = [
    "area_code", "period", "measure_id", "age_band", "client_group", "numerator",
    "denominator", "value", "value_status", "counts_check", "note", "source_id",
    "source_file", "source_sheet", "source_row", "value_cell", "numerator_cell",
    "denominator_cell",
]


def _decimals(text: object) -> int:
    """Decimal places as printed: '19' -> 0, '10.7' -> 1; spreadsheet numbers count as 1."""
    if isinstance(text, str) and "." in text:
        return len(text.strip().rsplit(".", 1)[1])
    return 0 if isinstance(text, str) else 1


def counts_check(value: float | None, numerator: float | None, denominator: float | None,
                 rounded_to: float | None, decimals: int) -> str | None:
    if value is None or numerator is None or not denominator:
        return None
    low, high = ratio_range(numerator, denominator, rounded_to or 0)
    half = 0.5 * 10 ** -decimals
    return "beyond_rounding" if (value + half < low or value - half > high) else "consistent"


class Transformer:
    """Turns one file's raw observations into warehouse rows."""

    def __init__(self, resolver: AreaResolver, measures: pd.DataFrame):
        self.resolver = resolver
        self.measure_units = dict(zip(measures["measure_id"], measures["unit"]))

    def _number(self, text: object, cell: str | None, raw: RawObservation, file_label: str):
        try:
            return parse_value(text)
        except ValueParseError as error:
            raise SourceError(f"{error}.", file=file_label, sheet=raw.sheet, row=raw.row_number,
                              cell=cell, hint="Correct the cell, or add the marker to etl/values.py "
                              "if the publication uses a new one.") from error

    def rows(self, raws: list[RawObservation], *, source_id: str, file_label: str,
             counts_rounded_to: float | None) -> pd.DataFrame:
        records = []
        for raw in raws:
            where = dict(file=file_label, sheet=raw.sheet, row=raw.row_number)
            area_code = self.resolver.resolve(raw.area_label)
            if area_code is None:
                suggestions = ", ".join(self.resolver.closest(raw.area_label)) or "none close"
                raise SourceError(f"unknown area '{raw.area_label}' (closest known: {suggestions}).",
                                  cell=raw.area_cell, **where,
                                  hint="Add the spelling to etl/reference/area_aliases.csv.")
            period = normalise_period(raw.period_text)
            if period is None:
                raise SourceError(f"period '{raw.period_text}' is not a financial year like 2011-12.",
                                  **where)
            unit = self.measure_units.get(raw.measure_id)
            if unit is None:
                raise SourceError(f"unknown measure '{raw.measure_id}' (known: "
                                  f"{', '.join(sorted(self.measure_units))}).", **where)
            if raw.unit and raw.unit != unit:
                raise SourceError(f"unit '{raw.unit}' does not match measure '{raw.measure_id}', "
                                  f"which is in '{unit}'.", **where)
            value, status = self._number(raw.value_text, raw.value_cell, raw, file_label)
            numerator, _ = self._number(raw.numerator_text, raw.numerator_cell, raw, file_label)
            denominator, _ = self._number(raw.denominator_text, raw.denominator_cell, raw, file_label)
            notes = [raw.transcription_note] if raw.transcription_note else []
            check = None
            if unit == "percent":
                if value is None and status == "missing" and numerator is not None and denominator:
                    value, status = 100 * numerator / denominator, "derived"
                elif status == "published":
                    decimals = _decimals(raw.value_text)
                    check = counts_check(value, numerator, denominator, counts_rounded_to, decimals)
                    note = consistency_note(value, numerator, denominator, counts_rounded_to,
                                            decimals)
                    if note:
                        notes.append(note)
            records.append({
                "area_code": area_code, "period": period, "measure_id": raw.measure_id,
                "age_band": raw.age_band, "client_group": raw.client_group,
                "numerator": numerator, "denominator": denominator, "value": value,
                "value_status": status, "counts_check": check,
                "note": " ".join(notes) or None, "source_id": source_id,
                "source_file": file_label, "source_sheet": raw.sheet,
                "source_row": raw.row_number, "value_cell": raw.value_cell,
                "numerator_cell": raw.numerator_cell, "denominator_cell": raw.denominator_cell,
            })
        return pd.DataFrame.from_records(records, columns=FACT_COLUMNS)
