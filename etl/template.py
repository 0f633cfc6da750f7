"""Blank copies of the analyst import template (xlsx and CSV): `python -m etl template --out DIR`.

The template is the `analyst_template` layout; its guide sheet lists what the ETL accepts,
read from the reference tables so the two never disagree.
"""
from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from .areas import load_reference
from .registry import load_layouts

PUBLICATION_FIELDS = [
    ("title", "Full title of the publication the figures come from"),
    ("publisher", "Who published it, and when"),
    ("cites", "The original source it quotes, if any"),
    ("period", "Financial year(s) covered, e.g. 2011-12"),
    ("licence", "e.g. Open Government Licence v3.0"),
    ("url", "Where the published table can be found"),
    ("counts_rounded_to", "5 if the counts are rounded to the nearest 5, else leave blank"),
    ("transcription", "Who transcribed which table, and any judgement made while doing so"),
]
AGE_BANDS = ["all", "18-64", "under-65", "65+", "65-84", "85+"]


def template_columns() -> list[str]:
    layout = next(l for l in load_layouts() if l.layout_id == "analyst_template")
    return list(layout.signature)


def guide_rows() -> list[list[str]]:
    reference = load_reference()
    rows = [["column", "what to write"],
            ["publication", "Short name of the publication (described in full on the publication sheet)"],
            ["period", "Financial year whose 31 March the figure describes: 2011-12"],
            ["area", "An ONS code (E06000005) or a name as printed (Darlington, North East, England)"],
            ["measure_id", "One of the measures below"],
            ["age_band", ", ".join(AGE_BANDS)],
            ["client_group", ", ".join(sorted(set(reference.client_groups["client_group"])))],
            ["numerator / denominator", "Counts as printed, if any (blank if not printed)"],
            ["value", "The published figure; percentages as 0-100"],
            ["unit", "The measure's unit, as listed below"],
            ["note", "Anything a reader must know; some measures require one (below)"],
            [], ["measure_id", "unit", "definition", "the note must name"]]
    for row in reference.measures.itertuples():
        rows.append([row.measure_id, row.unit, row.definition, row.note_must_name])
    return rows


def write_templates(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    observations = workbook.active
    observations.title = "observations"
    observations.append(template_columns())
    publication = workbook.create_sheet("publication")
    publication.append(["field", "value", "what to write"])
    for field, help_text in PUBLICATION_FIELDS:
        publication.append([field, "", help_text])
    guide = workbook.create_sheet("guide")
    for row in guide_rows():
        guide.append(row)
    for sheet in workbook.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    xlsx = directory / "survey_template.xlsx"
    workbook.save(xlsx)
    csv_path = directory / "survey_template.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        for field, help_text in PUBLICATION_FIELDS:
            handle.write(f"# {field}: \n")
        csv.writer(handle).writerow(template_columns())
    return [xlsx, csv_path]
