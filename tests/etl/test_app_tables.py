"""What the app reads is written as tables at the end of the build (issue 16), holding exactly
the rows the views gave: app_observations is the observations view joined with each row's gap
from England; source_differences sets every value not shown beside the one shown.

Checked on the full build over ../shared/realdata (the `full_db` fixture)."""
from __future__ import annotations

import duckdb

# The view app_observations was before it became a table (etl/warehouse/app_tables.sql before
# issue 16), written out here so the table is compared with what it replaced, not with itself.
FORMER_VIEW = """
SELECT o.*, g.england_value, g.gap, g.gap_lower_95, g.gap_upper_95, g.gap_method,
       g.compared_with_england
FROM observations AS o
LEFT JOIN gaps AS g USING (area_code, period, measure_id, age_band, client_group)
"""
GRAIN = "area_code, period, measure_id, age_band, client_group"


def _connect(full_db):
    return duckdb.connect(str(full_db[0]), read_only=True)


def test_app_tables_are_tables_not_views(full_db):
    with _connect(full_db) as connection:
        tables = {name for (name,) in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        views = {name for (name,) in connection.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert {"app_observations", "source_differences"} <= tables
    assert not {"app_observations", "source_differences"} & views
    assert "observations" in views      # the contract's view stays a view


def test_app_observations_has_the_columns_and_rows_of_the_view_it_replaced(full_db):
    with _connect(full_db) as connection:
        table = connection.execute("DESCRIBE app_observations").fetchall()
        former = connection.execute(f"DESCRIBE {FORMER_VIEW}").fetchall()
        assert [(c[0], c[1]) for c in table] == [(c[0], c[1]) for c in former]
        counts = connection.execute(f"SELECT (SELECT count(*) FROM app_observations), "
                                    f"(SELECT count(*) FROM ({FORMER_VIEW}))").fetchone()
        only_table = connection.execute(f"SELECT count(*) FROM (SELECT * FROM app_observations "
                                        f"EXCEPT ALL {FORMER_VIEW})").fetchone()[0]
        only_view = connection.execute(f"SELECT count(*) FROM ({FORMER_VIEW} EXCEPT ALL "
                                       f"SELECT * FROM app_observations)").fetchone()[0]
        gapped = connection.execute("SELECT count(*) FROM app_observations WHERE gap IS NOT NULL").fetchone()[0]
    assert counts[0] == counts[1] > 30_000      # every observation of the full build
    assert (only_table, only_view) == (0, 0)    # the same rows, each as often, NULLs and all
    assert gapped > 10_000                      # the gaps were joined, not left empty


def test_app_observations_is_stored_by_measure_and_period(full_db):
    """Stored in the order the pages read it, so one measure and year is a few row groups."""
    with _connect(full_db) as connection:
        keys = connection.execute(f"SELECT {GRAIN} FROM app_observations").fetchall()
        shown = connection.execute(
            "SELECT value, gap FROM app_observations WHERE measure_id = 'dp_users' "
            "AND period = '2021-22' AND area_code = 'E92000001' AND age_band = 'all' "
            "AND client_group = 'all'").fetchall()
    ordered = [(measure, period, area, age, group) for area, period, measure, age, group in keys]
    assert ordered == sorted(ordered)
    assert len(shown) == 1 and shown[0][0] is not None and shown[0][1] is None  # England: no gap from itself


def test_source_differences_lists_every_value_not_shown_beside_the_one_shown(full_db):
    with _connect(full_db) as connection:
        listed = connection.execute(
            f"SELECT {GRAIN}, other_source, other_value, shown_source, shown_value "
            "FROM source_differences ORDER BY ALL").fetchall()
        expected = connection.execute(
            f"""
            SELECT o.area_code, o.period, o.measure_id, o.age_band, o.client_group, o.source_id,
                   o.value, p.source_id, p.value
            FROM facts_all AS o
            JOIN facts_all AS p USING ({GRAIN})
            WHERE p.preferred AND NOT o.preferred AND o.value IS NOT NULL AND p.value IS NOT NULL
            ORDER BY ALL
            """).fetchall()
        beyond = connection.execute("SELECT count(*) FROM source_differences WHERE beyond_rounding").fetchone()[0]
    assert listed == expected and len(listed) > 1_000
    assert 0 < beyond < len(listed)
