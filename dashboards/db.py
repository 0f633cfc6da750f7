"""The only module that touches the served DuckDB. Read-only; follows the file through rebuilds.

The ETL swaps a new database in with an atomic rename. Each build is known by the file's
identity (device, inode, size, modification time): every request pins the build at the path
when it starts, and reads only that build to its end, so a response is never half one build
and half the next, and a request that starts after a swap reads the new build. A build no
longer at the path is retired: closed as soon as its last reader lets go.

Each build opens in a DuckDB instance of its own (in memory, with the file attached read-only)
rather than `duckdb.connect(path)`: DuckDB hands every connect() of a path that is still open
anywhere in the process the instance already open, whatever file is at that path now, so a
reconnect after a swap would read the old build (duckdb/duckdb#15912). Nothing in the server
opens the file any other way (the dataset bundle reads through `Warehouse.read_with`).

Once the file is gone or unreadable, every cache is dropped and reads raise
WarehouseUnavailable (the app answers 503 saying how to rebuild) until a database is back.

Two caches per worker, both emptied by a new build:
- `Warehouse.cached(key, load)`: reference data (areas, measures, the catalogue, the app table
  read per measure and period or whole, each distinct string held once, with each group's
  order and filter columns), held by the build: keyed only by what the build holds, so its size
  is the database's, whatever requests ask.
- `Warehouse.remember(key, produce)`: query results and whole responses, least recently used
  first out, bounded by what they cost in memory (key, value and the cache's own bookkeeping):
  UPTAKE_CACHE_MB megabytes (default 64; 0 turns it off). Keys carry the build's identity as
  well, so an entry can never answer for another build.
"""
from __future__ import annotations

import atexit
import dataclasses
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple, TypeVar

import duckdb
import numpy as np
import pandas as pd

ENGLAND = "E92000001"
CACHE_ENV = "UPTAKE_CACHE_MB"
DEFAULT_CACHE_MB = 64
# An entry larger than this share of the bound is served but not kept: one huge response must
# not flush everything else.
LARGEST_ENTRY_SHARE = 0.25
# What one entry costs beyond its key and value: its slot and link in the ordered dict (~100
# bytes with the dict's spare room), the (value, cost) pair and its int (~85), rounded up.
# Measured by filling the cache with the smallest responses there are (empty API results,
# ~400-700 bytes each, keys ~1 KB deep) and reading the process's resident memory: ~1.5 KB per
# entry in all, which key + value + this counts as ~2 KB (deep_size counts the strings and
# build identity entries share as each one's own). tests/serving/test_cache.py keeps it honest.
ENTRY_OVERHEAD = 256
# A DataFrame's fixed cost beyond what memory_usage(deep=True) reports (its block manager,
# index and per-column arrays), measured with tracemalloc on pandas 3.
FRAME_OVERHEAD = 2048
FRAME_COLUMN_OVERHEAD = 1536
CATALOG = "warehouse"   # the attached file's name inside its DuckDB instance

T = TypeVar("T")


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


# --- what a cache entry costs ------------------------------------------------------------

