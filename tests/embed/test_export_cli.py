"""python -m dashboards.export: a set of report figures from view URLs in one run."""
from __future__ import annotations

import csv
import struct
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
REGION = "measure=sds_users&period=2011-12&age_band=18-64&client_group=mental_health&scope=region&region=E12000001"


def run_export(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboards.export", *arguments], cwd=PROJECT,
                          capture_output=True, text=True, timeout=180)


def test_writes_each_figure_in_each_format_with_its_description_and_an_index(bundled_db, tmp_path):
    urls = tmp_path / "figures.txt"
    urls.write_text(f"# the report's figures\nhttps://example.org/embed/compare?{REGION}\n")
    result = run_export("--db", str(bundled_db), "--out", str(tmp_path / "out"), "--format", "png", "svg",
                        "--site-url", "https://sds.example.org", f"/?{REGION.replace('region&', 'england&')}",
                        "--from-file", str(urls))
    assert result.returncode == 0, result.stderr
    assert "Wrote 2 figures (png, svg)" in result.stdout
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["01-compare-adults-aged-18-64-mental-health-2011-12-all-councils-in-england.png",
                     "01-compare-adults-aged-18-64-mental-health-2011-12-all-councils-in-england.svg",
                     "01-compare-adults-aged-18-64-mental-health-2011-12-all-councils-in-england.txt",
                     "02-compare-adults-aged-18-64-mental-health-2011-12-councils-in-north-east.png",
                     "02-compare-adults-aged-18-64-mental-health-2011-12-councils-in-north-east.svg",
                     "02-compare-adults-aged-18-64-mental-health-2011-12-councils-in-north-east.txt",
                     "figures.csv"]
    png = (tmp_path / "out" / names[3]).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">I", png[16:20])[0] == 2000
    assert "Source: Adult Social Care Outcomes Framework" in (tmp_path / "out" / names[4]).read_text()
    with open(tmp_path / "out" / "figures.csv", newline="") as handle:
        index = list(csv.DictReader(handle))
    assert [row["subtitle"] for row in index] == [
        "Adults aged 18-64, mental health, 2011-12, all councils in England",
        "Adults aged 18-64, mental health, 2011-12, councils in North East"]
    assert index[1]["embed_url"] == f"https://sds.example.org/embed/compare?{REGION}"
    assert index[1]["citation"].endswith(f"https://sds.example.org/?{REGION}")
    description = (tmp_path / "out" / names[5]).read_text()
    assert "Description: Bar chart of adults receiving self-directed support" in description
    # Darlington's published 19% is further from its counts than rounding explains: said in
    # the description beside the picture and in the index.
    darlington = "\u26a0 Differs from its own counts (Darlington): The published figure is further from its own counts"
    assert "Caveats:\n- " + darlington in description
    assert index[1]["caveats"].startswith(darlington)


def test_a_bad_url_stops_the_run_before_anything_is_drawn(bundled_db, tmp_path):
    result = run_export("--db", str(bundled_db), "--out", str(tmp_path / "out"), f"/?{REGION}",
                        "/nowhere", "/embed/compare?measure=nonsense", "/../../etc/passwd")
    assert result.returncode == 2
    assert "Nothing was drawn; fix these URLs and run again:" in result.stderr
    assert "/nowhere: not a chart URL." in result.stderr
    assert "/embed/compare?measure=nonsense: measure='nonsense' is not available for this view" in result.stderr
    assert "/../../etc/passwd: not a chart URL." in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_database_says_how_to_build_one(tmp_path):
    result = run_export("--db", str(tmp_path / "none.duckdb"), f"/?{REGION}")
    assert result.returncode == 2 and "Build it with `python -m etl build`" in result.stderr


def test_a_profile_url_with_a_trend_choice_draws_the_trend_and_formats_may_repeat(bundled_db, tmp_path):
    result = run_export("/area/E06000005?measure=sds_users&age_band=18-64&client_group=mental_health",
                        "/area/E06000005?measure=sds_users&age_band=18-64&client_group=mental_health",
                        "--db", str(bundled_db), "--out", str(tmp_path), "--format", "svg", "--format", "svg")
    assert result.returncode == 0, result.stderr
    assert "Wrote 1 figure (svg)" in result.stdout            # the repeated URL and format once each
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "01-trend-adults-aged-18-64-mental-health-2011-12-darlington-beside-north-east-and-england.svg",
        "01-trend-adults-aged-18-64-mental-health-2011-12-darlington-beside-north-east-and-england.txt",
        "figures.csv"]
