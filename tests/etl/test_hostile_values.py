"""Values are checked before they load: a negative count, a numerator over its denominator, a
formula saved without its result and a link to another workbook are refused naming the file,
sheet and cell; a workbook whose sheets would need more memory than the grid budget is refused
from its own records before calamine reads it (the 4.8 KB xlsx with cells at A1 and XFD1048576
used to abort the build asking for 549,755,813,888 bytes).

Every workbook here is written by the test: the real ASCOF 2017-18 rows for three areas, put in
an xlsx with openpyxl (which saves formulas without their results, as any program that does not
calculate does), one cell changed. Policy as in test_hostile_raw.py: with --strict the build
fails and the served database is untouched; without it the file is refused whole and the others
load.
"""
from __future__ import annotations

import csv
import io
import json
import re
import resource
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from etl.readers import read_file
from etl.values import UntrustedCell, ValueParseError, parse_value

from .conftest import sha256
from .test_hostile_raw import (DARLINGTON, ENGLAND, TABLE_3, ascof_lines,
                               assert_untouched, build_cli, failure, new_raw, observation,
                               rewrite_zip, row_of)
from ..conftest import RAW, REALDATA

WORKBOOK = "ascof_1C_2017_18.xlsx"
SHEET = "ascof"
PSSEX1_2006 = REALDATA / "pssex1" / "DetailedActivityDataByCouncil2006-07 ENG.xls"
SALT_WORKBOOK = REALDATA / "salt" / "ASCFR and SALT Data Tables 2021-22.xlsx"
NO_RESULT_HINT = ("Open the file in Excel or LibreOffice Calc and save it there (that calculates "
                  "every formula and saves the results), or paste values over the formulas, and "
                  "build again.")
EXTERNAL_HINT = ("Replace the link with the figure itself (copy, then paste values) and build "
                 "again; or put the linked publication in the raw folder instead.")
GRID_HINT = ("If the far cells are strays, delete them (or the empty rows and columns up to them) "
             "and save the file; if the file is genuine, raise UPTAKE_MAX_GRID_MB.")


# -- helpers --------------------------------------------------------------------------------
def _typed(text: str) -> object:
    """A CSV field as a spreadsheet holds it: numbers as numbers, blanks empty."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def ascof_workbook(path: Path, edits: dict[str, object] | None = None, *,
                   notes: dict[str, object] | None = None) -> list[str]:
    """The cut ASCOF 2017-18 rows as an xlsx (row n of the sheet is line n of the CSV), with
    `edits` ({'I155': '=I153-16'}) written over them and `notes` on a second sheet the layout
    does not load. Returns the CSV lines, to find rows by."""
    lines = ascof_lines()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    for fields in csv.reader(io.StringIO("".join(lines))):
        sheet.append([_typed(field) for field in fields])
    for ref, value in (edits or {}).items():
        sheet[ref] = value
    if notes:
        extra = workbook.create_sheet("Notes")
        for ref, value in notes.items():
            extra[ref] = value
    workbook.save(path)
    return lines


def darlington_row(lines: list[str], role: str, value: int) -> int:
    return row_of(lines, "Darlington", f",1C1A,Total,{role},{value},")


def save_results(path: Path, results: dict[str, str]) -> None:
    """Write a cached result into formula cells, as Excel saves them ({'I155': '802'})."""
    def edit(xml: bytes) -> bytes:
        text = xml.decode()
        for ref, result in results.items():
            text, found = re.subn(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>',
                                  rf"\g<1><v>{result}</v>", text)
            assert found == 1, ref
        return text.encode()
    original = path.with_suffix(".original.xlsx")
    path.rename(original)
    rewrite_zip(original, path, {"xl/worksheets/sheet1.xml": edit})
    original.unlink()


def corner_workbook(path: Path) -> None:
    """The 4.8 KB xlsx of the report: a workbook as openpyxl writes it, its one sheet rewritten
    by hand to hold a cell at A1 and one at XFD1048576."""
    template = path.with_suffix(".template.xlsx")
    Workbook().save(template)
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<dimension ref="A1"/><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>Geography code</t></is></c></row>'
             '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
             '</sheetData></worksheet>')
    rewrite_zip(template, path, {"xl/worksheets/sheet1.xml": lambda _: sheet.encode()})
    template.unlink()


def repeated_ods(path: Path) -> None:
    """An OpenDocument sheet of under 1 KB whose one cell says it repeats 1,000 columns across
    and 100,000 rows down: calamine would expand it to 100,000,000 cells (3.2 GB)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Table 1">'
        '<table:table-row table:number-rows-repeated="100000"><table:table-cell '
        'table:number-columns-repeated="1000" office:value-type="float" office:value="1">'
        '<text:p>1</text:p></table:table-cell></table:table-row>'
        '</table:table></office:spreadsheet></office:body></office:document-content>')
    write_ods(path, content)


