"""Council profile, /area/<ons-code>: every measure and breakdown for one council beside its
region and England (latest period: a dot chart, small multiples on a phone), trends over every
period (never joined across missing years, series breaks or boundary changes), and a
plain-English summary. The first chart starts on the first screen, on a phone too.

A region's code shows the region beside England; England's code shows England alone. This
module holds the URL state, the data and the charts as data; pages/profile_views.py lays them out.
"""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from .. import db
from ..charts import Chart, ChartRequestError, register
from ..components import MARKS_FOOTNOTE, message, page_shell, source_line
from ..context import warehouse
from ..figures.profile import (Role, applicable_breaks, breakdown_order, describe_dots, describe_trend, dot_chart,
                               latest_by_breakdown, roles, small_multiples, trend_chart)
from ..labels import breakdown_label
from ..summary import summarise
from .profile_views import (age_options, area_notes, dots_section, group_options, in_sentence, latest_table, lede,
                            trend_controls, trend_panel)

PATH = "/area/"
TITLE = "Council profile: self-directed support uptake"
PREFIX = True
EXAMPLE = "E06000005"

CODE_PATTERN = re.compile(r"^E\d{8}$")
TREND_CONTROLS = ["measure", "age_band", "client_group"]
DEFAULT_MEASURE = "sds_users"
METHOD = ("Dots show each figure for the latest year it was published; the whisker is the area's 95% "
          "confidence interval (Wilson score, from its counts). Significantly higher or lower than "
          "England means England's value lies outside that interval; counts rounded to the nearest 5 "
          "make intervals approximate. Counts (numbers of people) are in the table, not on the "
          "percentage axis. A hollow dot is a figure with a quality flag: see its caveat.")
TREND_METHOD = ("Lines join consecutive years only: never across a year without a figure, a series break "
                "or a boundary change (the dashed vertical lines). A hollow point is a figure with a quality "
                "flag: see its caveat.")
TREND_INTERVALS = (" Whiskers are the area's 95% confidence intervals (Wilson score, from its counts); "
                   "counts rounded to the nearest 5 make them approximate.")
TREND_COUNTS = " A count is drawn for this area only; its comparators' counts are in the table and the data."


# ---------------------------------------------------------------- URL state (pure)

@dataclass(frozen=True)
class TrendChoice:
    measure_id: str
    age_band: str
    client_group: str

    def query(self) -> str:
        return "?" + urllib.parse.urlencode({"measure": self.measure_id, "age_band": self.age_band,
                                             "client_group": self.client_group})


def _measure_key(measure_id: str) -> tuple:
    return breakdown_order(measure_id, "all", "all")[:2]


def trend_options(available: pd.DataFrame, measure_id: str | None = None,
                  age_band: str | None = None) -> dict[str, list[str]]:
    """The choices each trend control offers given the ones before it, in display order.
    `available`: measure_id, age_band, client_group the area has a value for."""
    options = {"measure": sorted(set(available["measure_id"]), key=_measure_key)}
    rows = available[available["measure_id"] == measure_id]
    options["age_band"] = sorted(set(rows["age_band"]), key=lambda a: breakdown_order("", a, "all")[2:4])
    rows = rows[rows["age_band"] == age_band]
    options["client_group"] = sorted(set(rows["client_group"]), key=lambda c: (c != "all", c))
    return options


def resolve_trend(query: dict[str, str], available: pd.DataFrame) -> TrendChoice | None:
    """The measure and breakdown the query asks for, corrected to one the area has; None if none."""
    if available.empty:
        return None

    def pick(wanted, choices, preferred):
        return wanted if wanted in choices else (preferred if preferred in choices else choices[0])

    measure_id = pick(query.get("measure"), trend_options(available)["measure"], DEFAULT_MEASURE)
    age_band = pick(query.get("age_band"), trend_options(available, measure_id)["age_band"], "all")
    client_group = pick(query.get("client_group"), trend_options(available, measure_id, age_band)["client_group"], "all")
    return TrendChoice(measure_id, age_band, client_group)


# ---------------------------------------------------------------- data

