"""The profile's "Over time" section (/area/<code>): one measure and breakdown over every year for
the area, its region, England and up to ten councils the reader adds (`with=E08000021,E06000047`),
optionally as each line's change since a chosen year (`since=2015-16`). The page, /embed/trend,
/image/trend and /download/trend all draw the Chart built here; pages/profile_trend_views.py
lays it out. URL state is resolved here, purely; the callbacks only pass values through.
"""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from .. import db
from ..charts import Chart, ChartRequestError, register
from ..context import warehouse
from ..figures import is_missing
from ..figures.profile import applicable_breaks, breakdown_order, describe_trend, trend_chart, trend_figure
from ..figures.trend import MAX_ADDED, added_roles, change_periods, change_since, change_table
from ..labels import breakdown_label
from .profile_gap import area_gap
from .profile import PATH as PROFILE_PATH  # not `PATH`: a module naming PATH is a page
from .profile import (DEFAULT_MEASURE, Profile, _beside, _profile_for_query, _span, load_profile,
                      normalise_code)
from .profile_trend_views import (NO_CHANGE, age_options, chips, group_options, since_options, trend_controls,
                                  trend_panel)

TREND_CONTROLS = ["measure", "age_band", "client_group"]
TREND_METHOD = ("Lines join consecutive years only: never across a year without a figure, a series break "
                "or a boundary change (the dashed vertical lines). A hollow point is a figure with a quality "
                "flag: see its caveat.")
TREND_INTERVALS = (" Whiskers are the area's 95% confidence intervals (Wilson score, from its counts); "
                   "counts rounded to the nearest 5 make them approximate.")
TREND_COUNTS = " A count is drawn for this area only; its comparators' counts are in the table and the data."
CHANGE_METHOD = (" Each line is its change in percentage points from its own figure in {since}, within one "
                 "comparable series: a line stops before a series break or boundary change, and a council "
                 "without a figure for {since} has no line. Changes carry no intervals.")


# ---------------------------------------------------------------- URL state (pure)

@dataclass(frozen=True)
class TrendChoice:
    measure_id: str
    age_band: str
    client_group: str
    with_codes: tuple[str, ...] = ()     # councils added beside the area, in the order added
    since: str | None = None             # show each line's change since this year

    def values(self) -> dict[str, str]:
        values = {"measure": self.measure_id, "age_band": self.age_band, "client_group": self.client_group}
        if self.with_codes:
            values["with"] = ",".join(self.with_codes)
        if self.since:
            values["since"] = self.since
        return values

    def query(self) -> str:
        # Commas left as they are: the URL is read and copied by people.
        return "?" + urllib.parse.urlencode(self.values(), safe=",")


def _measure_key(measure_id: str) -> tuple:
    return breakdown_order(measure_id, "all", "all")[:2]


def trend_options(available: pd.DataFrame, measure_id: str | None = None,
                  age_band: str | None = None) -> dict[str, list[str]]:
    """The choices each trend control offers given the ones before it, in display order.
    `available`: measure_id, age_band, client_group the area has a value for."""
    # Plain lists, not frame filters: the trend callback asks for these four times a call.
    triples = list(zip(available["measure_id"].tolist(), available["age_band"].tolist(),
                       available["client_group"].tolist()))
    options = {"measure": sorted({m for m, _, _ in triples}, key=_measure_key)}
    options["age_band"] = sorted({a for m, a, _ in triples if m == measure_id},
                                 key=lambda a: breakdown_order("", a, "all")[2:4])
    options["client_group"] = sorted({c for m, a, c in triples if m == measure_id and a == age_band},
                                     key=lambda c: (c != "all", c))
    return options


def parse_with(text: str | None, councils: set[str], own_code: str) -> tuple[str, ...]:
    """'e08000021, E06000047,x' -> ('E08000021', 'E06000047'): known council codes, once each,
    never the area itself, at most MAX_ADDED, in the order given."""
    chosen: list[str] = []
    for part in (text or "").split(","):
        code = normalise_code(part)
        if code in councils and code != own_code and code not in chosen:
            chosen.append(code)
    return tuple(chosen[:MAX_ADDED])


