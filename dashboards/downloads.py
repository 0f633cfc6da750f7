"""File downloads: the whole-dataset bundle (built once per database build)."""
from __future__ import annotations

from flask import Blueprint, Response

from etl.export import bundle_bytes

from .context import warehouse

blueprint = Blueprint("downloads", __name__, url_prefix="/download")


@blueprint.get("/uptake-data.zip")
def dataset_bundle():
    wh = warehouse()
    data = wh.cached("bundle_zip", lambda w: bundle_bytes(w.path))
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="uptake-data.zip"'})
