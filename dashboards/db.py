"""The only module that touches DuckDB. Read-only; reopens when the file is rebuilt.

The ETL swaps a new database in with an atomic rename, so a changed inode or mtime means a new
build: the next query opens it, and queries already running finish on the old file. Every read
first checks the file, so nothing cached from a build outlives it: once the file is gone or
unreadable, every cache is dropped and reads raise WarehouseUnavailable (the app answers 503
saying how to rebuild) until a database is back at the same path.

Two caches per worker, both emptied by a new build:
- `Warehouse.cached(key, load)`: small reference data (areas, measures, the catalogue, the app
  table indexed by measure and period), unbounded: its size is the database's.
- `Warehouse.remember(key, produce)`: query results and whole responses, least recently used
  first out, bounded by their total size: UPTAKE_CACHE_MB megabytes (default 64; 0 turns it
  off). Keys carry the build's file stamp as well, so an entry can never answer for another build.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

ENGLAND = "E92000001"
CACHE_ENV = "UPTAKE_CACHE_MB"
DEFAULT_CACHE_MB = 64
# An entry larger than this share of the bound is served but not kept: one huge response must
# not flush everything else.
LARGEST_ENTRY_SHARE = 0.25


class WarehouseUnavailable(RuntimeError):
    """No database to read: says how to build one."""


def cache_bytes_from_environment() -> int:
    text = os.environ.get(CACHE_ENV, str(DEFAULT_CACHE_MB))
    try:
        megabytes = float(text)
    except ValueError:
        raise ValueError(f"{CACHE_ENV}={text!r} is not a number of megabytes (e.g. {DEFAULT_CACHE_MB}).") from None
    if megabytes < 0:
        raise ValueError(f"{CACHE_ENV}={text!r} must be 0 (no cache) or more megabytes.")
    return int(megabytes * 1024 * 1024)


class BoundedCache:
    """Least recently used entries, bounded by the total of their sizes in bytes.

    Thread-safe: gunicorn's threaded workers share one per process.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def keys(self) -> list[Hashable]:
        """Oldest (next to be evicted) first."""
        with self._lock:
            return list(self._entries)

    def get(self, key: Hashable, default=None):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value: object, size: int) -> bool:
        """Keep value unless it is too large for the bound; evict the oldest to make room."""
        if size > self.max_bytes * LARGEST_ENTRY_SHARE:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._entries[key] = (value, size)
            self.size += size
            while self.size > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.size -= evicted
        return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


def _size_of(value: object) -> int:
    if isinstance(value, (bytes, bytearray, str)):
        return len(value)
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=True, deep=True).sum())
    raise TypeError(f"give remember() a size for a {type(value).__name__}")


_MISSING = object()


class Warehouse:
    def __init__(self, path: Path | str, cache_bytes: int | None = None):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int] | None = None
        self._cache: dict[Hashable, object] = {}
        self._loading: dict[Hashable, threading.Lock] = {}
        self.responses = BoundedCache(cache_bytes_from_environment() if cache_bytes is None else cache_bytes)

    def _forget(self) -> None:
        """Drop the connection and everything read from it (caller holds the lock)."""
        if self._connection is not None:
            self._connection.close()
        self._connection, self._stamp, self._cache = None, None, {}
        self.responses.clear()

    def stamp(self) -> tuple[int, int]:
        """The file's identity (inode, mtime): a new one means a new build, and empties the caches."""
        try:
            stat = self.path.stat()
        except FileNotFoundError as error:
            with self._lock:
                self._forget()
            raise WarehouseUnavailable(
                f"No database at {self.path}. Build it with `python -m etl build` "
                "(or `make run`), then reload this page.") from error
        stamp = (stat.st_ino, stat.st_mtime_ns)
        with self._lock:
            if stamp != self._stamp:
                self._forget()
                self._stamp = stamp
        return stamp

    def _unreadable(self, error: Exception) -> WarehouseUnavailable:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return WarehouseUnavailable(
            f"The database at {self.path} cannot be read ({reason}). It may be damaged or not a "
            "database: rebuild it with `python -m etl build` (or `make run`), then reload this page.")

    def _open(self) -> tuple[duckdb.DuckDBPyConnection, tuple[int, int]]:
        """The connection to the current build, and that build's stamp."""
        stamp = self.stamp()
        with self._lock:
            if self._connection is None or stamp != self._stamp:
                try:
                    connection = duckdb.connect(str(self.path), read_only=True)
                except duckdb.Error as error:   # junk bytes, a half-copied file, a directory...
                    raise self._unreadable(error) from error
                self._forget()
                self._connection, self._stamp = connection, stamp
            return self._connection, stamp

    def _current_connection(self) -> duckdb.DuckDBPyConnection:
        return self._open()[0]

    @contextmanager
    def _single_flight(self, key: Hashable):
        # One thread loads a key while the others wait for its result, rather than all
        # computing the same thing when a new build arrives under load.
        with self._lock:
            # Re-entrant: a load may itself read another cached key, or (by mistake) its own.
            lock = self._loading.setdefault(key, threading.RLock())
        with lock:
            try:
                yield
            finally:
                with self._lock:
                    if self._loading.get(key) is lock:
                        del self._loading[key]

    def cached(self, key: Hashable, load: Callable[["Warehouse"], object]):
        """load(self) once per database build: reference data pages read on every callback.

        Keyed by the file's identity, so a rebuilt database is never answered from the old one.
        """
        self._current_connection()   # some loads read the file directly: it must open first
        store = self._cache
        found = store.get(key, _MISSING)
        if found is not _MISSING:
            return found
        with self._single_flight(key):
            found = store.get(key, _MISSING)
            if found is _MISSING:
                found = store[key] = load(self)
            return found

    def remember(self, key: Hashable, produce: Callable[[], object], size: Callable[[object], int] = _size_of):
        """produce() through the bounded cache, keyed by key and this build's file stamp."""
        full_key = (self._open()[1], key)
        found = self.responses.get(full_key, _MISSING)
        if found is not _MISSING:
            return found
        with self._single_flight(full_key):
            found = self.responses.get(full_key, _MISSING)
            if found is _MISSING:
                found = produce()
                self.responses.put(full_key, found, size(found))
            return found

    def query(self, sql: str, parameters: list | tuple = ()) -> pd.DataFrame:
        # A cursor is a per-call connection sharing the database: safe across server threads.
        cursor = self._current_connection().cursor()
        try:
            return cursor.execute(sql, list(parameters)).fetch_df()
        except (duckdb.IOException, duckdb.InternalException) as error:
            raise self._unreadable(error) from error
        except duckdb.Error as error:
            # A file damaged after its header opens, then fails a block checksum mid-query.
            if "corrupt" in str(error).lower():
                raise self._unreadable(error) from error
            raise
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


