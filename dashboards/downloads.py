"""File downloads: the whole-dataset bundle, and the exact rows behind a chart (CSV, xlsx).

A chart's download URL is the chart's canonical query on /download/<view>.csv|xlsx, so a
copied view and its data always agree.
"""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pandas as pd
from flask import Blueprint, Response, jsonify, request
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from etl.datapackage import source_title

from . import caveats, db
from .api import COLUMNS, LICENCE, to_csv
from .charts import Chart, ChartRequestError, chart_for, parse_query
from .context import warehouse
from .csv_safety import public_file_names, safe_text
from .csv_safety import to_csv as csv_text
from .sharing import base_url, data_date, sources_text

blueprint = Blueprint("downloads", __name__, url_prefix="/download")


@blueprint.get("/uptake-data.zip")
def dataset_bundle():
    # Made from the build this request reads, through the warehouse: never a connection of its own.
    return Response(db.dataset_bundle(warehouse()), mimetype="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="uptake-data.zip"'})


def caveat_rows(sentences: list[str]) -> list[tuple[str, str]]:
    """One row per caveat ("Caveat 1", ...), so each sentence sits in its own readable cell;
    a chart without any says so, as a reader checking for caveats expects to find the row."""
    if not sentences:
        return [("Caveats", "None for the values shown.")]
    return [(f"Caveat {number}", sentence) for number, sentence in enumerate(sentences, start=1)]


def check_at_source_rows(source_ids: list[str]) -> list[tuple[str, str]]:
    """One row per publication behind the rows: where a reader can check the figures."""
    sources = db.public_sources(warehouse())
    rows = []
    for number, source in enumerate(sources[sources["source_id"].isin(source_ids)].to_dict("records"), start=1):
        text = f"{source_title(source)}: {source['landing_page']}"
        if isinstance(source.get("file_url"), str):
            text += f" (file: {source['file_url']})"
        rows.append((f"Check at source {number}", text))
    return rows


def _about_rows(chart: Chart) -> list[tuple[str, str]]:
    build = db.build_info(warehouse())
    ids = sorted(set(chart.rows["source_id"].dropna())) if "source_id" in chart.rows else []
    return [("Title", f"{chart.title}: {chart.subtitle}"), ("Source", sources_text(chart)),
            *check_at_source_rows(ids), ("Licence", LICENCE),
            *caveat_rows(caveats.for_chart(chart)),
            ("Method", chart.method), ("Query URL", base_url() + chart.page_url),
            ("Build", f"{build.get('build_id', '')}, built {data_date()}"),
            ("Description", chart.description),
            ("Downloaded", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))]


def with_series_breaks(rows: pd.DataFrame, breaks: pd.DataFrame) -> pd.DataFrame:
    """A `series_break` column: for a row in the first year of a new series (a definition change
    for its measure, or a boundary change of its area), why it cannot be compared with earlier
    years, as the chart says under it. Empty for every other row."""
    notes: dict[tuple[str, str], list[str]] = {}
    for row in breaks.itertuples(index=False):
        key = ("measure", row.measure_id) if isinstance(row.measure_id, str) else ("area", row.area_code)
        notes.setdefault((*key, row.period), []).append(f"Series break in {row.period}: {row.note}")
    def note(measure_id, area_code, period) -> str | None:
        found = notes.get(("measure", measure_id, period), []) + notes.get(("area", area_code, period), [])
        return " ".join(found) or None
    return rows.assign(series_break=[note(m, a, p) for m, a, p in
                                     zip(rows["measure_id"], rows["area_code"], rows["period"])])


def xlsx_bytes(rows: pd.DataFrame, about: list[tuple[str, str]]) -> bytes:
    workbook = Workbook()
    data = workbook.active
    data.title = "data"
    data.append(list(rows.columns))
    for record in rows.itertuples(index=False):
        # Text cells a spreadsheet would run as formulas are quoted, as in the CSV.
        data.append([None if pd.isna(v) else (safe_text(v) if isinstance(v, str) else v) for v in record])
    sheet = workbook.create_sheet("about")
    for field, value in about:
        sheet.append([field, safe_text(value)])
    for cell in (*data[1], *sheet["A"]):
        cell.font = Font(bold=True)
    # Caveats and the method are sentences: wrapped in a wide column, they read without resizing.
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 100
    for cell in (*sheet["A"], *sheet["B"]):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@blueprint.get("/<view>.<kind>")
def chart_data(view: str, kind: str):
    if kind not in ("csv", "xlsx"):
        return jsonify({"error": f"No download of type {kind[:20]!r}: choose csv or xlsx."}), 404
    try:
        chart = chart_for(view, parse_query(request.args))
    except ChartRequestError as error:
        body = {"error": error.message}
        if error.valid is not None:
            body["valid"] = error.valid if error.status != 404 else [f"{v}.{k}" for v in error.valid for k in ("csv", "xlsx")]
        return jsonify(body), error.status
    drawn = chart.rows.reindex(columns=COLUMNS) if chart.table is None else chart.table
    rows = with_series_breaks(public_file_names(drawn), db.series_breaks(warehouse()))
    name = f"{view}-data.{kind}"
    if kind == "csv":
        # A chart's own table says which of its columns are numbers by their types (a gap, a
        # change, whether the trend used a year); the observations use the API's list.
        text = to_csv(rows) if chart.table is None else csv_text(rows)
        return Response(text, mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(xlsx_bytes(rows, _about_rows(chart)),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