def deep_size(value: object, seen: set[int] | None = None) -> int:
    """Bytes value holds, counting everything it refers to once. Objects shared with others
    (an interned string, a column shared with a cached frame) are counted as if owned: a bound
    may be undershot, never overshot. A type with no rule here is refused, not guessed."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, (bytes, bytearray, str, int, float, bool, type(None))):
        return sys.getsizeof(value)
    if isinstance(value, (tuple, list, set, frozenset)):
        return sys.getsizeof(value) + sum(deep_size(item, seen) for item in value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(deep_size(k, seen) + deep_size(v, seen) for k, v in value.items())
    if isinstance(value, pd.DataFrame):
        return (int(value.memory_usage(index=True, deep=True).sum()) + FRAME_OVERHEAD
                + FRAME_COLUMN_OVERHEAD * len(value.columns))
    if isinstance(value, np.ndarray) and value.dtype != object:
        return sys.getsizeof(value) + (0 if value.base is None else value.nbytes)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Its fields and anything it has worked out since (cached properties live in __dict__).
        return sys.getsizeof(value) + deep_size(dict(getattr(value, "__dict__", {})) or
                                                {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, seen)
    raise TypeError(f"the response cache cannot size a {type(value).__name__}: give deep_size a rule for it")


def entry_cost(key: Hashable, value: object) -> int:
    """What keeping value under key costs the process, in bytes."""
    seen: set[int] = set()
    return deep_size(key, seen) + deep_size(value, seen) + ENTRY_OVERHEAD


class BoundedCache:
    """Least recently used entries, bounded by the total of what they cost in memory (key,
    value and per-entry bookkeeping: see entry_cost).

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

    def cost(self, key: Hashable) -> int | None:
        """What the entry under key is counted as, or None when there is none."""
        with self._lock:
            entry = self._entries.get(key)
            return None if entry is None else entry[1]

    def put(self, key: Hashable, value: object) -> bool:
        """Keep value unless it costs too much for the bound; evict the oldest to make room."""
        if self.max_bytes <= 0:
            return False
        cost = entry_cost(key, value)
        if cost > self.max_bytes * LARGEST_ENTRY_SHARE:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._entries[key] = (value, cost)
            self.size += cost
            while self.size > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.size -= evicted
        return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


_MISSING = object()


# --- one build of the file ---------------------------------------------------------------