def resolve_trend(query: dict[str, str], available: pd.DataFrame, councils: set[str] | None = None,
                  own_code: str = "") -> TrendChoice | None:
    """The measure and breakdown the query asks for, corrected to one the area has; None if none.
    Added councils are kept when they are known councils; `since` is checked against the data
    when the chart is built (area_trend_chart)."""
    if available.empty:
        return None

    def pick(wanted, choices, preferred):
        return wanted if wanted in choices else (preferred if preferred in choices else choices[0])

    measure_id = pick(query.get("measure"), trend_options(available)["measure"], DEFAULT_MEASURE)
    age_band = pick(query.get("age_band"), trend_options(available, measure_id)["age_band"], "all")
    client_group = pick(query.get("client_group"), trend_options(available, measure_id, age_band)["client_group"], "all")
    with_codes = parse_with(query.get("with"), councils or set(), own_code)
    return TrendChoice(measure_id, age_band, client_group, with_codes, query.get("since") or None)


# ---------------------------------------------------------------- data

def councils() -> pd.DataFrame:
    """Every council, with the name the reader types: a name two councils share (Dorset, county
    and unitary) carries the code. Worked out once per build."""
    def load(wh) -> pd.DataFrame:
        found = db.areas(wh, "council")[["area_code", "area_name"]]
        shared = found["area_name"].duplicated(keep=False)
        return found.assign(label=found["area_name"].where(~shared, found["area_name"] + " (" + found["area_code"] + ")"))
    return warehouse().cached("profile_trend.councils", load)


def council_codes() -> frozenset[str]:
    return warehouse().cached("profile_trend.council_codes",
                              lambda wh: frozenset(db.areas(wh, "council")["area_code"]))


def find_council(text: str | None, known: pd.DataFrame) -> str | None:
    """The council a reader typed: its label from the list, its name or its code, any case."""
    wanted = (text or "").strip().casefold()
    if not wanted:
        return None
    for column in ("label", "area_name", "area_code"):
        hit = known[known[column].str.casefold() == wanted]
        if len(hit) == 1:
            return hit["area_code"].iloc[0]
    return None


def _selection(profile: Profile, choice: TrendChoice) -> pd.DataFrame:
    return profile.series(choice.measure_id, choice.age_band, choice.client_group)


def line_breaks(profile: Profile, measure_id: str, codes: list[str],
                own: pd.DataFrame | None = None) -> pd.DataFrame:
    """The breaks of the lines of these areas (the profile's area first): the measure's, and each
    area's boundary changes, once each, in order of period and kind. `own`: the area's
    applicable breaks, when the caller has them."""
    parts = [own if own is not None and code == profile.code else applicable_breaks(profile.breaks, measure_id, code)
             for code in codes]
    if len(parts) == 1 and not _has_repeats(parts[0]):
        return parts[0]   # already in order, and nothing to drop: the usual case, a council alone
    return pd.concat(parts, ignore_index=True).drop_duplicates(["period", "area_code", "note"]) \
        .sort_values(["period", "kind"]).reset_index(drop=True)


def _has_repeats(breaks: pd.DataFrame) -> bool:
    keys = [tuple(None if is_missing(value) else value for value in key)
            for key in zip(breaks["period"].tolist(), breaks["area_code"].tolist(), breaks["note"].tolist())]
    return len(set(keys)) != len(keys)


def trend_data(profile: Profile, choice: TrendChoice,
               own_breaks: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list, pd.DataFrame]:
    """The rows of every line (the area's, its comparators', the added councils'), their roles in
    order, and the breaks that apply: the measure's, and each drawn area's boundary changes.
    `own_breaks`: the area's applicable breaks, when the caller has them."""
    added = choice.with_codes
    roles = list(profile.roles)
    rows = _selection(profile, choice)
    if added:
        names = councils().set_index("area_code")["area_name"]
        roles += added_roles([(code, names.get(code, code)) for code in added])
        extra = db.observations(warehouse(), area_codes=list(added), measure_id=choice.measure_id,
                                age_band=choice.age_band, client_group=choice.client_group)
        rows = pd.concat([rows, extra], ignore_index=True) if not extra.empty else rows
    return rows, roles, line_breaks(profile, choice.measure_id, [profile.code, *added], own_breaks)


