"""Stable data URLs under /api/v1/ for researchers: CSV and JSON, codes beside names.

Every parameter is declared once in PARAMETERS; the handlers validate against it and the
OpenAPI document is generated from it, so the two cannot drift. Unknown parameters or values
get a 400 that lists the valid ones.
"""
from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass

import pandas as pd
from flask import Blueprint, Response, jsonify, request

from . import csv_safety, db, geography
from .context import warehouse
from .csv_safety import formatted, header_line, public_file_names, safe_text  # noqa: F401 (safe_text: the API's, re-exported)

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
LICENCE = "Open Government Licence v3.0"

COLUMNS = ["area_code", "area_name", "area_type", "region_code", "period", "measure_id", "age_band",
           "client_group", "numerator", "denominator", "value", "lower_95", "upper_95", "lower_998",
           "upper_998", "interval_method", "value_status", "note", "quality_flag", "quality_note",
           "source_id", "source_kind", "source_file", "source_sheet", "value_cell", "numerator_cell",
           "denominator_cell"]
NUMERIC = {"numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998"}


@dataclass(frozen=True)
class Parameter:
    name: str
    column: str | None        # the observations column it filters, None for an output option
    description: str
    repeatable: bool = True


PARAMETERS = [
    Parameter("measure", "measure_id", "Measure id (see measures.json)."),
    Parameter("period", "period", "Financial year, e.g. 2020-21 (see periods.json)."),
    Parameter("area", "area_code", "ONS code of a council, region or England (see areas.json)."),
    Parameter("region", "region_code", "ONS code of a region: its councils and the region itself."),
    Parameter("area_type", "area_type", "The warehouse's own area_type values: council, region or country "
              "(England)."),
    Parameter("age_band", "age_band", "Age band: all, 18-64, under-65, 65+, 65-84, 85+."),
    Parameter("client_group", "client_group", "Client group, e.g. all, mental_health."),
    Parameter("bom", None, "CSV only: 'true' to start the file with a UTF-8 byte order mark for Excel.",
              repeatable=False),
]
BY_NAME = {p.name: p for p in PARAMETERS}


class BadRequest(Exception):
    def __init__(self, message: str, valid: list[str] | None = None):
        super().__init__(message)
        self.message, self.valid = message, valid


@blueprint.errorhandler(BadRequest)
def _bad_request(error: BadRequest):
    body = {"error": error.message}
    if error.valid is not None:
        body["valid"] = error.valid
    return jsonify(body), 400


@blueprint.errorhandler(db.WarehouseUnavailable)
def _unavailable(error):
    return jsonify({"error": str(error)}), 503


def valid_values(column: str) -> list[str]:
    """The values a filter may take: those present in the data (cached per build)."""
    def load(wh: db.Warehouse) -> dict[str, list[str]]:
        frame = wh.query("SELECT DISTINCT measure_id, period, area_code, region_code, area_type, age_band, "
                         "client_group FROM app_observations")
        return {c: sorted(set(frame[c].dropna())) for c in frame.columns}
    return warehouse().cached("api_valid_values", load)[column]


def parse_filters(arguments, allowed: set[str]) -> dict[str, list[str]]:
    unknown = sorted(set(arguments) - allowed)
    if unknown:
        raise BadRequest(f"Unknown parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.",
                         sorted(allowed))
    filters: dict[str, list[str]] = {}
    for name in arguments:
        parameter = BY_NAME[name]
        values = arguments.getlist(name)
        if not parameter.repeatable and len(values) > 1:
            raise BadRequest(f"Parameter {name} may be given once.")
        if parameter.column is None:
            continue
        valid = valid_values(parameter.column)
        wrong = [v for v in values if v not in valid]
        if wrong:
            raise BadRequest(f"Unknown value{'s' if len(wrong) > 1 else ''} for {name}: "
                             f"{', '.join(repr(w[:60]) for w in wrong[:5])}.", valid)
        filters[name] = values
    return filters


def observation_rows(filters: dict[str, list[str]]) -> pd.DataFrame:
    """The rows a query asks for, in a stable order (grain), with the API's columns."""
    arguments = {BY_NAME[name].column: values for name, values in filters.items()}
    area_codes = arguments.pop("area_code", None)
    frame = db.observations(warehouse(), area_codes=area_codes, **arguments)
    return public_file_names(_api_order(frame).reindex(columns=COLUMNS).reset_index(drop=True))


