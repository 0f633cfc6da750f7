"""The only module that touches DuckDB. Read-only; reopens when the file is rebuilt.

The ETL swaps a new database in with an atomic rename, so a changed inode or mtime means a new
build: the next query opens it, and queries already running finish on the old file.
"""
from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pandas as pd

ENGLAND = "E92000001"


class WarehouseUnavailable(RuntimeError):
    """No database to read: says how to build one."""


class Warehouse:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int] | None = None
        self._cache: dict[str, object] = {}
        self._cache_stamp: tuple[int, int] | None = None

    def _current_connection(self) -> duckdb.DuckDBPyConnection:
        try:
            stat = self.path.stat()
        except FileNotFoundError as error:
            raise WarehouseUnavailable(
                f"No database at {self.path}. Build it with `python -m etl build` "
                "(or `make run`), then reload this page.") from error
        stamp = (stat.st_ino, stat.st_mtime_ns)
        with self._lock:
            if self._connection is None or stamp != self._stamp:
                if self._connection is not None:
                    self._connection.close()
                self._connection = duckdb.connect(str(self.path), read_only=True)
                self._stamp = stamp
            return self._connection

    def cached(self, key: str, load):
        """load(self) once per database build: reference data pages read on every callback.

        Keyed by the file's identity, so a rebuilt database is never answered from the old one.
        """
        self._current_connection()
        stamp = self._stamp
        if self._cache_stamp != stamp:
            self._cache, self._cache_stamp = {}, stamp
        if key not in self._cache:
            self._cache[key] = load(self)
        return self._cache[key]

    def query(self, sql: str, parameters: list | tuple = ()) -> pd.DataFrame:
        # A cursor is a per-call connection sharing the database: safe across server threads.
        cursor = self._current_connection().cursor()
        try:
            return cursor.execute(sql, list(parameters)).fetch_df()
        finally:
            cursor.close()


OBSERVATION_FILTERS = ("measure_id", "period", "age_band", "client_group", "area_type", "region_code")


INDEXED = ("measure_id", "period")


def _observation_groups(warehouse: Warehouse) -> dict[tuple, pd.DataFrame]:
    """The app table in memory, one frame per (measure, period): pages ask for one measure
    and year on almost every callback, and a dictionary lookup plus a mask over a few
    thousand rows answers in ~1 ms where a query takes ~10 ms. Rebuilt with each build."""
    def load(wh: Warehouse) -> dict[tuple, pd.DataFrame]:
        frame = wh.query("SELECT * FROM app_observations")
        return {key: group.reset_index(drop=True) for key, group in frame.groupby(list(INDEXED), sort=False)}
    return warehouse.cached("observation_groups", load)


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Councils first, highest value first, then by name and period (as the pages list them)."""
    return frame.assign(_council=frame["area_type"] != "council").sort_values(
        ["_council", "value", "area_name", "period"], ascending=[True, False, True, True],
        na_position="last").drop(columns="_council").reset_index(drop=True)


def observations(warehouse: Warehouse, *, area_codes: list[str] | None = None,
                 **filters: str | list[str] | None) -> pd.DataFrame:
    """Observations with their intervals and gap from England, filtered by equality or lists.

    Filters are the columns in OBSERVATION_FILTERS; values are bound as parameters.
    """
    for column in filters:
        if column not in OBSERVATION_FILTERS:
            raise ValueError(f"cannot filter observations by {column!r}")
    if all(isinstance(filters.get(column), str) for column in INDEXED):
        frame = _observation_groups(warehouse).get(tuple(filters[c] for c in INDEXED))
        if frame is None:
            return warehouse.query("SELECT * FROM app_observations LIMIT 0")
        mask = pd.Series(True, index=frame.index)
        for column, wanted in filters.items():
            if column not in INDEXED and wanted is not None:
                mask &= frame[column].isin(wanted if isinstance(wanted, (list, tuple)) else [wanted])
        if area_codes is not None:
            mask &= frame["area_code"].isin(area_codes)
        return _ordered(frame[mask])
    clauses, parameters = [], []
    for column, wanted in filters.items():
        if wanted is None:
            continue
        values = wanted if isinstance(wanted, (list, tuple)) else [wanted]
        clauses.append(f"o.{column} IN ({', '.join('?' for _ in values)})")
        parameters += list(values)
    if area_codes is not None:
        clauses.append(f"o.area_code IN ({', '.join('?' for _ in area_codes) or 'NULL'})")
        parameters += list(area_codes)
    where = " AND ".join(clauses) or "TRUE"
    return warehouse.query(
        f"""
        SELECT o.* FROM app_observations AS o
        WHERE {where}
        ORDER BY o.area_type = 'council' DESC, o.value DESC NULLS LAST, o.area_name, o.period
        """, parameters)


def catalogue(warehouse: Warehouse) -> pd.DataFrame:
    """Every (measure, period, age band, client group) with counts of councils and comparators."""
    return warehouse.cached("catalogue", lambda wh: wh.query(
        """
        SELECT measure_id, period, age_band, client_group,
               count(*) FILTER (WHERE area_type = 'council' AND value IS NOT NULL) AS councils,
               bool_or(area_code = 'E92000001' AND value IS NOT NULL) AS has_england
        FROM app_observations GROUP BY ALL ORDER BY ALL
        """))


def measures(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.cached("measures", lambda wh: wh.query("SELECT * FROM measures ORDER BY measure_id"))


def areas(warehouse: Warehouse, area_type: str | None = None) -> pd.DataFrame:
    everything = warehouse.cached("areas", lambda wh: wh.query("SELECT * FROM areas ORDER BY area_type, area_name"))
    if area_type is None:
        return everything
    return everything[everything["area_type"] == area_type].sort_values("area_name")


def councils_alive(warehouse: Warehouse, period: str) -> pd.DataFrame:
    """Councils that existed at 31 March of the period's end (first and last periods inclusive)."""
    def load(wh: Warehouse) -> pd.DataFrame:
        return wh.query("SELECT * FROM areas WHERE area_type = 'council' AND coalesce(first_period, "
                        "'0000-00') <= ? AND ? <= coalesce(last_period, '9999-99') ORDER BY area_name",
                        [period, period])
    return warehouse.cached(f"councils_alive:{period}", load)