def _ordered(rows: pd.DataFrame, roles: list) -> pd.DataFrame:
    """The rows by role, then period (stable; an area without a role, or a missing period, last):
    one take, where a sort of the wide frame would copy it twice."""
    order = {role.code: position for position, role in enumerate(roles)}
    keys = [(order.get(code) is None, order.get(code, 0), is_missing(period), "" if is_missing(period) else period)
            for code, period in zip(rows["area_code"].tolist(), rows["period"].tolist())]
    positions = sorted(range(len(keys)), key=keys.__getitem__)
    if positions == list(range(len(keys))):   # in order already, as a profile's rows usually are
        return rows.reset_index(drop=True)
    return rows.iloc[positions].reset_index(drop=True)


def area_trend_chart(profile: Profile, choice: TrendChoice, data: tuple | None = None,
                     periods: list[str] | None = None, *, page: bool = False) -> Chart:
    """The trend lines for one measure and breakdown. Its rows are the observations of every
    line drawn, every period (in change mode, the years the changes span). `data` and
    `periods`: trend_data's answer and change_periods', when the caller has them already.
    `page`: the Chart the page draws, its figure a plain dict (the same figure, not wrapped)."""
    selection, roles, breaks = data or trend_data(profile, choice)
    if periods is None:
        periods = change_periods(selection, profile.code)
    unit = profile.unit(choice.measure_id)
    label = profile.label(choice.measure_id)
    breakdown = breakdown_label(choice.age_band, choice.client_group)
    what = f"{label.lower()}, {breakdown.lower()}"
    since = choice.since if unit == "percent" and choice.since in periods else None
    others = [role.name for role in profile.roles[1:]]
    added = len(roles) - len(profile.roles)
    beside = _beside(profile) if not added else (
        f"{profile.roles[0].name} beside {', '.join(others)}{' and ' if others else ''}"
        f"{added} other council{'s' if added > 1 else ''}")
    drawn, shown_unit, method, table = selection, unit, TREND_METHOD, None
    if since:
        change = change_since(selection, roles, breaks, since)
        table = _ordered(change_table(change, breaks), roles)
        drawn, shown_unit = change.rows, "points"
        what = f"change in {what} since {since}, in percentage points"
        method += CHANGE_METHOD.format(since=since)
        title_text = f"{label}: change since {since}"
    else:
        method += TREND_INTERVALS if unit == "percent" else TREND_COUNTS if len(roles) > 1 else ""
        title_text = label
    with_values = [p for p, v in zip(drawn["period"].tolist(), drawn["value"].tolist()) if not is_missing(v)]
    figure_title = f"{title_text}: {breakdown}, {profile.roles[0].name}"
    value_title = "Change (percentage points)" if since else "Percentage" if unit == "percent" else label
    resolved = {"code": profile.code, **choice.values()}
    resolved.pop("since", None)
    if since:
        resolved["since"] = since
    return Chart(
        view="trend", title=title_text,
        subtitle=f"{breakdown}, {_span(with_values if len(with_values) else selection['period'])}, {beside}",
        figure=(trend_figure if page else trend_chart)(drawn, roles, breaks, title=figure_title, unit=shown_unit,
                                                       value_title=value_title, flag_labels=profile.flag_labels),
        rows=_ordered(selection[selection["period"].isin(set(drawn["period"]))] if since else selection, roles),
        method=method,
        description=describe_trend(drawn, roles, breaks, what=what, unit=shown_unit, flag_labels=profile.flag_labels),
        page_url=PROFILE_PATH + profile.code + TrendChoice(choice.measure_id, choice.age_band, choice.client_group,
                                                   choice.with_codes, since).query(),
        resolved=resolved,
        aliases={"code": profile.code, "with": resolved.get("with", "")},
        table=table)


