"""Layout pieces shared by pages: page shell, controls, tables, source lines, messages."""
from __future__ import annotations

import urllib.parse

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from . import db
from .charts import SITE_NAME
from .context import warehouse
from .figures import (CAVEAT_MARK, NOTE_MARK, comparable_ranks, format_value, highlight_label, is_missing,
                      records, significance_style)
from .labels import flag_codes
from .wire import element

MARKS_FOOTNOTE = (f"{NOTE_MARK} This value has a note in the table. {CAVEAT_MARK} This value carries a "
                  "quality flag: the caveats under the chart and the table's note say why.")

NAVIGATION = [("/", "Compare councils"), ("/client-groups", "Client groups"),
              ("/mental-health", "Mental health"), ("/funnel", "Funnel plot"), ("/map", "Map"),
              ("/control", "Control"), ("/sources", "Sources and methods")]


def page_shell(path: str, children: list, *, location_id: str | None = None,
               title: str | None = None) -> html.Div:
    """Navigation, then the page's own content in <main>. A page whose controls write the URL
    gets its own Location, so the app-level router only hears path changes. `title` becomes the
    document's <title> (assets/title.js reads it from a hidden element as the page renders)."""
    links = [html.Li(html.A(label, href=href, **({"aria-current": "page"} if href == path else {})))
             for href, label in NAVIGATION]
    parts = [html.Nav(html.Ul(links), className="site-nav", **{"aria-label": "Pages"}),
             html.Main(children, id="main")]
    if title:
        parts.append(html.Div(id="page-title", hidden=True, **{"data-title": f"{title} - {SITE_NAME}"}))
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


def select_control(control_id: str, label: str, options: list[tuple[str, str]], value: str,
                   *, class_name: str = "") -> html.Div:
    """A labelled native <select> (dbc.Select renders one): compact, keyboard- and
    screen-reader-friendly, and its value is read and written by callbacks like a radio
    group's. Options are (value, label) pairs."""
    return html.Div([
        html.Label(label, htmlFor=control_id),
        dbc.Select(id=control_id, options=[{"label": text, "value": key} for key, text in options],
                   value=value, className="select"),
    ], className=f"control select-control {class_name}".strip())


def control_bar(controls: list, *, more: list | None = None, label: str = "Choose what to show",
                bar_id: str | None = None) -> html.Div:
    """One compact row (a side panel on wide screens, by CSS) of controls; less-used ones behind
    a native <details>. A <div role="group">, never a <form>: Enter in a text box must not
    submit anything and reset the view."""
    children = list(controls)
    if more:
        children.append(html.Details([html.Summary("More options"), html.Div(more, className="more-controls")],
                                     className="control more"))
    return html.Div(children, className="control-bar", role="group", **{"aria-label": label},
                    **({"id": bar_id} if bar_id else {}))


def council_finder(control_id: str, councils: pd.DataFrame, value_code: str | None, *,
                   label: str = "Find your council") -> html.Div:
    """A text box that suggests council names as you type (a native <datalist>), marking the
    council chosen on every ranking, map and funnel. Enter or leaving the box applies it."""
    names = councils.set_index("area_code")["area_name"]
    return html.Div([
        html.Label(label, htmlFor=control_id),
        dcc.Input(id=control_id, type="search", list=f"{control_id}-names", debounce=True,
                  value=names.get(value_code, "") if value_code else "", autoComplete="off",
                  placeholder="Type a council's name", className="council-finder"),
        html.Datalist(id=f"{control_id}-names", children=[html.Option(value=name) for name in names]),
    ], className="control finder-control")


def selection_controls(prefix: str, options: dict[str, list[str]], selection, measures: pd.DataFrame) -> list:
    """The measure, year, age band and client group radio groups every chart page starts with;
    ids are '<prefix>-measure' and so on, as the page's callback reads them."""
    from .labels import AGE_BANDS, CLIENT_GROUPS

    return [
        radio_group(f"{prefix}-measure", "Measure",
                    [(m, measures.at[m, "label"]) for m in options["measure"]], selection.measure_id),
        radio_group(f"{prefix}-period", "Year (to 31 March)", [(p, p) for p in options["period"]],
                    selection.period),
        radio_group(f"{prefix}-age_band", "Age band",
                    [(a, AGE_BANDS.get(a, a).capitalize()) for a in options["age_band"]], selection.age_band),
        radio_group(f"{prefix}-client_group", "Client group",
                    [(c, CLIENT_GROUPS.get(c, c).capitalize()) for c in options["client_group"]],
                    selection.client_group),
    ]