class FileIdentity(NamedTuple):
    """What tells one build of the file from another: a swapped-in build has a new inode, a
    file rewritten or truncated in place a new size or modification time."""
    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> "FileIdentity":
        stat = path.stat()
        return cls(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB instance of its own, never shared, with the file attached read-only as its
    default database (so cursors, which are new connections, read the file too)."""
    connection = duckdb.connect(":memory:")
    try:
        connection.execute(f"ATTACH ? AS {CATALOG} (READ_ONLY)", [str(path)])
        connection.execute(f"USE {CATALOG}")
        connection.execute("DETACH memory")     # new connections then default to the file
    except BaseException:
        connection.close()
        raise
    return connection


class _Build:
    """One build of the database, open in its own instance, with what has been read from it."""

    def __init__(self, path: Path, identity: FileIdentity):
        self.identity = identity
        self.connection = _open_read_only(path)
        self.cache: dict[Hashable, object] = {}
        self.readers = 0          # requests and reads using it now (the warehouse's lock guards it)
        self.retired = False      # no longer at the path: closed when the last reader lets go

    def close(self) -> None:
        self.connection.close()
        self.cache = {}


class Warehouse:
    def __init__(self, path: Path | str, cache_bytes: int | None = None):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._current: _Build | None = None
        self._broken: tuple[FileIdentity, str] | None = None    # a file that failed to open, and why
        self._local = threading.local()       # .build: the build this thread is pinned to
        self._loading: dict[Hashable, threading.RLock] = {}
        self.responses = BoundedCache(cache_bytes_from_environment() if cache_bytes is None else cache_bytes)

    # --- which build ------------------------------------------------------------------

    def _no_database(self) -> WarehouseUnavailable:
        return WarehouseUnavailable(
            f"No database at {self.path}. Build it with `python -m etl build` "
            "(or `make run`), then reload this page.")

    def _unreadable(self, error: Exception) -> WarehouseUnavailable:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return WarehouseUnavailable(
            f"The database at {self.path} cannot be read ({reason}). It may be damaged or not a "
            "database: rebuild it with `python -m etl build` (or `make run`), then reload this page.")

    def _retire_current(self) -> None:
        """The current build is no longer at the path (caller holds the lock): nothing new
        reads it, its cached responses go, and it closes once its last reader is done."""
        build, self._current = self._current, None
        if build is None:
            return
        build.retired = True
        self.responses.clear()
        if build.readers == 0:
            build.close()

    def _identity(self) -> FileIdentity:
        try:
            return FileIdentity.of(self.path)
        except FileNotFoundError as error:
            with self._lock:
                self._retire_current()
            raise self._no_database() from error
        except OSError as error:       # a path through a file, no permission...
            with self._lock:
                self._retire_current()
            raise self._unreadable(error) from error

    def _open_current(self, identity: FileIdentity) -> _Build:
        """The build with this identity, opened (caller holds the lock). A file that could not
        be opened is not tried again until it changes: every request meanwhile gets the same
        answer at once, rather than each paying for a DuckDB instance that fails."""
        if self._broken is not None and self._broken[0] == identity:
            raise WarehouseUnavailable(self._broken[1])
        try:
            build = _Build(self.path, identity)
        except duckdb.Error as error:   # junk bytes, an empty or half-copied file, a directory...
            unavailable = self._unreadable(error)
            self._broken = (identity, str(unavailable))
            raise unavailable from error
        self._broken, self._current = None, build
        return build

    def _acquire(self) -> _Build:
        """The build at the path now, opened if it is new, with one more reader."""
        for _ in range(3):
            identity = self._identity()
            with self._lock:
                build = self._current
                if build is None or build.identity != identity:
                    self._retire_current()
                    build = self._open_current(identity)
                build.readers += 1
            # Swapped again while it opened? Then what opened may be either file: let it go and
            # look again, so a build is only ever known by the identity of what it reads.
            try:
                unchanged = self._identity() == identity
            except WarehouseUnavailable:
                self._release(build)
                raise
            if unchanged:
                return build
            self._release(build)
        raise WarehouseUnavailable(f"The database at {self.path} is being replaced faster than it "
                                   "can be opened; try again in a moment.")

    def _release(self, build: _Build) -> None:
        with self._lock:
            build.readers -= 1
            if build.retired and build.readers == 0:
                build.close()

    def pin(self) -> Callable[[], None]:
        """Pin this thread to the build at the path now, until the function returned is called.
        Pinned, every read (queries and both caches) comes from that one build; the app pins
        each request. Already pinned: the outer pin holds, and the function does nothing."""
        if getattr(self._local, "build", None) is not None:
            return lambda: None
        build = self._acquire()
        self._local.build = build

        def release() -> None:
            self._local.build = None
            self._release(build)
        return release

    @contextmanager
    def reading(self):
        """The build this thread reads, pinned for the block (see pin)."""
        release = self.pin()
        try:
            yield self._local.build
        finally:
            release()

    def stamp(self) -> FileIdentity:
        """The identity of the build this thread reads: a new one means a new build."""
        with self.reading() as build:
            return build.identity

    # --- reading ------------------------------------------------------------------------

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

    def cached(self, key: Hashable, load: Callable[["Warehouse"], T]) -> T:
        """load(self) once per database build: reference data pages read on every callback.

        Held by the build, so a rebuilt database is never answered from the old one.
        """
        with self.reading() as build:
            found = build.cache.get(key, _MISSING)
            if found is not _MISSING:
                return found
            with self._single_flight((build.identity, key)):
                found = build.cache.get(key, _MISSING)
                if found is _MISSING:
                    found = build.cache[key] = load(self)
                return found

    def remember(self, key: Hashable, produce: Callable[[], T]) -> T:
        """produce() through the bounded cache, keyed by key and this build's identity."""
        with self.reading() as build:
            full_key = (build.identity, key)
            found = self.responses.get(full_key, _MISSING)
            if found is not _MISSING:
                return found
            with self._single_flight(full_key):
                found = self.responses.get(full_key, _MISSING)
                if found is _MISSING:
                    found = produce()
                    if not build.retired:      # a retired build's entries could never be asked for
                        self.responses.put(full_key, found)
                return found

    def recall(self, key: Hashable, default=None):
        """What remember() holds for key in this build, without producing it."""
        with self.reading() as build:
            return self.responses.get((build.identity, key), default)

    def read_with(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """work(cursor) on this thread's build, for readers that run several statements (the
        dataset bundle); a damaged file's errors become WarehouseUnavailable."""
        with self.reading() as build:
            # A cursor is a per-call connection sharing the build's instance: safe across threads.
            cursor = build.connection.cursor()
            try:
                return work(cursor)
            except (duckdb.IOException, duckdb.InternalException) as error:
                raise self._unreadable(error) from error
            except duckdb.Error as error:
                # A file damaged after its header opens, then fails a block checksum mid-query.
                if "corrupt" in str(error).lower():
                    raise self._unreadable(error) from error
                raise
            finally:
                cursor.close()

    def query(self, sql: str, parameters: list | tuple = ()) -> pd.DataFrame:
        return self.read_with(lambda cursor: cursor.execute(sql, list(parameters)).fetch_df())


def dataset_bundle(warehouse: Warehouse) -> bytes:
    """The whole dataset as a zip (etl.export's bundle), made once per build from that build."""
    from etl.export import bundle_bytes

    return warehouse.cached("bundle_zip", lambda wh: wh.read_with(bundle_bytes))


OBSERVATION_FILTERS = ("measure_id", "period", "age_band", "client_group", "area_type", "region_code")


INDEXED = ("measure_id", "period")


def _group_keys(warehouse: Warehouse) -> list[tuple[str, str]]:
    """Every (measure, period) of the app table, sorted."""
    return warehouse.cached("observation_group_keys", lambda wh: [tuple(key) for key in wh.query(
        "SELECT DISTINCT measure_id, period FROM app_observations ORDER BY ALL").itertuples(index=False)])


# A group's rows in one order whichever way they were read (the view's own order is whatever
# its joins give): its grain.
_GRAIN = ["area_code", "age_band", "client_group"]
# More groups than this not yet read: one query for the whole table (~0.25 s) beats one per group
# (~30 ms each: every query runs the view's joins).
MAX_SEPARATE_READS = 6
READ_WHOLE_TABLE_AFTER = 1.5      # seconds after a worker's first group is read on its own


def _compact(frame: pd.DataFrame, pool: dict[str, str]) -> pd.DataFrame:
    """The frame with every text column as str and each distinct string held once: DuckDB gives
    each cell its own string, ~55 MB for the app table where a few thousand distinct strings
    hold it all. `pool` (one per build) shares them across reads too."""
    columns = {}
    for column in frame.columns:
        series = frame[column]
        if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            shared = np.array([pool.setdefault(value, value) for value in uniques] + [None], dtype=object)
            # A text column with no value in a group comes back as object: str, as read with the
            # rest of the table (every object column of the app table is text).
            columns[column] = pd.array(shared[codes], dtype="str")
    return frame.assign(**columns) if columns else frame


def _read(wh: Warehouse, where: str = "", parameters: list | tuple = ()) -> pd.DataFrame:
    """App table rows, compacted, in one order whichever way they were read: by measure, year
    and grain (the view's own order is whatever its joins give)."""
    pool = wh.cached("string_pool", lambda _: {})

    def chunks(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        # Compacted a chunk at a time: the whole table's strings, one object per cell, would
        # otherwise be in memory at once (~60 MB), and the process keeps what it once held.
        result = cursor.execute(f"SELECT * FROM app_observations {where}", list(parameters))
        parts = []
        while True:
            chunk = result.fetch_df_chunk(2)
            if chunk.empty and parts:
                break
            parts.append(_compact(chunk, pool))
            if chunk.empty:
                break
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    return wh.read_with(chunks).sort_values(["measure_id", "period", *_GRAIN], kind="stable").reset_index(drop=True)


def _all_groups(warehouse: Warehouse) -> dict[tuple, pd.DataFrame]:
    """The whole app table, one frame per (measure, period), each a slice of one table (no copy)."""
    def load(wh: Warehouse) -> dict[tuple, pd.DataFrame]:
        table = _table(wh)
        keys = list(zip(table["measure_id"].tolist(), table["period"].tolist()))
        starts = [0] + [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]] + [len(keys)]
        return {keys[a]: table.iloc[a:b].reset_index(drop=True) for a, b in zip(starts, starts[1:])}
    return warehouse.cached("observation_groups", load)


def _table(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.cached("observation_table", lambda wh: _read(wh))


def _observation_group(warehouse: Warehouse, key: tuple[str, str]) -> pd.DataFrame:
    """One (measure, period) of the app table, kept for the build: pages ask for one measure
    and year on almost every callback, and a dictionary lookup plus a mask over a few thousand
    rows answers in ~1 ms where a query takes ~10 ms. Read alone when the whole table is not
    in memory yet, so a new worker's first page reads its own year, not the whole table."""
    with warehouse.reading() as build:
        whole = "observation_table" in build.cache
    if whole:
        return _all_groups(warehouse)[key]
    _read_whole_table_soon(warehouse)
    return warehouse.cached(("observation_group", *key), lambda wh: _read(
        wh, "WHERE measure_id = ? AND period = ?", list(key)))


def _read_whole_table_soon(warehouse: Warehouse) -> None:
    """Once per build, read the whole table in the background: the first requests are answered
    from their own groups, and the ones after from memory, not a query per new year (~30 ms)."""
    with warehouse.reading() as build:
        if build.cache.get("observation_table_reader"):
            return      # (two threads racing here start two readers: the read is single-flight)
        build.cache["observation_table_reader"] = True

    def read() -> None:
        try:
            with warehouse.reading() as pinned:
                if pinned is build and not pinned.retired:
                    # Each group's index too (~1 ms each): otherwise the first request for each
                    # year and measure pays for its own, and those are a callback's slowest.
                    for key, group in _all_groups(warehouse).items():
                        _group_index(warehouse, key, group)
                    _table_index(warehouse)      # for requests over several years (~40 ms)
                    for period in sorted({period for _, period in _group_keys(warehouse)}):
                        councils_alive(warehouse, period)
        except WarehouseUnavailable:
            pass        # the build went away: requests say so
    # A moment later: the request that asked first is answered before the read competes with it.
    reader = threading.Timer(READ_WHOLE_TABLE_AFTER, read)
    reader.name, reader.daemon = "read-app-table", True
    reader.start()
    # A process ending mid-read (a short CLI run, a worker stopped early) would kill the thread
    # inside DuckDB, which aborts the process: not yet started, it is cancelled; else awaited.
    atexit.register(_stop_reader, reader)


def _stop_reader(reader: threading.Timer) -> None:
    reader.cancel()
    reader.join(timeout=10)


def _groups(warehouse: Warehouse, keys: list[tuple[str, str]]) -> list[pd.DataFrame]:
    with warehouse.reading() as build:
        unread = "observation_table" not in build.cache and sum(
            ("observation_group", *key) not in build.cache for key in keys)
    if unread and unread > MAX_SEPARATE_READS:
        _all_groups(warehouse)
    return [_observation_group(warehouse, key) for key in keys]


def _observation_groups(warehouse: Warehouse) -> dict[tuple, pd.DataFrame]:
    """Every (measure, period) group (the API's full listing, the sources page's counts)."""
    return _all_groups(warehouse)


def _as_list(wanted: str | list[str] | tuple[str, ...]) -> list[str]:
    return list(wanted) if isinstance(wanted, (list, tuple)) else [wanted]


def observation_groups(warehouse: Warehouse, measure_ids: list[str] | None = None,
                       periods: list[str] | None = None) -> list[tuple[tuple[str, str], pd.DataFrame]]:
    """The app table's (measure, period) groups, sorted by that key, optionally only some:
    for readers that keep their own per-group work (the API caches each group's text)."""
    keys = [key for key in _group_keys(warehouse) if (measure_ids is None or key[0] in measure_ids)
            and (periods is None or key[1] in periods)]
    return list(zip(keys, _groups(warehouse, keys)))


# What observations() filters a group by without pandas: each column as a numpy array.
_INDEX_COLUMNS = ("measure_id", "period", "age_band", "client_group", "area_type", "region_code", "area_code")


class _Coded(NamedTuple):
    """A column as small integer codes (-1: missing) and each value's code: comparing 37,000
    integers costs a few microseconds, comparing as many Python strings ~0.4 ms."""
    codes: np.ndarray
    code_of: dict


class _GroupIndex(NamedTuple):
    frame: pd.DataFrame                 # the group as read (shared with observation_groups)
    order: np.ndarray                   # positions in _ordered()'s order
    columns: dict[str, _Coded]          # _INDEX_COLUMNS, each in that order


def _coded(values: np.ndarray) -> _Coded:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return _Coded(codes.astype(np.int32), {value: code for code, value in enumerate(uniques.tolist())})


def _indexed(frame: pd.DataFrame) -> _GroupIndex:
    order = _ordered(frame.assign(_position=np.arange(len(frame))))["_position"].to_numpy()
    return _GroupIndex(frame, order, {c: _coded(frame[c].to_numpy(dtype=object)[order]) for c in _INDEX_COLUMNS})


def _group_index(warehouse: Warehouse, key: tuple[str, str], frame: pd.DataFrame) -> _GroupIndex:
    """A group's rows in the pages' order with its filter columns as arrays, made once per build
    and key: a page's selection is then a few array comparisons and one take of the rows."""
    return warehouse.cached(("observation_index", *key), lambda _: _indexed(frame))


def _table_index(warehouse: Warehouse) -> _GroupIndex:
    """The same for the whole table: a council's profile asks for its rows of every measure."""
    return warehouse.cached("observation_table_index", lambda wh: _indexed(_table(wh)))


def _matches(column: _Coded, wanted) -> np.ndarray:
    codes = [column.code_of[value] for value in _as_list(wanted) if value in column.code_of]
    if len(codes) == 1:
        return column.codes == codes[0]
    return np.isin(column.codes, codes)


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Councils first, highest value first, then by name and period (as the pages list them)."""
    return frame.assign(_council=frame["area_type"] != "council").sort_values(
        ["_council", "value", "area_name", "period"], ascending=[True, False, True, True],
        na_position="last").drop(columns="_council").reset_index(drop=True)


def observations(warehouse: Warehouse, *, area_codes: list[str] | None = None,
                 **filters: str | list[str] | None) -> pd.DataFrame:
    """Observations with their intervals and gap from England, filtered by equality or lists,
    councils first, highest value first, then by name and period.

    Filters are the columns in OBSERVATION_FILTERS. Answered from the app table in memory
    (read per measure and year, or whole when a request spans many: see _groups)."""
    for column in filters:
        if column not in OBSERVATION_FILTERS:
            raise ValueError(f"cannot filter observations by {column!r}")
    wanted = {column: _as_list(filters[column]) for column in INDEXED if filters.get(column) is not None}
    keys = [key for key in _group_keys(warehouse)
            if all(value in wanted.get(column, [value]) for column, value in zip(INDEXED, key))]
    if not keys:
        return warehouse.query("SELECT * FROM app_observations LIMIT 0")
    groups = _groups(warehouse, keys)
    with warehouse.reading() as build:
        whole = len(keys) > 1 and "observation_table" in build.cache
    # One group (nearly every page request), or the whole table: filtered on its arrays, in the
    # pages' order, then one take of the rows (pandas masks copy every column per filter).
    # A few groups read alone: each so, then put in order together.
    indexes = [_table_index(warehouse)] if whole else \
        [_group_index(warehouse, key, group) for key, group in zip(keys, groups)]
    parts = []
    for index in indexes:
        mask = np.ones(len(index.order), dtype=bool)
        for column, value in filters.items():
            if value is not None:
                mask &= _matches(index.columns[column], value)
        if area_codes is not None:
            mask &= _matches(index.columns["area_code"], list(area_codes)) if area_codes else False
        if mask.any() or not parts:
            parts.append(index.frame.take(index.order[mask]))
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    return _ordered(pd.concat([part for part in parts if len(part)], ignore_index=True))


SERIES_COLUMNS = ("area_code", "measure_id", "period", "value", "numerator", "denominator")


def series_counts(warehouse: Warehouse, *, measure_id: str, age_band: str, client_group: str,
                  area_type: str) -> pd.DataFrame:
    """Every year's value and counts (SERIES_COLUMNS) of one measure and breakdown, in no
    particular order: what a recent-trend test reads for each area. From the table in memory
    when it is there; else by a narrow query, so a new worker's first page does not wait for the
    whole table (~0.4 s) to be read for one series (the table is read soon after, as usual)."""
    with warehouse.reading() as build:
        whole = "observation_table" in build.cache
    if not whole:
        _read_whole_table_soon(warehouse)
        return warehouse.query(
            f"SELECT {', '.join(SERIES_COLUMNS)} FROM app_observations WHERE measure_id = ? AND age_band = ? "
            "AND client_group = ? AND area_type = ?", [measure_id, age_band, client_group, area_type])
    periods = sorted({period for measure, period in _group_keys(warehouse) if measure == measure_id})
    rows = observations(warehouse, measure_id=measure_id, period=periods, age_band=age_band,
                        client_group=client_group, area_type=area_type)
    return rows[list(SERIES_COLUMNS)]


def catalogue(warehouse: Warehouse) -> pd.DataFrame:
    """Every (measure, period, age band, client group) with counts of councils and comparators."""
    return warehouse.cached("catalogue", lambda wh: wh.query(
        """
        SELECT measure_id, period, age_band, client_group,
               count(*) FILTER (WHERE area_type = 'council' AND value IS NOT NULL) AS councils,
               bool_or(area_code = 'E92000001' AND value IS NOT NULL) AS has_england,
               -- councils whose value the publisher does not forbid comparing (a page offers
               -- the latest year with some when every council of the year asked for is flagged)
               count(*) FILTER (WHERE area_type = 'council' AND value IS NOT NULL
                                AND coalesce(quality_flag, '') NOT LIKE '%not_comparable_between_councils%')
                   AS comparable_councils
        FROM app_observations GROUP BY ALL ORDER BY ALL
        """))


def catalogue_by_region(warehouse: Warehouse) -> pd.DataFrame:
    """For each (measure, period, age band, client group) and region, how many of the region's
    councils have a value: which regions a page may offer for a year and breakdown."""
    return warehouse.cached("catalogue_by_region", lambda wh: wh.query(
        """
        SELECT measure_id, period, age_band, client_group, region_code, count(*) AS councils
        FROM app_observations
        WHERE area_type = 'council' AND value IS NOT NULL AND region_code IS NOT NULL
        GROUP BY ALL ORDER BY ALL
        """))


def measures(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.cached("measures", lambda wh: wh.query("SELECT * FROM measures ORDER BY measure_id"))


def areas(warehouse: Warehouse, area_type: str | None = None) -> pd.DataFrame:
    everything = warehouse.cached("areas", lambda wh: wh.query("SELECT * FROM areas ORDER BY area_type, area_name"))
    if area_type is None:
        return everything
    # Once per type and build: pages ask for the councils several times per callback.
    return warehouse.cached(("areas", area_type), lambda _: everything[everything["area_type"] == area_type]
                            .sort_values("area_name"))


def councils_alive(warehouse: Warehouse, period: str) -> pd.DataFrame:
    """Councils that existed at 31 March of the period's end (first and last periods inclusive)."""
    def load(wh: Warehouse) -> pd.DataFrame:
        # From the areas in memory, not a query: a page's first request for each year paid ~15 ms.
        councils = areas(wh, "council")
        alive = (councils["first_period"].fillna("0000-00") <= period) & \
            (councils["last_period"].fillna("9999-99") >= period)
        return councils[alive].sort_values("area_name", kind="stable").reset_index(drop=True)
    return warehouse.cached(f"councils_alive:{period}", load)


def area(warehouse: Warehouse, area_code: str) -> dict | None:
    def by_code(wh: Warehouse) -> dict[str, dict]:
        found = {}
        for record in areas(wh).to_dict("records"):
            found.setdefault(record["area_code"], record)   # the first, as a filter's iloc[0] gave
        return found
    found = warehouse.cached("areas_by_code", by_code).get(area_code)
    return None if found is None else dict(found)   # a copy: callers may change it


def series_breaks(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.cached("series_breaks", lambda wh: wh.query(
        "SELECT * FROM all_series_breaks ORDER BY period, measure_id, area_code"))


def measure_series_breaks(warehouse: Warehouse) -> pd.DataFrame:
    """The breaks that belong to a measure (every chart's caveats look them up), by period."""
    def load(wh: Warehouse) -> pd.DataFrame:
        breaks = series_breaks(wh)
        return breaks[breaks["measure_id"].notna()].sort_values("period", kind="stable")
    return warehouse.cached("measure_series_breaks", load)


def all_sources(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.cached("sources", lambda wh: wh.query("SELECT * FROM sources ORDER BY file_name"))


def public_sources(warehouse: Warehouse) -> pd.DataFrame:
    """The sources as a user may download them (API, xlsx, bundle): each with its publisher's
    page and file URL, and its file by the publisher's name, never the server's folder."""
    from etl.export import SOURCES_QUERY

    return warehouse.cached("public_sources", lambda wh: wh.query(SOURCES_QUERY))


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


def measure_sources(warehouse: Warehouse, measure_id: str) -> pd.DataFrame:
    """Each (period, publication) that gives the measure, with whether its figures are the ones
    shown, how many rows it gives and where to check it (every source, shown or not)."""
    def load(wh: Warehouse) -> pd.DataFrame:
        return wh.query(
            """
            SELECT f.period, f.source_id, bool_or(f.preferred) AS shown, count(*) AS rows,
                   any_value(s.title) AS title, any_value(s.publisher) AS publisher,
                   any_value(s.cites) AS cites, any_value(s.landing_page) AS landing_page,
                   any_value(s.file_url) AS file_url, any_value(f.source_kind) AS source_kind
            FROM facts_all AS f JOIN sources AS s USING (source_id)
            WHERE f.measure_id = ?
            GROUP BY f.period, f.source_id
            ORDER BY f.period, shown DESC, f.source_id
            """, [measure_id])
    return warehouse.cached(("measure_sources", measure_id), load)


def measure_notes(warehouse: Warehouse, measure_id: str) -> dict[str, pd.DataFrame]:
    """What a measure page says about comparability: its definition breaks and renames, the
    publisher's caveats, the quality flags its shown values carry (how many, which years) and
    the client-group crosswalk's notes."""
    def load(wh: Warehouse) -> dict[str, pd.DataFrame]:
        return {
            "breaks": wh.query("SELECT period, kind, note FROM series_breaks WHERE measure_id = ? "
                               "ORDER BY period, kind", [measure_id]),
            # A caveat for any measure of a layout applies where that layout gives this one.
            "caveats": wh.query(
                """
                SELECT DISTINCT c.period, c.area_code, c.note FROM publisher_caveats AS c
                WHERE c.measure_id = ? OR (c.measure_id IS NULL AND EXISTS (
                    SELECT 1 FROM facts_all AS f JOIN sources AS s USING (source_id)
                    WHERE f.measure_id = ? AND (c.period IS NULL OR c.period = f.period)
                      AND (c.layout_id IS NULL OR list_contains(string_split(s.layout_id, ', '), c.layout_id))))
                ORDER BY c.period NULLS FIRST, c.area_code NULLS FIRST
                """, [measure_id, measure_id]),
            "flags": wh.query(
                """
                SELECT q.quality_flag, q.label, q.explanation, q.suppresses_comparison, count(*) AS rows,
                       array_to_string(list_sort(list(DISTINCT f.period)), ', ') AS periods
                FROM (SELECT period, unnest(string_split(quality_flag, '; ')) AS code FROM observations
                      WHERE measure_id = ? AND quality_flag IS NOT NULL) AS f
                JOIN quality_flags AS q ON q.quality_flag = f.code
                GROUP BY q.quality_flag, q.label, q.explanation, q.suppresses_comparison, q.rank
                ORDER BY q.rank
                """, [measure_id]),
            "client_groups": wh.query(
                """
                SELECT DISTINCT c.comparability_note FROM client_groups AS c
                WHERE c.comparability_note IS NOT NULL AND c.client_group IN (
                    SELECT DISTINCT client_group FROM observations WHERE measure_id = ? AND client_group <> 'all')
                ORDER BY 1
                """, [measure_id]),
        }
    return warehouse.cached(("measure_notes", measure_id), load)


def area_links(warehouse: Warehouse) -> pd.DataFrame:
    """Every (old code, new code) pair of a code change, with its date, kind and note."""
    return warehouse.cached("area_links", lambda wh: wh.query(
        "SELECT predecessor_code, successor_code, strftime(effective_date, '%Y-%m-%d') AS effective_date, "
        "kind, note FROM area_links ORDER BY effective_date, predecessor_code, successor_code"))


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
