"""A schema.org Dataset block (JSON-LD) in the HTML of the home and sources pages, written on
the server so dataset search engines, which do not run the app's JavaScript, read it.

The facts come from the serving build (years, measures, sources and their pages) and from the
bundle's package description (etl/datapackage.py), so the block, datapackage.json and the
README describe the same dataset.
"""
from __future__ import annotations

import json

from flask import request

from etl.datapackage import CREATOR, DESCRIPTION, KEYWORDS, OGL, TITLE, source_title

from . import db
from .context import warehouse
from .sharing import base_url

PAGES = ("/", "/sources")
BUNDLE_PATH = "/download/uptake-data.zip"
API_CSV_PATH = "/api/v1/observations.csv"


def temporal_coverage(periods: list[str]) -> str:
    """Financial years '2000-01' to '2024-25' -> '2000-04-01/2025-03-31' (ISO 8601 interval)."""
    first, last = min(periods), max(periods)
    return f"{first[:4]}-04-01/{int(last[:4]) + 1}-03-31"


def dataset(site: str) -> dict:
    wh = warehouse()
    periods = sorted(set(db.catalogue(wh)["period"]))
    sources = db.public_sources(wh).to_dict("records")
    organisation = {"@type": "Organization", "name": CREATOR, "url": site + "/"}
    return {
        "@context": "https://schema.org", "@type": "Dataset",
        "name": TITLE, "description": DESCRIPTION,
        "url": site + "/sources", "license": OGL["path"], "isAccessibleForFree": True,
        "version": db.build_info(wh).get("build_id"),
        "temporalCoverage": temporal_coverage(periods),
        "spatialCoverage": {"@type": "Place", "name": "England", "identifier": "E92000001"},
        "creator": organisation, "publisher": organisation,
        "keywords": KEYWORDS,
        "variableMeasured": list(db.measures(wh)["label"]),
        "isBasedOn": list(dict.fromkeys(s["landing_page"] for s in sources if s.get("landing_page"))),
        "citation": [source_title(s) for s in sources],
        "distribution": [
            {"@type": "DataDownload", "name": "The whole dataset: CSVs with a Frictionless datapackage.json",
             "encodingFormat": "application/zip", "contentUrl": site + BUNDLE_PATH},
            {"@type": "DataDownload", "name": "Observations as CSV from the data API",
             "encodingFormat": "text/csv", "contentUrl": site + API_CSV_PATH},
        ],
    }


def script_tag(block: dict) -> str:
    # "</" would end the script element early; JSON reads "<\/" as the same two characters.
    text = json.dumps(block, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def install(app) -> None:
    """Put the block into the index HTML Dash serves for PAGES (the JSON-LD script is data, not
    code: the Content-Security-Policy's script hashes do not apply to it)."""
    interpolate = app.interpolate_index

    def with_dataset(**parts) -> str:
        page = interpolate(**parts)
        if request.path not in PAGES:
            return page
        try:
            block = script_tag(dataset(base_url()))
        except db.WarehouseUnavailable:
            return page        # the page itself says the data is unavailable
        return page.replace("</head>", block + "</head>", 1)

    app.interpolate_index = with_dataset