@dataclass
class Profile:
    area: dict
    roles: list[Role]
    rows: pd.DataFrame          # the area's and its comparators' observations, every period
    measures: pd.DataFrame      # indexed by measure_id
    breaks: pd.DataFrame        # all_series_breaks
    flag_labels: dict[str, str] = field(default_factory=dict)   # quality flag code -> label

    @property
    def code(self) -> str:
        return self.area["area_code"]

    @property
    def own(self) -> pd.DataFrame:
        return self.rows[self.rows["area_code"] == self.code]

    @cached_property
    def _available(self) -> pd.DataFrame:
        own = self.own
        return own[own["value"].notna()][["measure_id", "age_band", "client_group"]].drop_duplicates()

    def available(self) -> pd.DataFrame:
        """The measures and breakdowns the area has figures for. A profile is kept per build
        and every trend callback asks several times: worked out once."""
        return self._available

    def label(self, measure_id: str) -> str:
        return self.measures.at[measure_id, "label"] if measure_id in self.measures.index else measure_id

    def unit(self, measure_id: str) -> str:
        return self.measures.at[measure_id, "unit"] if measure_id in self.measures.index else "percent"

    def polarity(self, measure_id: str) -> str:
        return self.measures.at[measure_id, "polarity"] if measure_id in self.measures.index else "none"


def normalise_code(code: str | None) -> str:
    return (code or "").strip().strip("/").upper()


def load_profile(code: str) -> Profile | None:
    """The profile for a valid ONS code of a council, region or England; None if unknown.

    Cached per database build: every trend change on the page reads the same rows."""
    if not CODE_PATTERN.match(code):
        return None
    return warehouse().cached(f"profile:{code}", lambda _: _load_profile(code))


def _load_profile(code: str) -> Profile | None:
    wh = warehouse()
    area = db.area(wh, code)
    if area is None:
        return None
    region = None
    if area["area_type"] == "council" and isinstance(area.get("region_code"), str):
        found = db.area(wh, area["region_code"])
        region = (found["area_code"], found["area_name"]) if found else None
    england = db.area(wh, db.ENGLAND)
    area_roles = roles(code, area["area_name"], region, (db.ENGLAND, england["area_name"]) if england else None)
    rows = db.observations(wh, area_codes=[role.code for role in area_roles])
    flags = db.quality_flags(wh)
    return Profile(area, area_roles, rows, db.measures(wh).set_index("measure_id"), db.series_breaks(wh),
                   dict(zip(flags["quality_flag"], flags["label"])))


# ---------------------------------------------------------------- charts as data

CHART_KEYS = ["measure_id", "period", "age_band", "client_group"]


def latest_rows(profile: Profile) -> pd.DataFrame:
    return latest_by_breakdown(profile.rows, profile.code, [role.code for role in profile.roles[1:]])


def _role_order(profile: Profile, rows: pd.DataFrame) -> pd.Series:
    order = {role.code: position for position, role in enumerate(profile.roles)}
    return rows["area_code"].map(order)


def _beside(profile: Profile) -> str:
    """'Darlington beside North East and England', or 'England' alone."""
    others = " and ".join(role.name for role in profile.roles[1:])
    return profile.roles[0].name + (f" beside {others}" if others else "")


def _span(periods) -> str:
    periods = sorted(set(periods))
    return periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"


def dots_subtitle(percentages: pd.DataFrame) -> str:
    return f"Percentages, each measure and breakdown for its latest year with a figure ({_span(percentages['period'])})"


def area_chart(profile: Profile, latest: pd.DataFrame | None = None) -> Chart | None:
    """The dot chart of the latest percentages; None when the area has no percentage figures.
    The page, the /embed/area and /image/area views and /download/area all draw this."""
    latest = latest_rows(profile) if latest is None else latest
    units = latest["measure_id"].map(profile.unit)
    percentages = latest[(units == "percent") & latest["value"].notna()]
    if percentages.empty:
        return None
    name = profile.area["area_name"]
    labels = {m: profile.label(m) for m in percentages["measure_id"].unique()}
    polarities = {m: profile.polarity(m) for m in percentages["measure_id"].unique()}
    # The observations behind each dot, in the chart's order: the area's, then its comparators'.
    wanted = percentages[CHART_KEYS].reset_index(drop=True).assign(_row=lambda f: range(len(f)))
    rows = wanted.merge(profile.rows, on=CHART_KEYS)
    rows = rows[rows["value"].notna()].assign(_role=lambda f: _role_order(profile, f))
    rows = rows.sort_values(["_row", "_role"], kind="stable").drop_duplicates(["area_code", *CHART_KEYS])
    title = f"{name}: latest figure for each measure"
    return Chart(
        view="area", title=title,
        subtitle=f"{dots_subtitle(percentages)}; {_beside(profile)}",
        figure=dot_chart(percentages, profile.roles, labels, polarities, title=title, flag_labels=profile.flag_labels),
        rows=rows.drop(columns=["_row", "_role"]).reset_index(drop=True),
        method=METHOD, description=describe_dots(percentages, profile.roles, labels, polarities, profile.flag_labels),
        page_url=PATH + profile.code, resolved={"code": profile.code},
        aliases={"code": profile.code})   # a code in lower case is the same area


