"""Hostile and broken raw files: each is refused with a message naming the file (and the sheet,
row and cell where there is one) and saying what to do, and the database already being served
is left byte for byte as it was. Files the build can read correctly (another encoding, a moved
header, "1,234", "12%" as a percentage) load, and the build report says how they were read.

Policy: with --strict (CI's data test, and every test here unless it says otherwise) a file the
build cannot trust fails the whole build (exit 1, nothing replaced). Without it the file is
refused whole, the others load, and the last line and the report name the refused file
(tests at the end). A file no layout recognises is listed and skipped unless --strict.
Every build runs through the command line's main(), as `python -m etl build` does.
"""
from __future__ import annotations

import json
import re
import resource
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from etl.__main__ import main
from etl.readers import read_file

from .conftest import sha256
from ..conftest import RAW, REALDATA

ASCOF_2017 = REALDATA / "ascof" / "ascof_1C_2017_18.csv"
SALT = REALDATA / "salt" / "ASCFR and SALT Data Tables 2021-22.xlsx"
ONS_2015 = REALDATA / "ons_population" / "MYE2_population_by_sex_and_age_for_local_authorities_UK_2015.xls"
TABLE_3 = "report2013_table3_north_east_2011_12.csv"
SURVEY = "report2013_survey_figures.csv"
DARLINGTON, ENGLAND = "E06000005", "E92000001"


# -- helpers --------------------------------------------------------------------------------
def build_cli(capsys, raws: list[Path], db: Path, *options: str, strict: bool = True) -> tuple[int, str]:
    """`python -m etl build` in this process (with --strict unless told otherwise):
    (exit code, everything it wrote to stderr)."""
    argv = ["build", "--db", str(db), *options, *(["--strict"] if strict and "--strict" not in options else [])]
    for raw in raws:
        argv += ["--raw", str(raw)]
    code = main(argv)
    return code, capsys.readouterr().err


def failure(stderr: str) -> str:
    """The located message after 'Build failed: ' (the CLI's last words on a refused build)."""
    return stderr[stderr.index("Build failed: ") + len("Build failed: "):].strip()


def assert_untouched(db: Path, digest: str) -> None:
    assert sha256(db) == digest
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM observations").fetchone() == (45,)
    assert not list(db.parent.glob(".uptake.duckdb.tmp-*"))


def new_raw(tmp_path: Path, name: str = "raw") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def ascof_lines(areas=("Darlington", "North East", "England")) -> list[str]:
    """The real ASCOF 2017-18 open data, cut to a few areas so a build takes a moment."""
    lines = ASCOF_2017.read_text(encoding="utf-8").splitlines(keepends=True)
    return [lines[0]] + [line for line in lines[1:] if line.split(",")[2] in areas]


def row_of(lines: list[str], *fragments: str) -> int:
    """The 1-based file row of the only line containing every fragment."""
    found = [i + 1 for i, line in enumerate(lines) if all(f in line for f in fragments)]
    assert len(found) == 1, (fragments, found)
    return found[0]


def observation(db: Path, area: str, measure: str, period: str = "2017-18") -> dict:
    with duckdb.connect(str(db), read_only=True) as connection:
        frame = connection.execute(
            "SELECT * FROM observations WHERE area_code = ? AND measure_id = ? AND period = ? "
            "AND age_band = 'all' AND client_group = 'all'", [area, measure, period]).fetch_df()
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


def rewrite_zip(source: Path, target: Path, edits: dict[str, callable]) -> None:
    """Copy a workbook member by member, passing the named members through an edit."""
    with zipfile.ZipFile(source) as original, \
            zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            data = original.read(info.filename)
            copy.writestr(info, edits[info.filename](data) if info.filename in edits else data)


def sheet_member(workbook: Path, sheet: str) -> str:
    """The zip member holding an xlsx sheet, from workbook.xml and its relationships."""
    with zipfile.ZipFile(workbook) as archive:
        book = archive.read("xl/workbook.xml").decode()
        relations = archive.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="(rId\d+)"', book).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', relations).group(1)
    return "xl/" + target.removeprefix("/xl/")