def _api_order(frame: pd.DataFrame) -> pd.DataFrame:
    # England first, then regions, then councils, within each measure, period and breakdown.
    frame = frame.assign(_tier=frame["area_type"].map({"country": 0, "region": 1, "council": 2}))
    return frame.sort_values(["measure_id", "period", "age_band", "client_group", "_tier", "area_code"])


def to_csv(frame: pd.DataFrame, *, bom: bool = False) -> str:
    """frame as the API writes CSV: its number columns as numbers, every other cell made safe."""
    return csv_safety.to_csv(frame, numeric=NUMERIC, bom=bom)


def _json_value(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def to_records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


# Serialising is most of a query's cost, so each (measure, period) group's rows are turned into
# text once per build and kept in the bounded cache; a request then masks and joins strings.
# Column by column, each distinct value formatted once: a 4,000-row group takes ~30 ms, not ~150.
_ROW_FILTERS = ["area_code", "region_code", "area_type", "age_band", "client_group"]
_COMPACT = (",", ":")   # as Flask's jsonify outside debug mode
_JSON_ROW = "{" + ",".join(f"{json.dumps(c)}:%s" for c in COLUMNS) + "}"


def csv_and_json_rows(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Each row of frame (the API's COLUMNS) as a CSV line, exactly as to_csv writes it, and
    as a JSON object, as jsonify writes to_records."""
    frame = frame.reindex(columns=COLUMNS)
    csv_rows = csv_safety.csv_rows(frame, NUMERIC)
    json_columns = [formatted(frame[column], repr if column in NUMERIC else json.dumps, "null")
                    for column in COLUMNS]
    json_rows = [_JSON_ROW % fields for fields in zip(*json_columns)]
    return csv_rows, json_rows


def _group_text(wh: db.Warehouse, key: tuple[str, str], frame: pd.DataFrame) -> pd.DataFrame:
    def produce() -> pd.DataFrame:
        rows = public_file_names(_api_order(frame).reindex(columns=COLUMNS).reset_index(drop=True))
        csv_rows, json_rows = csv_and_json_rows(rows)
        return rows[_ROW_FILTERS].assign(csv=csv_rows, json=json_rows)
    return wh.remember(("api_group_text", key), produce)


_warming: dict = {"stamp": None, "thread": None, "lock": threading.Lock()}


def warm_in_background(wh: db.Warehouse) -> None:
    """On the first API request a worker answers from a build, make every other group's text
    in a background thread (~0.5 s for the full dataset): later queries, including the first
    for each group, only mask and join text. Stops at half the cache's bound, so a small cache
    keeps room for responses."""
    stamp = wh.stamp()
    with _warming["lock"]:
        if _warming["stamp"] == stamp:
            return
        _warming["stamp"] = stamp

    def warm() -> None:
        try:
            # One build throughout, as a request reads: text is never filed under another build.
            with wh.reading() as build:
                for key, frame in db.observation_groups(wh):
                    if build.retired or wh.responses.size > wh.responses.max_bytes / 2:
                        break
                    _group_text(wh, key, frame)
        except db.WarehouseUnavailable:
            pass    # the build went away while warming: requests will say so
    _warming["thread"] = threading.Thread(target=warm, name="api-warm", daemon=True)
    _warming["thread"].start()


def wait_for_warming(timeout: float | None = None) -> None:
    """For tests and benchmarks that need a quiet cache."""
    thread = _warming["thread"]
    if thread is not None:
        thread.join(timeout)


def _matching_text(filters: dict[str, list[str]], column: str) -> list[str]:
    """The csv or json text of every row the query asks for, in the API's order."""
    arguments = {BY_NAME[name].column: values for name, values in filters.items()}
    texts: list[str] = []
    wh = warehouse()
    for key, frame in db.observation_groups(wh, arguments.get("measure_id"), arguments.get("period")):
        rows = _group_text(wh, key, frame)
        mask = None
        for name in _ROW_FILTERS:
            if name in arguments:
                hit = rows[name].isin(arguments[name]).to_numpy()
                mask = hit if mask is None else mask & hit
        texts += (rows[column] if mask is None else rows[column][mask]).tolist()
    return texts


def normalised(filters: dict[str, list[str]]) -> dict[str, list[str]]:
    """The query as applied: parameters in their documented order, each one's distinct values
    sorted. Equal queries (reordered, repeated) share a cache entry and an echo."""
    return {p.name: sorted(set(filters[p.name])) for p in PARAMETERS if p.name in filters}


def _cache_key(kind: str, filters: dict[str, list[str]], *extra) -> tuple:
    return ("observations", kind, *extra, tuple((name, tuple(values)) for name, values in filters.items()))


@blueprint.get("/observations.csv")
def observations_csv():
    filters = normalised(parse_filters(request.args, set(BY_NAME)))
    warm_in_background(warehouse())
    bom = request.args.get("bom", "false").lower()
    if bom not in ("true", "false", "1", "0"):
        raise BadRequest("Parameter bom must be true or false.", ["true", "false"])
    bom = bom in ("true", "1")

    def produce() -> bytes:
        text = header_line(COLUMNS) + "".join(_matching_text(filters, "csv"))
        return (("\ufeff" if bom else "") + text).encode("utf-8")
    body = warehouse().remember(_cache_key("csv", filters, bom), produce)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="observations.csv"'})


@blueprint.get("/observations.json")
def observations_json():
    filters = normalised(parse_filters(request.args, set(BY_NAME) - {"bom"}))
    warm_in_background(warehouse())

    def produce() -> bytes:
        rows = _matching_text(filters, "json")
        head = json.dumps({"query": filters, "count": len(rows), "columns": COLUMNS, "licence": LICENCE,
                           "build_id": db.build_info(warehouse()).get("build_id")}, separators=_COMPACT)
        return (head[:-1] + ',"rows":[' + ",".join(rows) + "]}").encode("utf-8")
    body = warehouse().remember(_cache_key("json", filters), produce)
    return Response(body, mimetype="application/json")


def _listing(frame: pd.DataFrame, key: str):
    parse_filters(request.args, set())
    return jsonify({key: to_records(frame), "count": len(frame), "licence": LICENCE})


@blueprint.get("/measures.json")
def measures_json():
    return _listing(db.measures(warehouse()), "measures")


AREA_COLUMNS = ["area_code", "area_name", "area_type", "council_type", "region_code", "cassr_code",
                "first_period", "last_period", "code_status", "observations_under", "predecessors", "successors"]
# A code's council type follows from its GSS prefix (etl/reference/README.md).
_COUNCIL_TYPES = {"E06": "UA", "E08": "MD", "E09": "LB", "E10": "SC"}


def _period_before(date: str) -> str:
    """'2020-04-01' -> '2019-20': the last financial year that ended before a change on 1 April."""
    return geography.period_of(int(date[:4]) - 1)


def area_records(wh: db.Warehouse) -> list[dict]:
    """Every area, and every code a recoded council was known by before, each with the codes it
    came from and went to and when. A recoded council's series continues under its new code, so
    an old code's `observations_under` names the code whose rows hold its figures."""
    areas = db.areas(wh)
    links = to_records(db.area_links(wh))
    known = dict(zip(areas["area_code"], to_records(areas)))

    def link(row: dict, code_key: str) -> dict:
        return {"area_code": row[code_key], "effective_date": row["effective_date"], "kind": row["kind"],
                "note": row["note"]}
    predecessors: dict[str, list[dict]] = {}
    successors: dict[str, list[dict]] = {}
    for row in links:
        predecessors.setdefault(row["successor_code"], []).append(link(row, "predecessor_code"))
        successors.setdefault(row["predecessor_code"], []).append(link(row, "successor_code"))

    def current_code(code: str) -> str:
        # Recodes chain (Northumberland E10000022 -> E06000048 -> E06000057): follow them to a
        # code that has rows; a merger or split starts new series, so it is not followed.
        seen = {code}
        while code not in known:
            recodes = [s["area_code"] for s in successors.get(code, []) if s["kind"] == "recode"]
            if len(recodes) != 1 or recodes[0] in seen:
                return code
            code = recodes[0]
            seen.add(code)
        return code

    records = []
    for row in known.values():
        records.append({**{c: row.get(c) for c in AREA_COLUMNS[:8]},
                        "code_status": "abolished" if row.get("last_period") else "current",
                        "observations_under": row["area_code"]})
    for code in sorted(set(successors) - set(known)):
        heir = known.get(current_code(code))
        if heir is None:
            continue
        former_cassr = (heir.get("former_cassr_codes") or "").split(";")[0] or heir.get("cassr_code")
        records.append({
            "area_code": code, "area_name": heir["area_name"], "area_type": heir["area_type"],
            "council_type": _COUNCIL_TYPES.get(code[:3]), "region_code": heir["region_code"],
            "cassr_code": former_cassr, "first_period": None,
            "last_period": _period_before(min(s["effective_date"] for s in successors[code])),
            "code_status": "former_code", "observations_under": heir["area_code"]})
    for record in records:
        record["predecessors"] = predecessors.get(record["area_code"], [])
        record["successors"] = successors.get(record["area_code"], [])
    return records


@blueprint.get("/areas.json")
def areas_json():
    filters = parse_filters(request.args, {"area_type"})
    wanted = set(filters.get("area_type", [])) or None
    records = [r for r in warehouse().cached("api_area_records", area_records)
               if wanted is None or r["area_type"] in wanted]
    return jsonify({"areas": records, "count": len(records), "licence": LICENCE})


@blueprint.get("/periods.json")
def periods_json():
    catalogue = db.catalogue(warehouse())
    periods = catalogue.groupby("period")["measure_id"].agg(lambda m: sorted(set(m))).reset_index()
    return _listing(periods.rename(columns={"measure_id": "measures"}), "periods")


@blueprint.get("/sources.json")
def sources_json():
    return _listing(db.public_sources(warehouse()), "sources")


@blueprint.get("/quality_flags.json")
def quality_flags_json():
    # The codes in observations' quality_flag column, most serious first, with what each means.
    return _listing(db.quality_flags(warehouse()), "quality_flags")


@blueprint.get("/openapi.json")
def openapi_json():
    parse_filters(request.args, set())
    return jsonify(openapi_document())


def column_descriptions() -> dict[str, str]:
    """What the caveat and source columns hold, naming the codes the data uses."""
    wh = warehouse()
    flags = ", ".join(db.quality_flags(wh)["quality_flag"])
    kinds = ", ".join(db.source_precedence(wh)["source_kind"])
    return {
        "note": "How this value was read or derived, where that needs saying.",
        "quality_flag": f"Empty, or the value's caveats as codes separated by '; ', most serious first: {flags} "
                        "(see quality_flags.json).",
        "quality_note": "The caveats in plain English: read it before comparing or ranking this value.",
        "source_kind": f"Which kind of source gave the value: {kinds}. Where several give the same figure, "
                       "the first kind in that order is shown.",
    }


def area_schema() -> dict:
    """One areas.json entry: the area, its code's status and its links to other codes."""
    text, nullable = {"type": "string"}, {"type": ["string", "null"]}
    link = {"type": "object", "required": ["area_code", "effective_date", "kind"], "properties": {
        "area_code": text, "effective_date": {"type": "string", "format": "date"},
        "kind": {"type": "string", "description": "recode (same council, new code: one series), merger or split "
                                                  "(a new series starts)."},
        "note": nullable}}
    return {"type": "object", "required": AREA_COLUMNS, "properties": {
        **{c: nullable for c in AREA_COLUMNS[:8]},
        "area_code": text, "area_name": text,
        "area_type": {"type": "string", "description": "The warehouse's area_type: council, region or country."},
        "code_status": {"type": "string", "enum": ["current", "abolished", "former_code"],
                        "description": "former_code: a code a council had before it was recoded; its figures "
                                       "are under observations_under."},
        "observations_under": {"type": "string", "description": "The area_code whose observations hold this "
                                                                "area's figures."},
        "predecessors": {"type": "array", "items": link, "description": "Codes this one replaced, with the date."},
        "successors": {"type": "array", "items": link, "description": "Codes that replaced this one, with the date."}}}


def openapi_document() -> dict:
    """OpenAPI 3 for the endpoints above, generated from PARAMETERS and the data's values."""
    def parameter(p: Parameter) -> dict:
        schema = {"type": "string"}
        if p.column is not None:
            schema = {"type": "string", "enum": valid_values(p.column)}
        elif p.name == "bom":
            schema = {"type": "string", "enum": ["true", "false"]}
        if p.repeatable:
            return {"name": p.name, "in": "query", "required": False, "description": p.description,
                    "schema": {"type": "array", "items": schema}, "style": "form", "explode": True}
        return {"name": p.name, "in": "query", "required": False, "description": p.description, "schema": schema}

    error = {"description": "Unknown parameter or value; the message lists the valid ones.",
             "content": {"application/json": {"schema": {
                 "type": "object", "required": ["error"],
                 "properties": {"error": {"type": "string"}, "valid": {"type": "array", "items": {"type": "string"}}}}}}}
    nullable_number = {"type": ["number", "null"]}
    nullable_string = {"type": ["string", "null"]}
    described = column_descriptions()
    row = {"type": "object", "properties": {
        c: {**(nullable_number if c in NUMERIC else nullable_string),
            **({"description": described[c]} if c in described else {})} for c in COLUMNS}}
    listing = lambda key: {"200": {"description": f"All {key}.", "content": {"application/json": {"schema": {
        "type": "object", "required": [key, "count"],
        "properties": {key: {"type": "array", "items": {"type": "object"}}, "count": {"type": "integer"}}}}}},
        "400": error}
    filters = [parameter(p) for p in PARAMETERS if p.name != "bom"]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Self-directed support uptake data", "version": "1",
                 "description": "Adult social care self-directed support and direct payment uptake in "
                                "England, by council, year and client group. " + LICENCE + "."},
        "paths": {
            "/api/v1/observations.csv": {"get": {
                "summary": "Observations as CSV", "parameters": filters + [parameter(BY_NAME["bom"])],
                "responses": {"200": {"description": "Tidy CSV, one row per observation, columns as "
                                                     "observations.json's rows (quality_flag and quality_note "
                                                     "carry each value's caveats); text cells that a spreadsheet "
                                                     "would run as a formula start with a quote.",
                                      "content": {"text/csv": {"schema": {"type": "string"}}}},
                              "400": error}}},
            "/api/v1/observations.json": {"get": {
                "summary": "Observations as JSON", "parameters": filters,
                "responses": {"200": {"description": "Observations with the query echoed.",
                                      "content": {"application/json": {"schema": {
                                          "type": "object", "required": ["count", "rows", "columns"],
                                          "properties": {"count": {"type": "integer"},
                                                         "columns": {"type": "array", "items": {"type": "string"}},
                                                         "rows": {"type": "array", "items": row}}}}}},
                              "400": error}}},
            "/api/v1/measures.json": {"get": {"summary": "Measures and definitions", "responses": listing("measures")}},
            "/api/v1/areas.json": {"get": {
                "summary": "Councils, regions and England with codes, and each code's predecessors and successors",
                "parameters": [parameter(BY_NAME["area_type"])],
                "responses": {"200": {"description": "Every area, and every code a recoded council had before "
                                                     "(code_status former_code), linked both ways.",
                                      "content": {"application/json": {"schema": {
                                          "type": "object", "required": ["areas", "count"],
                                          "properties": {"areas": {"type": "array", "items": area_schema()},
                                                         "count": {"type": "integer"}}}}}},
                              "400": error}}},
            "/api/v1/periods.json": {"get": {"summary": "Periods and the measures each has",
                                             "responses": listing("periods")}},
            "/api/v1/sources.json": {"get": {
                "summary": "Loaded publications with sha256 and where to check them",
                "description": "Each source (source_id as in observations) with the publisher's page "
                               "for the release (landing_page), the publisher's link to the file where "
                               "one was seen (file_url, else null), how they were found (link_basis), "
                               "the file's name as published and its sha256.",
                "responses": listing("sources")}},
            "/api/v1/quality_flags.json": {"get": {"summary": "The caveats a value can carry (quality_flag codes)",
                                                   "responses": listing("quality_flags")}},
        },
    }
