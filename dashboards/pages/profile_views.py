"""How the council profile (/area/<code>) lays out its pieces: the lede and its links, each
chart with its heading, key, share links, text alternative and caveats, the small multiples a
phone shows instead of the dot chart, and the data tables. (The trend: profile_trend_views.py.)

Layout only: the data and the charts come from pages/profile.py (Profile, Chart).
"""
from __future__ import annotations

import urllib.parse
from itertools import groupby
from typing import TYPE_CHECKING

import pandas as pd
from dash import dcc, html

from .. import caveats, db
from ..charts import Chart
from ..components import caveat_list, note_text, value_text
from ..figures import format_value, is_missing, significance_style
from ..figures.profile import KeyItem, SmallMultiple, applicable_breaks, for_page, key_items
from ..labels import breakdown_label
from ..recent_trend import recent_trend
from ..sharing import share_panel

if TYPE_CHECKING:
    from .profile import Profile

# A phone shows this many breakdowns of a measure as small multiples; the rest wait behind a
# native "Show more", so a measure with 18 breakdowns does not bury the trend below it.
VISIBLE_BREAKDOWNS = 4
SCALE_TICKS = (0, 25, 50, 75, 100)


# ---------------------------------------------------------------- lede

def in_sentence(name: str, area_type: str) -> str:
    """'the North East', 'the East of England', but 'London' and 'Darlington'."""
    compass = ("North ", "South ", "East ", "West ")
    return f"the {name}" if area_type == "region" and name.startswith(compass) else name


def compare_links(profile: Profile) -> list:
    """Where the reader goes next: a council's similar councils (its own question: "how does my
    council compare with councils like it?") and its region's councils, each highlighting it."""
    code, area_type = profile.code, profile.area["area_type"]
    if area_type == "country":
        return [html.A("Compare councils", href="/", id="profile-compare-region")]
    if area_type == "region":
        return [html.A(f"Compare the councils of {in_sentence(profile.area['area_name'], 'region')}",
                       href="/?" + urllib.parse.urlencode({"scope": "region", "region": code}),
                       id="profile-compare-region")]
    # "carries-view": assets/nav.js adds the trend's measure and breakdown as the reader changes them.
    links = [html.A("Compare with similar councils", id="profile-compare-similar", className="primary-link carries-view",
                    href="/?" + urllib.parse.urlencode({"council": code, "scope": "neighbours"}))]
    if len(profile.roles) > 2:
        region = profile.roles[1]
        links.append(html.A(f"Compare the councils of {in_sentence(region.name, 'region')}",
                            id="profile-compare-region", className="carries-view", href="/?" + urllib.parse.urlencode({"scope": "region", "region": region.code,
                                                                "council": code})))
    return links


def lede(profile: Profile) -> html.Div:
    """One short line saying what the area is, then where to compare it: kept short, the first
    chart must start on the first screen of a phone."""
    area, code = profile.area, profile.code
    if area["area_type"] == "country":
        what = f"England as a whole (ONS code {code}): every measure and year loaded."
    elif area["area_type"] == "region":
        what = f"Region of England, ONS code {code}."
    else:
        where = f" in {in_sentence(profile.roles[1].name, 'region')}" if len(profile.roles) > 2 else ""
        what = f"Council{where}, ONS code {code}."
    return html.Div([html.P(what, className="lede"),
                     html.P(compare_links(profile), className="profile-links", id="profile-links")])


def area_notes(profile: Profile) -> list:
    """The area's own history (codes, boundary changes), near the sources: the trend marks the
    changes it needs; the rest is background."""
    notes = profile.area.get("notes")
    return [html.P(["About this area: ", notes], className="method", id="profile-area-notes")] \
        if isinstance(notes, str) and notes else []


# ---------------------------------------------------------------- keys and small multiples

def mark(shape: str, colour: str, *, hollow: bool = False, interval: bool = False,
         at: float | None = None) -> html.Span:
    """A chart mark drawn in CSS (profile.css): the same shape and colour as the chart's; `at`
    places it along a small multiple's 0-100% scale."""
    classes = f"mark mark-{shape}" + (" mark-hollow" if hollow else "") + (" mark-interval" if interval else "") \
        + (" sm-at" if at is not None else "")
    style = {"--mark-colour": colour, **({"left": f"{at:.2f}%"} if at is not None else {})}
    return html.Span(className=classes, style=style, **{"aria-hidden": "true"})