def write_ods(path: Path, content: str) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'))


def xls_with_far_cells(path: Path, count: int) -> None:
    """The real PSS-EX1 2006-07 workbook (156 sheets) with its first `count` NUMBER records
    moved to row 65,536, column IV: each sheet so touched becomes a 671 MB grid."""
    data = bytearray(PSSEX1_2006.read_bytes())
    at = 0
    for _ in range(count):
        at = data.index(b"\x03\x02\x0e\x00", at + 1)   # NUMBER, 14 bytes: row, column, ...
        data[at + 4:at + 8] = b"\xff\xff\xff\x00"
    path.write_bytes(bytes(data))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the workbook the refusals start from loads -------------------------------------------
def test_the_ascof_rows_as_a_workbook_load_as_the_csv_does(tmp_path, capsys):
    raw = new_raw(tmp_path)
    lines = ascof_workbook(raw / WORKBOOK, notes={"A1": "=1/0"})
    numerator = darlington_row(lines, "Numerator", 802)
    # A formula with its result saved (as Excel saves them) loads as that result; one saved
    # without it in a sheet no layout loads costs nothing.
    ascof_workbook(raw / WORKBOOK, {f"I{numerator}": f"=I{numerator - 2}-16"}, notes={"A1": "=1/0"})
    save_results(raw / WORKBOOK, {f"I{numerator}": "802"})
    db = tmp_path / "uptake.duckdb"
    code, stderr = build_cli(capsys, [raw], db)
    assert code == 0, stderr
    darlington = observation(db, DARLINGTON, "sds_users")
    assert (darlington["numerator"], darlington["denominator"], darlington["value"]) == (802, 818, 98)
    assert (darlington["source_sheet"], darlington["numerator_cell"]) == (SHEET, f"I{numerator}")
    assert observation(db, ENGLAND, "sds_users")["numerator"] == 404984


# -- values ---------------------------------------------------------------------------------
def _formula_without_result(lines):
    row = darlington_row(lines, "Numerator", 802)
    return {f"I{row}": f"=I{row - 2}-16"}, row, (
        f"the cell holds a formula (=I{row - 2}-16) saved without its result, so it has no value "
        f"to load (the numerator of sds_users). {NO_RESULT_HINT}")


def _external_link(lines):
    row = darlington_row(lines, "Numerator", 802)
    return {f"I{row}": f"='[ascof_1C_2016_17.xlsx]ascof'!I{row}"}, row, (
        f"the cell links to another workbook (='[ascof_1C_2016_17.xlsx]ascof'!I{row}): its value "
        f"(802) is whatever that workbook held when this file was last saved (the numerator of "
        f"sds_users). {EXTERNAL_HINT}")


def _negative_numerator(lines):
    row = darlington_row(lines, "Numerator", 802)
    return {f"I{row}": -802}, row, (
        "-802 is below zero, but the numerator of sds_users is a count (E06000005 2017-18 "
        "sds_users/all/all). Correct the cell from the publication; if the table holds "
        "adjustments or differences rather than counts, the layout reads the wrong rows or columns.")


def _numerator_over_denominator(lines):
    row = darlington_row(lines, "Numerator", 802)
    denominator = darlington_row(lines, "Denominator", 818)
    return {f"I{row}": 900}, row, (
        f"the numerator 900 (cell I{row}) is larger than its denominator 818 (cell I{denominator}) "
        f"for E06000005 2017-18 sds_users/all/all. A numerator counts some of the people its "
        f"denominator counts, so it cannot be larger: check both cells against the publication (a "
        f"typo, or the two swapped), correct them and build again.")


CASES = {"formula-without-result": _formula_without_result, "external-link": _external_link,
         "negative-numerator": _negative_numerator,
         "numerator-over-denominator": _numerator_over_denominator}


