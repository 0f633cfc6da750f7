"""File downloads: the whole-dataset bundle, and the exact rows behind a chart (CSV, xlsx).

A chart's download URL is the page's own query string on /download/<page>.csv|xlsx, so a
copied view and its data always agree.
"""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pandas as pd
from flask import Blueprint, Response, abort, jsonify, request
from openpyxl import Workbook
from openpyxl.styles import Font

from etl.export import bundle_bytes

from . import db
from .api import COLUMNS, LICENCE, safe_text, to_csv
from .context import warehouse

blueprint = Blueprint("downloads", __name__, url_prefix="/download")


@blueprint.get("/uptake-data.zip")
def dataset_bundle():
    wh = warehouse()
    data = wh.cached("bundle_zip", lambda w: bundle_bytes(w.path))
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="uptake-data.zip"'})


def _compare_rows(search: str) -> tuple[pd.DataFrame, dict[str, str]]:
    from .pages import compare

    view = compare.view_for_url(search)
    if view is None:
        abort(404)
    rows, scope_name, reference_codes = compare.scope_rows(view)
    s = view.selection
    measure = db.measure(warehouse(), s.measure_id)
    about = {"title": f"{measure['label']}: {s.age_band} / {s.client_group}, {s.period}, {scope_name}",
             "method": compare.METHOD, "query": "/" + view.query()}
    return rows, about


SHOWN = {"compare": _compare_rows}


def _about_rows(about: dict[str, str], rows: pd.DataFrame) -> list[tuple[str, str]]:
    sources = db.sources(warehouse(), sorted(set(rows["source_id"].dropna())))
    cited = "; ".join(dict.fromkeys(safe_text(r.cites) or safe_text(r.title) for r in sources.itertuples()))
    build = db.build_info(warehouse())
    return [("Title", about["title"]), ("Source", cited), ("Licence", LICENCE),
            ("Method", about["method"]), ("Query URL", request.host_url.rstrip("/") + about["query"]),
            ("Build", build.get("build_id", "")),
            ("Downloaded", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))]


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
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@blueprint.get("/<page>.<kind>")
def chart_data(page: str, kind: str):
    if page not in SHOWN or kind not in ("csv", "xlsx"):
        return jsonify({"error": f"No download for {page}.{kind}.",
                        "valid": [f"{p}.{k}" for p in SHOWN for k in ("csv", "xlsx")]}), 404
    rows, about = SHOWN[page]("?" + request.query_string.decode("utf-8", "replace"))
    rows = rows.reindex(columns=COLUMNS)
    name = f"{page}-data.{kind}"
    if kind == "csv":
        return Response(to_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(xlsx_bytes(rows, _about_rows(about, rows)),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
