"""The mental-health lens: shares of direct payments computed from the publications' own cells,
the series runs a line may join, the sentences on what has no figure, the figures' marks for
the reader's council and the definition change, and the page's charts on the full build."""
from __future__ import annotations

import csv

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import context
from dashboards.db import Warehouse
from dashboards.figures import HIGHLIGHT_COLOUR
from dashboards.figures.mental_health import reasons_chart, share_lines
from dashboards.labels import CLIENT_GROUPS
from dashboards.pages import mental_health_views as views
from tests.conftest import REALDATA

PSSEX1 = REALDATA / "pssex1"
GATESHEAD, NORTH_EAST, ENGLAND = "E08000037", "E12000001", "E92000001"


def _cells(file_name: str, label_start: str) -> list[str]:
    """The first row of a PSS-EX1 annex whose first cell starts with label_start, as read."""
    with open(PSSEX1 / file_name, encoding="cp1252", newline="") as handle:
        return next(row for row in csv.reader(handle) if row and row[0].startswith(label_start))


def _count(text: str) -> float:
    return float(text.replace(",", ""))


def _row(area, name, area_type, period, group, value, status="published", region=NORTH_EAST):
    return {"area_code": area, "area_name": name, "area_type": area_type, "region_code": region, "period": period,
            "measure_id": "dp_recipients", "age_band": "18-64", "client_group": group, "value": value,
            "value_status": status, "note": None}


# ---- pure ---------------------------------------------------------------------------------------

def test_years_runs_and_phrases():
    assert views.financial_years("2006-07", "2009-10") == ["2006-07", "2007-08", "2008-09", "2009-10"]
    axis = views.financial_years("2006-07", "2012-13")
    # A new run at each definition break: no line joins 2008-09 to 2009-10 or 2010-11 to 2011-12.
    assert views.comparable_runs(axis, ["2009-10", "2010-11", "2011-12"]) == [
        ["2006-07", "2007-08", "2008-09"], ["2009-10"], ["2010-11"], ["2011-12", "2012-13"]]
    present = ["2006-07", "2008-09", "2009-10", "2010-11", "2011-12", "2012-13"]
    assert views.year_phrase(present, axis) == "2006-07 and 2008-09 to 2012-13"
    assert views.year_phrase(["2011-12"], axis) == "2011-12"


def test_shares_are_mental_health_over_all_and_say_why_one_is_missing():
    rows = pd.DataFrame([
        _row("A", "Ayton", "council", "2011-12", "mental_health", 20), _row("A", "Ayton", "council", "2011-12", "all", 250),
        _row("B", "Beeby", "council", "2011-12", "mental_health", None, "suppressed"),
        _row("B", "Beeby", "council", "2011-12", "all", 90),
        _row(NORTH_EAST, "North East", "region", "2011-12", "all", 340),
    ])
    shares = views.dp_shares(rows)
    ayton = shares[shares["area_code"] == "A"].iloc[0]
    assert ayton["share"] == pytest.approx(8.0)
    assert shares.loc[shares["area_code"] == "B", "share"].isna().all()
    alive = {"2011-12": pd.DataFrame({"area_code": ["A", "B", "C"], "area_name": ["Ayton", "Beeby", "Ceeby"]})}
    gaps = views.share_gaps(shares, ["2010-11", "2011-12"], alive, {"2010-11": "Annex 2010-11"})
    assert gaps == [
        "2010-11: no figures, because no publication for this year is loaded here (Annex 2010-11 is listed as "
        "published but not held).",
        "2011-12: no share for Beeby: the count of direct payments was suppressed by the publisher (too few people "
        "to publish safely).",
        "2011-12: Ceeby is not in the publication's table for this year.",
        "2011-12: no figure for North East: a council's count was suppressed, so the region's councils cannot be "
        "summed."]


def test_change_is_measured_within_the_latest_comparable_run_only():
    shares = pd.DataFrame({"area_code": ENGLAND, "area_name": "England", "period": ["2010-11", "2011-12", "2012-13"],
                           "share": [30.0, 10.6, 11.4], "mental_health": 1, "all_18_64": 1})
    runs = [["2010-11"], ["2011-12", "2012-13"]]
    assert views.change_sentence(shares, runs, ENGLAND) == \
        "In England the share rose from 10.6% in 2011-12 to 11.4% in 2012-13, years counted the same way."


def test_year_sentences_come_from_the_catalogue():
    catalogue = pd.DataFrame([
        ("dp_recipients", "2012-13", "18-64", "mental_health", 151, True),
        ("sds_users", "2021-22", "18-64", "mental_health", 0, True),
        ("sds_users", "2015-16", "all", "all", 150, True),
        ("sds_users", "2016-17", "all", "all", 150, True),
    ], columns=["measure_id", "period", "age_band", "client_group", "councils", "has_england"])
    years = views.mental_health_years(catalogue)
    sentences = views.year_gap_sentences(years, "2012-13", "2021-22", {"2013-14": "Annex 2013-14"})
    assert sentences == [
        "2013-14 to 2014-15: no publication for these years is loaded here, so there is no figure of any kind; "
        "published but not held: Annex 2013-14 (2013-14).",
        "2017-18 to 2020-21: no publication for these years is loaded here, so there is no figure of any kind.",
        "2021-22: mental-health figures are published for England only, not for councils.",
        "2015-16 to 2016-17: the publications loaded give no mental-health breakdown at all (they do not report "
        "by client group)."]


