"""The profile's "Is the gap to England closing?" chart as a chart of its own, at 1366x768 and
390x844 on the full dataset: its share panel sits straight under it, its CSV is the gap with its
interval and verdict, its embed draws the same dots, nothing scrolls sideways, axe-core finds
nothing serious. Screenshots of the chart with its panel, and of the embed, for review."""
from __future__ import annotations

import io
import os
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from .conftest import assert_accessible, embed_code

LAPTOP, PHONE = (1366, 768), (390, 844)
GATESHEAD = "/area/E08000037?measure=dp_users&age_band=all&client_group=all"
CANONICAL = "?code=E08000037&measure=dp_users&age_band=all&client_group=all"
SHOTS = Path(os.environ.get("UPTAKE_SHOTS", "/tmp/uptake-shots"))
DOTS = "g.scatterlayer g.trace:first-child path.point"


@pytest.mark.parametrize("sized", [LAPTOP, PHONE], indirect=True, ids=["1366x768", "390x844"])
def test_the_gap_chart_has_its_share_panel_under_it_and_its_embed_draws_the_same_dots(sized, full_url):
    page, width, _ = sized
    page.goto(full_url + GATESHEAD)
    page.wait_for_selector(f"#profile-gap-chart {DOTS}")
    gap = page.locator(".gap-trend")
    gap.scroll_into_view_if_needed()
    assert page.locator("#gap-title").inner_text() == "Is the gap to England closing?"
    assert page.locator("#profile-gap-trend").inner_text().startswith("No clear change in Gateshead's gap to England")
    # Straight under the chart, before the chart in words: the data, the picture, the embed code.
    chart_bottom = page.locator("#profile-gap-chart").bounding_box()
    panel = gap.locator(".share-panel").bounding_box()
    words = gap.locator("details.text-alternative").bounding_box()
    assert chart_bottom["y"] + chart_bottom["height"] <= panel["y"] + 1 and panel["y"] < words["y"]
    assert page.locator("#gap-download-csv").get_attribute("href") == "/download/gap.csv" + CANONICAL
    for kind in ("png", "svg", "pdf"):
        assert page.locator(f"#gap-image-{kind}").get_attribute("href") == f"/image/gap.{kind}" + CANONICAL
    code = embed_code(page, "gap")
    assert code.startswith(f'<iframe src="{full_url}/embed/gap{CANONICAL.replace("&", "&amp;")}"')
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    gap.screenshot(path=str(SHOTS / f"gap-panel-{width}.png"))
    assert_accessible(page)

    csv = pd.read_csv(io.StringIO(urllib.request.urlopen(full_url + "/download/gap.csv" + CANONICAL).read().decode()),
                      dtype={"period": str})
    drawn = page.evaluate(f"""() => {{ const gd = document.querySelector('#profile-gap-chart .js-plotly-plot');
        return gd.data.filter(t => t.mode === 'markers').flatMap(t => t.y); }}""")
    assert sorted(drawn) == sorted(csv["gap_points"]) and set(csv["trend_verdict"]) == {"no clear change"}

    page.goto(full_url + "/embed/gap" + CANONICAL)
    page.wait_for_selector(f"#chart {DOTS}")
    assert page.locator("#embed-title").inner_text() == "Adults receiving direct payments: gap to England over time"
    embedded = page.evaluate("""() => document.querySelector('#chart').data
        .filter(t => t.mode === 'markers').flatMap(t => t.y)""")
    assert sorted(embedded) == sorted(drawn)
    # Every year's label inside the frame, 2024-25 too (slanted labels ran past a phone's edge).
    labels = page.evaluate("""() => [...document.querySelectorAll('#chart g.xtick text')].map(t => {
        const r = t.getBoundingClientRect(); return [t.textContent, r.left, r.right]; })""")
    assert [label for label, _, _ in labels][-1] == "2024-25"
    assert all(0 <= left < right <= width for _, left, right in labels), labels
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(SHOTS / f"gap-embed-{width}.png"), full_page=True)
    assert page.console_errors == []