@register("trend", ("code", *TREND_CONTROLS, "with", "since"))
def trend_from_query(query: dict[str, str]) -> Chart | None:
    profile = _profile_for_query(query)
    if profile is None:
        return None
    choice = resolve_trend(query, profile.available(), council_codes(), profile.code)
    if choice is None:
        raise ChartRequestError(f"No figures have been loaded for {profile.area['area_name']} ({profile.code}).",
                                status=404)
    chart = area_trend_chart(profile, choice)
    asked = (query.get("with") or "").replace(" ", "")
    if asked and asked.casefold() != chart.resolved.get("with", "").casefold():
        raise ChartRequestError(
            f"with={asked[:60]!r}: give up to {MAX_ADDED} council codes (not {profile.area['area_name']} itself), "
            f"each once, separated by commas, e.g. with=E08000021,E06000047. The nearest view: {chart.url('embed')}",
            valid=[chart.url("embed")])
    if choice.since and chart.resolved.get("since") != choice.since:
        years = change_periods(_selection(profile, choice), profile.code)
        raise ChartRequestError(
            f"since={choice.since[:20]!r}: a change is shown for a percentage, from a year {profile.area['area_name']} "
            f"has a figure for, before its last" + (f" ({', '.join(years)})" if years and profile.unit(
                choice.measure_id) == "percent" else "") + f". This URL shows the figures: {chart.url('embed')}",
            valid=[chart.url("embed")])
    return chart


# ---------------------------------------------------------------- page

def _gap(profile: Profile, choice: TrendChoice, breaks: pd.DataFrame | None = None,
         own: pd.DataFrame | None = None) -> tuple[Chart, str] | None:
    return area_gap(profile, choice.measure_id, choice.age_band, choice.client_group, page=True, breaks=breaks,
                    own=own)


def trend_section(profile: Profile, query: dict[str, str]) -> list:
    from dash import html

    choice = resolve_trend(query, profile.available(), council_codes(), profile.code)
    if choice is None:
        return []
    options = trend_options(profile.available(), choice.measure_id, choice.age_band)
    view = _trend_view(profile, choice)
    return [
        html.H2("Over time"),
        trend_controls(profile, choice, options, councils(), view.roles[len(profile.roles):],
                       since_options(view.periods, profile.unit(choice.measure_id)),
                       view.chart.resolved.get("since", NO_CHANGE)),
        html.Div(view.panel(), id="profile-trend-panel", **{"aria-live": "polite"}),
    ]


@dataclass(frozen=True)
class _TrendView:
    """What the page and its callback both draw, each piece worked out once."""
    profile: Profile
    choice: TrendChoice
    roles: list
    periods: list[str]          # the years a change can be measured from
    chart: Chart
    line_breaks: pd.DataFrame
    area_breaks: pd.DataFrame
    own: pd.DataFrame           # the area's rows of the series, every year: the gap and recent trend read them

    def panel(self) -> list:
        return trend_panel(self.profile, self.choice, self.chart, self.roles,
                           _gap(self.profile, self.choice, self.area_breaks, self.own),
                           line_breaks=self.line_breaks, area_breaks=self.area_breaks, every_year=self.own)


def _trend_view(profile: Profile, choice: TrendChoice) -> _TrendView:
    area_breaks = applicable_breaks(profile.breaks, choice.measure_id, profile.code)
    data = trend_data(profile, choice, area_breaks)
    selection, roles, breaks = data
    # The three columns it reads: a filter of every column of the rows costs more.
    periods = change_periods(selection[["area_code", "period", "value"]], profile.code)
    return _TrendView(profile, choice, roles, periods, area_trend_chart(profile, choice, data, periods, page=True),
                      breaks, area_breaks, _own_rows(profile, choice, selection))