def area_trend_chart(profile: Profile, choice: TrendChoice) -> Chart:
    """The trend lines for one measure and breakdown; the page, /embed/trend, /image/trend and
    /download/trend all draw this. Its rows are the table's: every period, every comparator."""
    rows = profile.rows
    selection = rows[(rows["measure_id"] == choice.measure_id) & (rows["age_band"] == choice.age_band)
                     & (rows["client_group"] == choice.client_group)]
    unit = profile.unit(choice.measure_id)
    breaks = applicable_breaks(profile.breaks, choice.measure_id, profile.code)
    label = profile.label(choice.measure_id)
    breakdown = breakdown_label(choice.age_band, choice.client_group)
    what = f"{label.lower()}, {breakdown.lower()}"
    ordered = selection.assign(_role=_role_order(profile, selection)).sort_values(["_role", "period"], kind="stable")
    with_values = selection.loc[selection["value"].notna(), "period"]
    return Chart(
        view="trend", title=label,
        subtitle=f"{breakdown}, {_span(with_values if len(with_values) else selection['period'])}, {_beside(profile)}",
        figure=trend_chart(selection, profile.roles, breaks, title=f"{label}: {breakdown}, {profile.roles[0].name}",
                           unit=unit, value_title="Percentage" if unit == "percent" else label,
                           flag_labels=profile.flag_labels),
        rows=ordered.drop(columns="_role").reset_index(drop=True),
        method=TREND_METHOD + (TREND_INTERVALS if unit == "percent"
                               else TREND_COUNTS if len(profile.roles) > 1 else ""),
        description=describe_trend(selection, profile.roles, breaks, what=what, unit=unit,
                                   flag_labels=profile.flag_labels),
        page_url=PATH + profile.code + choice.query(),
        resolved={"code": profile.code, "measure": choice.measure_id, "age_band": choice.age_band,
                  "client_group": choice.client_group},
        aliases={"code": profile.code})


def _profile_for_query(query: dict[str, str]) -> Profile | None:
    """The profile a chart request names; None when no data is loaded at all; a 404 naming an
    unknown or malformed code."""
    given = query.get("code", "")
    if db.catalogue(warehouse()).empty:
        return None
    if not given.strip():
        raise ChartRequestError("Say which area to show: code=<ONS code>, e.g. code=E06000005 (Darlington).",
                                valid=["code"])
    profile = load_profile(normalise_code(given))
    if profile is None:
        raise ChartRequestError(f"There is no council, region or country with the ONS code {given[:40]!r}. "
                                "Council codes look like E06000005 (Darlington).", status=404)
    return profile


@register("area", ("code",))
def area_from_query(query: dict[str, str]) -> Chart | None:
    profile = _profile_for_query(query)
    if profile is None:
        return None
    chart = area_chart(profile)
    if chart is None:
        raise ChartRequestError(f"{profile.area['area_name']} ({profile.code}) has no percentage figures to "
                                f"chart: its counts are on its profile, {PATH}{profile.code}.", status=404)
    return chart


@register("trend", ("code", *TREND_CONTROLS))
def trend_from_query(query: dict[str, str]) -> Chart | None:
    profile = _profile_for_query(query)
    if profile is None:
        return None
    choice = resolve_trend(query, profile.available())
    if choice is None:
        raise ChartRequestError(f"No figures have been loaded for {profile.area['area_name']} ({profile.code}).",
                                status=404)
    return area_trend_chart(profile, choice)


# ---------------------------------------------------------------- page

def _shown_source_ids(profile: Profile) -> list[str]:
    keys = ["measure_id", "period", "age_band", "client_group"]
    own = profile.own[keys].drop_duplicates()
    shown = profile.rows.merge(own, on=keys)
    return sorted(set(shown["source_id"].dropna()))


def no_such_area(code: str) -> html.Div:
    shown = code if len(code) <= 40 else code[:40] + "\u2026"
    return page_shell(PATH, [
        html.H1("No such council"),
        message(f"There is no council, region or country with the ONS code \u201c{shown}\u201d. "
                "Council codes look like E06000005 (Darlington).", element_id="profile-message"),
        html.P(html.A("Back to the comparison of councils, to choose a council", href="/", id="profile-back")),
    ], title="No such council")