@pytest.mark.parametrize("case", list(CASES))
def test_an_untrustworthy_value_is_refused_naming_file_sheet_and_cell(tmp_path, served, capsys, case):
    raw = new_raw(tmp_path)
    edits, row, expected = CASES[case](ascof_lines())
    ascof_workbook(raw / WORKBOOK, edits)
    if case == "external-link":  # Excel saves the value the link last read beside it
        save_results(raw / WORKBOOK, {f"I{row}": "802"})
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1
    assert failure(stderr) == f"raw/{WORKBOOK}, sheet '{SHEET}', row {row}, cell I{row}: {expected}"
    assert_untouched(served, before)


def test_a_negative_count_measure_is_refused_and_negative_money_is_not(tmp_path, served, capsys):
    """The analyst's template of national figures: a count below zero is refused; money below
    zero (an adjustment, a net saving) loads."""
    raw = new_raw(tmp_path)
    text = (RAW / "national_personal_budgets_and_investment.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    row = row_of(lines, ",2009-10,England,pb_recipients,all,all,,,168000,count,")
    (raw / "budgets.csv").write_text(text.replace(",,,168000,count,", ",,,-168000,count,"))
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1
    assert failure(stderr) == (
        f"raw/budgets.csv, row {row}, cell I{row}: -168000 is below zero, but the value of "
        f"pb_recipients is a count (E92000001 2009-10 pb_recipients/all/all). Correct the cell from "
        f"the publication; if the table holds adjustments or differences rather than counts, the "
        f"layout reads the wrong rows or columns.")
    assert_untouched(served, before)
    (raw / "budgets.csv").write_text(text.replace(",,,6550,gbp_millions,", ",,,-6550,gbp_millions,"))
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 0, stderr
    assert observation(served, ENGLAND, "mh_investment", "2010-11")["value"] == -6550


def test_the_real_spending_keeps_its_negative_adjustments(full_db):
    """Money may be negative: PSS-EX1 2014-15 has negative adjustments, and they load."""
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        negative = connection.execute(
            "SELECT count(*), min(value) FROM facts_all JOIN measures USING (measure_id) "
            "WHERE unit = 'gbp_thousands' AND value < 0").fetchone()
        counts = connection.execute(
            "SELECT count(*) FROM facts_all JOIN measures USING (measure_id) WHERE numerator < 0 "
            "OR denominator < 0 OR (unit IN ('count', 'rate_per_100000') AND value < 0)").fetchone()
    assert negative[0] == 12 and negative[1] < 0
    assert counts == (0,)


# -- grids too big to read ------------------------------------------------------------------
def test_a_5_kb_xlsx_with_cells_at_a1_and_xfd1048576_is_refused_from_its_xml(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    corner_workbook(raw / "corner.xlsx")
    assert raw.joinpath("corner.xlsx").stat().st_size < 5_000
    before = sha256(served)
    peak_before = peak_mb()
    code, stderr = build_cli(capsys, [raw], served)
    assert peak_mb() - peak_before < 50   # calamine would have asked for 549,755,813,888 bytes
    assert code == 1
    assert failure(stderr) == (
        "raw/corner.xlsx, sheet 'Sheet', cell XFD1048576: has a cell at XFD1048576, so reading the "
        "sheet takes at least a grid of 1,048,576 rows by 16,384 columns (17,179,869,184 cells, about "
        "687.2 GB of memory); the budget for a workbook is 512 MB. Refused before reading it. "
        + GRID_HINT)
    assert_untouched(served, before)


def test_a_declared_dimension_over_the_budget_is_refused(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    lines = ascof_workbook(raw / "declared.xlsx")
    original = raw / "declared.original.xlsx"
    (raw / "declared.xlsx").rename(original)
    rewrite_zip(original, raw / "declared.xlsx", {"xl/worksheets/sheet1.xml": lambda xml: re.sub(
        rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml)})
    original.unlink()
    before = sha256(served)
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1 and len(lines) > 100
    assert failure(stderr) == (
        f"raw/declared.xlsx, sheet '{SHEET}': declares that the sheet spans A1:XFD1048576 (its "
        "<dimension>), a grid of 1,048,576 rows by 16,384 columns (17,179,869,184 cells, about "
        "687.2 GB of memory); the budget for a workbook is 512 MB. Refused before reading it. "
        "Open the file in a spreadsheet program and save it (that rewrites the declared range); "
        "if the file is genuine, raise UPTAKE_MAX_GRID_MB.")
    assert_untouched(served, before)


def test_an_ods_whose_repeats_expand_past_the_budget_is_refused(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    repeated_ods(raw / "repeated.ods")
    assert raw.joinpath("repeated.ods").stat().st_size < 1_000
    before = sha256(served)
    peak_before = peak_mb()
    code, stderr = build_cli(capsys, [raw], served)
    assert peak_mb() - peak_before < 50   # calamine would have asked for 3.2 GB
    assert code == 1
    assert failure(stderr) == (
        "raw/repeated.ods, sheet 'Table 1', cell ALL1: has cells at A100000 and ALL1, so reading "
        "the sheet takes at least a grid of 100,000 rows by 1,000 columns (100,000,000 cells, about 4.0 GB "
        "of memory); the budget for a workbook is 512 MB. Refused before reading it. " + GRID_HINT)
    assert_untouched(served, before)


def test_an_xls_whose_cells_reach_the_last_row_and_column_is_refused(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    xls_with_far_cells(raw / "pssex1_2006_07.xls", 20)
    before = sha256(served)
    peak_before = peak_mb()
    code, stderr = build_cli(capsys, [raw], served)
    assert peak_mb() - peak_before < 50   # calamine would have asked for a 535 MB grid a sheet
    assert code == 1
    assert failure(stderr) == (
        "raw/pssex1_2006_07.xls, sheet 'Devon', cell IV65536: has a cell at IV65536, so reading the "
        "sheet takes at least a grid of 65,536 rows by 256 columns (16,777,216 cells, about 671.1 MB "
        "of memory) (with its other sheets, 673.7 MB); the budget for a workbook is 512 MB. Refused "
        "before reading it. " + GRID_HINT)
    assert_untouched(served, before)


def test_the_grid_budget_is_set_by_the_environment(tmp_path, served, capsys, monkeypatch):
    raw = new_raw(tmp_path)
    assert len(ascof_workbook(raw / WORKBOOK)) == 211   # rows, 11 columns: 93 KB as a grid
    monkeypatch.setenv("UPTAKE_MAX_GRID_MB", "0.05")
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 1
    assert failure(stderr) == (
        f"raw/{WORKBOOK}, sheet '{SHEET}': declares that the sheet spans A1:K211 (its <dimension>), "
        f"a grid of 211 rows by 11 columns (2,321 cells, about 0.1 MB of memory); the budget for a "
        f"workbook is 0.05 MB. Refused before reading it. Open the file in a spreadsheet program and "
        f"save it (that rewrites the declared range); if the file is genuine, raise UPTAKE_MAX_GRID_MB.")
    monkeypatch.setenv("UPTAKE_MAX_GRID_MB", "0.1")
    code, stderr = build_cli(capsys, [raw], served)
    assert code == 0, stderr


# -- without --strict: the file is refused, the others load ---------------------------------
def test_each_refused_workbook_is_named_and_the_other_files_load(tmp_path, served, capsys):
    raw = new_raw(tmp_path)
    shutil.copy(RAW / TABLE_3, raw)
    lines = ascof_lines()
    expected = {}
    for case, make in CASES.items():
        edits, row, reason = make(lines)
        ascof_workbook(raw / f"{case}.xlsx", edits)
        if case == "external-link":
            save_results(raw / f"{case}.xlsx", {f"I{row}": "802"})
        expected[f"raw/{case}.xlsx"] = f"raw/{case}.xlsx, sheet '{SHEET}', row {row}, cell I{row}: {reason}"
    corner_workbook(raw / "corner.xlsx")
    code, stderr = build_cli(capsys, [raw], served, strict=False)
    assert code == 0, stderr
    report = json.loads((served.parent / "build_report.json").read_text())
    refused = {r["file"]: r["reason"] for r in report["refused_files"]}
    assert sorted(refused) == sorted([*expected, "raw/corner.xlsx"])
    assert {name: refused[name] for name in expected} == expected
    assert refused["raw/corner.xlsx"].startswith("raw/corner.xlsx, sheet 'Sheet', cell XFD1048576: ")
    assert [s["file"] for s in report["sources"]] == [f"raw/{TABLE_3}"]
    last = stderr.strip().splitlines()[-1]
    assert "; REFUSED 5 files, not loaded: " in last
    with duckdb.connect(str(served), read_only=True) as connection:
        loaded = connection.execute("SELECT DISTINCT source_file FROM observations").fetchall()
        recorded = connection.execute("SELECT count(*) FROM build_files WHERE outcome = 'refused'").fetchone()
    assert loaded == [(f"raw/{TABLE_3}",)] and recorded == (5,)


# -- the reader, directly -------------------------------------------------------------------
def test_an_ods_formula_without_a_result_reads_as_an_untrusted_cell(tmp_path):
    cell = '<table:table-cell office:value-type="float" office:value="{0}"><text:p>{0}</text:p></table:table-cell>'
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Data">'
        f'<table:table-row>{cell.format(1)}{cell.format(2)}</table:table-row>'
        '<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
        '<table:table-cell table:formula="of:=[.A1]+[.B1]"/></table:table-row>'
        f"<table:table-row>{cell.format(3)}<table:table-cell "
        "table:formula=\"of:=['file:///C:/other.ods'#$Sheet1.A1]\" office:value-type=\"float\" "
        'office:value="7"><text:p>7</text:p></table:table-cell></table:table-row>'
        '</table:table></office:spreadsheet></office:body></office:document-content>')
    write_ods(tmp_path / "formulas.ods", content)
    rows = read_file(tmp_path / "formulas.ods", "formulas.ods")[0].rows
    assert rows == [[1.0, 2.0], ["", "", ""], [3.0, "7"]]   # the formula cells, added or marked
    no_result, external = rows[1][2], rows[2][1]
    assert isinstance(no_result, UntrustedCell) and isinstance(external, UntrustedCell)
    with pytest.raises(ValueParseError, match=r"^the cell holds a formula \(of:=\[\.A1\]\+\[\.B1\]\) "
                                              r"saved without its result"):
        parse_value(no_result)
    with pytest.raises(ValueParseError, match=r"^the cell links to another workbook .*: its value \(7\)"):
        parse_value(external)


def test_xlsx_formula_cells_are_judged_by_what_was_saved(tmp_path):
    """Excel's own forms: a link stored as [1]Sheet!A1 with its last value; a formula whose
    result is the empty text (t="str", empty <v>); a shared formula written once for a range;
    a structured reference to a table, which is no link."""
    template = tmp_path / "template.xlsx"
    Workbook().save(template)
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f>[1]Data!A1</f><v>5</v></c>'
             '<c r="C1" t="str"><f>IF(A1&gt;3,"x","")</f><v></v></c>'
             '<c r="D1"><f t="shared" ref="D1:D2" si="0">A1*2</f><v/></c>'
             '<c r="E1"><f>SUM(Table1[Col])</f><v>3</v></c></row>'
             '<row r="2"><c r="D2"><f t="shared" si="0"/></c></row></sheetData></worksheet>')
    rewrite_zip(template, tmp_path / "formulas.xlsx", {"xl/worksheets/sheet1.xml": lambda _: sheet.encode()})
    rows = read_file(tmp_path / "formulas.xlsx", "formulas.xlsx")[0].rows
    assert rows == [[2.0, "5", "", "", 3.0], ["", "", "", ""]]
    untrusted = {(r, c): cell.problem for r, row in enumerate(rows) for c, cell in enumerate(row)
                 if isinstance(cell, UntrustedCell)}
    assert untrusted == {
        (0, 1): "the cell links to another workbook (=[1]Data!A1): its value (5) is whatever that "
                "workbook held when this file was last saved",
        (0, 3): "the cell holds a formula (=A1*2) saved without its result, so it has no value to load",
        (1, 3): "the cell holds a formula (=A1*2) saved without its result, so it has no value to load"}


def test_the_fast_path_for_plain_sheets_measures_what_the_parser_measures():
    """A sheet of plain values is measured by regular expressions; every other sheet by the
    parser. On the real SALT workbook (58 sheets) both give the same grids."""
    import zipfile

    import etl.workbook_guard as guard

    def grids(fast: bool) -> list[tuple]:
        tally = guard._Tally(1 << 62)
        real = guard._plain_sheet_grid
        if not fast:
            guard._plain_sheet_grid = lambda *args: False
        try:
            with zipfile.ZipFile(SALT_WORKBOOK) as archive:
                guard._xlsx_grids(archive, "salt", tally)
        finally:
            guard._plain_sheet_grid = real
        return [(g.name, g.rows, g.columns, g.declared) for g in tally.grids]

    fast = grids(True)
    assert len(fast) == 58 and fast == grids(False)
    # And what calamine itself builds for T38: the same rows and columns from A1.
    from python_calamine import CalamineWorkbook
    rows = CalamineWorkbook.from_path(str(SALT_WORKBOOK)).get_sheet_by_name("T38").to_python(skip_empty_area=False)
    t38 = next(grid for grid in fast if grid[0] == "T38")
    assert t38[1:3] == (len(rows), max(len(row) for row in rows))
