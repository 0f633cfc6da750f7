"""'Does it deliver control?': pairing councils' uptake with control over daily life, leaving
flagged councils out of the correlation, refusing a year whose caveat covers every council, the
figure's marks, and on the full build the r and n of one year, worked out here from the rows."""
from __future__ import annotations

import urllib.parse

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from scipy import stats

from dashboards.figures import HIGHLIGHT_COLOUR, highlight_label
from dashboards.figures.control import (CAUTION, control_data, control_figure, describe, finding, finding_sentence,
                                        in_region, left_out_sentence, method_text)
from tests.wire_reading import find

FLAGS = pd.DataFrame({
    "quality_flag": ["not_comparable_between_councils", "sds_equals_dp", "beyond_rounding", "voluntary_survey_year"],
    "label": ["Not comparable between councils", "Self-directed support reported equal to direct payments",
              "Differs from its own counts", "Voluntary survey year"],
    "suppresses_comparison": [True, True, False, True],
    "explanation": ["The publisher says these should not be compared between councils.", "Managed budgets uncounted.",
                    "Shown as published.", "Only some councils took part."]})


def rows(values: dict[str, float | None], flags: dict[str, str] | None = None, region: str = "E12000001") -> pd.DataFrame:
    """Council observation rows (code -> value), named after their codes, plus England."""
    codes = list(values)
    return pd.DataFrame({
        "area_code": codes + ["E92000001"], "area_name": [f"Council {c}" for c in codes] + ["England"],
        "area_type": ["council"] * len(codes) + ["country"], "region_code": [region] * len(codes) + [None],
        "value": [*values.values(), 50.0], "quality_flag": [(flags or {}).get(c) for c in codes] + [None]})


def synthetic(n: int = 30, seed: int = 1) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    uptake = {f"E0600{i:04d}": float(v) for i, v in enumerate(rng.uniform(10, 40, n))}
    control = {code: 70 + 0.4 * (x - 25) + float(rng.normal(0, 2)) for code, x in uptake.items()}
    return uptake, control


def data_for(uptake, control, uptake_flags=None, control_flags=None, region="E12000001"):
    return control_data(rows(uptake, uptake_flags, region), rows(control, control_flags, region), FLAGS,
                        uptake_label="Adults receiving direct payments", control_label="control over daily life")


def test_flagged_councils_are_drawn_but_left_out_of_the_correlation():
    uptake, control = synthetic()
    flagged = list(uptake)[:3]
    data = data_for(uptake, control, uptake_flags={flagged[0]: "sds_equals_dp", flagged[1]: "beyond_rounding"},
                    control_flags={flagged[2]: "voluntary_survey_year"})
    # A flag that forbids comparison on either measure leaves the council out; one that does not, keeps it.
    assert sorted(data.left_out["area_code"]) == sorted([flagged[0], flagged[2]])
    assert len(data.pairs) == 30 and len(data.compared) == 28
    kept = [c for c in uptake if c not in (flagged[0], flagged[2])]
    expected = stats.pearsonr([uptake[c] for c in kept], [control[c] for c in kept])
    # voluntary_survey_year speaks for the year: no correlation, and the sentence says why.
    result = finding(data)
    assert result.correlation is None and "Voluntary survey year" in result.refusal
    assert "no correlation is computed" in result.refusal
    # Without it, the correlation is over the 28 councils compared.
    data = data_for(uptake, control, uptake_flags={flagged[0]: "sds_equals_dp", flagged[2]: "sds_equals_dp"})
    c = finding(data).correlation
    assert c.n == 28 and c.pearson == pytest.approx(expected.statistic, abs=1e-9)
    sentence = left_out_sentence(data)
    assert sentence.startswith("\u26a0 2 councils are left out of the correlation")
    assert f"self-directed support reported equal to direct payments (2: Council {flagged[0]}, Council {flagged[2]})" \
        in sentence


def test_a_year_the_publisher_says_is_not_comparable_gets_no_correlation():
    uptake, control = synthetic()
    data = data_for(uptake, control, uptake_flags={c: "not_comparable_between_councils" for c in uptake})
    result = finding(data)
    assert result.correlation is None
    assert result.refusal.startswith("\u26a0 Not comparable between councils: The publisher says")
    assert finding_sentence(result, uptake_words="x", place="England", period="2024-25") == result.refusal
    assert "left out (30 here)" in method_text(result, data)


def test_councils_with_one_figure_are_listed_not_plotted_and_too_few_refuse():
    uptake, control = synthetic(12)
    codes = list(uptake)
    del control[codes[0]]
    data = data_for(uptake, control)
    assert len(data.pairs) == 11 and data.unpaired["area_code"].tolist() == [codes[0]]
    assert f"Council {codes[0]} (no figure for control over daily life)" in left_out_sentence(data)
    data = data_for(dict(list(uptake.items())[:9]), control)
    assert finding(data).refusal.startswith("Only 8 councils with both figures")