def _count(value: object) -> str:
    return "" if is_missing(value) else f"{value:,.0f}"


def value_text(value: object, unit: str, quality_flag: object, note: str) -> str:
    """'22.2% \u26a0 \u2020': the value, the caveat mark when it carries a quality flag, the
    dagger when it has a note: the marks the chart's labels use."""
    return (format_value(value, unit) + (f" {CAVEAT_MARK}" if flag_codes(quality_flag) else "")
            + (f" {NOTE_MARK}" if note else ""))


def note_text(quality_note: object, note: str, quality_flag: object = None) -> str:
    """The quality note (why the value is flagged) first, marked, then any other note."""
    caveat = quality_note if isinstance(quality_note, str) and quality_note.strip() else ""
    if caveat or flag_codes(quality_flag):
        caveat = f"{CAVEAT_MARK} {caveat}".rstrip()
    return " ".join(part for part in (caveat, note) if part)


def note_cell(quality_note: object, note: str, quality_flag: object,
              flag_labels: dict[str, str] | None) -> list | str:
    """A table's note cell: a flagged value names its flags in a line that opens (a native
    <details>) on the full quality note, so a table of 150 flagged rows stays readable; any
    other note follows as text."""
    codes = flag_codes(quality_flag)
    if not codes:
        return note_text(quality_note, note)
    label = "; ".join((flag_labels or {}).get(code) or code.replace("_", " ") for code in codes)
    detail = quality_note if isinstance(quality_note, str) and quality_note.strip() else ""
    parts = [element("Details", [element("Summary", f"{CAVEAT_MARK} {label}"), element("P", detail)],
                     className="flag-note")]
    return parts + ([element("P", note)] if note else [])


def caveat_list(sentences: list[str], *, element_id: str, heading: str = "Caveats") -> html.Div | None:
    """The caveats a reader must see beside a chart (dashboards/caveats.py), as visible text."""
    if not sentences:
        return None
    return html.Div([html.P(html.Strong(heading), className="caveats-heading"),
                     html.Ul([html.Li(sentence) for sentence in sentences])],
                    id=element_id, className="caveats")


# Long tables show the top and bottom ten, the reader's council and the comparators; the rest
# open with a native <details> ("Show all"), so a 152-row table does not bury the page.
EDGE_ROWS = 10


def comparison_table(rows: pd.DataFrame, *, caption: str, count_label: str, base_label: str,
                     polarity: str = "higher_is_better", unit: str = "percent",
                     table_id: str = "compare-table", flag_labels: dict[str, str] | None = None,
                     highlight: str | None = None, compact: bool = True,
                     trend_marks: dict[str, str] | None = None) -> dict:
    """Councils ranked by value (equal values share a rank: '=1'; a value a quality flag forbids
    comparing is listed in its place but not ranked), then councils without a
    value (listed, not dropped), then comparators; every row with its interval, counts,
    comparison, status and note. The reader's council (`highlight`) is marked and always shown.

    Built in Dash's wire form (dashboards/wire.py): it runs inside callbacks for ~150 rows."""
    headings = ["Rank", "Area", "Code", "Value", "95% interval", count_label, base_label, "Compared with England"]
    # A recent-trend column only where the caller computed one (percentages on Compare).
    headings += ["Recent trend"] if trend_marks is not None else []
    head = element("Thead", element("Tr", [element("Th", text, scope="col") for text in (
        *headings, "Status", "Note")]))
    columns = ["area_type", "area_code", "area_name", "value", "lower_95", "upper_95", "numerator",
               "denominator", "compared_with_england", "value_status", "note", "quality_flag", "quality_note"]
    # Ordered as lists, not frame filters: councils with a value (as given), then councils
    # without, then comparators.
    given = records(rows, columns)
    valued = [row for row in given if row["area_type"] == "council" and not is_missing(row["value"])]
    ordered = valued + [row for row in given if row["area_type"] == "council" and is_missing(row["value"])] \
        + [row for row in given if row["area_type"] != "council"]
    councils = [row for row in given if row["area_type"] == "council"]
    ranks = comparable_ranks([row["value"] for row in valued], [row["compared_with_england"] for row in valued],
                             1 if unit == "percent" else 0) + [""] * (len(ordered) - len(valued))
    hidden = 0
    body = []
    for position, (row, rank) in enumerate(zip(ordered, ranks)):
        is_council = row["area_type"] == "council"
        note = row["note"] if isinstance(row["note"], str) else ""
        compared = row["compared_with_england"]
        words, _, symbol = significance_style(compared, polarity)
        comparison = "" if row["area_code"] == "E92000001" or is_missing(compared) else f"{symbol} {words}"
        mine = row["area_code"] == highlight
        label = highlight_label(row["area_name"]) if mine else row["area_name"]
        # "carries-view": assets/nav.js adds the reader's measure and breakdown, so the profile
        # opens on the trend of what was being compared.
        name = element("A", label, href=f"/area/{row['area_code']}", className="carries-view") if is_council else label
        interval = "" if is_missing(row["lower_95"]) or is_missing(row["upper_95"]) else \
            f"{row['lower_95']:.1f} to {row['upper_95']:.1f}"
        extra = compact and is_council and not mine and EDGE_ROWS <= position < len(councils) - EDGE_ROWS
        hidden += extra
        classes = ["council" if is_council else "comparator"] + (["flagged"] if flag_codes(row["quality_flag"]) else []) \
            + (["highlight"] if mine else []) + (["extra"] if extra else [])
        body.append(element("Tr", [
            element("Td", rank),
            element("Th", name, scope="row"),
            element("Td", row["area_code"]),
            element("Td", value_text(row["value"], unit, row["quality_flag"], note), className="number"),
            element("Td", interval, className="number"),
            element("Td", _count(row["numerator"]), className="number"),
            element("Td", _count(row["denominator"]), className="number"),
            element("Td", comparison),
            *([element("Td", trend_marks.get(row["area_code"], "") if is_council else "")]
              if trend_marks is not None else []),
            element("Td", str(row["value_status"]).replace("_", " ")),
            element("Td", note_cell(row["quality_note"], note, row["quality_flag"], flag_labels),
                    className="note"),
        ], className=" ".join(classes), **({"id": f"{table_id}-mine"} if mine else {})))
    table = element("Table", [element("Caption", caption), head, element("Tbody", body)],
                    className="data-table", id=table_id)
    return folded_table(table, label=caption, councils=len(councils), hidden=hidden, table_id=table_id)