def _own_rows(profile: Profile, choice: TrendChoice, selection: pd.DataFrame) -> pd.DataFrame:
    """The area's rows of the selection: its first rows (the selection is by role, then period),
    a slice rather than a take. Their readers key them by period: one row per period, or else
    the rows as a filter gives them."""
    codes = selection["area_code"].tolist()
    count = next((index for index, code in enumerate(codes) if code != profile.code), len(codes))
    periods = selection["period"].tolist()[:count]
    if codes.count(profile.code) == count and len(set(periods)) == count:
        return selection.iloc[:count]
    return profile.series(choice.measure_id, choice.age_band, choice.client_group, profile.code)


@callback(
    Output("profile-with", "data"), Output("profile-with-input", "value"), Output("profile-with-message", "children"),
    Input("profile-with-add", "n_clicks"), Input("profile-with-input", "n_submit"),
    Input({"type": "profile-with-remove", "code": ALL}, "n_clicks"),
    State("profile-with-input", "value"), State("profile-with", "data"), State("profile-code", "data"),
    prevent_initial_call=True)
def change_councils(_added, _submitted, _removed, typed, current, code):
    """Add the typed council, or remove the one whose button was pressed."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict):
        # A remove button rendered anew fires with no click: only a real press removes.
        if not any(t["value"] for t in ctx.triggered):
            raise PreventUpdate
        gone = trigger.get("code")
        name = councils().set_index("area_code")["area_name"].get(gone, gone)
        return [c for c in (current or []) if c != gone], no_update, f"Removed {name}."
    return add_council(typed, current, normalise_code(code), councils())


def add_council(typed: str | None, current: list | None, own: str, known: pd.DataFrame) -> tuple:
    """The councils after adding the one typed, the text box's new value, and what happened, in
    words for the status line (no_update where nothing changes)."""
    current = [c for c in (current or []) if isinstance(c, str)]
    found = find_council(typed, known)
    if found is None:
        return no_update, no_update, (f"No council called \u201c{str(typed)[:60]}\u201d: choose a name from the list."
                                      if (typed or "").strip() else "Type a council's name, then Add.")
    name = known.set_index("area_code").at[found, "area_name"]
    if found == own or found in current:
        return no_update, "", f"{name} is already on the chart."
    if len(current) >= MAX_ADDED:
        return no_update, no_update, f"At most {MAX_ADDED} councils: remove one to add {name}."
    return current + [found], "", f"Added {name}."


@callback(
    Output("profile-age_band", "options"), Output("profile-client_group", "options"),
    [Output(f"profile-{name}", "value") for name in TREND_CONTROLS],
    Output("profile-since", "options"), Output("profile-since", "value"), Output("profile-with-chips", "children"),
    Output("profile-trend-panel", "children"), Output("profile-url", "search"),
    [Input(f"profile-{name}", "value") for name in TREND_CONTROLS],
    Input("profile-since", "value"), Input("profile-with", "data"),
    State("profile-code", "data"),
    prevent_initial_call=True)
def update_trend(measure_id, age_band, client_group, since, with_codes, code):
    profile = load_profile(normalise_code(code))
    if profile is None or profile.available().empty:
        raise PreventUpdate
    available = profile.available()
    query = {"measure": measure_id, "age_band": age_band, "client_group": client_group,
             "with": ",".join(c for c in (with_codes or []) if isinstance(c, str)),
             "since": "" if since == NO_CHANGE else since or ""}
    choice = resolve_trend(query, available, council_codes(), profile.code)
    options = trend_options(available, choice.measure_id, choice.age_band)
    view = _trend_view(profile, choice)
    return (
        [{"label": label, "value": value} for value, label in age_options(options["age_band"])],
        [{"label": label, "value": value} for value, label in group_options(options["client_group"])],
        choice.measure_id, choice.age_band, choice.client_group,
        [{"label": label, "value": value} for value, label in
         since_options(view.periods, profile.unit(choice.measure_id))],
        view.chart.resolved.get("since", NO_CHANGE), chips(view.roles[len(profile.roles):]),
        view.panel(), view.chart.page_url[len(PROFILE_PATH + profile.code):])