def test_a_region_keeps_only_its_councils():
    uptake, control = synthetic()
    north_east = data_for(uptake, control)
    other = data_for({"E09000001": 20.0}, {"E09000001": 70.0}, region="E12000007")
    both = type(north_east)(pd.concat([north_east.pairs, other.pairs]), north_east.unpaired, north_east.flags)
    assert set(in_region(both, "E12000007").pairs["area_code"]) == {"E09000001"}
    assert len(in_region(both, "E12000001").pairs) == 30


def test_the_sentence_says_direction_strength_interval_and_spearman():
    uptake, control = synthetic(150, seed=3)
    result = finding(data_for(uptake, control))
    c = result.correlation
    assert c.clear and c.pearson > 0.5
    text = finding_sentence(result, uptake_words="direct payment uptake", place="England", period="2023-24")
    assert text.startswith("Across the 150 councils compared in England in 2023-24, those with higher direct "
                           "payment uptake tended to have more people reporting control over their daily life: a "
                           "strong positive correlation, Pearson r = ")
    assert f"(95% interval {c.lower:.2f} to {c.upper:.2f}, n = 150 councils)" in text
    assert text.endswith("tells the same story.")
    rng = np.random.default_rng(4)
    unrelated = {code: float(v) for code, v in zip(uptake, rng.uniform(60, 90, 150))}
    flat = finding_sentence(finding(data_for(uptake, unrelated)), uptake_words="direct payment uptake",
                            place="England", period="2023-24")
    assert "show no clear association" in flat and "the interval includes zero" in flat


def test_the_figure_marks_flagged_councils_by_shape_and_label_and_names_the_readers_council():
    uptake, control = synthetic()
    codes = list(uptake)
    data = data_for(uptake, control, uptake_flags={codes[0]: "sds_equals_dp"})
    figure = control_figure(data, x_title="Direct payments (%)", title="t", uptake_words="direct payment uptake",
                            highlight=codes[5], england=(26.0, 77.0))
    go.Figure(figure.to_dict())          # the dict traces are valid Plotly, property by property
    traces = {trace.name: trace for trace in figure.data}
    left = traces["\u26a0 Left out: quality flag (1)"]
    assert left.marker.symbol == "diamond-x-open" and list(left.text) == ["\u26a0"]
    assert left.customdata[0][0] == codes[0] and "left out of the correlation" in left.customdata[0][4]
    assert traces["Councils compared (29)"].marker.symbol == "circle"
    assert traces["England"].text == ("England",)
    mine = traces[highlight_label(f"Council {codes[5]}")]
    assert mine.marker.color == HIGHLIGHT_COLOUR
    assert [a.text for a in figure.layout.annotations] == [highlight_label(f"Council {codes[5]}")]
    # Axes fitted to the councils, not stretched to 0-100.
    values = list(uptake.values()) + [26.0]
    assert figure.layout.xaxis.range[0] <= min(values) and figure.layout.xaxis.range[1] < 50


def test_the_text_alternative_gives_ranges_finding_and_the_readers_council():
    uptake, control = synthetic()
    codes = list(uptake)
    data = data_for(uptake, control)
    text = describe(data, finding(data), uptake_label="Adults receiving direct payments", place="North East",
                    period="2022-23", uptake_words="direct payment uptake", highlight=codes[1])
    low = min(uptake, key=uptake.get)
    assert text.startswith("Scatter plot of 30 councils in North East, 2022-23")
    assert f"Direct payment uptake ranges from {uptake[low]:.1f}% (Council {low})" in text
    assert f"Your council, Council {codes[1]}: {uptake[codes[1]]:.1f}% and {control[codes[1]]:.1f}%." in text


def test_spearman_agrees_within_a_band_of_strength_and_sign():
    from dashboards.figures.control import agrees

    assert agrees(0.09, -0.02)                     # both negligible: the same story
    assert agrees(0.35, 0.45) and not agrees(0.35, 0.55)
    assert not agrees(0.2, -0.2)


def test_the_method_carries_the_caution_for_pictures_and_downloads():
    uptake, control = synthetic()
    data = data_for(uptake, control)
    assert CAUTION in method_text(finding(data), data)
    assert "ecological fallacy" in CAUTION and CAUTION not in method_text(finding(data), data, caution=False)


def test_a_year_without_both_figures_gives_the_nearest_that_has_them():
    from dashboards.pages.control import nearest_period

    years = ["2017-18", "2018-19", "2019-20", "2020-21", "2021-22", "2022-23", "2023-24"]
    assert nearest_period("2024-25", years) == "2023-24"
    assert nearest_period("2014-15", years) == "2017-18"
    assert nearest_period("2019-20", years) == "2019-20"
    assert nearest_period(None, years) == nearest_period("junk", years) == "2023-24"
    assert nearest_period("2020-21", ["2019-20", "2021-22"]) == "2021-22"       # the later of two as near


# ---------------------------------------------------------------- on the full data

@pytest.fixture(scope="module")
def full_app(full_db):
    from dashboards import create_app

    return create_app(full_db[0])


