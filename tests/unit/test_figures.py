import pandas as pd

from dashboards.figures import describe_ranking, ranked_bars
from dashboards.labels import breakdown_label

COUNCILS = pd.DataFrame({
    "area_name": ["Alpha", "Beta", "Gamma", "Delta"],
    "value": [10.0, 40.0, None, 25.0],
    "note": [None, "a note", None, None],
})
REFERENCES = pd.DataFrame({"area_name": ["England", "North East"], "value": [20.0, 30.0]})


def test_bars_are_ranked_highest_at_the_top_and_skip_missing_values():
    figure = ranked_bars(COUNCILS, REFERENCES, value_title="%", title="t")
    bar = figure.data[0]
    # Plotly draws the first category at the bottom of a horizontal bar chart.
    assert list(bar.y) == ["Alpha", "Delta", "Beta"]
    assert list(bar.x) == [10.0, 25.0, 40.0]
    assert list(bar.text) == ["10.0%", "25.0%", "40.0% \u2020"]


def test_each_reference_is_a_labelled_line_with_its_own_dash_style():
    figure = ranked_bars(COUNCILS, REFERENCES, value_title="%", title="t")
    lines = [shape for shape in figure.layout.shapes if shape.type == "line"]
    assert [(line.x0, line.line.dash) for line in lines] == [(20.0, "dash"), (30.0, "dot")]
    assert [a.text for a in figure.layout.annotations] == ["England 20.0%", "North East 30.0%"]


def test_description_names_extremes_and_comparators():
    text = describe_ranking(COUNCILS, REFERENCES, what="uptake")
    assert text == ("Bar chart of uptake for 3 councils. Highest: Beta (40.0%); lowest: Alpha "
                    "(10.0%). England: 20.0%, with 2 of 3 councils above it. North East: 30.0%, "
                    "with 1 of 3 councils above it.")


def test_breakdown_labels():
    assert breakdown_label("all", "all") == "All adults (18+)"
    assert breakdown_label("18-64", "mental_health") == "Adults aged 18-64, mental health"