def page_title(profile: Profile) -> str:
    return f"{profile.area['area_name']}: profile"


def _latest_section(profile: Profile, latest: pd.DataFrame) -> list:
    chart = area_chart(profile, latest)
    if chart is None:
        return [message(f"{profile.area['area_name']} has no percentage figures: its counts are in the table below.",
                        element_id="profile-dots-message")]
    percentages = latest[(latest["measure_id"].map(profile.unit) == "percent") & latest["value"].notna()]
    polarities = {m: profile.polarity(m) for m in percentages["measure_id"].unique()}
    # The page's heading leaves out what the H1 and the key above the chart already say.
    return dots_section(profile, chart, small_multiples(percentages, profile.roles, polarities),
                        title="Latest figure for each measure", subtitle=dots_subtitle(percentages))


def _trend_section(profile: Profile, query: dict[str, str]) -> list:
    choice = resolve_trend(query, profile.available())
    if choice is None:
        return []
    options = trend_options(profile.available(), choice.measure_id, choice.age_band)
    return [
        html.H2("Over time"),
        trend_controls(profile, choice, options),
        html.Div(trend_panel(profile, choice, area_trend_chart(profile, choice)), id="profile-trend-panel",
                 **{"aria-live": "polite"}),
    ]


def _tables(profile: Profile, latest: pd.DataFrame) -> list:
    units = latest["measure_id"].map(profile.unit)
    return [latest_table(profile, part, percent=is_percent, table_id=table_id)
            for part, is_percent, table_id in ((latest[units == "percent"], True, "profile-table"),
                                               (latest[units != "percent"], False, "profile-counts-table"))
            if not part.empty]


def layout(code: str = "", **query: str) -> html.Div:
    wanted = normalise_code(code)
    try:
        profile = load_profile(wanted)
    except db.WarehouseUnavailable as error:
        return page_shell(PATH, [html.H1("Council profile"), message(str(error))], title="Council profile")
    if profile is None:
        return no_such_area(urllib.parse.unquote(code or ""))
    name = profile.area["area_name"]
    if profile.own.empty:
        return page_shell(PATH, [html.H1(name), lede(profile),
                                 message(f"No figures have been loaded for {name}.", element_id="profile-message"),
                                 html.P(html.A("Back to the comparison of councils", href="/"))],
                          title=page_title(profile))
    latest = latest_rows(profile)
    # Above the first chart only what is short: the name, one line, the links to compare. The
    # summary is a paragraph: it follows the chart.
    return page_shell(PATH, [html.Div([
        dcc.Store(id="profile-code", data=profile.code),
        html.H1(f"{name}: self-directed support and direct payments"),
        lede(profile),
        *_latest_section(profile, latest),
        html.H2("In brief"),
        html.P(summarise(profile.rows, profile.code, in_sentence(name, profile.area["area_type"]),
                         profile.flag_labels),
               id="profile-summary", className="summary"),
        *_trend_section(profile, query),
        html.H2("All figures"),
        *_tables(profile, latest),
        html.P(MARKS_FOOTNOTE + " " + METHOD, className="footnote method"),
        *area_notes(profile),
        source_line(db.sources(warehouse(), _shown_source_ids(profile)), element_id="profile-sources",
                    measure_ids=sorted(set(profile.own["measure_id"]))),
    ], className="profile-page")], location_id="profile-url", title=page_title(profile))


@callback(
    Output("profile-age_band", "options"), Output("profile-client_group", "options"),
    [Output(f"profile-{name}", "value") for name in TREND_CONTROLS],
    Output("profile-trend-panel", "children"), Output("profile-url", "search"),
    [Input(f"profile-{name}", "value") for name in TREND_CONTROLS],
    State("profile-code", "data"),
    prevent_initial_call=True)
def update_trend(measure_id, age_band, client_group, code):
    profile = load_profile(normalise_code(code))
    if profile is None or profile.available().empty:
        raise PreventUpdate
    available = profile.available()
    choice = resolve_trend({"measure": measure_id, "age_band": age_band, "client_group": client_group}, available)
    options = trend_options(available, choice.measure_id, choice.age_band)
    return (
        [{"label": label, "value": value} for value, label in age_options(options["age_band"])],
        [{"label": label, "value": value} for value, label in group_options(options["client_group"])],
        choice.measure_id, choice.age_band, choice.client_group,
        trend_panel(profile, choice, area_trend_chart(profile, choice)), choice.query())