def independent(db_path, measure: str, period: str) -> tuple[int, float, float]:
    """n, Pearson's r and Spearman's rho from the warehouse rows, by SQL and scipy: councils with
    both figures, none carrying a flag that forbids comparison on either measure."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        pairs = connection.execute(
            """
            WITH suppressing AS (SELECT quality_flag FROM quality_flags WHERE suppresses_comparison),
            figures AS (
                SELECT area_code, measure_id, value, EXISTS (
                    SELECT 1 FROM suppressing AS s
                    WHERE list_contains(string_split(coalesce(o.quality_flag, ''), '; '), s.quality_flag)) AS flagged
                FROM observations AS o
                WHERE area_type = 'council' AND period = ? AND age_band = 'all' AND client_group = 'all'
                  AND value IS NOT NULL AND measure_id IN (?, 'control_daily_life'))
            SELECT u.value AS uptake, c.value AS control
            FROM figures AS u JOIN figures AS c USING (area_code)
            WHERE u.measure_id = ? AND c.measure_id = 'control_daily_life' AND NOT u.flagged AND NOT c.flagged
            """, [period, measure, measure]).fetch_df()
    return len(pairs), stats.pearsonr(pairs["uptake"], pairs["control"]).statistic, \
        stats.spearmanr(pairs["uptake"], pairs["control"]).statistic


@pytest.mark.parametrize("measure, flagged", [("dp_users", 0), ("sds_users", 4)])
def test_the_2023_24_correlation_matches_the_warehouse_rows(full_app, full_db, measure, flagged):
    from dashboards.pages import control as page
    from dashboards.pages.control_views import control_drawing

    n, r, rho = independent(full_db[0], measure, "2023-24")
    drawing = control_drawing(page.view_for_url(f"?measure={measure}&period=2023-24"))
    c = drawing.finding.correlation
    assert n >= 140 and (c.n, len(drawing.data.left_out)) == (n, flagged)
    assert c.pearson == pytest.approx(r, abs=1e-9) and c.spearman == pytest.approx(rho, abs=1e-9)
    assert f"n = {n}" in drawing.chart.subtitle and f"r = {r:.2f}".replace("-", "\u2212") in drawing.chart.subtitle


def test_a_year_carried_from_another_page_is_corrected_and_said(full_app):
    from dashboards.pages import control as page

    layout = page.layout(measure="dp_users", period="2024-25", council="E08000037")
    assert find(layout, "control-corrected").children == (
        "Control over daily life has no council figures for 2024-25 beside direct payments: showing 2023-24, "
        "the nearest year with both.")
    assert find(layout, "control-period").value == "2023-24"


def test_the_callback_takes_what_the_guard_lets_through_and_says_an_unknown_council(full_app):
    from dashboards.pages import control as page

    options, measure, period, region, council, panel, search = page.update_control(5, None, "E12'--", "Nowhere")
    assert (measure, period, region, council, search) == ("sds_users", "2023-24", "E92000001", "Nowhere",
                                                          "?measure=sds_users&period=2023-24")
    assert [o["value"] for o in options][0] == "2023-24"
    assert "No council is called \u201cNowhere\u201d" in str(panel[0].children)


def test_the_voluntary_survey_year_says_why_there_is_no_correlation(full_app):
    from dashboards.pages import control as page
    from dashboards.pages.control_views import control_drawing, control_panel

    view = page.view_for_url("?measure=sds_users&period=2020-21&council=Kirklees")
    drawing = control_drawing(view)
    assert drawing.finding.correlation is None and len(drawing.data.pairs) == len(drawing.data.left_out) == 18
    panel = control_panel(view)
    assert find(panel, "control-finding").children.startswith("\u26a0 Voluntary survey year")
    assert "ecological fallacy" in str(find(panel, "control-caution").children)


def test_every_year_measure_and_region_answers_and_the_download_carries_both_measures(full_app):
    """Any year, measure and region draws (or, with no council to plot, says so); the CSV
    gives both figures of each council drawn."""
    from dashboards import db
    from dashboards.context import warehouse
    from dashboards.pages.control import paired_periods

    client = full_app.server.test_client()
    periods = paired_periods(db.catalogue(warehouse()))
    assert periods["dp_users"] == periods["sds_users"] == [f"{y}-{(y + 1) % 100:02d}" for y in range(2017, 2024)]
    regions = [None, *db.areas(warehouse(), "region")["area_code"]]
    for measure, years in periods.items():
        for period in years:
            for region in regions:
                query = {"measure": measure, "period": period, **({"region": region} if region else {})}
                response = client.get("/download/control.csv?" + urllib.parse.urlencode(query))
                # Only the voluntary survey year leaves a region without a council to plot, and says so.
                if response.status_code == 404 and period == "2020-21" and region:
                    assert b"has both" in response.data and b"Choose another year" in response.data
                    continue
                assert response.status_code == 200, (query, response.data[:200])
    csv = client.get("/download/control.csv?measure=dp_users&period=2023-24&council=E08000037").get_data(as_text=True)
    lines = csv.splitlines()
    gateshead = [line for line in lines if line.startswith("E08000037,")]
    assert sorted(line.split(",")[5] for line in gateshead) == ["control_daily_life", "dp_users"]
    assert client.get("/embed/control?measure=dp_users&period=2023-24&council=E08000037").status_code == 200
    assert client.get("/download/control.csv?measure=dp_users&period=2024-25").status_code == 400
