"""Small layout pieces shared by pages: tables, source lines, messages."""
from __future__ import annotations

import pandas as pd
from dash import html

from .figures import NOTE_MARK, format_percent


def _count(value: float | None) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.0f}"


def comparison_table(rows: pd.DataFrame, *, caption: str, count_label: str,
                     base_label: str) -> html.Table:
    """Councils ranked, then comparators; every value with its counts, status and note."""
    head = html.Thead(html.Tr([html.Th(text, scope="col") for text in (
        "Rank", "Area", "Code", "Value", count_label, base_label, "Status", "Note")]))
    body, rank = [], 0
    for row in rows.itertuples():
        is_council = row.area_type == "council"
        if is_council and not pd.isna(row.value):
            rank += 1
        note = row.note if isinstance(row.note, str) else ""
        body.append(html.Tr([
            html.Td(str(rank) if is_council and not pd.isna(row.value) else ""),
            html.Th(row.area_name, scope="row"),
            html.Td(row.area_code),
            html.Td(format_percent(row.value) + (f" {NOTE_MARK}" if note else ""),
                    className="number"),
            html.Td(_count(row.numerator), className="number"),
            html.Td(_count(row.denominator), className="number"),
            html.Td(row.value_status),
            html.Td(note, className="note"),
        ], className="council" if is_council else "comparator"))
    return html.Table([html.Caption(caption), head, html.Tbody(body)],
                      className="data-table", id="compare-table")


def source_line(source_rows: pd.DataFrame) -> html.P:
    parts = []
    for row in source_rows.itertuples():
        text = row.cites or row.title
        if row.cites and row.title:
            text += f", as printed in {row.title}"
        if row.publisher:
            text += f" ({row.publisher})"
        parts.append(text)
    licence = "; ".join(sorted({r for r in source_rows["licence"] if isinstance(r, str)}))
    return html.P([html.Strong("Source: "), "; ".join(parts) + ".",
                   html.Br(), f"Licence: {licence}." if licence else ""],
                  className="source-line", id="source-line")


def message(text: str, *, element_id: str = "message") -> html.Div:
    return html.Div(text, role="status", className="message", id=element_id)