def area(warehouse: Warehouse, area_code: str) -> dict | None:
    found = areas(warehouse)
    found = found[found["area_code"] == area_code]
    return None if found.empty else found.iloc[0].to_dict()


def series_breaks(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.cached("series_breaks", lambda wh: wh.query(
        "SELECT * FROM all_series_breaks ORDER BY period, measure_id, area_code"))


def all_sources(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.cached("sources", lambda wh: wh.query("SELECT * FROM sources ORDER BY file_name"))


def build_info(warehouse: Warehouse) -> dict[str, str]:
    frame = warehouse.query("SELECT key, value FROM build_info")
    return dict(zip(frame["key"], frame["value"]))


def population_profile(warehouse: Warehouse) -> pd.DataFrame:
    """Per council: latest adult population and 65+ share, for finding similar councils."""
    return warehouse.cached("population_profile", lambda wh: wh.query(
        """
        WITH latest AS (
            SELECT area_code, max(period) AS period FROM observations
            WHERE measure_id = 'population' AND area_type = 'council' GROUP BY area_code
        )
        SELECT o.area_code, o.area_name, o.region_code, l.period,
               max(o.value) FILTER (WHERE o.age_band = 'all') AS adults,
               max(o.value) FILTER (WHERE o.age_band = '65+') AS older
        FROM observations AS o JOIN latest AS l USING (area_code, period)
        WHERE o.measure_id = 'population' AND o.client_group = 'all'
        GROUP BY ALL
        """))






def sources(warehouse: Warehouse, source_ids: list[str]) -> pd.DataFrame:
    everything = all_sources(warehouse)
    return everything[everything["source_id"].isin(source_ids)].sort_values("source_id")[
        ["source_id", "title", "publisher", "cites", "licence", "period"]]


def measure(warehouse: Warehouse, measure_id: str) -> dict | None:
    found = measures(warehouse)
    found = found[found["measure_id"] == measure_id]
    return None if found.empty else found.iloc[0].to_dict()


def counted_catalogue(warehouse: Warehouse, unit: str = "percent") -> pd.DataFrame:
    """Like catalogue(), for measures in one unit, counting only councils with a value and
    counts (numerator and a positive denominator): the selections a funnel plot can draw."""
    return warehouse.cached(f"counted_catalogue:{unit}", lambda wh: wh.query(
        """
        SELECT o.measure_id, o.period, o.age_band, o.client_group,
               count(*) FILTER (WHERE o.area_type = 'council' AND o.value IS NOT NULL
                                AND o.numerator IS NOT NULL AND o.denominator > 0) AS councils,
               bool_or(o.area_code = 'E92000001' AND o.value IS NOT NULL) AS has_england
        FROM app_observations AS o JOIN measures AS m USING (measure_id)
        WHERE m.unit = ?
        GROUP BY ALL ORDER BY ALL
        """, [unit]))


def area_changes(warehouse: Warehouse) -> pd.DataFrame:
    """Council code changes (recode, merger, split) with effective date, old and new codes."""
    return warehouse.cached("area_changes", lambda wh: wh.query(
        "SELECT effective_date, kind, old_codes, new_codes, note FROM area_changes "
        "ORDER BY effective_date, old_codes"))
