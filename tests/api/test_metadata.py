"""Every number can be checked at its source, and the data carries standard metadata: the
bundle is a valid Frictionless Data Package readable from its descriptor alone, its README is
written from the warehouse, nothing a user downloads names a server path, and the home and
sources pages carry a schema.org Dataset for dataset search."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import PurePosixPath

import duckdb
import pandas as pd
import pytest
from frictionless import validate
from openpyxl import load_workbook

from etl.datapackage import load_dictionary

from ..conftest import PROJECT, REALDATA


@pytest.fixture(scope="module")
def bundle(client) -> zipfile.ZipFile:
    response = client.get("/download/uptake-data.zip")
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.data))


@pytest.fixture(scope="module")
def unpacked(bundle, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bundle")
    bundle.extractall(folder)
    return folder


def source_labels(db_path) -> list[str]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return [row[0] for row in connection.execute("SELECT file_name FROM sources").fetchall()]


def local_path_pattern(db_path) -> re.Pattern:
    """The server's own folders: each loaded file's raw folder and the folders under it, the
    shared data's absolute path, and the usual suspects."""
    folders = set()
    for label in source_labels(db_path):
        parts = PurePosixPath(label).parts[:-1]
        folders |= {"/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)}
    assert {"raw/", "realdata/", "realdata/salt/"} <= folders
    literal = sorted(folders) + [str(REALDATA), str(PROJECT), "../shared", "data/raw", "raw/downloaded", "/tmp/"]
    # A folder name counts only at the start of a path, not inside a word or a URL's path.
    return re.compile("|".join(rf"(?<![\w.%/-]){re.escape(text)}" for text in literal))


def test_frictionless_validates_the_freshly_exported_bundle(unpacked):
    report = validate(unpacked / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    assert [task.name for task in report.tasks] == ["observations", "observations_all", "areas", "measures",
                                                   "sources", "quality_flags"]
    assert all(task.stats["rows"] > 0 for task in report.tasks)


def test_frictionless_catches_an_area_missing_from_areas_csv(unpacked, tmp_path):
    """The foreign keys are checked: the same bundle with Darlington taken out of areas.csv fails."""
    for path in unpacked.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    areas = (tmp_path / "areas.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "areas.csv").write_text("".join(l for l in areas if not l.startswith("E06000005,")),
                                        encoding="utf-8")
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        del resource["hash"], resource["bytes"]      # only the missing row should be caught
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = validate(tmp_path / "datapackage.json")
    assert not report.valid
    assert {error[2] for error in report.flatten(["rowNumber", "fieldName", "type"])} == {"foreign-key"}


def test_the_descriptor_has_schemas_keys_licence_and_sources(unpacked, full_db):
    package = json.loads((unpacked / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "OGL-UK-3.0"
    assert package["licenses"][0]["path"].startswith("https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3")
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        pages = {row[0] for row in connection.execute("SELECT landing_page FROM sources").fetchall()}
    assert {s["path"] for s in package["sources"]} == pages and all(p.startswith("https://") for p in pages)
    resources = {r["name"]: r for r in package["resources"]}
    observations = resources["observations"]["schema"]
    assert observations["primaryKey"] == ["area_code", "period", "measure_id", "age_band", "client_group"]
    assert {(k["fields"], k["reference"]["resource"]) for k in observations["foreignKeys"]} == {
        ("area_code", "areas"), ("measure_id", "measures"), ("source_id", "sources")}
    fields = {f["name"]: f for f in observations["fields"]}
    assert fields["value"]["type"] == fields["lower_95"]["type"] == "number"
    assert "percent: a percentage, 0 to 100" in fields["value"]["description"]
    assert fields["age_band"]["constraints"]["enum"] == ["18-64", "65+", "65-84", "85+", "all", "under-65"]
    assert fields["value_status"]["constraints"]["enum"] == ["derived", "missing", "not_applicable",
                                                            "published", "suppressed"]
    assert "sds_users" in fields["measure_id"]["constraints"]["enum"]
    every = {f["name"]: f for f in resources["observations_all"]["schema"]["fields"]}
    assert every["preferred"]["type"] == "boolean" and every["precedence"]["type"] == "integer"
    source_fields = {f["name"]: f for f in resources["sources"]["schema"]["fields"]}
    assert source_fields["landing_page"]["constraints"] == {"required": True}


def test_every_measure_unit_has_a_meaning_in_the_dictionary(full_db):
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        units = {row[0] for row in connection.execute("SELECT DISTINCT unit FROM measures").fetchall()}
    assert units <= set(load_dictionary()["units"])


def test_pandas_reads_the_bundle_from_the_descriptor_alone(unpacked):
    package = json.loads((unpacked / "datapackage.json").read_text(encoding="utf-8"))
    pandas_types = {"string": "string", "number": "float64", "integer": "Int64", "boolean": "boolean"}
    tables = {}
    for resource in package["resources"]:
        fields = resource["schema"]["fields"]
        tables[resource["name"]] = pd.read_csv(
            unpacked / resource["path"], encoding=resource["encoding"], keep_default_na=False,
            na_values=resource["schema"]["missingValues"],
            dtype={f["name"]: pandas_types[f["type"]] for f in fields},
            true_values=["true"], false_values=["false"])
        assert list(tables[resource["name"]].columns) == [f["name"] for f in fields]
        key = resource["schema"]["primaryKey"]
        assert not tables[resource["name"]].duplicated(key).any(), resource["name"]
    observations = tables["observations"]
    darlington = observations[(observations.area_code == "E06000005") & (observations.period == "2024-25")
                              & (observations.measure_id == "sds_users") & (observations.age_band == "all")
                              & (observations.client_group == "all")].iloc[0]
    assert (darlington.value, darlington.numerator, darlington.denominator) == (95.8, 790, 825)
    joined = observations.merge(tables["sources"], on="source_id", how="left", validate="many_to_one")
    assert joined["landing_page"].notna().all()
    assert tables["observations_all"]["preferred"].dtype == "boolean"
    assert set(tables["areas"].loc[tables["areas"].area_code == "E92000001", "area_type"]) == {"country"}


def test_no_file_in_the_bundle_names_a_local_path(bundle, full_db):
    pattern = local_path_pattern(full_db[0])
    assert pattern.search("read from raw/downloaded/ascof/x.csv") and pattern.search(f"{REALDATA}/a.csv")
    assert not pattern.search("https://files.digital.nhs.uk/AF/4C9A4F/x.xlsx")
    for name in bundle.namelist():
        text = bundle.read(name).decode("utf-8" if not name.endswith(".parquet") else "latin-1")
        found = pattern.search(text)
        assert found is None, f"{name}: {text[max(found.start() - 60, 0):found.end() + 60]!r}"
    files = pd.read_csv(bundle.open("observations.csv"), usecols=["source_file"])["source_file"]
    assert "ASCFR and SALT Data Tables 2021-22.xlsx" in set(files)


def test_the_readme_is_written_from_the_warehouse(bundle, full_db):
    readme = bundle.read("README.md").decode()
    assert len(readme) > 20_000
    package = json.loads(bundle.read("datapackage.json"))
    for resource in package["resources"]:                  # a column dictionary for every CSV
        section = readme.split(f"### {resource['path']}")[1].split("###")[0]
        for field in resource["schema"]["fields"]:
            assert f"| `{field['name']}` | {field['type']} |" in section, (resource["path"], field["name"])
    coverage = readme.split("## Which years each measure has")[1].split("## ")[0]
    header = next(line for line in coverage.splitlines() if line.startswith("| measure |"))
    periods = [cell.strip() for cell in header.strip("|").split("|")][3:]
    assert periods[0] == "2000-01" and periods[-1] == "2024-25"
    sds = next(line for line in coverage.splitlines() if line.startswith("| `sds_users` |"))
    cells = dict(zip(periods, [cell.strip() for cell in sds.strip("|").split("|")][3:]))
    assert cells["2024-25"] == "162" and cells["2013-14" if "2013-14" in cells else "2012-13"] == "1"
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        flags = [row[0] for row in connection.execute("SELECT quality_flag FROM quality_flags").fetchall()]
        pages = [row[0] for row in connection.execute("SELECT landing_page FROM sources").fetchall()]
    assert all(f"`{flag}`" in readme.split("## Quality flags")[1] for flag in flags)
    assert all(f"]({page})" in readme for page in pages)
    breaks = readme.split("## Series breaks")[1].split("## ")[0]
    assert "| 2024-25 | sds_users |  | definition | From 2024-25 ASCOF 3D(1a)" in breaks
    assert "| 2019-20 |  | E06000058 | merger |" in breaks
    assert "Open Government Licence v3.0" in readme and "cff-version: 1.2.0" in readme


def test_sources_json_gives_each_sources_links_and_no_local_path(client, full_db):
    body = client.get("/api/v1/sources.json").get_json()
    assert body["count"] == 25
    salt = next(s for s in body["sources"] if s["source_id"] == "ascfr_and_salt_data_tables_2021_22")
    assert salt["file_url"] == ("https://files.digital.nhs.uk/AF/4C9A4F/"
                                "ASCFR%20and%20SALT%20Data%20Tables%202021-22.xlsx")
    assert salt["landing_page"].startswith("https://digital.nhs.uk/") and salt["link_basis"] == "manifest_sha256"
    assert salt["file_name"] == "ASCFR and SALT Data Tables 2021-22.xlsx"
    assert all(s["landing_page"] for s in body["sources"])
    assert local_path_pattern(full_db[0]).search(json.dumps(body)) is None
    described = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/sources.json"]["get"]
    assert "landing_page" in described["description"] and "file_url" in described["description"]


def test_the_xlsx_about_sheet_says_where_to_check_each_source_and_names_no_local_path(client, full_db):
    query = "measure=sds_users&period=2021-22&age_band=all&client_group=all&scope=region&region=E12000001"
    response = client.get(f"/download/compare.xlsx?{query}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    about = dict(workbook["about"].values)
    checks = [value for field, value in about.items() if field.startswith("Check at source")]
    rows = list(workbook["data"].values)
    shown = {row[rows[0].index("source_id")] for row in rows[1:]}
    sources = {s["source_id"]: s for s in client.get("/api/v1/sources.json").get_json()["sources"]}
    assert len(checks) == len(shown) >= 1
    for source_id, check in zip(sorted(shown), checks):
        assert check.endswith(": " + sources[source_id]["landing_page"]), check
    stack = sources["ascof_repos_trend_data"]["landing_page"]
    assert shown == {"ascof_repos_trend_data"} and stack.startswith("https://digital.nhs.uk/")
    pattern = local_path_pattern(full_db[0])
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and pattern.search(value)), (sheet.title, value)


def json_ld(client, path: str) -> dict:
    page = client.get(path)
    assert page.status_code == 200
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page.get_data(as_text=True), re.S)
    assert len(blocks) == 1, path
    return json.loads(blocks[0])


@pytest.mark.parametrize("path", ["/", "/sources"])
def test_home_and_sources_pages_describe_the_dataset_for_search_engines(client, path):
    block = json_ld(client, path)
    assert (block["@context"], block["@type"]) == ("https://schema.org", "Dataset")
    assert block["name"].startswith("Self-directed support") and len(block["description"]) > 50
    assert block["license"] == "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    assert block["temporalCoverage"] == "2000-04-01/2025-03-31"
    assert block["spatialCoverage"]["name"] == "England"
    assert block["creator"]["name"] and block["publisher"]["@type"] == "Organization"
    urls = {d["encodingFormat"]: d["contentUrl"] for d in block["distribution"]}
    assert urls == {"application/zip": "http://localhost/download/uptake-data.zip",
                    "text/csv": "http://localhost/api/v1/observations.csv"}
    assert all(url.startswith("https://") for url in block["isBasedOn"])


def test_other_pages_carry_no_dataset_block(client):
    assert '"application/ld+json"' not in client.get("/funnel").get_data(as_text=True)


def test_api_observations_name_source_files_as_published_not_by_server_folder(client, full_db):
    pattern = local_path_pattern(full_db[0])
    query = "measure=sds_users&period=2021-22&area=E08000037&age_band=all&client_group=all"
    for extension in ("csv", "json"):
        response = client.get(f"/api/v1/observations.{extension}?{query}")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert pattern.search(text) is None, text[:400]
        assert "ASCFR and SALT Data Tables 2021-22.xlsx" in text or "ascof" in text.lower()
    rows = client.get(f"/api/v1/observations.json?{query}").get_json()["rows"]
    assert rows and all("/" not in row["source_file"] for row in rows)