def _as_list(wanted: str | list[str] | tuple[str, ...]) -> list[str]:
    return list(wanted) if isinstance(wanted, (list, tuple)) else [wanted]


def observation_groups(warehouse: Warehouse, measure_ids: list[str] | None = None,
                       periods: list[str] | None = None) -> list[tuple[tuple[str, str], pd.DataFrame]]:
    """The app table's (measure, period) groups, sorted by that key, optionally only some:
    for readers that keep their own per-group work (the API caches each group's text)."""
    groups = _observation_groups(warehouse)
    if measure_ids is not None and periods is not None and len(measure_ids) * len(periods) < len(groups):
        keys = sorted({(m, p) for m in measure_ids for p in periods} & groups.keys())
    else:
        keys = sorted(key for key in groups if (measure_ids is None or key[0] in measure_ids)
                      and (periods is None or key[1] in periods))
    return [(key, groups[key]) for key in keys]


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
    if all(filters.get(column) is not None for column in INDEXED):
        frames = [frame for _, frame in observation_groups(
            warehouse, *(_as_list(filters[c]) for c in INDEXED))]
        if not frames:
            return warehouse.query("SELECT * FROM app_observations LIMIT 0")
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        mask = pd.Series(True, index=frame.index)
        for column, wanted in filters.items():
            if column not in INDEXED and wanted is not None:
                mask &= frame[column].isin(_as_list(wanted))
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
    def load(wh: Warehouse) -> dict[str, str]:
        frame = wh.query("SELECT key, value FROM build_info")
        return dict(zip(frame["key"], frame["value"]))
    return dict(warehouse.cached("build_info", load))  # a copy: callers may add to it


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
    """The publications behind a chart. Every chart's source line and citation asks on every
    callback, and a build has a few dozen sources: each set is kept for the build."""
    def load(wh: Warehouse) -> pd.DataFrame:
        everything = all_sources(wh)
        return everything[everything["source_id"].isin(source_ids)].sort_values("source_id")[
            ["source_id", "title", "publisher", "cites", "licence", "period"]]
    return warehouse.cached(("sources", tuple(sorted(set(source_ids)))), load)


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


def quality_flags(warehouse: Warehouse) -> pd.DataFrame:
    """The caveats a value can carry (code, rank, label, explanation), most serious first."""
    return warehouse.cached("quality_flags", lambda wh: wh.query(
        "SELECT * FROM quality_flags ORDER BY rank"))


def flag_labels(warehouse: Warehouse) -> dict[str, str]:
    """Each quality flag's code -> its label ('sds_equals_dp' -> 'Self-directed support ...')."""
    flags = quality_flags(warehouse)
    return dict(zip(flags["quality_flag"], flags["label"]))


def source_precedence(warehouse: Warehouse) -> pd.DataFrame:
    """Which kind of source is shown when several give the same figure, first first."""
    return warehouse.cached("source_precedence", lambda wh: wh.query(
        "SELECT * FROM source_precedence ORDER BY precedence"))


def source_differences(warehouse: Warehouse) -> pd.DataFrame:
    """Every value a source gives that another source's value is shown instead of, beside it."""
    return warehouse.cached("source_differences", lambda wh: wh.query(
        "SELECT * FROM source_differences ORDER BY measure_id, period, area_name, other_source"))


def build_files(warehouse: Warehouse) -> pd.DataFrame:
    """Every raw file the build looked at: loaded, refused (why), unrecognised or duplicate."""
    return warehouse.cached("build_files", lambda wh: wh.query(
        "SELECT * FROM build_files ORDER BY outcome, file_name"))