def folded_table(table: dict, *, label: str, councils: int, hidden: int, table_id: str,
                 ends: str = "top and bottom", box_id: str | None = None) -> dict:
    """A ranked table in a box that scrolls sideways on a narrow screen (focusable, so a
    keyboard scrolls it too); when `hidden` rows are folded, a native "Show all" before it."""
    box = element("Div", table, className="table-box", tabIndex=0, role="region", **{"aria-label": label},
                  **({"id": box_id} if box_id else {}))
    if not hidden:
        return element("Div", box, className="ranked-table")
    toggle = element("Details", element("Summary", f"Show all {councils} councils "
                                                   f"({hidden} more between the {ends} {EDGE_ROWS})"),
                     className="show-all", id=f"{table_id}-show-all")
    return element("Div", [toggle, box], className="ranked-table")


def _text(value: object) -> str:
    return "" if is_missing(value) else str(value)


def measure_href(measure_id: str) -> str:
    """The page explaining a measure (pages/measure.py serves it)."""
    return "/measure/" + urllib.parse.quote(measure_id, safe="")


def measure_links(measure_ids) -> list:
    """'About the measure: <label>' linking each measure's page, for a chart's source line."""
    labels = dict(zip(*(db.measures(warehouse())[c] for c in ("measure_id", "label"))))
    ids = [m for m in dict.fromkeys(measure_ids) if m in labels]
    if not ids:
        return []
    links = [part for i, m in enumerate(ids)
             for part in ([", "] if i else []) + [html.A(labels[m], href=measure_href(m), className="measure-link")]]
    return [html.Br(), f"About the measure{'s' if len(ids) > 1 else ''} (definition, sources by year, caveats): ",
            *links, "."]


def source_line(source_rows: pd.DataFrame, element_id: str = "source-line", measure_ids=()) -> html.P:
    parts = []
    for row in source_rows.itertuples():
        cites, title, publisher = _text(row.cites), _text(row.title), _text(row.publisher)
        text = cites or title
        if cites and title:
            text += f", as printed in {title}"
        if publisher:
            text += f" ({publisher})"
        parts.append(text)
    licence = "; ".join(sorted({_text(r) for r in source_rows["licence"] if _text(r)}))
    return html.P([html.Strong("Source: "), "; ".join(dict.fromkeys(parts)) + ".",
                   html.Br(), f"Licence: {licence}." if licence else "", *measure_links(measure_ids)],
                  className="source-line", id=element_id)


def message(text: str, *, element_id: str = "message") -> html.Div:
    return html.Div(text, role="status", className="message", id=element_id)
