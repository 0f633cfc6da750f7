"""A status for every gap: a council the real publications list without a figure carries a note
saying what the publication prints there and, where the publisher explains, what it says."""
from __future__ import annotations

import duckdb

from etl.transform import printed_gap_note

HACKNEY, CORNWALL = "E09000012", "E06000052"
SALT_NOTE = ('"In 2020-21 and 2021-22 Hackney did not submit any SALT data, figures from their 2019-20 return '
             'have been used in regional and national figures for completeness."')


def gap(full_db, area, period, measure, age_band="all", client_group="all") -> tuple:
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        rows = connection.execute(
            "SELECT value_status, note, source_id FROM value_gaps WHERE area_code = ? AND period = ? "
            "AND measure_id = ? AND age_band = ? AND client_group = ?",
            [area, period, measure, age_band, client_group]).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_hackney_2020_21_quotes_the_marker_and_the_publishers_reason(full_db):
    status, note, source = gap(full_db, HACKNEY, "2020-21", "sds_users")
    assert (status, source) == ("not_applicable", "meas_from_asc_of_eng_2021_open_data_csv_v2")
    assert note.startswith("Listed without a figure: the publication prints \u201c[x]\u201d in the value, "
                           "numerator and denominator. NHS Digital, Adult Social Care Activity and Finance 2021-22")
    assert SALT_NOTE in note


def test_hackney_2021_22_from_salt_carries_the_tables_key_as_well(full_db):
    status, note, source = gap(full_db, HACKNEY, "2021-22", "dp_users")
    assert (status, source) == ("not_applicable", "ascfr_and_salt_data_tables_2021_22")
    assert note.startswith("Listed without a figure: the publication prints \u201c[x]\u201d in the numerator "
                           "cells and denominator cells.")
    assert SALT_NOTE in note and note.endswith('The table\'s key: "[x] indicates data not submitted."')


def test_cornwall_2014_15_says_which_cells_the_publication_left_blank(full_db):
    assert gap(full_db, CORNWALL, "2014-15", "sds_users")[:2] == (
        "missing", "Listed without a figure: the publication leaves the value, numerator and denominator blank.")
    # The file prints Cornwall's direct payments numerator (715) but no denominator or outcome.
    assert gap(full_db, CORNWALL, "2014-15", "dp_users")[1] == (
        "Listed without a figure: the publication leaves the value and denominator blank and gives the "
        "numerator (715).")


def test_every_row_without_a_figure_has_a_note_unless_its_status_is_suppressed(full_db):
    with duckdb.connect(str(full_db[0]), read_only=True) as connection:
        unexplained = connection.execute(
            "SELECT area_name, period, measure_id, value_status FROM value_gaps "
            "WHERE value_status <> 'suppressed' AND (note IS NULL OR note = '')").fetchall()
        gaps = connection.execute("SELECT count(*) FROM value_gaps WHERE value_status <> 'suppressed'").fetchone()[0]
    assert gaps > 700 and unexplained == []


def test_the_printed_note_reads_the_cells_it_is_given():
    # (number, status, row, column, raw) as the assembler keeps each part.
    blank, marker, number = (None, "missing", 2, 3, " "), (None, "not_applicable", 2, 4, "[x]"), (1234.0, "published", 2, 5, "1234")
    assert printed_gap_note([marker], [marker], [blank]) == (
        "Listed without a figure: the publication prints \u201c[x]\u201d in the value and numerator and "
        "leaves the denominator blank.")
    assert printed_gap_note([blank], [number], [marker, marker]) == (
        "Listed without a figure: the publication leaves the value blank; gives the numerator (1,234) and "
        "prints \u201c[x]\u201d in the denominator cells.")
