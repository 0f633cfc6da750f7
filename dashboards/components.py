"""Layout pieces shared by pages: page shell, controls, tables, source lines, messages."""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from .figures import NOTE_MARK, format_value, is_missing, significance_style

NAVIGATION = [("/", "Compare councils"), ("/client-groups", "Client groups"),
              ("/funnel", "Funnel plot"), ("/map", "Map"), ("/sources", "Sources and methods")]


def page_shell(path: str, children: list, *, location_id: str | None = None) -> html.Div:
    """Navigation, then the page's own content in <main>. A page whose controls write the URL
    gets its own Location, so the app-level router only hears path changes."""
    links = [html.Li(html.A(label, href=href, **({"aria-current": "page"} if href == path else {})))
             for href, label in NAVIGATION]
    parts = [html.Nav(html.Ul(links), className="site-nav", **{"aria-label": "Pages"}),
             html.Main(children, id="main")]
    if location_id:
        parts.insert(0, dcc.Location(id=location_id, refresh="callback-nav"))
    return html.Div(parts)


def radio_group(control_id: str, legend: str, options: list[tuple[str, str]], value: str) -> html.Fieldset:
    """A labelled group of radio buttons: native, keyboard-reachable, named by its legend."""
    return html.Fieldset([
        html.Legend(legend),
        dcc.RadioItems(id=control_id, options=[{"label": label, "value": key} for key, label in options],
                       value=value, labelClassName="radio-option", className="radio-group", inline=True),
    ], className="control")


def _count(value: object) -> str:
    return "" if is_missing(value) else f"{value:,.0f}"


def _interval(row) -> str:
    lower, upper = getattr(row, "lower_95", None), getattr(row, "upper_95", None)
    if is_missing(lower) or is_missing(upper):
        return ""
    return f"{lower:.1f} to {upper:.1f}"


def comparison_table(rows: pd.DataFrame, *, caption: str, count_label: str, base_label: str,
                     polarity: str = "higher_is_better", unit: str = "percent",
                     table_id: str = "compare-table") -> html.Table:
    """Councils ranked by value, then councils without a value (listed, not dropped), then
    comparators; every row with its interval, counts, comparison, status and note."""
    head = html.Thead(html.Tr([html.Th(text, scope="col") for text in (
        "Rank", "Area", "Code", "Value", "95% interval", count_label, base_label,
        "Compared with England", "Status", "Note")]))
    councils = rows[rows["area_type"] == "council"]
    ordered = pd.concat([councils[councils["value"].notna()], councils[councils["value"].isna()],
                         rows[rows["area_type"] != "council"]])
    body, rank = [], 0
    for row in ordered.itertuples():
        is_council = row.area_type == "council"
        has_value = not is_missing(row.value)
        rank += is_council and has_value
        note = row.note if isinstance(row.note, str) else ""
        compared = getattr(row, "compared_with_england", None)
        words, _, symbol = significance_style(compared, polarity)
        comparison = "" if row.area_code == "E92000001" or is_missing(compared) else f"{symbol} {words}"
        name = html.A(row.area_name, href=f"/area/{row.area_code}") if is_council else row.area_name
        body.append(html.Tr([
            html.Td(str(rank) if is_council and has_value else ""),
            html.Th(name, scope="row"),
            html.Td(row.area_code),
            html.Td(format_value(row.value, unit) + (f" {NOTE_MARK}" if note else ""), className="number"),
            html.Td(_interval(row), className="number"),
            html.Td(_count(row.numerator), className="number"),
            html.Td(_count(row.denominator), className="number"),
            html.Td(comparison),
            html.Td(row.value_status.replace("_", " ")),
            html.Td(note, className="note"),
        ], className="council" if is_council else "comparator"))
    return html.Table([html.Caption(caption), head, html.Tbody(body)], className="data-table", id=table_id)


def source_line(source_rows: pd.DataFrame, element_id: str = "source-line") -> html.P:
    parts = []
    for row in source_rows.itertuples():
        text = row.cites or row.title
        if row.cites and row.title:
            text += f", as printed in {row.title}"
        if row.publisher:
            text += f" ({row.publisher})"
        parts.append(text)
    licence = "; ".join(sorted({r for r in source_rows["licence"] if isinstance(r, str)}))
    return html.P([html.Strong("Source: "), "; ".join(dict.fromkeys(parts)) + ".",
                   html.Br(), f"Licence: {licence}." if licence else ""],
                  className="source-line", id=element_id)


def message(text: str, *, element_id: str = "message") -> html.Div:
    return html.Div(text, role="status", className="message", id=element_id)