def shift_rows(xml: bytes, by: int) -> bytes:
    """A sheet's XML with every row moved `by` rows down (cell, row, merge and view refs)."""
    text = xml.decode()
    text = re.sub(r'<row r="(\d+)"', lambda m: f'<row r="{int(m[1]) + by}"', text)
    reference = re.compile(r"([A-Z]{1,3})(\d+)")

    def shifted(attribute: re.Match) -> str:
        moved = reference.sub(lambda ref: f"{ref[1]}{int(ref[2]) + by}", attribute[2])
        return f' {attribute[1]}="{moved}"'
    text = re.sub(r' (r|ref|sqref|topLeftCell)="([^"]*)"', shifted, text)
    return text.encode()


# -- truncated and damaged workbooks ---------------------------------------------------------
def test_a_truncated_xlsx_is_refused_before_parsing(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    (raw / "salt_2021_22.xlsx").write_bytes(SALT.read_bytes()[:600_000])
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1
    assert failure(stderr) == (
        "raw/salt_2021_22.xlsx: is an incomplete .xlsx file: its zip archive has no directory at "
        "the end, so the download was probably cut short. Re-fetch the file and build again.")
    assert_untouched(served, before)


def test_a_workbook_with_one_damaged_sheet_names_that_sheet(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    damaged = raw / "salt_2021_22.xlsx"
    shutil.copy(SALT, damaged)
    with zipfile.ZipFile(SALT) as archive:
        info = archive.getinfo(sheet_member(SALT, "T38"))
    with damaged.open("r+b") as handle:  # scribble over the middle of T38's compressed data
        handle.seek(info.header_offset)
        local = handle.read(30)
        start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") \
            + int.from_bytes(local[28:30], "little")
        handle.seek(start + info.compress_size // 2)
        handle.write(b"\xff" * 64)
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1
    message = failure(stderr)
    assert message.startswith("raw/salt_2021_22.xlsx, sheet 'T38': sheet cannot be read (")
    assert message.endswith("). The file is damaged: re-fetch it and build again.")
    assert_untouched(served, before)


# -- zip bombs ------------------------------------------------------------------------------
def _zip_bomb(path: Path, megabytes: int) -> zipfile.ZipInfo:
    """A workbook that opens like any xlsx but whose one sheet inflates to `megabytes` MiB of
    valid rows from under 1% of that: written in a stream, never held in memory."""
    template = Workbook()
    template.active["A1"] = "Geography code"
    template.save(path.with_suffix(".template.xlsx"))
    row = b'<row><c t="inlineStr"><is><t>1</t></is></c></row>'
    block = row * ((1 << 20) // len(row))
    with zipfile.ZipFile(path.with_suffix(".template.xlsx")) as source, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info.filename, source.read(info.filename))
        with bomb.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main"><sheetData>')
            for _ in range(megabytes):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    path.with_suffix(".template.xlsx").unlink()
    with zipfile.ZipFile(path) as made:
        return made.getinfo("xl/worksheets/sheet1.xml")


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> tuple[Path, zipfile.ZipInfo]:
    path = tmp_path_factory.mktemp("bomb") / "ascof_2025_26.xlsx"
    return path, _zip_bomb(path, 200)


def test_a_zip_bomb_named_xlsx_is_refused_from_its_directory_without_inflating(
        tmp_path, served, capsys, zip_bomb):
    bomb, info = zip_bomb
    assert bomb.stat().st_size < 2_000_000 and info.file_size > 200_000_000
    raw = new_raw(tmp_path)
    shutil.copy(bomb, raw)
    before = sha256(served)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, stderr = build_cli(capsys, [raw], served)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert code == 1
    ratio = info.file_size / info.compress_size
    assert 100 < ratio < 1100
    assert failure(stderr) == (
        f"raw/ascof_2025_26.xlsx: looks like a zip bomb: member 'xl/worksheets/sheet1.xml' "
        f"declares {info.file_size / 1e6:,.1f} MB from {info.compress_size / 1e6:,.1f} MB "
        f"compressed ({ratio:,.0f}:1; published workbooks compress about 20:1, the limit is "
        f"100:1); refused before decompressing anything. Remove the file; if it is genuine, "
        f"raise --max-zip-ratio or UPTAKE_MAX_ZIP_RATIO.")
    # Inflating it would take calamine over 400 MB; the peak of this process did not move.
    assert grown_mb < 50
    assert_untouched(served, before)


def test_a_zip_bomb_within_the_ratio_is_refused_by_its_unpacked_size(tmp_path, served, capsys,
                                                                      zip_bomb):
    bomb, info = zip_bomb
    raw = new_raw(tmp_path)
    shutil.copy(bomb, raw)
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served, "--max-zip-ratio", "5000", "--max-file-mb", "10")
    assert code == 1
    with zipfile.ZipFile(bomb) as archive:
        total = sum(i.file_size for i in archive.infolist())
    assert failure(stderr) == (
        f"raw/ascof_2025_26.xlsx: declares {total / 1e6:,.1f} MB once unpacked, over the "
        f"100.0 MB limit; refused before decompressing anything. If the file is genuine, raise "
        f"the limit with --max-file-mb or UPTAKE_MAX_FILE_MB; otherwise remove it from the raw folder.")
    assert_untouched(served, before)


def test_reading_a_zip_bomb_directly_is_refused_too(zip_bomb):
    from etl.errors import SourceError
    bomb, _ = zip_bomb
    with pytest.raises(SourceError, match=r"^bomb\.xlsx: looks like a zip bomb: member "):
        read_file(bomb, "bomb.xlsx")


# -- the size limit -------------------------------------------------------------------------
def test_a_200_mb_file_is_refused_before_it_is_read(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    huge = raw / "ascof_all_years.csv"
    with huge.open("wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.write(ASCOF_2017.read_bytes()[:2000])
        handle.truncate(200_000_000)
    before = sha256(served)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, stderr = build_cli(capsys, [raw], served)
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024 < 50
    assert code == 1
    assert failure(stderr) == (
        "raw/ascof_all_years.csv: is 200.0 MB, over the 100.0 MB limit for a raw file; it was not "
        "read. If the file is genuine, raise the limit with --max-file-mb or UPTAKE_MAX_FILE_MB; "
        "otherwise remove it from the raw folder.")
    assert_untouched(served, before)


def test_the_size_limit_is_raised_by_flag_or_environment(tmp_path, served, capsys, monkeypatch):
    raw = new_raw(tmp_path)
    shutil.copy(ASCOF_2017, raw)   # 1.6 MB
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served, "--max-file-mb", "1")
    assert code == 1
    assert failure(stderr).startswith("raw/ascof_1C_2017_18.csv: is 1.6 MB, over the 1.0 MB limit")
    assert_untouched(served, before)
    monkeypatch.setenv("UPTAKE_MAX_FILE_MB", "1")
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1 and "over the 1.0 MB limit" in failure(stderr)
    code, stderr = build_cli(capsys, [raw], served, "--max-file-mb", "2")  # the flag wins
    assert code == 0, stderr
    assert observation(served, DARLINGTON, "sds_users")["value"] == 98.0
    monkeypatch.setenv("UPTAKE_MAX_FILE_MB", "lots")
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 2 and failure(stderr) == "UPTAKE_MAX_FILE_MB='lots' is not a number."


# -- encodings ------------------------------------------------------------------------------
def _facts(db: Path, source_file: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(
            "SELECT area_code, period, measure_id, age_band, client_group, numerator, denominator, "
            "value, value_status, note, source_row, value_cell FROM facts WHERE source_file = ? "
            "ORDER BY ALL", [source_file]).fetchall()


@pytest.mark.parametrize("codec, bom, encoding, described", [
    ("utf-16", b"", "utf-16", "UTF-16 (byte order mark)"),
    ("utf-16-le", b"", "utf-16-le", "UTF-16 little-endian (no byte order mark)"),
    ("utf-16-be", b"", "utf-16-be", "UTF-16 big-endian (no byte order mark)"),
    ("utf-8", b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 with a byte order mark"),
], ids=["utf-16-bom", "utf-16-le", "utf-16-be", "utf-8-bom"])
def test_a_csv_in_another_unicode_encoding_loads_the_same_and_says_how_it_was_read(
        tmp_path, capsys, bundled_db, codec, bom, encoding, described):
    raw = new_raw(tmp_path)
    text = (RAW / TABLE_3).read_text(encoding="utf-8")
    (raw / TABLE_3).write_bytes(bom + text.encode(codec))
    db = tmp_path / "uptake.duckdb"
    code, stderr = build_cli(capsys, [raw], db)
    assert code == 0, stderr
    assert f"loaded raw/{TABLE_3} as mhne_2013_table3 (text decoded as {described}): 28 rows" in stderr
    loaded = _facts(db, f"raw/{TABLE_3}")
    assert len(loaded) == 28 and loaded == _facts(bundled_db, f"raw/{TABLE_3}")
    report = json.loads((tmp_path / "build_report.json").read_text())
    assert report["sources"][0]["encoding"] == encoding
    assert f"- raw/{TABLE_3}: read as {described}" in (tmp_path / "build_report.md").read_text()


def test_a_windows_1252_csv_keeps_its_pound_signs_and_accents(tmp_path, capsys):
    raw = new_raw(tmp_path)
    text = (RAW / SURVEY).read_text(encoding="utf-8").replace(
        "Quoted for 2001.", "Quoted for 2001 (£1.2m budget; café survey).")
    (raw / SURVEY).write_bytes(text.encode("cp1252"))
    db = tmp_path / "uptake.duckdb"
    code, stderr = build_cli(capsys, [raw], db)
    assert code == 0, stderr
    assert f"loaded raw/{SURVEY} as analyst_template (text decoded as Windows-1252): 7 rows" in stderr
    with duckdb.connect(str(db), read_only=True) as connection:
        note = connection.execute("SELECT note FROM observations WHERE period = '2000-01'").fetchone()[0]
    assert note == ("Direct payment recipients with a mental health problem. "
                    "Quoted for 2001 (£1.2m budget; café survey).")
    assert f"- raw/{SURVEY}: read as Windows-1252" in (tmp_path / "build_report.md").read_text()


@pytest.mark.parametrize("content, expected", [
    (b"Local Authority,value\r\nDarlington,1\x81\x8d\r\n",
     "is neither UTF-8 nor Windows-1252 text (byte 35 cannot be decoded). Save it as UTF-8 CSV "
     "and build again."),
    (b"Local Authority,value\nDarlington,1\n\x00\x07\x00binary\x00\x00\x13\n",
     "row 3: contains NUL characters (first on line 3) when read as Windows-1252: it is not CSV "
     "text. Save it as UTF-8 CSV and build again."),
    (b"\xff\xfeL\x00A\x00\x00",
     "is not UTF-16 (byte order mark) text (byte 6 cannot be decoded). Save it as UTF-8 CSV and "
     "build again."),
    (b"PK\x03\x04" + b"\x00" * 40,
     "is a spreadsheet, not CSV text, despite its name. Rename it with its real extension "
     "(.xlsx, .ods or .xls)."),
    (b'Local Authority,value\nDarlington,"1\n' + b"x" * 140_000 + b"\n",
     "row 2: is not valid CSV from this row on (field larger than field limit (131072)). Check "
     "the quotes on this row; re-export the file as CSV."),
], ids=["undecodable", "binary", "odd-utf-16", "xlsx-named-csv", "runaway-quote"])
def test_a_csv_that_is_not_text_is_refused_naming_the_problem(tmp_path, served, capsys, content,
                                                              expected):
    raw = new_raw(tmp_path)
    (raw / "figures.csv").write_bytes(content)
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1
    separator = ", " if expected.startswith("row ") else ": "
    assert failure(stderr) == f"raw/figures.csv{separator}{expected}"
    assert_untouched(served, before)


# -- moved headers and renamed sheets -------------------------------------------------------
def test_a_renamed_sheet_with_its_header_moved_down_still_loads_by_its_content(tmp_path, capsys):
    raw = new_raw(tmp_path)
    member = sheet_member(SALT, "T38")
    rewrite_zip(SALT, raw / "salt_tables.xlsx", {
        "xl/workbook.xml": lambda xml: xml.replace(b'name="T38"', b'name="Setting by age (moved)"'),
        member: lambda xml: shift_rows(xml, 3)})
    db = tmp_path / "uptake.duckdb"
    code, stderr = build_cli(capsys, [raw], db)
    assert code == 0, stderr
    darlington = observation(db, DARLINGTON, "sds_users", "2021-22")
    assert (darlington["numerator"], darlington["denominator"]) == (760, 785)  # as in the original
    assert darlington["source_sheet"] == "Setting by age (moved)"
    assert darlington["numerator_cell"] == "H36:J36, Q36:S36"                   # was H33:J33, Q33:S33


def test_a_header_moved_below_the_rows_searched_says_where_it_went(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    lines = (RAW / TABLE_3).read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if line.startswith("Local Authority"))
    moved = lines[:header] + ["Notes,\n"] * 40 + lines[header:]
    (raw / TABLE_3).write_text("".join(moved), encoding="utf-8")
    shutil.copy(RAW / SURVEY, raw)
    now_at = header + 40 + 1
    reason = (f"closest layout 'mhne_2013_table3' (all its headers, row {now_at}), missing: its "
              f"headers within the first 30 rows (they are at row {now_at}: delete the rows above "
              "them, or raise header_search_rows in mhne_2013_table3.toml)")
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served, "--strict")
    assert code == 1
    assert failure(stderr) == (f"raw/{TABLE_3}: is not a known layout: {reason}. Add a layout to "
                               "etl/registry/layouts/ or remove the file.")
    assert_untouched(served, before)
    # Without --strict the others load and the report names the file and why (quarantined).
    code, stderr = build_cli(capsys, [raw], served, strict=False)
    assert code == 0
    assert f"not recognised raw/{TABLE_3}: {reason}" in stderr
    report = json.loads((served.parent / "build_report.json").read_text())
    assert report["unrecognised_files"] == [{"file": f"raw/{TABLE_3}", "reason": reason}]
    assert [s["file"] for s in report["sources"]] == [f"raw/{SURVEY}"]


def _ons_workbook(path: Path, sheet_name: str) -> None:
    """The real mid-2015 persons table for England, the North East and Darlington, as xlsx."""
    persons = next(s for s in read_file(ONS_2015, "ons") if s.name == "Persons UK")
    rows = persons.rows
    keep = [row for row in rows[3:] if str(row[0]) in (ENGLAND, "E12000001", DARLINGTON)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    for row in rows[:3] + keep:
        sheet.append(row)
    workbook.save(path)


def test_a_layout_known_by_its_sheet_name_names_the_sheet_it_needs(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    _ons_workbook(raw / "mye2_2015.xlsx", "Sheet1")
    reason = ("closest layout 'ons_mye2_persons' (all its headers, sheet 'Sheet1' row 3), "
              r"missing: a sheet name like /^\s*(Persons UK|MYE2\s*-\s*(All|Persons))\s*$/ "
              "(this sheet is 'Sheet1')")
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served, "--strict")
    assert code == 1
    assert failure(stderr) == (f"raw/mye2_2015.xlsx: is not a known layout: {reason}. Add a layout "
                               "to etl/registry/layouts/ or remove the file.")
    assert_untouched(served, before)
    # The same table under its published sheet name loads.
    (raw / "mye2_2015.xlsx").unlink()
    _ons_workbook(raw / "mye2_2015.xlsx", "Persons UK")
    code, stderr = build_cli(capsys, [raw], served, "--strict")
    assert code == 0, stderr
    with duckdb.connect(str(served), read_only=True) as connection:
        value = connection.execute(
            "SELECT value FROM observations WHERE area_code = ? AND period = '2015-16' AND "
            "measure_id = 'population' AND age_band = '18-64'", [DARLINGTON]).fetchone()
    assert value == (62247,)


# -- duplicate rows and unknown areas -------------------------------------------------------
def test_a_duplicated_row_is_refused_naming_both_rows(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    lines = ascof_lines()
    numerator = row_of(lines, "Darlington", ",1C1A,Total,Numerator,")
    (raw / "ascof_1C_2017_18.csv").write_text("".join(lines + [lines[numerator - 1]]))
    repeat = len(lines) + 1
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1
    assert failure(stderr) == (
        f"raw/ascof_1C_2017_18.csv, row {repeat}: rows {numerator} and {repeat} are duplicates: "
        f"both give E06000005 2017-18 sds_users/all/all (numerator) ('Darlington'). Delete one "
        f"of them (row {repeat} or row {numerator}).")
    assert_untouched(served, before)


def test_a_duplicated_row_in_a_printed_table_is_refused_naming_both_rows(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    lines = (RAW / TABLE_3).read_text(encoding="utf-8").splitlines(keepends=True)
    darlington = row_of(lines, "Darlington,3520")
    (raw / TABLE_3).write_text("".join(lines[:darlington] + [lines[darlington - 1]] + lines[darlington:]))
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1
    assert failure(stderr) == (
        f"raw/{TABLE_3}, row {darlington + 1}: rows {darlington} and {darlington + 1} are "
        f"duplicates: both give E06000005 for 2011-12 ('Darlington'). Delete one of them "
        f"(row {darlington + 1} or row {darlington}).")
    assert_untouched(served, before)


def test_the_same_figures_in_two_files_are_both_kept_and_one_is_shown(tmp_path, served, capsys):
    """Two sources for one grain are not an error: both are kept (observations_all), the
    precedence shows one, and the check finds no difference beyond rounding."""
    raw = new_raw(tmp_path)
    text = (RAW / TABLE_3).read_text(encoding="utf-8")
    (raw / TABLE_3).write_text(text)
    (raw / "table3_copy.csv").write_text(text.replace("# title: ", "# title: Copy of "))
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 0, stderr
    with duckdb.connect(str(served), read_only=True) as connection:
        kept = connection.execute(
            "SELECT source_id, preferred, value FROM observations_all WHERE area_code = ? AND "
            "measure_id = 'sds_users' AND age_band = 'all' ORDER BY source_id", [DARLINGTON]).fetchall()
        shown = connection.execute(
            "SELECT source_id, value FROM observations WHERE area_code = ? AND measure_id = "
            "'sds_users' AND age_band = 'all'", [DARLINGTON]).fetchall()
        differing = connection.execute(
            "SELECT count(*) FILTER (WHERE beyond_rounding), count(*) FROM source_differences").fetchone()
    # Equal rank and both with counts: the source id decides, the same in every build.
    assert kept == [("report2013_table3_north_east_2011_12", True, 42.5), ("table3_copy", False, 42.5)]
    assert shown == [("report2013_table3_north_east_2011_12", 42.5)]
    assert differing == (0, 28)


@pytest.mark.parametrize("name, expected", [
    ("Darlington", "unknown area code 'E06009999'; the name printed beside it, 'Darlington', is "
                   "E06000005."),
    ("Nowhereshire", "unknown area code 'E06009999' for 'Nowhereshire' (closest known names: "
                     "Cheshire, Herefordshire, Shropshire)."),
], ids=["known-name", "unknown-name"])
def test_an_unknown_council_code_is_refused_even_beside_a_known_name(tmp_path, served, capsys,
                                                                     name, expected):
    raw = new_raw(tmp_path)
    lines = [line.replace("E06000005", "E06009999").replace("Darlington", name)
             for line in ascof_lines()]
    (raw / "ascof_1C_2017_18.csv").write_text("".join(lines))
    first = next(i + 1 for i, line in enumerate(lines)  # its first row the layout loads
                 if "E06009999" in line and re.search(",(Numerator|Denominator|Outcome),", line))
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1
    assert failure(stderr) == (
        f"raw/ascof_1C_2017_18.csv, row {first}, cell E{first}: {expected} Correct the code, or if "
        "it is a new council or a recode add it to etl/reference/areas.csv (and area_changes.csv).")
    assert_untouched(served, before)


# -- values where a number is expected ------------------------------------------------------
def test_thousands_separators_a_percent_sign_and_suppression_markers_load(tmp_path, capsys):
    raw = new_raw(tmp_path)
    lines = ascof_lines()
    edits = {("England", ",1C1A,Total,Denominator,451304,"): ",1C1A,Total,Denominator,\"451,304\",",
             ("Darlington", ",1C1A,Total,Outcome,98,"): ",1C1A,Total,Outcome,98%,",
             ("Darlington", ",1C2A,Total,Numerator,372,"): ",1C2A,Total,Numerator,[c],"}
    for (area, old), new in edits.items():
        at = row_of(lines, area, old) - 1
        lines[at] = lines[at].replace(old, new)
    (raw / "ascof_1C_2017_18.csv").write_text("".join(lines))
    db = tmp_path / "uptake.duckdb"
    code, stderr = build_cli(capsys, [raw], db)
    assert code == 0, stderr
    england = observation(db, ENGLAND, "sds_users")
    assert (england["numerator"], england["denominator"], england["value"]) == (404984, 451304, 89.7)
    darlington = observation(db, DARLINGTON, "sds_users")
    assert (darlington["value"], darlington["value_status"], darlington["counts_check"]) == \
        (98.0, "published", "consistent")
    direct = observation(db, DARLINGTON, "dp_users")
    assert direct["numerator"] != direct["numerator"]          # NaN: suppressed, no number made up
    assert (direct["denominator"], direct["value"], direct["value_status"]) == (818, 45.5, "published")


@pytest.mark.parametrize("area, old, new, expected", [
    ("Darlington", ",1C1A,Total,Numerator,802,", ",1C1A,Total,Numerator,12%,",
     "'12%' is not a number or a known marker: it has a percent sign where a count is expected "
     "(the numerator of sds_users). Write the count itself; if the column holds percentages, the "
     "layout maps it to the wrong role."),
    ("Darlington", ",1C1A,Total,Denominator,818,", ",1C1A,Total,Denominator,\"8,18\",",
     "'8,18' is not a number or a known marker ('[c]', '*', '[x]', '[z]', '..', '-', ':') (the "
     "denominator of sds_users). Correct the cell, or add the marker to the layout's [markers] if "
     "the publication uses a new one."),
    ("England", ",1C1A,Total,Denominator,451304,", ",1C1A,Total,Denominator,\"451.304,0\",",
     "'451.304,0' is not a number or a known marker ('[c]', '*', '[x]', '[z]', '..', '-', ':') "
     "(the denominator of sds_users). Correct the cell, or add the marker to the layout's "
     "[markers] if the publication uses a new one."),
], ids=["percent-as-count", "misgrouped-thousands", "european-decimal"])
def test_an_ambiguous_number_is_refused_naming_the_cell(tmp_path, served, capsys, area, old, new,
                                                        expected):
    raw = new_raw(tmp_path)
    lines = ascof_lines()
    at = row_of(lines, area, old)
    lines[at - 1] = lines[at - 1].replace(old, new)
    (raw / "ascof_1C_2017_18.csv").write_text("".join(lines))
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1
    assert failure(stderr) == f"raw/ascof_1C_2017_18.csv, row {at}, cell I{at}: {expected}"
    assert_untouched(served, before)