def chart_key(items: list[KeyItem], element_id: str) -> html.Ul:
    """The chart's legend as text above it: it wraps on a phone, where Plotly's would be cut."""
    return html.Ul([html.Li([mark(item.shape, item.colour, hollow=item.hollow, interval=item.interval), item.words])
                    for item in items], className="chart-key", id=element_id, **{"aria-label": "Key"})


def _strip(multiple: SmallMultiple) -> html.Div:
    """The small chart itself: a 0-100% scale (its grid lines and tick places are CSS, the same
    for every one), the area's interval as a bar, a mark per area."""
    parts = []
    if multiple.interval:
        low, high = multiple.interval
        parts.append(html.Span(className="sm-interval", style={
            "left": f"{low:.2f}%", "width": f"{high - low:.2f}%", "--mark-colour": multiple.marks[-1].colour}))
    parts += [mark(m.shape, m.colour, hollow=m.hollow, at=m.at) for m in multiple.marks]
    axis = [html.Span(f"{tick}%") for tick in SCALE_TICKS]
    return html.Div([html.Div(parts, className="sm-plot"), html.Div(axis, className="sm-axis")],
                    className="sm-chart", **{"aria-hidden": "true"})


def small_multiple(multiple: SmallMultiple) -> html.Li:
    """Its label above it as text, the small chart, then every value in words (the area first)."""
    words = [html.Span([mark(m.shape, m.colour, hollow=m.hollow), m.words], className="sm-value")
             for m in reversed(multiple.marks)]
    return html.Li([html.P(multiple.label, className="sm-label"), _strip(multiple),
                    html.P(words, className="sm-values")], className="small-multiple")


def small_multiples_view(multiples: list[SmallMultiple], labels: dict[str, str]) -> html.Div:
    """The dot chart as small multiples, grouped by measure (the measure's name as a heading);
    the fifth and later breakdowns of a measure behind a native "Show more"."""
    groups = []
    for measure_id, grouped in groupby(multiples, key=lambda m: m.measure_id):
        grouped = list(grouped)
        label = labels.get(measure_id, measure_id)
        shown, more = grouped[:VISIBLE_BREAKDOWNS], grouped[VISIBLE_BREAKDOWNS:]
        parts = [html.H3(label, className="sm-measure"),
                 html.Ul([small_multiple(m) for m in shown], className="sm-list")]
        if more:
            parts.append(html.Details([
                html.Summary(f"Show {len(more)} more breakdown{'s' if len(more) > 1 else ''} of "
                             f"{label[0].lower() + label[1:]}"),
                html.Ul([small_multiple(m) for m in more], className="sm-list")], className="sm-more"))
        groups.append(html.Div(parts, className="sm-group"))
    return html.Div(groups, id="profile-multiples", className="small-multiples narrow-only")


# ---------------------------------------------------------------- a chart and what goes with it

def chart_heading(title: str, subtitle: str, element_id: str, level: type = html.H2) -> html.Div:
    """A chart's title and subtitle as page text (they wrap on a phone; Plotly's do not)."""
    return html.Div([level(title, id=element_id, className="chart-title"),
                     html.P(subtitle, className="chart-subtitle")], className="chart-heading")


def text_alternative(description: str, element_id: str) -> html.Figcaption:
    return html.Figcaption(html.Details([html.Summary("The chart in words"), html.P(description, id=element_id)],
                                        className="text-alternative"))


def chart_block(chart: Chart, *, graph_id: str, heading: html.Div, key: html.Ul, drawing: list,
                sentences: list[str]) -> list:
    """Heading, key, the drawing, its share and download links, its text alternative; then its
    caveats, visible, straight after it."""
    figure = html.Figure([heading, key, *drawing, share_panel(chart),
                          text_alternative(chart.description, f"{graph_id}-description")],
                         className="chart", **{"aria-labelledby": f"{graph_id}-title"})
    return [part for part in (figure, caveat_list(sentences, element_id=f"{graph_id}-caveats")) if part is not None]


def graph(graph_id: str, chart: Chart, class_name: str = "") -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=for_page(chart.figure), className=class_name,
                     config={"displaylogo": False, "scrollZoom": False})


def dots_section(profile: Profile, chart: Chart, multiples: list[SmallMultiple], *, title: str,
                 subtitle: str) -> list:
    """The latest figures: the dot chart on a wide screen, small multiples on a narrow one."""
    flagged = any(m.hollow for multiple in multiples for m in multiple.marks)
    interval = any(multiple.interval for multiple in multiples)
    labels = {m: profile.label(m) for m in {multiple.measure_id for multiple in multiples}}
    return chart_block(chart, graph_id="profile-dots", heading=chart_heading(title, subtitle, "profile-dots-title"),
                       key=chart_key(key_items(profile.roles, interval=interval, flagged=flagged), "profile-dots-key"),
                       drawing=[html.Div(graph("profile-dots", chart), className="wide-only"),
                                small_multiples_view(multiples, labels)],
                       sentences=caveats.for_chart(chart))