def test_the_share_chart_marks_the_readers_council_and_never_joins_across_a_break():
    periods = views.financial_years("2008-09", "2011-12")
    runs = views.comparable_runs(periods, ["2009-10", "2011-12"])
    shares = pd.DataFrame([
        {"area_code": code, "area_name": name, "area_type": kind, "period": period, "share": share}
        for code, name, kind in ((GATESHEAD, "Gateshead", "council"), ("X", "Other", "council"),
                                 (ENGLAND, "England", "country"))
        for period, share in zip(periods, (10.8, 12.8, 14.1, 7.8))])
    figure = go.Figure(share_lines(shares, periods, runs, {"2009-10": "Counted 'x'", "2010-11": "Counted 'x'"},
                                   region_code=NORTH_EAST, highlight=GATESHEAD))   # validates in full
    mine = next(t for t in figure.data if "Gateshead" in t.name)
    assert mine.name == "\u25c6 Gateshead (your council)" and mine.line.color == HIGHLIGHT_COLOUR
    assert list(mine.x) == ["2008-09", None, "2009-10", "2010-11", None, "2011-12"]
    assert [a.text for a in figure.layout.annotations] == ["\u25c6 Gateshead (your council)"]
    assert figure.layout.yaxis.range[1] < 100          # fitted to the data, not stretched to 100
    assert len(figure.layout.shapes) == 2              # the two banded years
    assert any("Grey band" in (t.name or "") for t in figure.data)


def test_the_reasons_chart_puts_mental_health_in_words_not_colour_alone():
    rows = pd.DataFrame({"measure_id": ["dp_users", "dp_users", "sds_users", "sds_users"],
                         "client_group": ["mental_health", "physical", "mental_health", "physical"],
                         "value": [20.6, 45.3, 83.0, 96.8]})
    figure = go.Figure(reasons_chart(rows, CLIENT_GROUPS))
    assert list(figure.data[0].y) == ["\u25c6 Mental health", "Physical<br>disability or<br>support"]


# ---- the full build ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(full_db):
    context.set_warehouse(Warehouse(full_db[0]))
    from dashboards.pages import mental_health
    return mental_health


def test_gateshead_share_is_computed_from_the_annexes_own_cells(page):
    data = page.dp_share_data(NORTH_EAST)
    shares = data["shares"].set_index(["area_code", "period"])
    # Columns R (18-64 mental health) and V (all 18-64) of Gateshead's row in each year's annex.
    for period, file_name, label in (("2011-12", "Final_Council_Level_Activity_Data_2011_12.csv", "106-Gateshead"),
                                     ("2012-13", "Annex_Fin_CASSR_Level_Activity_Data_2012_13.csv", "106 - Gateshead")):
        cells = _cells(file_name, label)
        expected = 100 * _count(cells[17]) / _count(cells[21])
        assert shares.loc[(GATESHEAD, period), "share"] == pytest.approx(expected)
    assert shares.loc[(GATESHEAD, "2011-12"), "share"] == pytest.approx(100 * 20 / 255)
    assert shares.loc[(GATESHEAD, "2012-13"), "share"] == pytest.approx(100 * 15 / 230)
    assert shares.loc[(ENGLAND, "2012-13"), "share"] == pytest.approx(100 * 8245 / 72360)
    assert data["periods"][0] == "2006-07" and data["periods"][-1] == "2012-13"
    assert set(data["changed"]) == {"2009-10", "2010-11"}
    assert any(g.startswith("2007-08: no figures") for g in data["gaps"])
    assert "2008-09: no share for Darlington: the count of direct payments was suppressed by the publisher " \
           "(too few people to publish safely)." in data["gaps"]


def test_the_registered_views_answer_for_a_council_and_refuse_an_unknown_one(page):
    from dashboards.charts import ChartRequestError, chart_for
    chart = chart_for(page.DP_VIEW, {"council": "Gateshead"})
    assert chart.resolved == {"region": NORTH_EAST, "council": GATESHEAD}
    assert chart.subtitle == ("2006-07 and 2008-09 to 2012-13, councils in North East, against North East and "
                              "England, Gateshead highlighted")
    assert set(chart.rows["client_group"]) == {"mental_health", "all"}
    with pytest.raises(ChartRequestError):
        chart_for(page.DP_VIEW, {"council": "Nowhere"})
    reasons = chart_for(page.REASONS_VIEW, {})
    mental = reasons.rows[(reasons.rows["client_group"] == "mental_health") & (reasons.rows["measure_id"] == "dp_users")]
    assert mental["value"].iloc[0] == pytest.approx(100 * 7235 / 35100)
    assert reasons.subtitle == "England, 2021-22, adults aged 18-64"
