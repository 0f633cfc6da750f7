"""Council profile: the plain-English summary, URL state, latest-by-breakdown, the dot chart, its
small multiples for a phone, trend lines that are never joined across missing years, series breaks
or boundary changes, and the page's layout (chart first, selects not a form, tables in boxes)."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards.figures.profile import (applicable_breaks, break_anchor, describe_dots, describe_trend, dot_chart,
                                        for_page, key_items, latest_by_breakdown, line_points, roles, small_multiples,
                                        trend_chart, trend_table_rows)
from dashboards.summary import summarise

AREA, REGION, ENGLAND = "E06000005", "E12000001", "E92000001"
COLUMNS = ["area_code", "area_name", "period", "measure_id", "age_band", "client_group", "value",
           "numerator", "denominator", "value_status", "compared_with_england", "lower_95", "upper_95", "note"]


def frame(*rows) -> pd.DataFrame:
    """Rows as (code, period, measure, age, group, value, num, den, status, compared[, lower, upper, note])."""
    names = {AREA: "Darlington", REGION: "North East", ENGLAND: "England"}
    full = []
    for row in rows:
        code, period, measure, age, group, value, num, den, status, compared, *rest = row
        rest += [None] * (3 - len(rest))
        full.append([code, names.get(code, code), period, measure, age, group, value, num, den, status, compared, *rest])
    return pd.DataFrame(full, columns=COLUMNS)


ENGLAND_2024 = [(ENGLAND, "2024-25", "sds_users", "all", "all", 82.4, 395670, 480105, "published", None),
                (ENGLAND, "2024-25", "dp_users", "all", "all", 24.5, 117655, 480105, "published", None)]


# ---------------------------------------------------------------- summary

def test_summary_higher_with_counts_and_same_year_direct_payments():
    rows = frame((AREA, "2024-25", "sds_users", "all", "all", 95.8, 790, 825, "published", "higher"),
                 (AREA, "2024-25", "dp_users", "all", "all", 28.8, 238, 825, "published", "higher"),
                 *ENGLAND_2024)
    assert summarise(rows, AREA) == (
        "In 2024-25, 95.8% of adults using long-term support in Darlington received self-directed support "
        "(790 of 825), higher than England (82.4%), significantly. In the same year, 28.8% received direct "
        "payments (238 of 825), higher than England (24.5%), significantly.")


def test_summary_similar_lower_and_a_different_year_for_direct_payments():
    rows = frame((AREA, "2024-25", "sds_users", "all", "all", 83.0, 415, 500, "published", "similar"),
                 (AREA, "2021-22", "dp_users", "all", "all", 12.04, 1204, 10000, "derived", "lower"),
                 (ENGLAND, "2021-22", "dp_users", "all", "all", 26.7, 1, 2, "derived", None),
                 *ENGLAND_2024)
    assert summarise(rows, AREA) == (
        "In 2024-25, 83.0% of adults using long-term support in Darlington received self-directed support "
        "(415 of 500), similar to England (82.4%). In 2021-22, 12.0% of adults using long-term support in "
        "Darlington received direct payments (1,204 of 10,000), lower than England (26.7%), significantly.")


def test_summary_suppressed_latest_falls_back_to_the_latest_published_and_missing_measure_is_said():
    rows = frame((AREA, "2024-25", "sds_users", "all", "all", None, None, None, "suppressed", None),
                 (AREA, "2020-21", "sds_users", "all", "all", 98.6, 792, 803, "published", "higher"),
                 (ENGLAND, "2020-21", "sds_users", "all", "all", 92.2, 1, 2, "published", None),
                 *ENGLAND_2024)
    assert summarise(rows, AREA) == (
        "Darlington's 2024-25 figure for self-directed support was suppressed (too few people to publish "
        "safely). In 2020-21, 98.6% of adults using long-term support in Darlington received self-directed "
        "support (792 of 803), higher than England (92.2%), significantly. No direct payments figure for "
        "all adults has been loaded for Darlington.")


def test_summary_only_missing_rows_and_no_counts_to_test():
    rows = frame((AREA, "2014-15", "sds_users", "all", "all", None, None, None, "missing", None),
                 (AREA, "2011-12", "dp_users", "all", "all", 12.5, None, None, "published", None),
                 (ENGLAND, "2011-12", "dp_users", "all", "all", 10.0, None, None, "published", None))
    assert summarise(rows, AREA) == (
        "Darlington's 2014-15 figure for self-directed support was not published. In 2011-12, 12.5% of "
        "adults using long-term support in Darlington received direct payments; England's figure was "
        "10.0% (no counts to test the difference).")


def test_summary_says_what_the_publication_printed_where_it_gave_no_figure():
    said = "Listed without a figure: the publication prints \u201c[x]\u201d in the value, numerator and denominator."
    rows = frame((AREA, "2021-22", "sds_users", "all", "all", None, None, None, "not_applicable", None, None, None, said),
                 (AREA, "2019-20", "sds_users", "all", "all", 100.0, None, None, "published", None),
                 (ENGLAND, "2019-20", "sds_users", "all", "all", 90.0, None, None, "published", None))
    assert summarise(rows, AREA).startswith(
        f"Darlington's 2021-22 figure for self-directed support was not applicable. {said} In 2019-20, 100.0%")


def test_summary_adds_mental_health_percentage_or_count_and_capitalises_regions():
    base = [(AREA, "2024-25", "sds_users", "all", "all", 95.8, 790, 825, "published", "higher"), *ENGLAND_2024]
    with_percent = frame(*base, (AREA, "2011-12", "sds_users", "18-64", "mental_health", 19.0, 70, 395, "published", "similar"),
                         (AREA, "2011-12", "dp_recipients", "18-64", "mental_health", 15.0, None, None, "published", None),
                         (ENGLAND, "2011-12", "sds_users", "18-64", "mental_health", 14.6, 1, 2, "published", None))
    text = summarise(with_percent, AREA)
    assert text.endswith("For adults aged 18-64 with mental health needs, 19.0% received self-directed support "
                         "in 2011-12 (70 of 395), similar to England (14.6%).")
    with_count = frame(*base, (AREA, "2011-12", "dp_recipients", "18-64", "mental_health", 15.0, None, None, "published", None))
    assert summarise(with_count, AREA).endswith(
        "In 2011-12, 15 adults aged 18-64 with mental health needs in Darlington received direct payments.")
    assert "mental health" not in summarise(frame(*base), AREA)
    region = frame((REGION, "2024-25", "sds_users", "all", "all", None, None, None, "suppressed", None))
    assert summarise(region, REGION, "the North East").startswith("The North East's 2024-25 figure")


def test_summary_for_england_makes_no_comparison_and_for_no_rows_says_so():
    assert summarise(frame(*ENGLAND_2024), ENGLAND) == (
        "In 2024-25, 82.4% of adults using long-term support in England received self-directed support "
        "(395,670 of 480,105). In the same year, 24.5% received direct payments (117,655 of 480,105).")
    assert summarise(frame(*ENGLAND_2024), AREA, "Darlington") == "No figures have been loaded for Darlington."


def test_summary_holds_back_a_flagged_value_and_flags_a_compared_one_in_the_same_sentence():
    rows = frame((AREA, "2024-25", "sds_users", "all", "all", 22.2, 395, 1782, "published", "not_compared"),
                 (AREA, "2024-25", "dp_users", "all", "all", 28.8, 238, 825, "published", "higher"),
                 *ENGLAND_2024)
    rows["quality_flag"] = ["not_comparable_between_councils; sds_equals_dp", "small_rounded_counts", None, None]
    labels = {"not_comparable_between_councils": "Not comparable between councils",
              "small_rounded_counts": "Small rounded counts"}
    assert summarise(rows, AREA, flag_labels=labels) == (
        "In 2024-25, 22.2% of adults using long-term support in Darlington received self-directed support "
        "(395 of 1,782) \u26a0 but this figure is flagged (not comparable between councils; sds equals dp), so it "
        "is not compared with England. In the same year, 28.8% received direct payments (238 of 825), higher "
        "than England (24.5%), significantly \u26a0 (flagged: small rounded counts).")
    rows["quality_flag"] = [None, None, "not_comparable_between_councils", None]
    assert summarise(rows, ENGLAND, flag_labels=labels).startswith(
        "In 2024-25, 82.4% of adults using long-term support in England received self-directed support "
        "(395,670 of 480,105) \u26a0 (flagged: not comparable between councils).")


# ---------------------------------------------------------------- URL state

def test_trend_choice_falls_back_and_round_trips():
    from dashboards.pages.profile_trend import TrendChoice, resolve_trend, trend_options

    available = pd.DataFrame({"measure_id": ["dp_users", "sds_users", "sds_users", "dp_recipients"],
                              "age_band": ["all", "65+", "18-64", "18-64"],
                              "client_group": ["all", "all", "mental_health", "physical"]})
    assert resolve_trend({}, available) == TrendChoice("sds_users", "18-64", "mental_health")
    choice = resolve_trend({"measure": "dp_recipients", "age_band": "<script>", "client_group": "x"}, available)
    assert choice == TrendChoice("dp_recipients", "18-64", "physical")
    assert choice.query() == "?measure=dp_recipients&age_band=18-64&client_group=physical"
    assert trend_options(available, "sds_users", "65+") == {
        "measure": ["sds_users", "dp_users", "dp_recipients"], "age_band": ["18-64", "65+"], "client_group": ["all"]}
    assert resolve_trend({}, available.iloc[0:0]) is None


def test_layout_rejects_malformed_codes_without_touching_the_database():
    from dashboards.pages.profile import layout

    text = str(layout(code="<script>alert(1)</script>"))
    assert "No such council" in text and "href='/'" in text.replace('"', "'")


# ---------------------------------------------------------------- latest and dot chart

ROLES = roles(AREA, "Darlington", (REGION, "North East"), (ENGLAND, "England"))
LATEST_ROWS = frame(
    (AREA, "2021-22", "sds_users", "all", "all", 96.8, 760, 785, "derived", "higher", 95.3, 97.8),
    (AREA, "2024-25", "sds_users", "all", "all", 95.8, 790, 825, "published", "higher", 94.2, 96.9),
    (AREA, "2024-25", "dp_users", "all", "all", None, None, None, "suppressed", None),
    (AREA, "2021-22", "dp_users", "all", "all", 35.7, 280, 785, "derived", "similar", 32.4, 39.1, "a note"),
    (AREA, "2011-12", "dp_recipients", "18-64", "mental_health", 15.0, None, None, "published", None),
    (REGION, "2024-25", "sds_users", "all", "all", 88.6, 1, 2, "published", "higher"),
    (REGION, "2021-22", "dp_users", "all", "all", 30.0, 1, 2, "derived", "higher"),
    (ENGLAND, "2024-25", "sds_users", "all", "all", 82.4, 1, 2, "published", None),
    (ENGLAND, "2021-22", "dp_users", "all", "all", 26.7, 1, 2, "derived", None))


def test_latest_by_breakdown_takes_the_latest_period_with_a_value_and_comparators_for_it():
    latest = latest_by_breakdown(LATEST_ROWS, AREA, [REGION, ENGLAND])
    assert list(zip(latest["measure_id"], latest["period"], latest["value"])) == [
        ("sds_users", "2024-25", 95.8), ("dp_users", "2021-22", 35.7), ("dp_recipients", "2011-12", 15.0)]
    assert list(latest[f"value_{REGION}"].fillna(-1)) == [88.6, 30.0, -1]
    assert list(latest[f"value_{ENGLAND}"].fillna(-1)) == [82.4, 26.7, -1]


def test_dot_chart_has_a_shape_colour_and_name_per_area_interval_and_words():
    latest = latest_by_breakdown(LATEST_ROWS, AREA, [REGION, ENGLAND]).iloc[:2]
    labels, polarities = {"sds_users": "SDS", "dp_users": "DP"}, {"sds_users": "higher_is_better", "dp_users": "higher_is_better"}
    figure = dot_chart(latest, ROLES, labels, polarities, title="t")
    assert len(go.Figure(figure.to_dict()).data) == len(figure.data)   # valid when validated in full
    traces = {trace.name: trace for trace in figure.data}
    assert set(traces) == {"Darlington (with 95% interval)", "North East", "England"}
    styles = {(t.marker.symbol, t.marker.color) for t in figure.data}
    assert len(styles) == 3
    council = traces["Darlington (with 95% interval)"]
    assert list(council.x) == [95.8, 35.7]
    assert [round(v, 1) for v in council.error_x.array] == [1.1, 3.4]
    assert list(traces["England"].x) == [82.4, 26.7]
    assert [a.text for a in figure.layout.annotations] == ["95.8% \u25b2 better than England",
                                                            "35.7% \u2020 \u25cf similar to England"]
    # The first row at the top, with no empty band of autorange padding above it or below the last.
    assert tuple(figure.layout.yaxis.range) == (1.5, -0.5)
    text = describe_dots(latest, ROLES, labels, polarities)
    assert ("SDS, all adults (18+), 2024-25: Darlington 95.8% (95% interval 94.2 to 96.9), North East 88.6%, "
            "England 82.4%; better than England.") in text


def test_dot_chart_draws_a_flagged_value_hollow_with_its_flag_in_words_and_hover():
    latest = latest_by_breakdown(LATEST_ROWS, AREA, [REGION, ENGLAND]).iloc[:2].copy()
    latest["compared_with_england"] = ["not_compared", "similar"]
    latest["quality_flag"] = ["not_comparable_between_councils", "small_rounded_counts"]
    labels, polarities = {"sds_users": "SDS", "dp_users": "DP"}, {"sds_users": "higher_is_better", "dp_users": "higher_is_better"}
    flags = {"not_comparable_between_councils": "Not comparable between councils"}
    figure = dot_chart(latest, ROLES, labels, polarities, title="t", flag_labels=flags)
    council = next(t for t in figure.data if t.name.startswith("Darlington"))
    assert list(council.marker.symbol) == ["circle-open", "circle-open"]
    assert [c[1] for c in council.customdata] == ["<br>\u26a0 Not comparable between councils",
                                                  "<br>\u26a0 Small rounded counts"]
    assert [a.text for a in figure.layout.annotations] == ["95.8% \u26a0 not compared: see the caveat",
                                                            "35.7% \u2020 \u25cf similar to England \u26a0"]
    text = describe_dots(latest, ROLES, labels, polarities, flags)
    assert ("SDS, all adults (18+), 2024-25: Darlington 95.8% (95% interval 94.2 to 96.9), North East 88.6%, "
            "England 82.4%; not compared: see the caveat (\u26a0 flagged: not comparable between councils).") in text


def test_the_page_draws_the_figure_without_its_title_and_legend_and_keeps_the_plot_area():
    latest = latest_by_breakdown(LATEST_ROWS, AREA, [REGION, ENGLAND]).iloc[:2]
    labels, polarities = {"sds_users": "SDS", "dp_users": "DP"}, {"sds_users": "higher_is_better", "dp_users": "higher_is_better"}
    figure = dot_chart(latest, ROLES, labels, polarities, title="A long title Plotly cannot wrap")
    page = for_page(figure)
    assert "title" not in page["layout"] and "legend" not in page["layout"] and page["layout"]["showlegend"] is False
    margin = figure.layout.margin
    assert (page["layout"]["margin"]["t"], page["layout"]["margin"]["b"]) == (margin.t - 40, margin.b - 40)
    assert page["layout"]["height"] == figure.layout.height - 80          # the same plot area
    assert [trace["x"] for trace in page["data"]] == [list(trace.x) for trace in figure.data]
    assert figure.layout.title.text == "A long title Plotly cannot wrap"   # images and embeds keep theirs
    assert [item.words for item in key_items(ROLES, interval=True, flagged=True)] == [
        "Darlington, with its 95% interval", "North East", "England",
        "a figure with a quality flag \u26a0 (see the caveats)"]
    assert [item.words for item in key_items(ROLES[2:], interval=False, flagged=False)] == ["England"]


def test_small_multiples_are_the_dot_charts_rows_each_with_its_marks_interval_and_words():
    latest = latest_by_breakdown(LATEST_ROWS, AREA, [REGION, ENGLAND]).copy()
    latest["quality_flag"] = ["not_comparable_between_councils", None, None]
    latest["compared_with_england"] = ["not_compared", "similar", None]
    latest.loc[1, "value"] = 35.66   # one decimal place in the words, as everywhere
    multiples = small_multiples(latest, ROLES, {"sds_users": "higher_is_better", "dp_users": "higher_is_better"})
    assert [(m.measure_id, m.label) for m in multiples] == [
        ("sds_users", "All adults (18+), 2024-25"), ("dp_users", "All adults (18+), 2021-22"),
        ("dp_recipients", "Adults aged 18-64, mental health, 2011-12")]
    first = multiples[0]
    # England and the region first, the area last: drawn on top of them.
    assert [(m.shape, m.at, m.hollow, m.words) for m in first.marks] == [
        ("square", 82.4, False, "England 82.4%"), ("diamond", 88.6, False, "North East 88.6%"),
        ("circle", 95.8, True, "Darlington 95.8% (95% interval 94.2 to 96.9) \u26a0 not compared: see the caveat")]
    assert first.interval == (94.2, 96.9)
    assert multiples[1].marks[-1].words == \
        "Darlington 35.7% (95% interval 32.4 to 39.1) \u2020 \u25cf similar to England"
    # A figure no comparator has for its year: the area's mark alone, no interval without counts.
    assert [m.words for m in multiples[2].marks] == ["Darlington 15.0% \u25cb not compared (no counts)"]
    assert multiples[2].interval is None


def test_small_multiples_group_by_measure_and_hold_back_the_fifth_breakdown_onwards():
    from dash import html

    from dashboards.figures.profile import MultipleMark, SmallMultiple
    from dashboards.pages.profile_views import small_multiples_view

    mark = MultipleMark("circle", "#1d4f91", 50.0, False, "Darlington 50.0%")
    multiples = [SmallMultiple("sds_users", f"Breakdown {n}", None, (mark,)) for n in range(6)] + \
        [SmallMultiple("dp_users", "All adults (18+), 2024-25", (40.0, 60.0), (mark,))]
    view = small_multiples_view(multiples, {"sds_users": "Adults receiving self-directed support"})
    groups = view.children
    assert [text_of(group.children[0]) for group in groups] == ["Adults receiving self-directed support", "dp_users"]
    shown, more = groups[0].children[1], groups[0].children[2]
    assert [text_of(item.children[0]) for item in shown.children] == [f"Breakdown {n}" for n in range(4)]
    assert isinstance(more, html.Details)
    assert text_of(more.children[0]) == "Show 2 more breakdowns of adults receiving self-directed support"
    assert len(groups[1].children) == 2                     # nothing held back: no "Show more"
    interval = _items(groups[1], "sm-interval")[0]
    assert (interval.style["left"], interval.style["width"]) == ("40.00%", "20.00%")
    assert "narrow-only" in view.className.split()


def test_trend_hover_prints_percentages_to_one_decimal_and_counts_whole():
    breaks = applicable_breaks(BREAKS, "sds_users", AREA)
    percent = trend_chart(TREND, ROLES, breaks, title="t")
    assert all("%{y:.1f}%" in trace.hovertemplate for trace in percent.data)
    counts = trend_chart(TREND.assign(measure_id="dp_recipients"), ROLES, BREAKS.iloc[0:0], title="t", unit="count")
    assert "%{y:,.0f}%{customdata[1]}" in counts.data[0].hovertemplate


# ---------------------------------------------------------------- trend

BREAKS = pd.DataFrame({
    "measure_id": ["sds_users", "dp_users", None, None],
    "area_code": [None, None, AREA, "E06000058"],
    "period": ["2014-15", "2014-15", "2019-20", "2019-20"],
    "kind": ["definition", "definition", "merger", "merger"],
    "note": ["RAP to SALT.", "other measure", "Darlington changed shape.", "someone else"]})

TREND = frame(
    (AREA, "2011-12", "sds_users", "all", "all", 42.5, 1495, 3520, "published", "similar", 40.8, 44.1),
    (AREA, "2014-15", "sds_users", "all", "all", 90.2, 970, 1075, "published", "higher", 88.3, 91.9),
    (AREA, "2015-16", "sds_users", "all", "all", 92.3, 1050, 1137, "published", "higher", 90.7, 93.8),
    (AREA, "2020-21", "sds_users", "all", "all", 98.6, 792, 803, "published", "higher", 97.6, 99.2),
    (ENGLAND, "2011-12", "sds_users", "all", "all", 43.0, 1, 2, "published", None),
    (ENGLAND, "2013-14", "sds_users", "all", "all", 60.0, 1, 2, "published", None),
    (ENGLAND, "2014-15", "sds_users", "all", "all", 83.7, 1, 2, "published", None),
    (ENGLAND, "2015-16", "sds_users", "all", "all", 86.9, 1, 2, "published", None),
    (ENGLAND, "2020-21", "sds_users", "all", "all", 92.2, 1, 2, "published", None))


def test_only_this_measures_breaks_and_this_areas_boundary_changes_apply():
    chosen = applicable_breaks(BREAKS, "sds_users", AREA)
    assert list(zip(chosen["period"], chosen["note"])) == [("2014-15", "RAP to SALT."),
                                                            ("2019-20", "Darlington changed shape.")]


def test_lines_are_broken_at_missing_years_and_breaks():
    xs, ys, labels = line_points(TREND, AREA, list(range(2011, 2021)), {2014})
    points = dict(zip(xs, ys))
    assert points[2012] is None and points[2013] is None           # missing years
    assert 2013.5 in points and points[2013.5] is None            # the break, between adjacent years
    assert points[2014] == 90.2 and points[2015] == 92.3 and points[2016] is None
    assert labels[xs.index(2014)] == "2014-15"


def test_trend_chart_never_joins_across_a_break_between_adjacent_years():
    breaks = applicable_breaks(BREAKS, "sds_users", AREA)
    figure = trend_chart(TREND, ROLES, breaks, title="t")
    assert len(go.Figure(figure.to_dict()).data) == len(figure.data)   # valid when validated in full
    traces = {trace.name: trace for trace in figure.data}
    assert set(traces) == {"Darlington", "England"}              # no region rows: no region line
    england = dict(zip(traces["England"].x, traces["England"].y))
    assert england[2013] == 60.0 and england[2013.5] is None and england[2014] == 83.7
    council = dict(zip(traces["Darlington"].x, traces["Darlington"].y))
    assert council[2018.5] is None                                # the council's boundary change
    assert 2018.5 not in england                                  # ... not England's
    assert all(trace.connectgaps is False for trace in figure.data)
    assert [shape.x0 for shape in figure.layout.shapes] == [2013.5, 2018.5]
    assert [a.text for a in figure.layout.annotations] == ["Series break 1", "Boundary change 2"]
    # Each label centred over its own line; one near either end hangs inward, staying in view.
    assert [a.xanchor for a in figure.layout.annotations] == ["center", "center"]
    assert [break_anchor(x, list(range(2011, 2021))) for x in (2010.5, 2019.5)] == ["left", "right"]
    assert list(figure.layout.xaxis.ticktext)[:3] == ["2011-12", "2012-13", "2013-14"]
    upper = dict(zip(traces["Darlington"].x, traces["Darlington"].error_y.array))
    assert math.isclose(upper[2014], 91.9 - 90.2)


def test_trend_description_lists_values_gaps_and_break_notes():
    breaks = applicable_breaks(BREAKS, "sds_users", AREA)
    text = describe_trend(TREND, ROLES, breaks, what="adults receiving self-directed support, all adults (18+)")
    assert text.startswith("Line chart of adults receiving self-directed support, all adults (18+) for "
                           "Darlington, North East, England, 2011-12 to 2020-21.")
    assert "Darlington: 2011-12 42.5%, 2014-15 90.2%, 2015-16 92.3%, 2020-21 98.6%." in text
    assert "North East: no figures." in text
    assert "No figures for 2012-13, 2016-17, 2017-18, 2018-19, 2019-20: the lines are not joined" in text
    assert "Series break 1, before 2014-15 (lines not joined across it): RAP to SALT." in text
    assert "Boundary change 2, before 2019-20 (lines not joined across it): Darlington changed shape." in text


def test_counts_draw_only_the_area_and_say_so():
    counts = TREND.assign(measure_id="dp_recipients")
    figure = trend_chart(counts, ROLES, applicable_breaks(BREAKS, "dp_recipients", AREA), title="t", unit="count",
                         value_title="People")
    assert [trace.name for trace in figure.data] == ["Darlington"]
    assert "only Darlington is drawn" in describe_trend(counts, ROLES, BREAKS.iloc[0:0], what="x", unit="count")


def test_trend_table_has_a_row_per_period_with_comparators():
    table = trend_table_rows(TREND, ROLES)
    assert list(table["period"]) == ["2011-12", "2013-14", "2014-15", "2015-16", "2020-21"]
    assert table.loc[table["period"] == "2013-14", f"value_{ENGLAND}"].item() == 60.0
    assert pd.isna(table.loc[table["period"] == "2013-14", "value"].item())


@pytest.fixture
def bundled_app(bundled_db):
    from dashboards import create_app
    return create_app(bundled_db)


def _types(node, kind) -> list:
    found = []
    if isinstance(node, (list, tuple)):
        for child in node:
            found += _types(child, kind)
    elif hasattr(node, "to_plotly_json"):
        found += [node] if isinstance(node, kind) else []
        found += _types(getattr(node, "children", None), kind)
    return found


def _ids_in_order(node) -> list[str]:
    ids = []
    if isinstance(node, (list, tuple)):
        for child in node:
            ids += _ids_in_order(child)
    elif hasattr(node, "to_plotly_json"):
        ids += [node.id] if isinstance(getattr(node, "id", None), str) else []
        ids += _ids_in_order(getattr(node, "children", None))
    return ids


def test_the_page_puts_the_chart_first_with_selects_links_and_boxed_tables(bundled_app):
    import dash_bootstrap_components as dbc
    from dash import html

    from dashboards.pages.profile import layout

    page = layout(code="E06000005", measure="sds_users", age_band="18-64", client_group="mental_health")
    assert find(page, "page-title").to_plotly_json()["props"]["data-title"] == \
        "Darlington: profile - Self-directed support uptake in England"
    # Above the first chart: the heading, one line and the links to compare; the summary after it.
    ids = _ids_in_order(page)
    assert ids.index("profile-links") < ids.index("profile-dots-title") < ids.index("profile-dots") \
        < ids.index("profile-summary") < ids.index("profile-trend-controls")
    assert find(page, "profile-compare-similar").href == "/?council=E06000005&scope=neighbours"
    assert find(page, "profile-compare-region").href == "/?scope=region&region=E12000001&council=E06000005"
    # Labelled native selects in a group, never a form (Enter must not submit and reset the view).
    assert _types(page, html.Form) == []
    bar = find(page, "profile-trend-controls")
    assert bar.role == "group" and bar.to_plotly_json()["props"]["aria-label"] == "Choose the trend to show"
    selects = {select.id: select.value for select in _types(bar, dbc.Select)}
    assert selects == {"profile-measure": "sds_users", "profile-age_band": "18-64",
                       "profile-client_group": "mental_health", "profile-since": "figures"}
    assert [label.htmlFor for label in _types(bar, html.Label)] == [*selects, "profile-with-input"]
    # Each table scrolls in its own focusable box; each text alternative waits in a <details>.
    boxes = _items(page, "table-box")
    assert [box.children.id for box in boxes] == [table.id for table in _types(page, html.Table)] \
        == ["profile-trend-table", "profile-table"]
    assert all(box.tabIndex == "0" and box.role == "region" for box in boxes)
    details = _types(page, html.Details)
    for description in ("profile-dots-description", "profile-trend-description"):
        assert any(find(d, description) is not None and text_of(d.children[0]) == "The chart in words" for d in details)
    # The share links come with each chart, inside its figure.
    figures = _types(page, html.Figure)
    assert [find(f, "area-download-csv") is not None for f in figures] == [True, False]
    assert [find(f, "trend-download-csv") is not None for f in figures] == [False, True]


def test_layout_on_the_bundled_data(bundled_app):
    from dashboards.pages.profile import layout
    from dashboards.pages.profile_trend import update_trend

    page = str(layout(code="E06000005"))
    assert "Darlington: self-directed support and direct payments" in page
    assert "In 2011-12, 42.5% of adults using long-term support in Darlington received self-directed support" in page
    assert "profile-dots" in page and "profile-trend" in page
    assert "No such council" in str(layout(code="E99999999"))
    assert "E99999999" in str(layout(code="E99999999"))
    result = update_trend("sds_users", "18-64", "mental_health", "", [], "E06000005")
    assert len(result) == 10                      # one value per Output, flat, as Dash expects
    *_, panel, search = result
    assert result[2:5] == ("sds_users", "18-64", "mental_health")
    assert search == "?measure=sds_users&age_band=18-64&client_group=mental_health"
    assert "19.0%" in str(panel)



# ---------------------------------------------------------------- charts as data: area and trend views

from tests.wire_reading import find  # noqa: E402


def text_of(node) -> str:
    if isinstance(node, (list, tuple)):
        return " ".join(" ".join(text_of(n) for n in node).split())
    if hasattr(node, "to_plotly_json"):
        return text_of(getattr(node, "children", None))
    if isinstance(node, dict):
        return text_of(node.get("props", {}).get("children"))
    return "" if node is None else str(node)


def _items(node, class_name: str) -> list:
    """Every component in a layout tree whose className includes class_name, in page order."""
    found = []
    if isinstance(node, (list, tuple)):
        for child in node:
            found += _items(child, class_name)
    elif hasattr(node, "to_plotly_json"):
        if class_name in (getattr(node, "className", None) or "").split():
            found.append(node)
        found += _items(getattr(node, "children", None), class_name)
    return found


def marked(value, quality_flag, note) -> str:
    """A value as the tables print it: the caveat mark when flagged, the dagger when noted."""
    from dashboards.figures import format_value
    return (format_value(value, "percent") + (" \u26a0" if isinstance(quality_flag, str) and quality_flag else "")
            + (" \u2020" if isinstance(note, str) and note else ""))


def download(app, path: str) -> pd.DataFrame:
    import io

    response = app.server.test_client().get(path)
    assert response.status_code == 200 and response.mimetype == "text/csv", response.data[:300]
    return pd.read_csv(io.StringIO(response.data.decode()), dtype={"period": str})


def test_area_download_is_every_dot_of_the_chart_and_the_page_links_to_it(bundled_app):
    from dashboards.figures import format_value
    from dashboards.pages.profile import layout

    page = layout(code="E06000005")
    assert find(page, "area-download-csv").href == "/download/area.csv?code=E06000005"
    rows = download(bundled_app, "/download/area.csv?code=E06000005")
    figure = find(page, "profile-dots").figure
    # Each trace is one area's dots, top to bottom: the download has exactly those values.
    for trace in figure["data"]:
        name = trace["name"].removesuffix(" (with 95% interval)")
        drawn = [round(x, 6) for x in trace["x"] if x is not None]
        assert list(rows.loc[rows["area_name"] == name, "value"].round(6)) == drawn
    assert set(rows["area_code"]) == {AREA, REGION, ENGLAND} and len(rows) == sum(len(t["x"]) for t in figure["data"])
    # The phone's small multiples draw the same figures: the area's value first in each one's words.
    own = rows[rows["area_code"] == AREA]
    multiples = find(page, "profile-multiples")
    words = [text_of(item.children[2].children[0]) for item in _items(multiples, "small-multiple")]
    assert len(words) == len(own)
    assert all(w.startswith(f"Darlington {format_value(v)}") for w, v in zip(words, own["value"])), words
    darlington = rows[(rows["area_code"] == AREA) & (rows["client_group"] == "mental_health")].iloc[0]
    assert (darlington["period"], darlington["value"], darlington["numerator"], darlington["denominator"]) == \
        ("2011-12", 19.0, 70, 395)
    # The same figures are the page's table rows (the area's value, then its comparators').
    table = find(page, "profile-table")
    shown = [[text_of(cell) for cell in row.children] for body in table.children[2:] for row in body.children[1:]]
    own = rows[rows["area_code"] == AREA]
    assert [row[2] for row in shown] == [marked(v, f, n) for v, f, n in zip(own["value"], own["quality_flag"], own["note"])]
    # Darlington's 2011-12 mental health figure is further from its counts than rounding explains.
    assert shown[1][2] == "19.0% \u26a0 \u2020" and shown[1][-1].startswith(
        "\u26a0 The published figure is further from its own counts (17.7%) than rounding can explain")


def test_area_about_sheet_and_refusals(bundled_app):
    import io

    from openpyxl import load_workbook

    from dashboards.charts import ChartRequestError, chart_for

    client = bundled_app.server.test_client()
    about = dict(load_workbook(io.BytesIO(client.get("/download/area.xlsx?code=e06000005").data))["about"].values)
    assert about["Title"].startswith("Darlington: latest figure for each measure: Percentages, each measure")
    assert about["Query URL"].endswith("/area/E06000005")
    assert about["Method"].startswith("Dots show each figure for the latest year it was published")
    response = client.get("/download/area.csv?code=E99999999")
    assert response.status_code == 404 and "E99999999" in response.get_json()["error"]
    for query, status, words in (({"code": "E99999999"}, 404, "'E99999999'"),
                                 ({"code": "<b>"}, 404, "'<b>'"),
                                 ({"code": ""}, 400, "Say which area"),
                                 ({"code": AREA, "measure": "sds_users"}, 400, "Unknown parameter")):
        with pytest.raises(ChartRequestError) as refused:
            chart_for("area", query)
        assert refused.value.status == status and words in refused.value.message


def test_trend_download_is_the_trend_table_and_the_page_links_to_it(bundled_app):
    from dashboards.figures import format_value
    from dashboards.pages.profile import layout

    query = "?code=E06000005&measure=sds_users&age_band=18-64&client_group=mental_health"
    page = layout(code="E06000005", measure="sds_users", age_band="18-64", client_group="mental_health")
    assert find(page, "trend-download-csv").href == "/download/trend.csv" + query
    rows = download(bundled_app, "/download/trend.csv" + query)
    breakdowns = set(zip(rows["measure_id"], rows["age_band"], rows["client_group"]))
    assert breakdowns == {("sds_users", "18-64", "mental_health")}
    table = find(page, "profile-trend-table")
    shown = [[text_of(cell) for cell in row.children] for row in table.children[2].children]
    by_area = {code: dict(zip(group["period"], group["value"])) for code, group in rows.groupby("area_code")}
    # Year, the area's value, ..., then the region's and England's: every cell is a downloaded row.
    assert [row[0] for row in shown] == sorted(set(rows["period"]))
    own = rows[rows["area_code"] == AREA].set_index("period")
    for row in shown:
        assert row[1] == marked(own.at[row[0], "value"], own.at[row[0], "quality_flag"], own.at[row[0], "note"])
        assert row[7:9] == [format_value(by_area[code].get(row[0]), "percent") for code in (REGION, ENGLAND)]
    assert by_area[AREA]["2011-12"] == 19.0 and by_area[ENGLAND]["2011-12"] == 14.6


def test_trend_about_sheet_and_refusals(bundled_app):
    import io

    from openpyxl import load_workbook

    from dashboards.charts import ChartRequestError, chart_for

    client = bundled_app.server.test_client()
    query = "?code=E06000005&measure=sds_users&age_band=18-64&client_group=mental_health"
    about = dict(load_workbook(io.BytesIO(client.get("/download/trend.xlsx" + query).data))["about"].values)
    assert about["Title"] == ("Adults receiving self-directed support: Adults aged 18-64, mental health, 2011-12, "
                              "Darlington beside North East and England")
    assert about["Query URL"].endswith("/area/E06000005?measure=sds_users&age_band=18-64&client_group=mental_health")
    assert about["Description"].startswith("Line chart of adults receiving self-directed support, adults aged 18-64")
    response = client.get("/download/trend.csv?code=E06000005&measure=made_up")
    assert response.status_code == 400 and "measure='made_up' is not available" in response.get_json()["error"]
    for query, status, words in (({"code": AREA, "measure": "made_up"}, 400, "measure='made_up'"),
                                 ({"code": AREA, "client_group": "nobody"}, 400, "client_group='nobody'"),
                                 ({"code": AREA, "period": "2011-12"}, 400, "Unknown parameter"),
                                 ({"code": "E06999999", "measure": "sds_users"}, 404, "'E06999999'")):
        with pytest.raises(ChartRequestError) as refused:
            chart_for("trend", query)
        assert refused.value.status == status and words in refused.value.message
    # Parameters left out take the page's defaults, written back in the canonical query.
    assert chart_for("trend", {"code": AREA}).query.startswith("?code=E06000005&measure=")