# ---------------------------------------------------------------- tables

def _interval(row) -> str:
    lower, upper = row.get("lower_95"), row.get("upper_95")
    return "" if is_missing(lower) or is_missing(upper) else f"{lower:.1f} to {upper:.1f}"


def _count(value) -> str:
    return "" if is_missing(value) else f"{value:,.0f}"


def _comparison(row, profile: Profile) -> str:
    compared = row.get("compared_with_england")
    if profile.code == db.ENGLAND or is_missing(compared):
        return ""
    words, _, symbol = significance_style(compared, profile.polarity(row["measure_id"]))
    return f"{symbol} {words}"


def _note(row) -> str:
    return row["note"] if isinstance(row.get("note"), str) else ""


def _value_cell(row, unit: str) -> html.Td:
    return html.Td(value_text(row.get("value"), unit, row.get("quality_flag"), _note(row)), className="number")


def _note_cell(row) -> html.Td:
    return html.Td(note_text(row.get("quality_note"), _note(row), row.get("quality_flag")), className="note")


def _comparator_heads(profile: Profile) -> list[str]:
    return [f"{role.glyph} {role.name}" for role in profile.roles[1:]]


def table_box(table: html.Table, caption: str) -> html.Div:
    """A table in its own box, which scrolls sideways on a narrow screen instead of the page;
    focusable, so keyboard users can scroll it too."""
    return html.Div(table, className="table-box", tabIndex="0", role="region", **{"aria-label": caption})


def _recent(profile: Profile, row) -> str:
    """The area's recent-trend mark for one measure and breakdown: arrow and words, its years."""
    own = profile.own
    rows = own[(own["measure_id"] == row["measure_id"]) & (own["age_band"] == row["age_band"])
               & (own["client_group"] == row["client_group"])]
    breaks = applicable_breaks(profile.breaks, row["measure_id"], profile.code)
    return recent_trend(rows, list(breaks["period"]), profile.polarity(row["measure_id"])).words()


def latest_table(profile: Profile, latest: pd.DataFrame, *, percent: bool, table_id: str) -> html.Div:
    """Rows grouped by measure (a row-group heading each), one row per breakdown. Percentages
    carry their interval, counts and comparison; counts (numbers of people) carry the count."""
    area = profile.roles[0]
    heads = ["Breakdown", "Year", f"{area.glyph} {area.name}"]
    if percent:
        heads += ["95% interval", "Numerator", "Denominator", "Compared with England", "Recent trend"]
    heads += ["Status"] + _comparator_heads(profile) + ["Note"]
    bodies = []
    for measure_id, group in latest.groupby("measure_id", sort=False):
        unit = profile.unit(measure_id)
        body = [html.Tr(html.Th(profile.label(measure_id), colSpan=len(heads), scope="rowgroup"),
                        className="group")]
        for _, row in group.iterrows():
            cells = [html.Th(breakdown_label(row["age_band"], row["client_group"]), scope="row"),
                     html.Td(row["period"], className="period"),
                     _value_cell(row, unit)]
            if percent:
                cells += [html.Td(_interval(row), className="number"),
                          html.Td(_count(row.get("numerator")), className="number"),
                          html.Td(_count(row.get("denominator")), className="number"),
                          html.Td(_comparison(row, profile), className="compared"),
                          html.Td(_recent(profile, row), className="compared")]
            cells.append(html.Td(str(row["value_status"]).replace("_", " ")))
            cells += [html.Td(format_value(row.get(f"value_{role.code}"), unit), className="number")
                      for role in profile.roles[1:]]
            cells.append(_note_cell(row))
            body.append(html.Tr(cells))
        bodies.append(html.Tbody(body))
    others = " and ".join(role.name for role in profile.roles[1:])
    what = "percentages (the chart of latest figures)" if percent else "counts and amounts of money"
    caption = f"Data: {what} for {area.name}, latest year with a figure" + (
        f", beside {others} for the same year" if others else "")
    return table_box(html.Table([html.Caption(caption), html.Thead(html.Tr([html.Th(h, scope="col") for h in heads])),
                                 *bodies], className="data-table profile-table", id=table_id), caption)
